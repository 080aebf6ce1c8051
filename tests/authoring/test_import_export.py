"""Files and browser stay one: export and import (command line and zip), and a
content sync while a draft is open."""

import io
import zipfile

import pytest
from sqlalchemy import func, select

from skillapp import PROJECT_ROOT
from skillapp.audit.models import AuditEvent
from skillapp.authoring.export import module_files, module_zip
from skillapp.authoring.loader import load_content_dir, load_module_dir
from skillapp.authoring.models import ModuleChange, ModuleDraft
from skillapp.authoring.sync import spec_from_version, sync_content_dir
from skillapp.extensions import db
from skillapp.learning.models import Module, ModuleVersion
from tests.authoring.builders import write_module
from tests.authoring.editing import build_module, module, publish, save_lesson, start_draft
from tests.authoring.images import PNG
from tests.conftest import _empty_tables, _ensure_defaults

CONTENT = PROJECT_ROOT / "content" / "modules"


def _tree(folder) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _fresh_database():
    db.session.rollback()
    _empty_tables()
    _ensure_defaults()
    db.session.commit()


def test_a_synced_version_is_its_spec_again(app):
    report = sync_content_dir(db.session, CONTENT)
    db.session.commit()
    assert not report.problems
    on_disk = {spec.slug: spec for spec in load_content_dir(CONTENT).modules}
    for version in db.session.scalars(select(ModuleVersion)):
        spec = spec_from_version(db.session, version)
        assert spec.content_hash == version.content_hash, version.module.slug
        assert spec == on_disk[version.module.slug]


def test_export_import_into_an_empty_database_export_is_identical(app, runner, tmp_path):
    result = runner.invoke(args=["content", "sync", str(CONTENT)])
    assert result.exit_code == 0, result.output
    slugs = [m.slug for m in db.session.scalars(select(Module).order_by(Module.slug))]
    first = tmp_path / "first"
    for slug in slugs:
        result = runner.invoke(args=["content", "export", slug, "--output", str(first)])
        assert result.exit_code == 0, result.output
        # What was exported loads to the very content that was synced.
        [spec] = load_module_dir(first / slug).modules
        [original] = [s for s in load_content_dir(CONTENT).modules if s.slug == slug]
        assert spec.content_hash == original.content_hash
    _fresh_database()
    assert db.session.scalar(select(func.count()).select_from(Module)) == 0
    for slug in slugs:
        result = runner.invoke(args=["content", "import", str(first / slug)])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"imported: {slug} (v1)")
    second = tmp_path / "second"
    for slug in slugs:
        assert runner.invoke(args=["content", "export", slug, "-o", str(second)]).exit_code == 0
        assert _tree(second / slug) == _tree(first / slug), slug


def test_a_module_made_in_the_browser_round_trips_with_its_images(
    app, client, login, make_user, runner, tmp_path
):
    login(make_user("AUTH2", roles=["author"]))
    build_module(client)
    upload = client.post(
        "/authoring/modules/data-basics/images",
        data={"image": (io.BytesIO(PNG), "chart.png")},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    ).get_json()
    save_lesson(
        client,
        "data-basics",
        "01-collect",
        title="集める",
        body="図\n\n" + upload["markdown"] + "\n",
        old="01-collect",
    )
    publish(client, "data-basics")
    zipped = client.get("/authoring/modules/data-basics/export.zip")
    assert zipped.mimetype == "application/zip"
    assert "data-basics.zip" in zipped.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(zipped.data)).namelist()
    assert "data-basics/images/chart.png" in names
    assert (
        runner.invoke(
            args=["content", "export", "data-basics", "-o", str(tmp_path / "a")]
        ).exit_code
        == 0
    )
    assert _tree(tmp_path / "a" / "data-basics")["images/chart.png"] == PNG
    (tmp_path / "up.zip").write_bytes(zipped.data)

    _fresh_database()
    result = runner.invoke(args=["content", "import", str(tmp_path / "up.zip")])
    assert result.exit_code == 0, result.output
    assert (
        runner.invoke(
            args=["content", "export", "data-basics", "-o", str(tmp_path / "b")]
        ).exit_code
        == 0
    )
    assert _tree(tmp_path / "b" / "data-basics") == _tree(tmp_path / "a" / "data-basics")
    [change] = db.session.scalars(select(ModuleChange))
    assert (change.action, change.detail) == ("imported", {"version": 1, "source": "up.zip"})
    spec = spec_from_version(db.session, module("data-basics").current_version)
    assert module_zip(spec) == zipped.data  # the same bytes, whichever side wrote them


def test_import_refuses_invalid_content_and_writes_nothing(app, runner, tmp_path):
    folder = write_module(tmp_path, "broken", quiz="questions: []\n")
    result = runner.invoke(args=["content", "import", str(folder)])
    assert result.exit_code == 1
    assert "quiz.yaml:1:" in result.output and "at least one question" in result.output
    assert db.session.scalar(select(func.count()).select_from(Module)) == 0
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    result = runner.invoke(args=["content", "import", str(tmp_path / "bad.zip")])
    assert result.exit_code == 1 and "not a zip file" in result.output


def test_export_of_an_unknown_module_fails(app, runner, tmp_path):
    result = runner.invoke(args=["content", "export", "nope", "--output", str(tmp_path)])
    assert result.exit_code == 1
    assert "no published module" in result.output
    assert runner.invoke(args=["content", "export", "nope"]).exit_code == 2  # --output missing


def test_import_and_export_are_audited(app, runner, tmp_path):
    folder = write_module(tmp_path / "src", "demo")
    runner.invoke(args=["content", "import", str(folder)])
    runner.invoke(args=["content", "export", "demo", "-o", str(tmp_path / "out")])
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["content_import", "content_export"]


# --- the browser import -----------------------------------------------------------------


def _zip_of(folder) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in _tree(folder).items():
            archive.writestr(f"{folder.name}/{path}", data)
    return buffer.getvalue()


def _post_zip(client, data, name="module.zip"):
    return client.post(
        "/authoring/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_browser_import_checks_shows_and_confirms(app, client, login, make_user, tmp_path):
    login(make_user("AUTH3", roles=["author"]))
    folder = write_module(tmp_path, "shared-module")
    preview = _post_zip(client, _zip_of(folder), "shared-module.zip")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "新しいモジュール（第1版）として公開されます" in page
    assert module("shared-module") is None  # nothing written yet
    token = page.split('name="token" value="')[1].split('"')[0]
    done = client.post("/authoring/import/confirm", data={"token": token})
    assert done.location == "/authoring/modules/shared-module"
    assert module("shared-module").current_version.number == 1
    # The same zip again changes nothing and offers nothing to confirm.
    again = _post_zip(client, _zip_of(folder)).get_data(as_text=True)
    assert "取り込んでも何も変わりません" in again and 'name="token"' not in again


def test_browser_import_reports_problems_with_file_and_line(
    app, client, login, make_user, tmp_path
):
    login(make_user("AUTH4", roles=["author"]))
    folder = write_module(
        tmp_path,
        "shared-module",
        quiz="""\
            questions:
              - id: q1
                type: single
                text: 問
                explanation: 解
                options:
                  - {id: a, text: 一}
                  - {id: b, text: 二}
            """,
    )
    response = _post_zip(client, _zip_of(folder))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<code>module.zip:shared-module/quiz.yaml</code>" in page
    assert "単一選択の問題には正解をちょうど1つ付けてください（いま0個です）" in page
    assert module("shared-module") is None


# --- a content sync while a draft is open ---------------------------------------------


def test_a_sync_keeps_an_open_draft_and_says_so(app, client, login, make_user, runner, tmp_path):
    folder = write_module(tmp_path, "demo")
    assert runner.invoke(args=["content", "sync", str(tmp_path)]).exit_code == 0
    login(make_user("AUTH5", roles=["author"]))
    start_draft(client, "demo")
    save_lesson(client, "demo", "01-first", title="下書きの題", body="下書き\n", old="01-first")
    (folder / "lessons" / "01-first.md").write_text("# ファイルの題\n\nファイル\n", "utf-8")
    result = runner.invoke(args=["content", "sync", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "new version: 1: demo (v2)" in result.output
    assert "demo has an unpublished draft" in result.output
    draft = db.session.scalar(select(ModuleDraft))
    assert draft.spec["lessons"][0]["title"] == "下書きの題"  # not lost
    page = client.get("/authoring/modules/demo").get_data(as_text=True)
    assert "第2版が（教材ファイルまたは取り込みから）公開されました" in page
    assert [
        c.action for c in db.session.scalars(select(ModuleChange).order_by(ModuleChange.id))
    ] == [
        "synced",
        "draft_created",
        "lesson_edited",
        "synced",
    ]


@pytest.mark.parametrize("bundled", ["mindset-1-empathy", "dx-literacy"])
def test_an_edited_bundled_module_exports_as_files_sync_accepts(
    app, client, login, make_user, runner, tmp_path, bundled
):
    assert runner.invoke(args=["content", "sync", str(CONTENT)]).exit_code == 0
    login(make_user("AUTH6", roles=["author"]))
    start_draft(client, bundled)
    client.post(
        f"/authoring/modules/{bundled}/quiz",
        data={
            "cooldown_minutes": "30",
            "review": "after_pass",
            "shuffle_questions": "y",
            "draw": str(module(bundled).current_version.draw_count or ""),
        },
    )
    assert publish(client, bundled).status_code == 302
    assert module(bundled).current_version.number == 2
    out = tmp_path / "out"
    assert runner.invoke(args=["content", "export", bundled, "-o", str(out)]).exit_code == 0
    [spec] = load_module_dir(out / bundled).modules
    assert (spec.quiz.cooldown_minutes, spec.quiz.review) == (30, "after_pass")
    assert spec.content_hash == module(bundled).current_version.content_hash
    assert module_files(spec) == _tree(out / bundled)
