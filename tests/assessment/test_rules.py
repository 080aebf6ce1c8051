"""A counted test's retake rules: the yearly limit, HR's own rules for the city
(audited, for new attempts only), and what the learner is told."""

import random
from collections import Counter

import pytest
from sqlalchemy import select

from skillapp.assessment import services
from skillapp.assessment.draw import PoolItem, draw_paper
from skillapp.assessment.models import Attempt, AttemptRules
from skillapp.assessment.rules import rules_for, set_rules
from skillapp.audit.models import AuditEvent
from skillapp.extensions import db
from skillapp.util.dates import parse_local_datetime
from tests.assessment.test_settings import _leaks, _review, _submit
from tests.helpers import two_choice_questions


def at(text):
    return parse_local_datetime(text)


# --- the draw honours groups -----------------------------------------------------------


def test_a_draw_holds_at_most_one_question_of_a_group():
    items = [
        PoolItem(1, ("A",), ("a", "b"), "kpi"),
        PoolItem(2, ("A",), ("a", "b"), "kpi"),
        PoolItem(3, ("A",), ("a", "b"), "kpi"),
        PoolItem(4, ("A",), ("a", "b")),
        PoolItem(5, ("B",), ("a", "b"), "cloud"),
        PoolItem(6, ("B",), ("a", "b"), "cloud"),
        PoolItem(7, ("B",), ("a", "b")),
    ]
    seen = Counter()
    for seed in range(300):
        paper = draw_paper(items, draw_count=4, stratify_tags=["A", "B"], rng=random.Random(seed))
        ids = set(paper.question_ids)
        assert len(ids) == 4
        assert len(ids & {1, 2, 3}) == 1 and 4 in ids  # stratum A: its group once, and 4
        assert len(ids & {5, 6}) == 1 and 7 in ids
        seen.update(ids)
    # Each member of a group gets its turn.
    assert all(seen[i] > 50 for i in (1, 2, 3, 5, 6))


def test_an_unstratified_draw_honours_groups_too():
    items = [PoolItem(i, (), ("a",), "g" if i <= 3 else None) for i in range(1, 6)]
    for seed in range(100):
        ids = set(draw_paper(items, draw_count=3, rng=random.Random(seed)).question_ids)
        assert len(ids & {1, 2, 3}) == 1 and {4, 5} <= ids


def test_attempts_draw_from_groups_in_the_database(make_user, make_module):
    questions = two_choice_questions(6)
    for q in questions[:3]:
        q["group"] = "same-example"
    module = make_module(kind="assessment", questions=questions, draw=4)
    for _ in range(15):
        attempt = services.start_attempt(db.session, make_user().id, module)
        keys = {q.key for q in module.current_version.questions if q.id in attempt.question_ids}
        assert len(keys & {"q1", "q2", "q3"}) == 1 and {"q4", "q5", "q6"} <= keys
    db.session.commit()


# --- the yearly limit ------------------------------------------------------------------


def test_the_yearly_limit_counts_attempts_started_in_the_fiscal_year(make_user, make_module):
    user = make_user()
    module = make_module(max_attempts_per_year=2)
    _submit(user, module, right=False, now=at("2027-03-30T10:00:00"))
    _submit(user, module, right=False, now=at("2027-03-31T23:00:00"))
    with pytest.raises(services.AttemptError) as refused:
        services.start_attempt(db.session, user.id, module, now=at("2027-03-31T23:59:00"))
    assert refused.value.code == "max_attempts_per_year"
    assert services.attempts_left(db.session, user.id, module, now=at("2027-03-31T23:59:00")) == 0
    # 1 April in Japan time opens a new fiscal year.
    again = services.start_attempt(db.session, user.id, module, now=at("2027-04-01T00:00:00"))
    assert again.number == 3
    assert services.attempts_left(db.session, user.id, module, now=at("2027-04-02T00:00:00")) == 1


# --- HR's rules for the city -----------------------------------------------------------


def test_city_rules_override_the_published_settings_for_new_attempts(make_user, make_module):
    hr, user = make_user(roles=["hr"]), make_user()
    module = make_module(kind="assessment", questions=two_choice_questions(), review="always")
    before = _submit(user, module, right=False, now=at("2026-06-01T10:00:00"))
    assert set_rules(
        db.session,
        module,
        review="after_pass",
        cooldown_minutes=24 * 60,
        max_attempts_per_year=3,
        actor_id=hr.id,
        ip="192.0.2.7",
    )
    db.session.commit()
    rules = rules_for(db.session, module)
    assert (rules.review, rules.cooldown_minutes, rules.max_attempts_per_year, rules.by_city) == (
        "after_pass",
        1440,
        3,
        True,
    )
    # The pause now applies from the last submitted attempt.
    with pytest.raises(services.AttemptError) as refused:
        services.start_attempt(db.session, user.id, module, now=at("2026-06-02T09:59:00"))
    assert refused.value.code == "cooldown"
    after = _submit(user, module, right=False, now=at("2026-06-02T10:00:00"))
    assert (before.review_answers, after.review_answers) == ("always", "after_pass")
    # The event says who, from where, and each setting before and after.
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "attempt_rules_changed")
    )
    assert (event.actor_user_id, event.ip, event.object_id) == (hr.id, "192.0.2.7", str(module.id))
    assert event.detail["review_before"] == "always" and event.detail["review"] == "after_pass"
    assert event.detail["cooldown_minutes_before"] is None
    assert event.detail["cooldown_minutes"] == 1440
    # Saving the same rules again changes and records nothing.
    assert not set_rules(
        db.session,
        module,
        review="after_pass",
        cooldown_minutes=1440,
        max_attempts_per_year=3,
        actor_id=hr.id,
    )


def test_an_attempt_keeps_the_review_rule_it_started_under(client, login, make_user, make_module):
    hr, user = make_user(roles=["hr"]), make_user()
    module = make_module(kind="assessment", questions=two_choice_questions(), review="always")
    old = _submit(user, module, right=False, now=at("2026-06-01T10:00:00"))
    set_rules(
        db.session,
        module,
        review="after_pass",
        cooldown_minutes=None,
        max_attempts_per_year=None,
        actor_id=hr.id,
    )
    db.session.commit()
    new = _submit(user, module, right=False, now=at("2026-06-03T10:00:00"))
    login(user)
    from tests.assessment.test_settings import _api

    # The review the learner had keeps showing; the new attempt shows no key.
    assert _leaks(_review(client, old), _api(client, old), module)
    assert not _leaks(_review(client, new), _api(client, new), module)


def test_a_new_published_version_keeps_old_reviews(client, login, make_user, make_module):
    """Learners who took the old version keep their reviews when the test moves
    to review: after_pass."""
    user = make_user()
    module = make_module(kind="assessment", questions=two_choice_questions(), review="always")
    old = _submit(user, module, right=False, now=at("2026-06-01T10:00:00"))
    make_module(kind="assessment", questions=two_choice_questions(), review="after_pass")
    new = _submit(user, module, right=False, now=at("2026-06-02T10:00:00"))
    assert new.version_id != old.version_id
    login(user)
    from tests.assessment.test_settings import _api

    assert _leaks(_review(client, old), _api(client, old), module)
    assert not _leaks(_review(client, new), _api(client, new), module)


def test_hr_sets_and_resets_the_rules_in_the_browser(client, login, make_user, make_module):
    module = make_module("exam", kind="assessment", questions=two_choice_questions())
    login(make_user(roles=["hr"]))
    page = client.get("/hr/tests").get_data(as_text=True)
    assert "/hr/tests/exam/rules" in page and "公開された設定" in page
    response = client.post(
        "/hr/tests/exam/rules",
        data={"review": "after_pass", "pause_hours": "24", "max_attempts_per_year": "5"},
        follow_redirects=True,
    )
    assert "保存しました" in response.get_data(as_text=True)
    own = db.session.get(AttemptRules, module.id)
    assert (own.review_answers, own.cooldown_minutes, own.max_attempts_per_year) == (
        "after_pass",
        1440,
        5,
    )
    page = client.get("/hr/tests").get_data(as_text=True)
    assert "24時間" in page and "人事担当課（本市）" in page
    # A bad value is refused with a message and changes nothing.
    bad = client.post("/hr/tests/exam/rules", data={"review": "after_pass", "pause_hours": "-3"})
    assert bad.status_code == 422 and "1から8784までの整数" in bad.get_data(as_text=True)
    assert db.session.get(AttemptRules, module.id).cooldown_minutes == 1440
    client.post("/hr/tests/exam/rules/reset")
    db.session.expire_all()
    assert db.session.get(AttemptRules, module.id) is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("attempt_rules_%"))
    ).all()
    assert actions == ["attempt_rules_changed", "attempt_rules_reset"]


def test_only_hr_and_admins_set_the_rules(client, login, make_user, make_module):
    make_module("exam", kind="assessment", questions=two_choice_questions())
    make_module("course")
    for roles, status in (([], 403), (["author"], 403), (["hr"], 200), (["admin"], 200)):
        client.post("/logout")
        login(make_user(roles=roles))
        assert client.get("/hr/tests").status_code == status, roles
        assert client.get("/hr/tests/exam/rules").status_code == status, roles
        post = client.post("/hr/tests/exam/rules", data={"review": "never"})
        assert post.status_code in ((403,) if status == 403 else (302,)), roles
    # Only tests have such rules: a module or an unknown slug is not found.
    assert client.get("/hr/tests/course/rules").status_code == 404
    assert client.get("/hr/tests/nope/rules").status_code == 404


def test_the_learner_reads_the_rules_on_the_tests_page(client, login, make_user, make_module):
    user = make_user()
    module = make_module(
        "exam",
        kind="assessment",
        questions=two_choice_questions(),
        review="after_pass",
        cooldown_minutes=1440,
        max_attempts_per_year=5,
    )
    login(user)
    page = client.get("/modules/exam").get_data(as_text=True)
    assert "前回の提出から24時間後から" in page
    assert "1年度（4月1日〜3月31日）に5回まで" in page
    assert "正解と解説は、合格すると表示されます" in page
    _submit(user, module, right=False)
    page = client.get("/modules/exam").get_data(as_text=True)
    assert 'id="cooldown-note"' in page and "残り受験回数：4回" in page
    assert len(db.session.scalars(select(Attempt).where(Attempt.user_id == user.id)).all()) == 1


def test_per_tag_counts_give_every_attempt_the_same_make_up():
    items = [PoolItem(i, ("A" if i <= 10 else "B",), ("a", "b")) for i in range(1, 21)]
    for seed in range(100):
        paper = draw_paper(
            items,
            draw_count=7,
            stratify_tags=["A", "B"],
            stratify_counts={"A": 4, "B": 3},
            rng=random.Random(seed),
        )
        ids = paper.question_ids
        assert (sum(i <= 10 for i in ids), sum(i > 10 for i in ids)) == (4, 3)
