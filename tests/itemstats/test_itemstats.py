"""Item statistics against a hand-computed fixture.

An assessment of five questions (weight 1 each); ten people, one attempt each,
taken in FY2026, in this order (so attempt ids ascend 1…10). ✓ = correct.

  #   q1   q2   q3      q4  q5   right  score
  1   a✓   a✓   a,b✓    a✓  a✓   5      100
  2   a✓   b    a,b✓    a✓  b    3      60
  3   a✓   a✓   a       a✓  b    3      60
  4   b    a✓   a,b✓    a✓  b    3      60
  5   a✓   c    a,c     a✓  b    2      40
  6   a✓   b    (none)  a✓  c    2      40
  7   b    a✓   b       a✓  c    2      40
  8   a✓   b    a       a✓  c    2      40
  9   b    c    c       a✓  c    1      20
  10  a✓   a✓   a,b✓    a✓  a✓   5      100

q1: a✓ b c · q2: a✓ b c d · q3 (multiple): a✓ b✓ c · q4: a✓ b · q5: a✓ b c.
Attempts 1–5 are on version 1, 6–10 on version 2 (q1's text changed).

n = 10, g = ceil(0.27 × 10) = 3. Ranked by (score, attempt id):
9, 5, 6, 7, 8, 2, 3, 4, 1, 10 → lower group {9, 5, 6}, upper group {4, 1, 10}.

      correct  p    upper  lower  D     picks                    flags
  q1  7        0.7  2/3    2/3    0     a 7, b 3, c 0            weak, unpicked (c)
  q2  5        0.5  3/3    0/3    1     a 5, b 3, c 2, d 0       unpicked (d)
  q3  4        0.4  3/3    0/3    1     a 7, b 5, c 2, none 1    —
  q4  10       1.0  3/3    3/3    0     a 10, b 0                too easy, weak, unpicked (b)
  q5  2        0.2  2/3    0/3    2/3   a 2, b 4, c 4            too hard

Outside the year: attempt 11 at 2026-03-31 23:59:59 JST (FY2025), and an attempt
started in FY2026 but never submitted.
"""

from fractions import Fraction

import pytest
from sqlalchemy import select

from skillapp.assessment import services
from skillapp.assessment.models import Question
from skillapp.extensions import db
from skillapp.itemstats import queries
from skillapp.util.dates import parse_local_datetime


def _single(key, options, correct="a", text=None):
    return {
        "id": key,
        "type": "single",
        "text": text or f"問{key}",
        "explanation": "解説",
        "options": [{"id": o, "text": f"{key}-{o}", "correct": o == correct} for o in options],
    }


def _questions(q1_text="問q1"):
    return [
        _single("q1", "abc", text=q1_text),
        _single("q2", "abcd"),
        {
            "id": "q3",
            "type": "multiple",
            "text": "問q3",
            "explanation": "解説",
            "options": [
                {"id": "a", "text": "q3-a", "correct": True},
                {"id": "b", "text": "q3-b", "correct": True},
                {"id": "c", "text": "q3-c"},
            ],
        },
        _single("q4", "ab"),
        _single("q5", "abc"),
    ]


SHEETS = [
    ("a", "a", "ab", "a", "a"),
    ("a", "b", "ab", "a", "b"),
    ("a", "a", "a", "a", "b"),
    ("b", "a", "ab", "a", "b"),
    ("a", "c", "ac", "a", "b"),
    ("a", "b", "", "a", "c"),
    ("b", "a", "b", "a", "c"),
    ("a", "b", "a", "a", "c"),
    ("b", "c", "c", "a", "c"),
    ("a", "a", "ab", "a", "a"),
]
SCORES = [100, 60, 60, 60, 40, 40, 40, 40, 20, 100]


def _submit(user, module, when, sheet):
    at = parse_local_datetime(when)
    attempt = services.start_attempt(db.session, user.id, module, now=at)
    keys = dict(
        db.session.execute(
            select(Question.key, Question.id).where(Question.id.in_(attempt.question_ids))
        ).all()
    )
    answers = {keys[f"q{i}"]: list(chosen) for i, chosen in enumerate(sheet, start=1) if chosen}
    result = services.submit_attempt(db.session, attempt.id, user.id, answers=answers, now=at)
    db.session.commit()
    return result.attempt


@pytest.fixture
def fixture(make_user, make_module):
    module = make_module("quiz", kind="assessment", questions=_questions())
    users = [make_user(f"P{i:02d}") for i in range(1, 11)]
    attempts = []
    for i, (user, sheet) in enumerate(zip(users, SHEETS, strict=True)):
        if i == 5:  # attempts 6–10 are taken on a second version
            module = make_module("quiz", kind="assessment", questions=_questions("問q1（改）"))
        # The first at the very start of FY2026 in Japan time.
        when = "2026-04-01T00:00:00+09:00" if i == 0 else f"2026-06-{i + 1:02d}T10:00:00"
        attempts.append(_submit(user, module, when, sheet))
    assert [a.score for a in attempts] == SCORES
    _submit(users[0], module, "2026-03-31T23:59:59+09:00", SHEETS[8])  # FY2025
    services.start_attempt(
        db.session, users[1].id, module, now=parse_local_datetime("2026-07-01T10:00:00")
    )
    db.session.commit()
    return module


def _by_key(stats):
    return {q.key: q for q in stats.questions}


def test_counts_facility_and_discrimination(fixture):
    stats = queries.module_stats(db.session, fixture, 2026)
    assert (stats.attempts, stats.people) == (10, 10)
    q = _by_key(stats)
    assert list(q) == ["q1", "q2", "q3", "q4", "q5"]
    expected = {
        "q1": (7, Fraction(7, 10), 2, 2, Fraction(0)),
        "q2": (5, Fraction(1, 2), 3, 0, Fraction(1)),
        "q3": (4, Fraction(2, 5), 3, 0, Fraction(1)),
        "q4": (10, Fraction(1), 3, 3, Fraction(0)),
        "q5": (2, Fraction(1, 5), 2, 0, Fraction(2, 3)),
    }
    for key, (correct, p, upper, lower, d) in expected.items():
        stat = q[key]
        assert (stat.n, stat.group) == (10, 3), key
        assert (stat.correct, stat.facility) == (correct, p), key
        assert (stat.upper_correct, stat.lower_correct) == (upper, lower), key
        assert stat.discrimination == d, key
        assert stat.p_upper == Fraction(upper, 3) and stat.p_lower == Fraction(lower, 3)


def test_option_picks(fixture):
    q = _by_key(queries.module_stats(db.session, fixture, 2026))

    def picks(key):
        return {o.key: o.picks for o in q[key].options}

    assert picks("q1") == {"a": 7, "b": 3, "c": 0}
    assert picks("q2") == {"a": 5, "b": 3, "c": 2, "d": 0}
    assert picks("q3") == {"a": 7, "b": 5, "c": 2}
    assert q["q3"].no_answer == 1
    assert picks("q4") == {"a": 10, "b": 0}
    assert picks("q5") == {"a": 2, "b": 4, "c": 4}
    assert [o.key for o in q["q3"].options if o.is_correct] == ["a", "b"]


def test_flags(fixture):
    q = _by_key(queries.module_stats(db.session, fixture, 2026))
    assert {key: stat.flags() for key, stat in q.items()} == {
        "q1": ["weak", "unpicked_option"],
        "q2": ["unpicked_option"],
        "q3": [],
        "q4": ["too_easy", "weak", "unpicked_option"],
        "q5": ["too_hard"],
    }
    assert [o.key for o in q["q1"].unpicked] == ["c"]


def test_versions_and_latest_text(fixture):
    q = _by_key(queries.module_stats(db.session, fixture, 2026))
    assert q["q1"].text == "問q1（改）"
    assert q["q1"].versions == [(1, 5), (2, 5)]
    assert all(stat.in_current for stat in q.values())


def test_fiscal_year_boundary_in_japan_time(fixture):
    # 2026-03-31 23:59:59 JST is FY2025; 2026-04-01 00:00:00 JST is FY2026.
    before = queries.module_stats(db.session, fixture, 2025)
    assert (before.attempts, before.people) == (1, 1)
    q = _by_key(before)
    assert (q["q1"].n, q["q1"].correct, q["q1"].group) == (1, 0, 1)
    assert queries.module_stats(db.session, fixture, 2024).attempts == 0
    assert queries.attempts_by_module(db.session, 2026) == {fixture.id: 10}


def test_group_size_rounds_up():
    assert [queries.group_size(n) for n in (1, 3, 4, 10, 20, 100, 101)] == [1, 1, 2, 3, 6, 27, 28]


def test_the_page_hides_numbers_below_the_minimum(client, login, make_user, fixture):
    login(make_user(roles=["author"]))
    page = client.get("/authoring/item-stats/quiz?fy=2026").get_data(as_text=True)
    assert "回答数：10" in page
    assert "回答が20件未満のため、数値は表示していません" in page
    first_question = page.split("<article")[1]
    assert "70.0%" not in page and "識別力" not in first_question and "(7/10)" not in page


def test_the_page_shows_numbers_and_flags_above_the_minimum(app, client, login, make_user, fixture):
    app.config["ITEM_STATS_MIN_RESPONSES"] = 10
    login(make_user(roles=["author"]))
    page = client.get("/authoring/item-stats/quiz?fy=2026").get_data(as_text=True)
    assert "70.0%" in page and "(7/10)" in page  # q1's facility
    assert "+0.67" in page  # q5's discrimination
    assert "易しすぎる" in page and "難しすぎる" in page
    assert "できる人とできない人の差が出ない" in page
    assert "誰も選ばない選択肢があります：「q1-c」" in page
    assert "第1版 5件" in page and "第2版 5件" in page
    # Each question of the current version leads to the editor, where it can be retired.
    assert page.count('href="/authoring/modules/quiz#question-q') == 5


def test_the_index_lists_attempts_per_module(client, login, make_user, fixture):
    login(make_user(roles=["admin"]))
    page = client.get("/authoring/item-stats?fy=2026").get_data(as_text=True)
    assert "/authoring/item-stats/quiz?fy=2026" in page


def test_only_authors_and_admins(client, login, make_user, fixture):
    for roles, status in (([], 403), (["hr"], 403), (["author"], 200), (["admin"], 200)):
        client.post("/logout")
        login(make_user(roles=roles))
        assert client.get("/authoring/item-stats").status_code == status, roles
        assert client.get("/authoring/item-stats/quiz").status_code == status, roles
    assert client.get("/authoring/item-stats/nope").status_code == 404
    assert client.get("/authoring/item-stats/quiz?fy=1999").status_code == 400


# --- the test as a whole: KR-20, SEM and the spread of drawn forms -------------------
#
# The fixture above is one fixed form of k = 5 questions. Number right X over the
# ten FY2026 attempts: 5 3 3 3 2 2 2 2 1 5, so mean 2.8, mean of X² 9.4 and
# σ²_X = 9.4 − 2.8² = 1.56. Facilities 0.7 0.5 0.4 1.0 0.2 give
# Σ p(1 − p) = 0.21 + 0.25 + 0.24 + 0 + 0.16 = 0.86, so
# KR-20 = 5/4 · (1 − 0.86 / 1.56) = 0.560897…
# σ of the scores = √1.56 · 100/5 = 24.98 points; SEM = 24.98 · √(1 − 0.5609) = 16.55.
# Every attempt has the same form: 100 · mean p = 56.0 for each, spread 0.


def test_kr20_of_a_fixed_form(fixture):
    r = queries.reliability(db.session, fixture, 2026)
    assert r.attempts == 10 and r.mean_items == 5
    assert r.variance_right == pytest.approx(1.56)
    assert r.mean_item_variance == pytest.approx(0.86)
    assert r.kr20 == pytest.approx(1.25 * (1 - 0.86 / 1.56))
    assert r.kr20 == pytest.approx(0.5609, abs=1e-4)
    assert r.score_sd == pytest.approx(24.98, abs=0.01)
    assert r.sem == pytest.approx(16.55, abs=0.01)
    assert (r.easiest_form, r.hardest_form, r.mean_form) == pytest.approx((56.0, 56.0, 56.0))
    assert r.form_sd == pytest.approx(0.0, abs=1e-6)
    # The FY2025 attempt is its own year; a year without attempts has no figures.
    assert queries.reliability(db.session, fixture, 2025).attempts == 1
    assert queries.reliability(db.session, fixture, 2024) is None


# Drawn forms: four questions A B C D, two drawn per attempt, eight attempts.
#
#   attempt  form  answers   X   Σp(1−p) of the form   100 · mean p of the form
#   1        A B   ✓ ✓       2   3/16 + 3/16 = 6/16    75.0
#   2        A C   ✓ ✓       2   3/16 + 4/16 = 7/16    62.5
#   3        B D   ✓ ✗       1   6/16                  50.0
#   4        C D   ✗ ✗       0   7/16                  37.5
#   5        A D   ✗ ✗       0   6/16                  50.0
#   6        B C   ✓ ✓       2   7/16                  62.5
#   7        A B   ✓ ✗       1   6/16                  75.0
#   8        C D   ✗ ✓       1   7/16                  37.5
#
# p: A 3/4, B 3/4, C 1/2, D 1/4. Mean Σp(1−p) = 52/128 = 13/32.
# X: mean 9/8, mean of X² 15/8, σ²_X = 15/8 − 81/64 = 39/64.
# KR-20 = 2/1 · (1 − (13/32) / (39/64)) = 2 · (1 − 2/3) = 2/3.
# σ of the scores = √(39/64) · 100/2 = 39.03; SEM = 39.03 · √(1/3) = 22.54.
# Forms: easiest 75.0, hardest 37.5, mean 56.25, σ = √195.3125 = 13.98.
DRAWN = [
    ("AB", "✓✓"),
    ("AC", "✓✓"),
    ("BD", "✓✗"),
    ("CD", "✗✗"),
    ("AD", "✗✗"),
    ("BC", "✓✓"),
    ("AB", "✓✗"),
    ("CD", "✗✓"),
]


@pytest.fixture
def drawn(make_user, make_module):
    questions = [_single(key, "ab") for key in "ABCD"]
    module = make_module("pool", kind="assessment", questions=questions, draw=2)
    for n, (form, marks) in enumerate(DRAWN, start=1):
        user = make_user(f"D{n:02d}")
        at = parse_local_datetime(f"2026-05-{n:02d}T10:00:00")
        attempt = services.start_attempt(db.session, user.id, module, now=at)
        ids = dict(
            db.session.execute(
                select(Question.key, Question.id).where(Question.version_id == attempt.version_id)
            ).all()
        )
        # The paper this row of the table had (the draw itself is random).
        attempt.question_ids = [ids[key] for key in form]
        attempt.option_orders = {str(ids[key]): ["a", "b"] for key in form}
        db.session.flush()
        answers = {
            ids[key]: ["a" if mark == "✓" else "b"] for key, mark in zip(form, marks, strict=True)
        }
        services.submit_attempt(db.session, attempt.id, user.id, answers=answers, now=at)
        db.session.commit()
    return module


def test_kr20_over_drawn_forms(drawn):
    r = queries.reliability(db.session, drawn, 2026)
    assert (r.attempts, r.mean_items) == (8, 2)
    assert r.mean_right == pytest.approx(9 / 8)
    assert r.variance_right == pytest.approx(39 / 64)
    assert r.mean_item_variance == pytest.approx(13 / 32)
    assert r.kr20 == pytest.approx(2 / 3)
    assert r.score_sd == pytest.approx(39.03, abs=0.01)
    assert r.sem == pytest.approx(22.54, abs=0.01)
    assert (r.easiest_form, r.hardest_form, r.mean_form) == pytest.approx((75.0, 37.5, 56.25))
    assert r.form_sd == pytest.approx(13.98, abs=0.01)


def test_the_whole_test_figures_follow_the_minimum(app, client, login, make_user, fixture):
    login(make_user(roles=["author"]))
    page = client.get("/authoring/item-stats/quiz?fy=2026").get_data(as_text=True)
    assert 'id="kr20"' not in page
    assert "受験が20件未満のため、テスト全体の数値は表示していません" in page
    app.config["ITEM_STATS_MIN_RESPONSES"] = 10
    page = client.get("/authoring/item-stats/quiz?fy=2026").get_data(as_text=True)
    assert '<dd id="kr20">0.56' in page
    assert "±16.5点" in page or "±16.6点" in page
    assert "56.0" in page.split('id="form-spread"')[1].split("</dd>")[0]
