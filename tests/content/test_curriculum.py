"""The bundled curriculum (content/modules): complete, well-formed, fair to take."""

import difflib
import itertools
import math
import random
import re
from collections import Counter

import pytest

from skillapp import PROJECT_ROOT
from skillapp.assessment.draw import PoolItem, draw_paper
from skillapp.assessment.scoring import KeyItem, score_attempt
from skillapp.authoring.loader import load_content_dir, reference_blocks
from tests.content import cues

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
# The DX literacy test (indicator No.4) draws 20 questions to a fixed blueprint.
# 用語 and EBPM give 4 each: the indicator is defined as understanding DX terms,
# service-design thinking and EBPM; the four other areas give 3 each, so that every
# attempt also samples the principles, AI governance, security and data literacy.
DX_LITERACY_BLUEPRINT = {
    "用語": 4,
    "行動原則": 3,
    "AIガバナンス": 3,
    "EBPM": 4,
    "情報セキュリティ": 3,
    "データ": 3,
}
SECURITY_BLUEPRINT = {
    "基本と脅威": 5,
    "認証とアカウント": 5,
    "情報の取り扱い": 5,
    "事故への対応とネットワーク": 5,
}
# The counted tests: slug → (blueprint, items each area needs in use at least).
COUNTED = {"dx-literacy": (DX_LITERACY_BLUEPRINT, 25), "security-check": (SECURITY_BLUEPRINT, 11)}
NEW_MODULES = ["security-basics", "privacy-basics", "data-literacy-basics", "resident-services"]


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
        "security-check",
        *NEW_MODULES,
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
        *((s, 8) for s in NEW_MODULES),
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


def test_explanations_name_options_by_what_they_say(curriculum):
    """Options are shuffled for every attempt and shown without letters, so an
    explanation that says "a は…" points at nothing the learner saw."""
    letter = re.compile(r"(?<![A-Za-z])[a-e](?:は|の|と|を|、|も|が|では|や)|[（(][a-e][）)]")
    found = []
    for spec in curriculum.values():
        assert spec.quiz.shuffle_options, spec.slug
        for q in spec.quiz.questions:
            if not q.retired and letter.search(q.explanation):
                found.append((spec.slug, q.key))
    assert found == []


def _correct_is_uniquely_longest(q):
    lengths = [len(text) for _, text in q.options]
    correct = len(next(text for key, text in q.options if key in q.correct_keys))
    return correct == max(lengths) and lengths.count(correct) == 1


def test_the_longest_option_is_no_cue_to_the_answer(curriculum):
    """ "Pick the longest option" must not beat chance by much (chance: 1 in 3 or 4)."""
    singles = [q for spec in curriculum.values() for q in spec.quiz.questions if q.type == "single"]
    cued = [q.key for q in singles if _correct_is_uniquely_longest(q)]
    assert len(cued) <= len(singles) / 3, cued
    for slug in COUNTED:
        pool = [q for q in _in_use(curriculum[slug].quiz) if q.type == "single"]
        cued_pool = [q.key for q in pool if _correct_is_uniquely_longest(q)]
        assert len(cued_pool) <= len(pool) / 3, (slug, cued_pool)


@pytest.mark.parametrize("slug", COUNTED)
def test_true_false_items_of_a_pool_are_not_mostly_one_answer(curriculum, slug):
    keys = [q.correct_keys[0] for q in _in_use(curriculum[slug].quiz) if q.type == "true_false"]
    counts = Counter(keys)
    assert max(counts.values()) <= 2 * len(keys) / 3, counts


# What a block placeholder shows, in characters a reader reads: the targets
# table (four indicators over four years) and a short statement of principles.
BLOCK_CHARS = {"{{targets}}": 400, "{{principles}}": 200}


def _reading_chars(markdown):
    """Characters a reader reads: the text without whitespace and Markdown markup,
    with what each block placeholder shows in its place."""
    extra = sum(n * markdown.count(token) for token, n in BLOCK_CHARS.items())
    for token in BLOCK_CHARS:
        markdown = markdown.replace(token, "")
    return len(re.sub(r"[\s#*|>`-]", "", markdown)) + extra


# Reading on a phone: about 400 characters of Japanese a minute.
PHONE_CHARS_PER_MINUTE = 400


def test_lessons_take_three_to_seven_minutes_on_a_phone(curriculum):
    """The stated minutes are honest: the text read at a phone's pace, rounded up."""
    for spec in curriculum.values():
        for lesson in spec.lessons:
            where = (spec.slug, lesson.key)
            chars = _reading_chars(lesson.title + lesson.body_md)
            assert lesson.minutes == math.ceil(chars / PHONE_CHARS_PER_MINUTE), (where, chars)
            assert 3 <= lesson.minutes <= 7, (where, chars)
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
    "slug",
    [*MINDSET, "ai-governance", "ebpm-basics", "intro-dx-learning", "dx-terms", *NEW_MODULES],
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


def _in_use(quiz):
    return [q for q in quiz.questions if not q.retired]


@pytest.mark.parametrize("slug", COUNTED)
def test_a_counted_test_draws_to_its_blueprint_from_a_large_pool(curriculum, slug):
    blueprint, minimum = COUNTED[slug]
    spec = curriculum[slug]
    quiz = spec.quiz
    assert spec.kind == "assessment" and not spec.lessons
    assert quiz.draw == 20 == sum(blueprint.values())
    assert (quiz.stratify_by, quiz.stratify_counts) == (list(blueprint), blueprint)
    assert quiz.time_limit_minutes and quiz.shuffle_questions and quiz.shuffle_options
    per_area = Counter()
    for q in _in_use(quiz):
        areas = [tag for tag in q.tags if tag in blueprint]
        assert len(areas) == 1, q.key
        per_area[areas[0]] += 1
    # Enough in each area that two attempts share few questions.
    assert all(per_area[a] >= minimum for a in blueprint), per_area


@pytest.mark.parametrize("slug", COUNTED)
def test_a_counted_test_shows_no_key_before_a_pass_and_asks_for_a_pause(curriculum, slug):
    """Review after passing only, and a day's pause with a yearly limit: the test
    measures knowledge, not memory of the key seen on earlier attempts."""
    quiz = curriculum[slug].quiz
    assert quiz.review == "after_pass"
    assert quiz.cooldown_minutes == 24 * 60
    assert quiz.max_attempts_per_year == 5


def _pool_items(quiz):
    active = _in_use(quiz)
    return active, [
        PoolItem(n, tuple(q.tags), tuple(k for k, _ in q.options), q.group)
        for n, q in enumerate(active)
    ]


@pytest.mark.parametrize("slug", COUNTED)
def test_every_draw_follows_the_blueprint_and_honours_groups(curriculum, slug):
    blueprint, _minimum = COUNTED[slug]
    quiz = curriculum[slug].quiz
    active, pool = _pool_items(quiz)
    area_of = {n: next(t for t in q.tags if t in blueprint) for n, q in enumerate(active)}
    for seed in range(200):
        paper = draw_paper(
            pool,
            draw_count=quiz.draw,
            stratify_tags=quiz.stratify_by,
            stratify_counts=quiz.stratify_counts,
            shuffle_questions=True,
            shuffle_options=True,
            rng=random.Random(seed),
        )
        assert len(paper.question_ids) == 20
        assert Counter(area_of[q] for q in paper.question_ids) == blueprint
        groups = Counter(active[n].group for n in paper.question_ids if active[n].group)
        assert all(n == 1 for n in groups.values()), groups


# --- a learner who knows nothing and reads only surface cues ---------------------------


@pytest.mark.parametrize("slug", COUNTED)
@pytest.mark.parametrize("strategy", cues.STRATEGIES, ids=lambda s: s.name)
def test_surface_cues_alone_do_not_pass_a_counted_test(curriculum, strategy, slug):
    """Over 1,000 seeded draws, answering from absolute words, hedges, the longest
    or the most careful-sounding option scores near chance and almost never passes."""
    quiz = curriculum[slug].quiz
    figures = cues.simulate(
        quiz.questions,
        draw=quiz.draw,
        stratify_by=quiz.stratify_by,
        stratify_counts=quiz.stratify_counts,
        strategy=strategy,
        draws=1000,
    )
    assert figures.mean <= 40, figures
    assert figures.pass_rate < 0.01, figures


@pytest.mark.parametrize("strategy", cues.STRATEGIES, ids=lambda s: s.name)
def test_surface_cues_alone_pass_no_module_quiz(curriculum, strategy):
    for spec in curriculum.values():
        if spec.kind != "module":
            continue
        figures = cues.simulate(
            spec.quiz.questions, draw=spec.quiz.draw, stratify_by=(), strategy=strategy, draws=30
        )
        assert figures.mean < 70, (spec.slug, figures)


def test_true_false_statements_carry_no_telling_words(curriculum):
    """Absolute words do not mark false statements, nor hedges true ones (nor the
    other way round): the cues read at most about 65% of the true/false items
    right, whichever way they are read and whatever the fallback."""
    everything = [q for spec in curriculum.values() for q in spec.quiz.questions]
    assert sum(q.type == "true_false" and not q.retired for q in everything) >= 20
    for fallback in (True, False):
        for inverted in (False, True):
            accuracy = cues.true_false_accuracy(everything, fallback, inverted=inverted)
            assert accuracy <= 0.65, (fallback, inverted, accuracy)


def test_the_cue_reader_would_see_through_a_cued_pool():
    """The check can fail: on items written the old way (false = absolute, true =
    hedged, key = the longest and most careful), the cue reader passes."""
    from skillapp.authoring.loader import QuestionSpec

    def tf(n, answer):
        text = "必ずすべての申請で確認は不要である" if not answer else "誤りを含むおそれがある"
        return QuestionSpec(
            f"t{n}",
            "true_false",
            text,
            [("true", "正"), ("false", "誤")],
            ["true" if answer else "false"],
            "解説",
            tags=["A"],
        )

    def single(n):
        options = [
            ("a", "担当者に相談し、事前に内容を確認してから慎重に進める"),
            ("b", "すぐ使う"),
            ("c", "使わない"),
            ("d", "任せる"),
        ]
        return QuestionSpec(f"s{n}", "single", "どれですか", options, ["a"], "解説", tags=["A"])

    pool = [tf(n, n % 2 == 0) for n in range(10)] + [single(n) for n in range(10)]
    combined = next(s for s in cues.STRATEGIES if s.name.startswith("careful, then"))
    figures = cues.simulate(pool, draw=10, stratify_by=["A"], strategy=combined, draws=50)
    assert figures.mean == 100 and figures.pass_rate == 1
    assert cues.true_false_accuracy(pool, True) == 1


# --- the pool is its own ---------------------------------------------------------------


def _plain(text):
    return re.sub(r"[\s、。「」『』（）()・,.？?：:]", "", text)


def _stem_and_key(q):
    correct = " ".join(text for key, text in q.options if key in q.correct_keys)
    return _plain(q.text + ("" if q.type == "true_false" else correct))


def test_pool_items_are_not_copies_of_module_quiz_items(curriculum):
    """No question of a counted test repeats a module quiz question (stem and key),
    nor one of the other counted test, so a learner cannot pass it by remembering
    answers seen elsewhere."""
    pool = [q for slug in COUNTED for q in _in_use(curriculum[slug].quiz)]
    modules = [
        q for spec in curriculum.values() if spec.kind == "module" for q in _in_use(spec.quiz)
    ]
    first, second = (_in_use(curriculum[slug].quiz) for slug in COUNTED)
    for p in first:
        for q in second:
            ratio = difflib.SequenceMatcher(None, _stem_and_key(p), _stem_and_key(q)).ratio()
            assert ratio < 0.6, (p.key, q.key, round(ratio, 2))
    close = []
    for p in pool:
        for m in modules:
            ratio = difflib.SequenceMatcher(None, _stem_and_key(p), _stem_and_key(m)).ratio()
            if ratio >= 0.6:
                close.append((p.key, m.key, round(ratio, 2)))
    assert close == []


@pytest.mark.parametrize("slug", COUNTED)
def test_pool_items_that_resemble_each_other_share_a_group(curriculum, slug):
    pool = _in_use(curriculum[slug].quiz)
    close = []
    for a, b in itertools.combinations(pool, 2):
        ratio = difflib.SequenceMatcher(None, _stem_and_key(a), _stem_and_key(b)).ratio()
        if ratio >= 0.6 and (a.group is None or a.group != b.group):
            close.append((a.key, b.key, round(ratio, 2)))
    assert close == []


# --- the reader's own city ---------------------------------------------------------------

# Cities of the source documents, and the demo city: no text may present them as
# the reader's own. They may appear only inside a labelled reference case.
OTHER_CITIES = re.compile(r"柏|小金井|デモ市")


def _outside_reference_cases(markdown):
    lines = markdown.split("\n")
    inside = set()
    for first, last in reference_blocks(markdown):
        inside.update(range(first, last + 1))
    return "\n".join(line for n, line in enumerate(lines) if n not in inside)


def test_no_other_city_is_the_readers_own(curriculum):
    found = []
    for spec in curriculum.values():
        for where, text in [("title", spec.title), ("summary", spec.summary)]:
            if OTHER_CITIES.search(text):
                found.append((spec.slug, where))
        for lesson in spec.lessons:
            outside = _outside_reference_cases(lesson.title + "\n" + lesson.body_md)
            for match in OTHER_CITIES.finditer(outside):
                found.append(
                    (spec.slug, lesson.key, outside[match.start() - 10 : match.end() + 10])
                )
        for q in _in_use(spec.quiz):
            texts = [q.text, q.explanation, *(text for _, text in q.options)]
            if any(OTHER_CITIES.search(text) for text in texts):
                found.append((spec.slug, q.key))
    assert found == []


def test_the_check_for_other_cities_sees_outside_reference_cases():
    text = "前\n::: 参考事例 千葉県柏市\n柏市の例\n:::\n後に柏市\n"
    assert OTHER_CITIES.findall(_outside_reference_cases(text)) == ["柏"]


def test_the_introduction_shows_the_citys_own_targets(curriculum):
    intro = "\n".join(lesson.body_md for lesson in curriculum["intro-dx-learning"].lessons)
    assert "\n{{targets}}\n" in intro
    assert "{{city}}" in intro


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
