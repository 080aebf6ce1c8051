"""The cool-down between attempts, when a review shows the answers, retired questions."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from skillapp.assessment import services
from skillapp.assessment.models import Question
from skillapp.db import utcnow
from skillapp.extensions import db
from tests.helpers import two_choice_questions


def _submit(user, module, *, right: bool, now=None):
    attempt = services.start_attempt(db.session, user.id, module, now=now)
    sheet = {}
    for q in db.session.scalars(select(Question).where(Question.id.in_(attempt.question_ids))):
        wrong = next(o["key"] for o in q.options if o["key"] not in q.correct_keys)
        sheet[q.id] = list(q.correct_keys) if right else [wrong]
    services.submit_attempt(db.session, attempt.id, user.id, answers=sheet, now=now)
    db.session.commit()
    return attempt


# --- cool-down -------------------------------------------------------------------------


def test_no_new_attempt_before_the_cooldown(make_user, make_module):
    user, module = make_user(), make_module(cooldown_minutes=60)
    start = utcnow() - timedelta(minutes=30)
    first = _submit(user, module, right=False, now=start)
    with pytest.raises(services.AttemptError) as refused:
        services.start_attempt(db.session, user.id, module, now=start + timedelta(minutes=59))
    assert refused.value.code == "cooldown"
    assert refused.value.available_at == first.submitted_at + timedelta(minutes=60)
    again = services.start_attempt(db.session, user.id, module, now=start + timedelta(minutes=60))
    assert again.number == 2


def test_the_cooldown_message_says_when_in_japanese(client, login, make_user, make_module):
    user, module = make_user(), make_module(cooldown_minutes=90)
    attempt = _submit(user, module, right=False)
    login(user)
    response = client.post(f"/modules/{module.slug}/attempts", follow_redirects=True)
    page = response.get_data(as_text=True)
    available = attempt.submitted_at + timedelta(minutes=90)
    from skillapp.util.dates import format_jst

    assert "まだ次の受験はできません" in page
    assert f"{format_jst(available)} から受験できます" in page
    # The module page and the result page say so before anyone clicks.
    assert f"{format_jst(available)} から再受験できます" in page
    result = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert 'id="cooldown-note"' in result
    assert f'action="/modules/{module.slug}/attempts"' not in result
    assert services.open_attempt(db.session, user.id, module.id) is None


def test_an_open_attempt_is_resumed_whatever_the_cooldown(make_user, make_module):
    user, module = make_user(), make_module(cooldown_minutes=60)
    current = services.start_attempt(db.session, user.id, module)
    db.session.commit()
    assert services.start_attempt(db.session, user.id, module).id == current.id


# --- review ----------------------------------------------------------------------------


def _review(client, attempt):
    return client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)


def _api(client, attempt):
    return client.get(f"/api/v1/attempts/{attempt.id}").get_json()


def _leaks(page: str, api: dict, module) -> bool:
    explanation_shown = "解説1" in page
    marked = any(mark in page for mark in ("badge--correct", "status--done", "option--chosen"))
    api_keys = any("correct" in q or "explanation" in q for q in api["questions"])
    return explanation_shown or marked or api_keys


def test_review_always_shows_the_answers(client, login, make_user, make_module):
    user, module = make_user(), make_module()
    attempt = _submit(user, module, right=False)
    login(user)
    assert _leaks(_review(client, attempt), _api(client, attempt), module)
    assert _api(client, attempt)["answers_shown"] is True


def test_review_never_shows_only_the_learners_own_answers(client, login, make_user, make_module):
    user, module = make_user(), make_module(review="never")
    failed = _submit(user, module, right=False)
    passed = _submit(user, module, right=True)
    login(user)
    for attempt in (failed, passed):
        page, api = _review(client, attempt), _api(client, attempt)
        assert not _leaks(page, api, module)
        assert 'id="answers-hidden"' in page and "正解と解説は表示されません" in page
        assert "あなたの解答" in page
        assert api["answers_shown"] is False and "score" in api


def test_review_after_pass_shows_the_answers_once_passed(client, login, make_user, make_module):
    user, module = make_user(), make_module(review="after_pass")
    failed = _submit(user, module, right=False)
    login(user)
    page = _review(client, failed)
    assert not _leaks(page, _api(client, failed), module)
    assert "合格すると表示されます" in page
    passed = _submit(user, module, right=True)
    assert _leaks(_review(client, passed), _api(client, passed), module)
    # Having passed, the earlier review shows the answers too.
    assert _leaks(_review(client, failed), _api(client, failed), module)


def test_another_learner_passing_reveals_nothing(client, login, make_user, make_module):
    module = make_module(review="after_pass")
    me, other = make_user(), make_user()
    failed = _submit(me, module, right=False)
    _submit(other, module, right=True)
    login(me)
    assert not _leaks(_review(client, failed), _api(client, failed), module)


# --- retired questions -------------------------------------------------------------------


def test_retired_questions_are_never_drawn(make_user, make_module):
    questions = two_choice_questions(4)
    questions[1]["retired"] = True
    module = make_module(questions=questions, shuffle_questions=True)
    version = module.current_version
    retired = next(q.id for q in version.questions if q.key == "q2")
    user = make_user()
    for _ in range(10):
        attempt = _submit(user, module, right=True)
        assert retired not in attempt.question_ids
        assert len(attempt.question_ids) == 3


def test_a_quiz_whose_questions_are_all_retired_is_unavailable(make_user, make_module):
    module = make_module()
    for q in module.current_version.questions:
        q.is_retired = True
    db.session.commit()
    with pytest.raises(services.AttemptError) as refused:
        services.start_attempt(db.session, make_user().id, module)
    assert refused.value.code == "unavailable"


def test_the_module_page_counts_questions_in_use(client, login, make_user, make_module):
    questions = two_choice_questions(4)
    questions[0]["retired"] = True
    module = make_module(questions=questions)
    login(make_user())
    assert "出題数：3問" in client.get(f"/modules/{module.slug}").get_data(as_text=True)
