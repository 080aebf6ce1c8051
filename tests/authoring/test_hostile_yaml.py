"""Issue 14.7: YAML alias bombs ("billion laughs"). A 322-byte module.yaml in
a zip took a worker to 1.1 GB and 15.7 s, and a survey MAP.yaml did the same
and answered with a 160 MB page echoing the expansion. Every YAML read from a
user now refuses anchors and aliases, at once, with a clear message, and
bounds nesting and size."""

import io
import time
import zipfile

import pytest

from skillapp.surveys.importing import load_mapping_yaml
from tests.authoring.builders import LESSON_MD, QUIZ_YAML
from tests.metrics.test_indicators import ROSTER, SURVEY_2026, roster_import
from tests.surveys.test_views import upload as survey_upload

# Nine levels of nine: 9⁹ (387 million) "lol" once expanded; a few hundred bytes.
LAUGHS = "\n".join(
    ['lol: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
)
BOMB_MODULE = f"title: 爆弾\ncategory: other\nsummary: x\n{LAUGHS}\n"


def bomb_zip(module_yaml: str = BOMB_MODULE) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb/module.yaml", module_yaml)
        archive.writestr("bomb/quiz.yaml", QUIZ_YAML)
        archive.writestr("bomb/lessons/01-first.md", LESSON_MD)
    return buffer.getvalue()


def test_a_billion_laughs_module_is_refused_at_once(client, login, make_user, runner, tmp_path):
    assert len(LAUGHS) < 600
    login(make_user("AUTH1", roles=["author"]))
    start = time.perf_counter()
    response = client.post(
        "/authoring/import",
        data={"file": (io.BytesIO(bomb_zip()), "bomb.zip")},
        content_type="multipart/form-data",
    )
    assert time.perf_counter() - start < 2
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "アンカーと別名（&amp; と *）は使えません" in page
    assert len(page) < 20_000 and page.count("lol") < 20
    path = tmp_path / "bomb.zip"
    path.write_bytes(bomb_zip())
    result = runner.invoke(args=["content", "import", str(path)])
    assert result.exit_code == 1
    assert "module.yaml:4: anchors and aliases (& and *) are not allowed" in result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: " + "[" * 5000 + "]" * 5000 + "\n", "入れ子が深すぎます（50段まで）"),
        ("title: &t x\ncategory: other\nsummary: *t\n", "アンカーと別名"),
    ],
)
def test_deep_nesting_and_a_single_anchor_are_refused(client, login, make_user, text, expected):
    login(make_user("AUTH1", roles=["author"]))
    response = client.post(
        "/authoring/import",
        data={"file": (io.BytesIO(bomb_zip(text)), "bomb.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert expected in response.get_data(as_text=True)


def test_a_billion_laughs_survey_mapping_is_refused_without_echo(
    client, make_user, login, runner, tmp_path
):
    roster_import(ROSTER, "2026-04-01")
    login(make_user("HR1", roles=["hr"]))
    mapping = f"staff_no_column: 職員番号\n{LAUGHS}\n"
    start = time.perf_counter()
    mapping_result = load_mapping_yaml(mapping)
    assert time.perf_counter() - start < 1
    assert mapping_result == (
        None,
        ["2行目: アンカーと別名（& と *）は使えません。値をそのまま書いてください。"],
    )
    start = time.perf_counter()
    response = survey_upload(client, SURVEY_2026.encode(), mapping=mapping)
    assert time.perf_counter() - start < 2
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "アンカーと別名" in page and len(page) < 20_000 and page.count("lol") < 20
    (tmp_path / "survey.csv").write_bytes(SURVEY_2026.encode())
    (tmp_path / "MAP.yaml").write_text(mapping)
    result = runner.invoke(
        args=["survey", "import", str(tmp_path / "survey.csv"), "--fiscal-year", "2026"]
        + ["--mapping", str(tmp_path / "MAP.yaml")]
    )
    assert result.exit_code == 1 and "アンカーと別名" in result.output
    assert len(result.output) < 1000
