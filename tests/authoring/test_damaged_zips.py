"""Issue 14.13: a damaged or unsupported zip (bad CRC, encryption, an unknown
compression method, an entry larger than declared) gave a 500 in the browser
and a traceback on the command line. Now: 「zipファイルが壊れているか、対応して
いない形式です」 in both, exit 1, and no member is read past its bound."""

import io
import struct
import zipfile

import pytest

from skillapp.authoring import export
from tests.authoring.builders import LESSON_MD, MODULE_YAML, QUIZ_YAML

MESSAGE = "zipファイルが壊れているか、対応していない形式です"


def module_zip(*, compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("broken/module.yaml", MODULE_YAML)
        archive.writestr("broken/quiz.yaml", QUIZ_YAML)
        archive.writestr("broken/lessons/01-first.md", LESSON_MD * 50)
    return buffer.getvalue()


def patch(data: bytes, name: str, *, flags=None, method=None, size=None, corrupt=False) -> bytes:
    """Change one member's headers (local and central) or its bytes."""
    out = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    local = info.header_offset
    central = out.index(b"PK\x01\x02")
    while out[central + 46 : central + 46 + len(name)] != name.encode():
        central = out.index(b"PK\x01\x02", central + 4)
    for offset, (flag_at, method_at, size_at) in ((local, (6, 8, 22)), (central, (8, 10, 24))):
        if flags is not None:
            struct.pack_into("<H", out, offset + flag_at, flags)
        if method is not None:
            struct.pack_into("<H", out, offset + method_at, method)
        if size is not None:
            struct.pack_into("<I", out, offset + size_at, size)
    if corrupt:
        start = local + 30 + len(name) + struct.unpack_from("<H", out, local + 28)[0]
        out[start + 5] ^= 0xFF
    return bytes(out)


LESSON = "broken/lessons/01-first.md"
DAMAGED = {
    "bad CRC": patch(module_zip(), LESSON, corrupt=True),
    "encrypted": patch(module_zip(), LESSON, flags=0x1),
    "unknown method": patch(module_zip(), LESSON, method=99),
    "larger than declared": patch(module_zip(compression=zipfile.ZIP_DEFLATED), LESSON, size=100),
    "deflate data damaged": patch(
        module_zip(compression=zipfile.ZIP_DEFLATED), LESSON, corrupt=True
    ),
}


@pytest.mark.parametrize("kind", DAMAGED)
def test_a_damaged_zip_is_a_clear_problem_in_the_browser(client, login, make_user, kind):
    login(make_user("AUTH1", roles=["author"]))
    response = client.post(
        "/authoring/import",
        data={"file": (io.BytesIO(DAMAGED[kind]), "broken.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert MESSAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", DAMAGED)
def test_a_damaged_zip_is_a_clear_problem_on_the_command_line(runner, tmp_path, kind):
    path = tmp_path / "broken.zip"
    path.write_bytes(DAMAGED[kind])
    result = runner.invoke(args=["content", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "the zip file is damaged or of an unsupported kind" in result.output


def test_no_member_is_read_past_its_bound(monkeypatch):
    monkeypatch.setattr(export, "MAX_ZIP_MEMBER", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big/module.yaml", MODULE_YAML)
        archive.writestr("big/lessons/01-first.md", "# 長い\n\n" + "あ" * 600_000)
    _slug, _files, problems = export.read_zip(buffer.getvalue(), "big.zip")
    assert [p.message for p in problems] == [
        "a file in the zip is larger than 1 MB: big/lessons/01-first.md"
    ]
