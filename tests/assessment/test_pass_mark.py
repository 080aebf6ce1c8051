"""Each module's and test's own pass mark (``pass_mark`` in quiz.yaml, default
70): it decides "passed", completion and certificates, for the learner and on
HR's dashboards alike. An indicator keeps its own threshold."""

import zipfile
from datetime import UTC, datetime
from io import BytesIO

import pytest
import yaml
from sqlalchemy import select

from skillapp import PROJECT_ROOT
from skillapp.assessment.models import ExternalResult
from skillapp.assessment.scoring import KeyItem, score_attempt
from skillapp.authoring.loader import load_content_dir, load_module_dir
from skillapp.authoring.sync import sync_content_dir
from skillapp.certificates.services import CertificateError, issue_certificate
from skillapp.extensions import db
from skillapp.learning.models import Module
from skillapp.learning.services import progress_for, record_lesson_view
from skillapp.metrics import queries
from skillapp.metrics.indicators import compute_indicators
from skillapp.metrics.models import Indicator, ModuleProgress
from skillapp.metrics.progress import refresh_progress
from tests.authoring.editing import build_module, publish
from tests.conftest import write_module
from tests.helpers import take, two_choice_questions

# The content hashes of the sample modules before pass_mark existed: content
# without it keeps its hash, so an upgrade makes no new versions.
SAMPLE_HASHES = {
    "sample-assessment": "880151bec23ab284a7a7f174d89ba4b1aec3db3eb576ebf738ff74d019d9e2c7",
    "sample-data-basics": "305316b1db59f859314e2ce4154ac744153246a6a11b6bf524070db7dc691c19",
    "sample-intro": "b71756f6da09888f3c3cee4e5c4af888abca4c5128c8ac61889af8bef2929b09",
}


def test_content_without_a_pass_mark_keeps_70_and_its_hash():
    loaded = load_content_dir(PROJECT_ROOT / "tests" / "data" / "sample-content")
    assert loaded.problems == []
    assert {m.slug: m.content_hash for m in loaded.modules} == SAMPLE_HASHES
    assert {m.quiz.pass_mark for m in loaded.modules} == {70}


def test_a_pass_mark_in_quiz_yaml(tmp_path):
    folder = write_module(tmp_path, "exam", kind="assessment", pass_mark=80)
    [spec] = load_module_dir(folder).modules
    assert spec.quiz.pass_mark == 80
    plain = write_module(tmp_path / "plain", "exam", kind="assessment")
    assert load_module_dir(plain).modules[0].content_hash != spec.content_hash
    for value, message in ((0, "between 1 and 100"), (101, "between 1 and 100"), ("八十", "whole")):
        folder = write_module(tmp_path / str(value), "exam", kind="assessment", pass_mark=value)
        problems = load_module_dir(folder).problems
        assert len(problems) == 1 and "pass_mark" in problems[0].message, problems
        assert message in problems[0].message
        assert problems[0].file.endswith("quiz.yaml") and problems[0].line is not None


def test_scoring_takes_the_pass_mark():
    key = [KeyItem(n, 1, frozenset({"a"})) for n in range(10)]
    answers = {n: ["a"] for n in range(7)}
    assert score_attempt(answers, key).passed  # 70, the default
    assert not score_attempt(answers, key, pass_mark=80).passed
    assert score_attempt(answers, key, pass_mark=60).passed


@pytest.fixture
def course(make_module):
    """A module of two lessons and ten equal questions, pass mark 80."""
    return make_module("course", questions=two_choice_questions(), pass_mark=80)


def read_all(user, module):
    for lesson in module.current_version.lessons:
        record_lesson_view(db.session, user.id, module, lesson.key)
    db.session.commit()


def progress_row(user, module):
    return db.session.scalar(
        select(ModuleProgress).where(
            ModuleProgress.user_id == user.id, ModuleProgress.module_id == module.id
        )
    )


def test_the_modules_pass_mark_decides_passed_completion_and_certificates(
    client, login, make_user, course
):
    learner = make_user("L1")
    read_all(learner, course)
    attempt = take(learner, course, "2026-06-01T10:00:00+09:00", right=7)
    assert (attempt.score, attempt.passed) == (70, False)
    progress = progress_for(db.session, learner.id, [course])[course.id]
    assert not progress.passed and not progress.complete
    assert progress_row(learner, course).first_passed_at is None
    with pytest.raises(CertificateError):
        issue_certificate(db.session, learner, course)
    [row] = queries.completion_by_band(db.session, 2026)
    assert (row.passed["all"].numerator, row.completed["all"].numerator) == (0, 0)
    login(learner)
    page = client.get("/modules/course").get_data(as_text=True)
    assert "合格基準：80点以上（100点満点）" in page and "修了証" not in page
    page = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "不合格です。合格には80点以上が必要です。" in page
    home = client.get("/").get_data(as_text=True)
    assert "70点以上" not in home

    better = take(learner, course, "2026-06-02T10:00:00+09:00", right=8)
    assert better.passed
    assert progress_row(learner, course).first_passed_at is not None
    [row] = queries.completion_by_band(db.session, 2026)
    assert (row.passed["all"].numerator, row.completed["all"].numerator) == (1, 1)
    certificate = issue_certificate(db.session, learner, course).certificate
    db.session.commit()
    assert certificate.score == 80
    response = client.get("/modules/course/certificate.pdf")
    assert response.status_code == 200
    page = client.get(f"/attempts/{better.id}/result").get_data(as_text=True)
    assert "合格です（80点以上）。" in page


def test_each_attempt_keeps_the_pass_mark_of_its_version(app, make_user, tmp_path):
    """Attempts keep the version they were taken on, and with it its pass mark:
    raising the mark later does not take a pass away. A result imported from
    another system has no version: the module's current pass mark judges it."""
    root = tmp_path / "content"
    write_module(root, "exam", kind="assessment", questions=two_choice_questions(), pass_mark=60)
    sync_content_dir(db.session, root)
    db.session.commit()
    exam = db.session.scalar(select(Module).where(Module.slug == "exam"))
    early, late = make_user("E1"), make_user("E2")
    assert take(early, exam, "2026-06-01T10:00:00+09:00", right=6).passed
    write_module(root, "exam", kind="assessment", questions=two_choice_questions(), pass_mark=80)
    report = sync_content_dir(db.session, root)
    assert report.updated == ["exam"]
    db.session.commit()
    assert exam.current_version.pass_mark == 80
    assert not take(late, exam, "2026-06-02T10:00:00+09:00", right=6).passed
    db.session.add(
        ExternalResult(
            staff_id=late.staff_id,
            module_id=exam.id,
            score=75,
            taken_at=datetime(2026, 6, 3, 1, tzinfo=UTC),
        )
    )
    refresh_progress(db.session, [late.id])
    db.session.commit()
    progress = progress_for(db.session, early.id, [exam])[exam.id]
    assert progress.passed
    late_progress = progress_for(db.session, late.id, [exam])[exam.id]
    assert not late_progress.passed and not late_progress.passed_elsewhere
    [row] = queries.completion_by_band(db.session, 2026)
    assert row.passed["all"].numerator == 1
    pending = [p.staff_no for p in queries.not_yet_done(db.session, 2026, exam.id)]
    assert pending == ["E2"]


def test_an_indicator_keeps_its_own_threshold(make_user, make_module):
    exam = make_module("exam", kind="assessment", questions=two_choice_questions(), pass_mark=80)
    learner = make_user("I1")
    take(learner, exam, "2026-06-01T10:00:00+09:00", right=7)
    indicator = db.session.scalar(select(Indicator).where(Indicator.kind == "assessment_pass_rate"))
    indicator.settings = {**indicator.settings, "assessment": "exam", "pass_mark": 70}
    db.session.commit()
    figures = compute_indicators(db.session, 2026)
    result = next(r for r in figures.results if r.indicator.id == indicator.id)
    # The learner (主事) counts in the staff grade's row (and in "all" where it has one).
    counted = {r.grade_band: r.numerator for r in result.rows}
    assert counted.get("staff", counted.get("all")) == 1  # 70 meets the indicator's 70 …
    [dashboard] = queries.completion_by_band(db.session, 2026)
    assert dashboard.passed["all"].numerator == 0  # … not the test's 80


def test_authors_set_the_pass_mark_in_the_editor(client, login, make_user):
    login(make_user("AUTH1", roles=["author"]))
    build_module(client, "data-basics")
    page = client.get("/authoring/modules/data-basics/quiz").get_data(as_text=True)
    assert 'name="pass_mark"' in page and 'value="70"' in page
    response = client.post(
        "/authoring/modules/data-basics/quiz", data={"pass_mark": "101", "review": "always"}
    )
    assert response.status_code == 302
    page = client.get("/authoring/modules/data-basics/quiz").get_data(as_text=True)
    assert "合格点" in page and "1〜100" in page
    client.post("/authoring/modules/data-basics/quiz", data={"pass_mark": "85", "review": "always"})
    assert publish(client, "data-basics").status_code == 302
    module = db.session.scalar(select(Module).where(Module.slug == "data-basics"))
    assert module.current_version.pass_mark == 85
    archive = zipfile.ZipFile(BytesIO(client.get("/authoring/modules/data-basics/export.zip").data))
    assert yaml.safe_load(archive.read("data-basics/quiz.yaml"))["pass_mark"] == 85
    page = client.get("/modules/data-basics").get_data(as_text=True)
    assert "合格基準：85点以上（100点満点）" in page
