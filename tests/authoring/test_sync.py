import random

import pytest
from sqlalchemy import event, func, select

from skillapp import PROJECT_ROOT
from skillapp.assessment.draw import PoolItem, draw_paper
from skillapp.assessment.models import Question
from skillapp.assessment.scoring import KeyItem, score_attempt
from skillapp.audit.models import AuditEvent
from skillapp.authoring.loader import load_content_dir, load_module_dir
from skillapp.authoring.sync import SyncConflict, sync_content_dir, sync_modules
from skillapp.extensions import db
from skillapp.learning.models import Lesson, Module, ModuleVersion
from tests.authoring.builders import LESSON_MD, MODULE_YAML, QUIZ_YAML, write_module

TABLES = (Module, ModuleVersion, Lesson, Question, AuditEvent)


def _counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in TABLES
    }


def _module(slug: str) -> Module:
    return db.session.scalars(select(Module).where(Module.slug == slug)).one()


@pytest.fixture
def writes():
    """Every INSERT, UPDATE or DELETE sent to the database while the test runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


def test_first_sync_creates_version_one(app, make_user, content_dir):
    author = make_user(roles=["author"])
    write_module(
        content_dir,
        module=MODULE_YAML + "estimated_minutes: 12\ntags: [a]\norder: 3\n",
        lessons={
            "01-first.md": LESSON_MD,
            "02-table.md": "# 表\n\n| a | b |\n| - | - |\n| 1 | 2 |\n",
        },
        quiz="time_limit_minutes: 5\nmax_attempts: 2\n"
        + QUIZ_YAML
        + "    weight: 2\n    tags: [用語]\n"
        + "  - {id: q2, type: true_false, text: 問い, answer: false, explanation: 解説}\n",
    )
    report = sync_content_dir(db.session, content_dir, by_user_id=author.id)
    db.session.commit()

    assert (report.created, report.updated, report.unchanged) == (["demo"], [], [])
    assert report.versions == {"demo": 1}
    module = _module("demo")
    assert module.kind == "module"
    version = module.current_version
    assert version.number == 1
    assert version.content_hash == load_content_dir(content_dir).modules[0].content_hash
    assert (version.title, version.category, version.summary) == (
        "テスト教材",
        "other",
        "テスト用の教材です。",
    )
    assert (version.sort_order, version.estimated_minutes, version.tags) == (3, 12, ["a"])
    assert (version.time_limit_seconds, version.max_attempts, version.draw_count) == (300, 2, None)
    assert (version.shuffle_questions, version.shuffle_options) == (False, False)
    assert version.stratify_tags == []
    assert version.created_by_id == author.id

    first, table = version.lessons
    assert (first.key, first.title, first.estimated_minutes) == ("01-first", "最初のレッスン", 3)
    assert first.body_md == "本文です。\n"
    assert first.body_html == "<p>本文です。</p>\n"
    assert "<table>" in table.body_html
    assert table.estimated_minutes == 0

    single, true_false = version.questions
    assert single.options == [
        {"key": "a", "text": "正しい選択肢"},
        {"key": "b", "text": "誤った選択肢"},
    ]
    assert single.correct_keys == ["a"]
    assert (single.type, single.weight, single.tags) == ("single", 2, ["用語"])
    assert true_false.options == [
        {"key": "true", "text": "正しい"},
        {"key": "false", "text": "誤り"},
    ]
    assert true_false.correct_keys == ["false"]


def test_unchanged_content_writes_nothing(app, content_dir, writes):
    write_module(content_dir, "one")
    write_module(content_dir, "two")
    sync_content_dir(db.session, content_dir)
    db.session.commit()
    before = _counts()
    writes.clear()

    report = sync_content_dir(db.session, content_dir)
    db.session.commit()

    assert (report.created, report.updated, report.unchanged) == ([], [], ["one", "two"])
    assert not report.changed
    assert writes == []
    assert _counts() == before


def test_a_changed_lesson_makes_version_two_and_keeps_version_one(app, content_dir):
    folder = write_module(content_dir)
    sync_content_dir(db.session, content_dir)
    db.session.commit()
    v1 = _module("demo").current_version
    v1_rows = {
        "version": (v1.id, v1.number, v1.content_hash),
        "lessons": [(row.id, row.body_md, row.body_html) for row in v1.lessons],
        "questions": [(row.id, row.text, row.options, row.correct_keys) for row in v1.questions],
    }

    (folder / "lessons" / "01-first.md").write_text("# 最初のレッスン\n\n書き直した本文。\n")
    report = sync_content_dir(db.session, content_dir)
    db.session.commit()
    db.session.expire_all()

    assert (report.created, report.updated, report.unchanged) == ([], ["demo"], [])
    assert report.versions == {"demo": 2}
    module = _module("demo")
    v2 = module.current_version
    assert v2.number == 2
    assert v2.lessons[0].body_md == "書き直した本文。\n"
    old = db.session.get(ModuleVersion, v1_rows["version"][0])
    assert (old.id, old.number, old.content_hash) == v1_rows["version"]
    assert [(row.id, row.body_md, row.body_html) for row in old.lessons] == v1_rows["lessons"]
    assert [(row.id, row.text, row.options, row.correct_keys) for row in old.questions] == v1_rows[
        "questions"
    ]
    assert {row.id for row in v2.questions}.isdisjoint(row[0] for row in v1_rows["questions"])
    assert _counts()["ModuleVersion"] == 2


def test_reverting_content_is_a_new_version_too(app, content_dir):
    folder = write_module(content_dir)
    quiz = folder / "quiz.yaml"
    original = quiz.read_text()
    for text in (original, original.replace("解説です。", "新しい解説。"), original):
        quiz.write_text(text)
        sync_content_dir(db.session, content_dir)
    db.session.commit()
    numbers = db.session.scalars(select(ModuleVersion.number).order_by(ModuleVersion.number))
    assert list(numbers) == [1, 2, 3]
    assert _module("demo").current_version.number == 3


def test_invalid_content_writes_nothing(app, content_dir):
    write_module(content_dir, "good")
    write_module(content_dir, "bad", quiz=QUIZ_YAML.replace("    explanation: 解説です。\n", ""))
    report = sync_content_dir(db.session, content_dir)

    assert not report.changed
    assert [str(p) for p in report.problems] == [
        f'{content_dir}/bad/quiz.yaml:2: question "q1": missing required key "explanation"'
    ]
    assert _counts()["Module"] == 0


def test_a_module_cannot_change_kind(app, content_dir):
    folder = write_module(content_dir)
    sync_content_dir(db.session, content_dir)
    db.session.commit()
    before = _counts()

    (folder / "module.yaml").write_text(MODULE_YAML + "kind: assessment\n")
    for lesson in (folder / "lessons").iterdir():
        lesson.unlink()
    report = sync_content_dir(db.session, content_dir)

    [problem] = report.problems
    assert problem.file == str(content_dir / "demo" / "module.yaml")
    assert 'kind cannot change from "module" to "assessment"' in problem.message
    assert _counts() == before
    with pytest.raises(SyncConflict):
        sync_modules(db.session, load_content_dir(content_dir).modules)


# --- the command ------------------------------------------------------------------


def test_cli_sync_creates_then_reports_unchanged(app, runner, content_dir):
    write_module(content_dir, "one")
    write_module(content_dir, "two")

    result = runner.invoke(args=["content", "sync", str(content_dir)])
    assert result.exit_code == 0, result.output
    assert "created: 2: one (v1), two (v1)" in result.output
    assert "new version: 0" in result.output
    [audit] = db.session.scalars(select(AuditEvent))
    assert audit.action == "content_sync"
    assert audit.detail["created"] == ["one", "two"]

    (content_dir / "two" / "module.yaml").write_text(MODULE_YAML.replace("テスト", "改訂"))
    result = runner.invoke(args=["content", "sync", str(content_dir)])
    assert result.exit_code == 0, result.output
    assert "new version: 1: two (v2)" in result.output
    assert "unchanged: 1: one" in result.output

    result = runner.invoke(args=["content", "sync", str(content_dir)])
    assert result.exit_code == 0, result.output
    assert "unchanged: 2: one, two" in result.output
    # Only the two runs that changed something are audited.
    assert _counts()["AuditEvent"] == 2


def test_cli_sync_with_problems_exits_1_and_writes_nothing(app, runner, content_dir):
    write_module(content_dir, "good")
    write_module(content_dir, "bad", quiz=QUIZ_YAML.replace("type: single", "type: choice"))
    write_module(content_dir, "worse", module=MODULE_YAML + "colour: red\n")

    result = runner.invoke(args=["content", "sync", str(content_dir)])

    assert result.exit_code == 1
    assert f"{content_dir}/bad/quiz.yaml:3: " in result.stderr
    assert f"{content_dir}/worse/module.yaml:4: unknown key" in result.stderr
    assert "created" not in result.stdout
    assert _counts() == dict.fromkeys((model.__name__ for model in TABLES), 0)


def test_cli_sync_of_a_missing_folder_is_a_usage_error(app, runner, tmp_path):
    result = runner.invoke(args=["content", "sync", str(tmp_path / "nowhere")])
    assert result.exit_code == 2


def test_cli_sync_defaults_to_the_configured_content_dir(app, runner, content_dir):
    write_module(content_dir)
    app.config["CONTENT_DIR"] = str(content_dir)
    result = runner.invoke(args=["content", "sync"])
    assert result.exit_code == 0, result.output
    assert "created: 1: demo (v1)" in result.output


# --- the sample content (tests/data/sample-content) --------------------------------

SAMPLES = PROJECT_ROOT / "tests" / "data" / "sample-content"


def test_the_sample_content_loads_without_problems():
    result = load_content_dir(SAMPLES)
    assert [str(p) for p in result.problems] == []
    slugs = {spec.slug for spec in result.modules}
    assert {"sample-intro", "sample-data-basics", "sample-assessment"} <= slugs


def test_the_sample_content_syncs(app, runner):
    result = runner.invoke(args=["content", "sync", str(SAMPLES)])
    assert result.exit_code == 0, result.output
    assert "sample-intro (v1)" in result.output

    intro = _module("sample-intro").current_version
    assert intro.questions[0].type == "single"
    assessment = _module("sample-assessment")
    assert assessment.kind == "assessment"
    version = assessment.current_version
    assert version.lessons == []
    assert (version.draw_count, version.stratify_tags) == (4, ["用語", "考え方"])
    assert (version.time_limit_seconds, version.max_attempts) == (600, 3)
    assert version.shuffle_questions is True
    assert _module("sample-data-basics").current_version.max_attempts is None

    result = runner.invoke(args=["content", "sync", str(SAMPLES)])
    assert result.exit_code == 0
    assert "created: 0" in result.output
    assert "new version: 0" in result.output


@pytest.mark.parametrize("slug", ["sample-intro", "sample-data-basics", "sample-assessment"])
def test_the_sample_quizzes_can_be_passed_and_failed(slug):
    [spec] = load_module_dir(SAMPLES / slug).modules
    key = [
        KeyItem(question_id=n, weight=q.weight, correct=frozenset(q.correct_keys))
        for n, q in enumerate(spec.quiz.questions)
    ]
    right = {item.question_id: item.correct for item in key}
    wrong = {
        n: {option for option, _ in q.options if option not in q.correct_keys}
        for n, q in enumerate(spec.quiz.questions)
    }
    assert score_attempt(right, key).passed
    assert score_attempt(wrong, key).score == 0
    for q in spec.quiz.questions:
        assert len(q.correct_keys) < len(q.options), q.key


def test_every_draw_of_the_sample_assessment_covers_both_tags():
    [spec] = load_module_dir(SAMPLES / "sample-assessment").modules
    pool = [
        PoolItem(question_id=n, tags=tuple(q.tags), option_keys=tuple(k for k, _ in q.options))
        for n, q in enumerate(spec.quiz.questions)
    ]
    tags = {n: q.tags[0] for n, q in enumerate(spec.quiz.questions)}
    for seed in range(50):
        paper = draw_paper(
            pool,
            draw_count=spec.quiz.draw,
            stratify_tags=spec.quiz.stratify_by,
            shuffle_questions=True,
            rng=random.Random(seed),
        )
        drawn = [tags[n] for n in paper.question_ids]
        assert sorted(drawn) == ["用語", "用語", "考え方", "考え方"]


def test_cli_sync_of_one_module_folder(app, runner):
    result = runner.invoke(args=["content", "sync", str(SAMPLES / "sample-intro")])
    assert result.exit_code == 0, result.output
    assert "sample-intro (v1)" in result.output
