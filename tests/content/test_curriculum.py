"""The bundled curriculum (content/modules): complete, well-formed, fair to take."""

import math
import random
import re
from collections import Counter

import pytest

from skillapp import PROJECT_ROOT
from skillapp.assessment.draw import PoolItem, draw_paper
from skillapp.assessment.scoring import KeyItem, score_attempt
from skillapp.authoring.loader import load_content_dir

CONTENT = PROJECT_ROOT / "content" / "modules"
MINDSET = [
    "mindset-1-empathy",
    "mindset-2-zero-based",
    "mindset-3-agile",
    "mindset-4-quick-shift",
    "mindset-5-bpr",
    "mindset-6-collaboration",
    "mindset-7-data-driven",
]
AREAS = ["用語", "行動原則", "AIガバナンス", "EBPM"]


@pytest.fixture(scope="module")
def curriculum():
    result = load_content_dir(CONTENT)
    assert [str(p) for p in result.problems] == []
    return {spec.slug: spec for spec in result.modules}


def test_every_part_is_there(curriculum):
    expected = {
        "intro-dx-learning",
        "dx-terms",
        "ai-governance",
        "ebpm-basics",
        "dx-literacy",
        *MINDSET,
    }
    assert expected <= set(curriculum)
    assert {curriculum[s].category for s in MINDSET} == {"mindset"}
    assert curriculum["ai-governance"].category == "ai_governance"
    assert curriculum["ebpm-basics"].category == "ebpm"


@pytest.mark.parametrize(
    ("slug", "minimum"),
    [
        *((s, 5) for s in MINDSET),
        ("ai-governance", 10),
        ("ebpm-basics", 10),
        ("intro-dx-learning", 3),
        ("dx-terms", 5),
    ],
)
def test_module_quiz_sizes(curriculum, slug, minimum):
    spec = curriculum[slug]
    assert spec.kind == "module"
    assert len(spec.quiz.questions) >= minimum
    assert spec.lessons


def test_ids_are_stable_and_unique_across_the_curriculum(curriculum):
    ids = [q.key for spec in curriculum.values() for q in spec.quiz.questions]
    duplicates = [key for key, n in Counter(ids).items() if n > 1]
    assert duplicates == []
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9_-]*", key) for key in ids)


def test_every_item_explains_and_is_fair(curriculum):
    banned = (
        "すべて正しい",
        "全て正しい",
        "上記すべて",
        "上記の全て",
        "上記のすべて",
        "以上すべて",
        "以上のすべて",
        "上記のいずれも",
        "いずれも正しくない",
        "どれも正しくない",
        "すべて誤り",
    )
    for spec in curriculum.values():
        for q in spec.quiz.questions:
            # An explanation teaches: it says why, so it is longer than a bare answer
            # and is not just the text of the correct option again.
            assert len(q.explanation.strip()) >= 40, q.key
            correct_texts = [text for key, text in q.options if key in q.correct_keys]
            if q.type != "true_false":
                assert q.explanation.strip() not in correct_texts, q.key
            assert len(q.correct_keys) < len(q.options), q.key
            for _, text in q.options:
                assert not any(word in text for word in banned), (q.key, text)
            if q.type == "multiple":
                assert len(q.correct_keys) >= 2, q.key
                # The learner is told that more than one answer may be right.
                assert "すべて選び" in q.text, q.key


def _correct_is_uniquely_longest(q):
    lengths = [len(text) for _, text in q.options]
    correct = len(next(text for key, text in q.options if key in q.correct_keys))
    return correct == max(lengths) and lengths.count(correct) == 1


def test_the_longest_option_is_no_cue_to_the_answer(curriculum):
    """ "Pick the longest option" must not beat chance by much (chance: 1 in 3 or 4)."""
    singles = [q for spec in curriculum.values() for q in spec.quiz.questions if q.type == "single"]
    cued = [q.key for q in singles if _correct_is_uniquely_longest(q)]
    assert len(cued) <= len(singles) / 3, cued
    pool = [q for q in curriculum["dx-literacy"].quiz.questions if q.type == "single"]
    cued_pool = [q.key for q in pool if _correct_is_uniquely_longest(q)]
    assert len(cued_pool) <= len(pool) / 3, cued_pool


def test_true_false_items_of_the_pool_are_not_mostly_one_answer(curriculum):
    keys = [
        q.correct_keys[0]
        for q in curriculum["dx-literacy"].quiz.questions
        if q.type == "true_false"
    ]
    counts = Counter(keys)
    assert max(counts.values()) <= 2 * len(keys) / 3, counts


def _reading_chars(markdown):
    """Characters a reader reads: the text without whitespace and Markdown markup."""
    return len(re.sub(r"[\s#*|>`-]", "", markdown))


def test_lessons_take_three_to_seven_minutes(curriculum):
    """The stated minutes are honest: they match the text at 400-600 characters a minute."""
    for spec in curriculum.values():
        for lesson in spec.lessons:
            where = (spec.slug, lesson.key)
            assert lesson.minutes is not None and 3 <= lesson.minutes <= 7, where
            chars = _reading_chars(lesson.title + lesson.body_md)
            assert 3 * 400 <= chars <= 7 * 600, (where, chars)
            assert chars / 600 - 0.5 <= lesson.minutes <= chars / 400 + 0.5, (where, chars)
        if spec.lessons and spec.estimated_minutes is not None:
            assert spec.estimated_minutes >= sum(lesson.minutes for lesson in spec.lessons)


@pytest.mark.parametrize("slug", MINDSET)
def test_each_principle_has_meaning_reasons_a_scenario_and_a_self_check(curriculum, slug):
    spec = curriculum[slug]
    text = "\n".join(lesson.body_md for lesson in spec.lessons)
    for heading in ("## ひとことで言うと", "## なぜ今、市役所に必要なのか", "## こんな場面です"):
        assert heading in text, (slug, heading)
    self_check = text.split("## セルフチェック", 1)
    assert len(self_check) == 2, slug
    assert re.search(r"\*\*問い：.+[かね]。", self_check[1]), slug
    assert len(spec.quiz.questions) >= 5


@pytest.mark.parametrize(
    "slug", [*MINDSET, "ai-governance", "ebpm-basics", "intro-dx-learning", "dx-terms"]
)
def test_every_quiz_can_be_passed_and_failed(curriculum, slug):
    questions = curriculum[slug].quiz.questions
    key = [KeyItem(n, q.weight, frozenset(q.correct_keys)) for n, q in enumerate(questions)]
    right = {n: q.correct_keys for n, q in enumerate(questions)}
    wrong = {
        n: [next(k for k, _ in q.options if k not in q.correct_keys)]
        for n, q in enumerate(questions)
    }
    assert score_attempt(right, key).score == 100
    assert score_attempt(wrong, key).score == 0


def test_dx_literacy_pool_covers_four_areas(curriculum):
    spec = curriculum["dx-literacy"]
    quiz = spec.quiz
    assert spec.kind == "assessment" and not spec.lessons
    assert quiz.draw == 20
    assert list(quiz.stratify_by) == AREAS
    assert quiz.time_limit_minutes and quiz.shuffle_questions and quiz.shuffle_options
    assert len(quiz.questions) >= 40
    per_area = Counter()
    for q in quiz.questions:
        areas = [tag for tag in q.tags if tag in AREAS]
        assert len(areas) == 1, q.key
        per_area[areas[0]] += 1
    # Enough in each area that two attempts in a row rarely repeat a question.
    assert all(per_area[a] >= 2 * math.ceil(quiz.draw / len(AREAS)) for a in AREAS), per_area


def test_every_dx_literacy_draw_covers_all_four_areas(curriculum):
    quiz = curriculum["dx-literacy"].quiz
    pool = [
        PoolItem(n, tuple(q.tags), tuple(k for k, _ in q.options))
        for n, q in enumerate(quiz.questions)
    ]
    area_of = {n: next(t for t in q.tags if t in AREAS) for n, q in enumerate(quiz.questions)}
    for seed in range(200):
        paper = draw_paper(
            pool,
            draw_count=quiz.draw,
            stratify_tags=quiz.stratify_by,
            shuffle_questions=True,
            shuffle_options=True,
            rng=random.Random(seed),
        )
        counts = Counter(area_of[q] for q in paper.question_ids)
        assert len(paper.question_ids) == 20
        assert counts == dict.fromkeys(AREAS, 5)


def test_the_curriculum_syncs_and_a_second_sync_changes_nothing(app, runner, curriculum):
    from skillapp.extensions import db
    from skillapp.learning.services import module_by_slug

    first = runner.invoke(args=["content", "sync"])
    assert first.exit_code == 0, first.output
    # Everything in the folder is in the database, item for item.
    for slug, spec in curriculum.items():
        module = module_by_slug(db.session, slug)
        assert module is not None and module.current_version is not None, slug
        version = module.current_version
        assert [q.key for q in version.questions] == [q.key for q in spec.quiz.questions], slug
        assert [lesson.key for lesson in version.lessons] == [s.key for s in spec.lessons], slug
        assert all(q.explanation for q in version.questions), slug
    second = runner.invoke(args=["content", "sync"])
    assert second.exit_code == 0
    assert "created: 0" in second.output and "new version: 0" in second.output


def test_a_learner_can_read_and_pass_every_module(app, runner, client, login, make_user):
    """Through the pages: read every lesson, answer right, and the module completes."""
    from markupsafe import escape
    from sqlalchemy import select

    from skillapp.assessment.models import Attempt, Question
    from skillapp.extensions import db
    from skillapp.learning.services import progress_for, published_modules

    assert runner.invoke(args=["content", "sync"]).exit_code == 0
    user = make_user()
    login(user)
    modules = published_modules(db.session)
    assert {m.slug for m in modules} >= {"dx-literacy", "dx-terms", *MINDSET}
    for module in modules:
        for lesson in module.current_version.lessons:
            page = client.get(f"/modules/{module.slug}/lessons/{lesson.key}")
            assert page.status_code == 200
            assert str(escape(lesson.title)) in page.get_data(as_text=True)
        response = client.post(f"/modules/{module.slug}/attempts")
        attempt_id = int(response.location.rsplit("/", 1)[1])
        attempt = db.session.get(Attempt, attempt_id)
        form = {}
        for question in db.session.scalars(
            select(Question).where(Question.id.in_(attempt.question_ids))
        ):
            order = attempt.option_orders[str(question.id)]
            form[f"q-{question.id}"] = [str(order.index(k) + 1) for k in question.correct_keys]
        client.post(f"/attempts/{attempt_id}/submit", data=form)
        db.session.expire_all()
        assert db.session.get(Attempt, attempt_id).score == 100, module.slug
    progress = progress_for(db.session, user.id, modules)
    assert all(progress[m.id].complete for m in modules if not m.is_assessment)
    assert all(progress[m.id].passed for m in modules)
