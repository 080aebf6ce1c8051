"""Attempt states through the service layer and the web pages."""

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from skillapp.assessment import services
from skillapp.assessment.models import Attempt, AttemptAnswer, Question
from skillapp.audit.models import AuditEvent
from skillapp.db import utcnow
from skillapp.extensions import db


def as_form(attempt, sheet):
    """The browser's form for a sheet of keys: 1-based positions as shown."""
    form = {}
    for qid, keys in sheet.items():
        order = attempt.option_orders[str(qid)]
        form[f"q-{qid}"] = [str(order.index(k) + 1) for k in keys]
    return form


def correct_sheet(attempt):
    questions = db.session.scalars(select(Question).where(Question.id.in_(attempt.question_ids)))
    return {q.id: list(q.correct_keys) for q in questions}


def wrong_sheet(attempt):
    sheet = {}
    for q in db.session.scalars(select(Question).where(Question.id.in_(attempt.question_ids))):
        sheet[q.id] = [next(o["key"] for o in q.options if o["key"] not in q.correct_keys)]
    return sheet


def test_start_resumes_the_open_attempt(make_user, make_module):
    user, module = make_user(), make_module()
    first = services.start_attempt(db.session, user.id, module)
    again = services.start_attempt(db.session, user.id, module)
    assert again.id == first.id
    assert first.number == 1
    assert first.question_ids == [q.id for q in module.current_version.questions]


def test_submit_scores_and_closes_once(make_user, make_module):
    user, module = make_user(), make_module()
    attempt = services.start_attempt(db.session, user.id, module)
    sheet = correct_sheet(attempt)
    first_q = attempt.question_ids[0]
    sheet[first_q] = wrong_sheet(attempt)[first_q]  # 2 of 3 right → 66
    result = services.submit_attempt(db.session, attempt.id, user.id, answers=sheet)
    db.session.commit()
    assert result.changed
    assert (result.attempt.score, result.attempt.passed) == (66, False)
    # A second submission, even with a perfect sheet, changes nothing.
    again = services.submit_attempt(db.session, attempt.id, user.id, answers=correct_sheet(attempt))
    db.session.commit()
    assert not again.changed
    assert db.session.get(Attempt, attempt.id).score == 66


def test_answers_cannot_change_after_submission(make_user, make_module):
    user, module = make_user(), make_module()
    attempt = services.start_attempt(db.session, user.id, module)
    services.submit_attempt(db.session, attempt.id, user.id, answers=correct_sheet(attempt))
    db.session.commit()
    with pytest.raises(services.AttemptError) as error:
        services.save_answer(db.session, attempt.id, user.id, attempt.question_ids[0], ["b"])
    assert error.value.code == "submitted"


def test_save_validates_question_and_options(make_user, make_module):
    user, module = make_user(), make_module()
    attempt = services.start_attempt(db.session, user.id, module)
    qid = attempt.question_ids[0]
    for question_id, selected, code in [
        (qid, ["zzz"], "bad_option"),
        (qid, ["a", "b"], "bad_option"),  # single choice takes one option
        (999999, ["a"], "bad_question"),
    ]:
        with pytest.raises(services.AttemptError) as error:
            services.save_answer(db.session, attempt.id, user.id, question_id, selected)
        assert error.value.code == code


def test_late_sheet_is_scored_as_it_stood_at_the_deadline(make_user, make_module):
    user = make_user()
    module = make_module(time_limit_minutes=10)
    start = utcnow() - timedelta(minutes=30)
    attempt = services.start_attempt(db.session, user.id, module, now=start)
    assert attempt.deadline_at == start + timedelta(minutes=10)
    first = attempt.question_ids[0]
    services.save_answer(
        db.session,
        attempt.id,
        user.id,
        first,
        correct_sheet(attempt)[first],
        now=start + timedelta(minutes=5),
    )
    db.session.commit()
    # After the deadline: a save is refused, and a full sheet sent with the
    # submit counts only as far as it had been saved in time.
    with pytest.raises(services.AttemptError):
        services.save_answer(db.session, attempt.id, user.id, attempt.question_ids[1], ["a"])
    result = services.submit_attempt(
        db.session, attempt.id, user.id, answers=correct_sheet(attempt)
    )
    db.session.commit()
    assert result.attempt.timed_out
    assert result.attempt.score == 33
    assert result.attempt.submitted_at == attempt.deadline_at


def test_expired_attempt_is_closed_when_opened(make_user, make_module, client, login):
    user = make_user()
    module = make_module(time_limit_minutes=1)
    attempt = services.start_attempt(
        db.session, user.id, module, now=utcnow() - timedelta(minutes=5)
    )
    db.session.commit()
    login(user)
    response = client.get(f"/attempts/{attempt.id}")
    assert response.status_code == 302
    assert response.location.endswith(f"/attempts/{attempt.id}/result")
    db.session.expire_all()
    closed = db.session.get(Attempt, attempt.id)
    assert closed.status == "submitted" and closed.timed_out and closed.score == 0


def test_max_attempts(make_user, make_module):
    user, module = make_user(), make_module(max_attempts=2)
    for _ in range(2):
        attempt = services.start_attempt(db.session, user.id, module)
        services.submit_attempt(db.session, attempt.id, user.id)
    with pytest.raises(services.AttemptError) as error:
        services.start_attempt(db.session, user.id, module)
    assert error.value.code == "max_attempts"


def test_order_is_stored_with_the_attempt(make_user, make_module):
    user = make_user()
    questions = [
        {
            "id": f"q{i}",
            "type": "single",
            "text": f"問{i}",
            "explanation": "解説",
            "options": [{"id": k, "text": k.upper(), "correct": k == "a"} for k in "abcd"],
        }
        for i in range(1, 9)
    ]
    module = make_module(questions=questions, shuffle_questions=True, shuffle_options=True)
    attempt = services.start_attempt(db.session, user.id, module)
    db.session.commit()
    sheet = services.answer_sheet(db.session, attempt)
    assert [q.id for q in sheet] == attempt.question_ids
    for q in sheet:
        assert [o.key for o in q.options] == attempt.option_orders[str(q.id)]


def test_concurrent_submissions_score_once(app, make_user, make_module):
    user, module = make_user(), make_module()
    attempt = services.start_attempt(db.session, user.id, module)
    sheet = correct_sheet(attempt)
    db.session.commit()
    attempt_id, user_id = attempt.id, user.id
    barrier = threading.Barrier(20)
    outcomes, errors = [], []

    def submit():
        with app.app_context():
            try:
                barrier.wait()
                result = services.submit_attempt(db.session, attempt_id, user_id, answers=sheet)
                db.session.commit()
                outcomes.append(result.changed)
            except Exception as exc:  # noqa: BLE001 — collected and asserted below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert outcomes.count(True) == 1
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).score == 100
    events = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "attempt_submitted")
    )
    assert events == 1
    answers = db.session.scalar(
        select(func.count())
        .select_from(AttemptAnswer)
        .where(AttemptAnswer.attempt_id == attempt_id)
    )
    assert answers == len(sheet)


# ---------------------------------------------------------------- web


def _start(client, slug):
    response = client.post(f"/modules/{slug}/attempts")
    assert response.status_code == 302
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def test_in_progress_pages_carry_no_answer_key(client, login, make_user, make_module):
    user = make_user()
    module = make_module()
    login(user)
    attempt_id = _start(client, module.slug)
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    body = client.get(f"/api/v1/attempts/{attempt_id}").get_json()
    text = json.dumps(body, ensure_ascii=False)
    # No marker of the key at all: not a class, an attribute, a word or a weight.
    for marker in ("correct", "explanation", "weight", "解説", "正解"):
        assert marker not in html.lower(), marker
        assert marker not in text.lower(), marker
    # The option values are positions as shown, never the authoring keys.
    assert 'value="a"' not in html and 'value="b"' not in html
    assert {o["value"] for o in body["questions"][0]["options"]} == {"1", "2"}
    assert set(body["questions"][0]) == {"id", "number", "type", "text", "options", "selected"}
    # After submission the review shows the key and the explanations.
    client.post(f"/attempts/{attempt_id}/submit", data={})
    done = client.get(f"/api/v1/attempts/{attempt_id}").get_json()
    assert done["status"] == "submitted"
    assert done["questions"][0]["correct"] == ["1"]  # "a", shown first
    assert "解説1" in client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)


def test_saved_answers_survive_a_reload(client, login, make_user, make_module):
    user, module = make_user(), make_module()
    login(user)
    attempt_id = _start(client, module.slug)
    qid = client.get(f"/api/v1/attempts/{attempt_id}").get_json()["questions"][0]["id"]
    response = client.post(
        f"/attempts/{attempt_id}/answers", json={"question_id": qid, "selected": ["2"]}
    )
    assert response.status_code == 200 and response.get_json()["ok"]
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert f'name="q-{qid}" value="2" id="q{qid}-2" checked' in html
    assert db.session.get(AttemptAnswer, (attempt_id, qid)).selected == ["b"]
    # The no-script "save" button posts the whole form.
    client.post(f"/attempts/{attempt_id}/answers", data={f"q-{qid}": "1"})
    body = client.get(f"/api/v1/attempts/{attempt_id}").get_json()
    assert body["questions"][0]["selected"] == ["1"]
    for bad in (["0"], ["3"], ["a"], ["1", "2"]):
        response = client.post(
            f"/attempts/{attempt_id}/answers", json={"question_id": qid, "selected": bad}
        )
        assert response.status_code == 400, bad


def test_fail_review_then_retake_and_pass(client, login, make_user, make_module):
    user, module = make_user(), make_module()
    login(user)
    first = _start(client, module.slug)
    attempt = db.session.get(Attempt, first)
    form = as_form(attempt, wrong_sheet(attempt))
    client.post(f"/attempts/{first}/submit", data=form)
    page = client.get(f"/attempts/{first}/result").get_data(as_text=True)
    assert 'result__number">0<' in page
    second = _start(client, module.slug)
    assert second != first
    attempt = db.session.get(Attempt, second)
    form = as_form(attempt, correct_sheet(attempt))
    client.post(f"/attempts/{second}/submit", data=form)
    page = client.get(f"/attempts/{second}/result").get_data(as_text=True)
    assert 'result__number">100<' in page
    history = client.get("/history").get_data(as_text=True)
    assert f"/attempts/{first}/result" in history and f"/attempts/{second}/result" in history


def test_late_web_submission_keeps_the_deadline_sheet(client, login, make_user, make_module):
    user = make_user()
    module = make_module(time_limit_minutes=5)
    attempt = services.start_attempt(
        db.session, user.id, module, now=utcnow() - timedelta(minutes=10)
    )
    db.session.commit()
    login(user)
    form = as_form(attempt, correct_sheet(attempt))
    client.post(f"/attempts/{attempt.id}/submit", data=form)
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).score == 0


@pytest.mark.parametrize(
    "path", ["/attempts/{id}", "/attempts/{id}/result", "/api/v1/attempts/{id}"]
)
def test_another_users_attempt_is_not_found(client, login, make_user, make_module, path):
    owner, other = make_user(), make_user()
    module = make_module()
    attempt = services.start_attempt(db.session, owner.id, module)
    db.session.commit()
    login(other)
    assert client.get(path.format(id=attempt.id)).status_code == 404


def test_another_user_cannot_save_or_submit(client, login, make_user, make_module):
    owner, other = make_user(), make_user()
    module = make_module()
    attempt = services.start_attempt(db.session, owner.id, module)
    db.session.commit()
    login(other)
    qid = attempt.question_ids[0]
    assert (
        client.post(
            f"/attempts/{attempt.id}/answers", json={"question_id": qid, "selected": ["1"]}
        ).status_code
        == 404
    )
    assert client.post(f"/attempts/{attempt.id}/submit", data={}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).status == "in_progress"


def test_module_complete_needs_lessons_and_a_pass(client, login, make_user, make_module):
    from skillapp.learning.services import progress_for

    user, module = make_user(), make_module()
    login(user)
    attempt_id = _start(client, module.slug)
    attempt = db.session.get(Attempt, attempt_id)
    client.post(
        f"/attempts/{attempt_id}/submit",
        data=as_form(attempt, correct_sheet(attempt)),
    )
    progress = progress_for(db.session, user.id, [module])[module.id]
    assert progress.passed and not progress.complete
    for lesson in module.current_version.lessons:
        assert client.get(f"/modules/{module.slug}/lessons/{lesson.key}").status_code == 200
    progress = progress_for(db.session, user.id, [module])[module.id]
    assert progress.complete and progress.percent == 100


def test_twenty_concurrent_web_submissions_score_once(app, client, login, make_user, make_module):
    """The submit button pressed 20 times at once (or from 20 tabs): one
    submission scores, the others change nothing, every request answers."""
    user, module = make_user(), make_module()
    login(user)
    attempt_id = _start(client, module.slug)
    attempt = db.session.get(Attempt, attempt_id)
    form = as_form(attempt, correct_sheet(attempt))
    cookie = client.get_cookie("skillapp_session").value
    barrier = threading.Barrier(20)
    statuses, errors = [], []

    def press():
        tab = app.test_client()
        tab.set_cookie("skillapp_session", cookie)
        with app.app_context():  # the thread's own session, as in a server thread
            try:
                barrier.wait()
                response = tab.post(f"/attempts/{attempt_id}/submit", data=form)
                statuses.append((response.status_code, response.location))
            except Exception as exc:  # noqa: BLE001 — collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert statuses == [(302, f"/attempts/{attempt_id}/result")] * 20
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).score == 100
    submitted = select(func.count()).select_from(AuditEvent)
    submitted = submitted.where(AuditEvent.action == "attempt_submitted")
    assert db.session.scalar(submitted) == 1
    # And the result stays as it was after a further, late, different sheet.
    client.post(f"/attempts/{attempt_id}/submit", data=as_form(attempt, wrong_sheet(attempt)))
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).score == 100
