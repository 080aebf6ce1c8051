"""Starting attempts at once: one open attempt per person and test, and the
limits and the pause between attempts hold however many requests arrive."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from skillapp.assessment import services
from skillapp.assessment.models import IN_PROGRESS, Attempt
from skillapp.db import utcnow
from skillapp.extensions import db
from tests.assessment.test_attempts import as_form, correct_sheet
from tests.parallel import post_in_parallel, session_cookie


def attempts(user, **where):
    query = select(func.count()).select_from(Attempt).where(Attempt.user_id == user.id)
    if "status" in where:
        query = query.where(Attempt.status == where["status"])
    return db.session.scalar(query)


def submit(client, attempt_id):
    attempt = db.session.get(Attempt, attempt_id)
    response = client.post(
        f"/attempts/{attempt_id}/submit", data=as_form(attempt, correct_sheet(attempt))
    )
    assert response.status_code == 302


def test_thirty_parallel_starts_open_one_attempt_within_the_limit(
    app, client, login, make_user, make_module
):
    """The probe's reproduction: 30 "start" requests at once, max_attempts: 2."""
    module = make_module(max_attempts=2)
    user = make_user()
    login(user)
    cookie = session_cookie(client)
    path = f"/modules/{module.slug}/attempts"

    answers = post_in_parallel(app, path, n=30, cookie=cookie)
    assert {a.status for a in answers} == {302}
    assert attempts(user) == 1 == attempts(user, status=IN_PROGRESS)
    first = db.session.scalar(select(Attempt.id).where(Attempt.user_id == user.id))
    # Every request resumes the one attempt.
    assert {a.location for a in answers} == {f"/attempts/{first}"}

    submit(client, first)
    answers = post_in_parallel(app, path, n=30, cookie=cookie)
    assert {a.status for a in answers} == {302}
    assert attempts(user) == 2 and attempts(user, status=IN_PROGRESS) == 1
    second = db.session.scalar(
        select(Attempt.id).where(Attempt.user_id == user.id, Attempt.status == IN_PROGRESS)
    )
    submit(client, second)

    # No attempt left: every request is refused, none opens a third.
    answers = post_in_parallel(app, path, n=30, cookie=cookie)
    assert {a.location for a in answers} == {f"/modules/{module.slug}"}
    assert attempts(user) == 2 and attempts(user, status=IN_PROGRESS) == 0


def test_parallel_starts_respect_the_yearly_limit_and_the_pause(
    app, client, login, make_user, make_module
):
    module = make_module(max_attempts_per_year=1)
    pause = make_module("with-pause", cooldown_minutes=60)
    user = make_user()
    login(user)
    cookie = session_cookie(client)
    for each in (module, pause):
        path = f"/modules/{each.slug}/attempts"
        post_in_parallel(app, path, n=20, cookie=cookie)
        opened = db.session.scalars(
            select(Attempt.id).where(Attempt.user_id == user.id, Attempt.module_id == each.id)
        ).all()
        assert len(opened) == 1
        submit(client, opened[0])
        answers = post_in_parallel(app, path, n=20, cookie=cookie)
        assert {a.location for a in answers} == {f"/modules/{each.slug}"}
    assert attempts(user) == 2


def test_the_database_refuses_a_second_open_attempt(make_user, make_module):
    user, module = make_user(), make_module()
    first = services.start_attempt(db.session, user.id, module)
    db.session.commit()
    twin = Attempt(
        user_id=user.id,
        module_id=module.id,
        version_id=first.version_id,
        number=2,
        status=IN_PROGRESS,
        question_ids=first.question_ids,
        option_orders=first.option_orders,
    )
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # A submitted attempt beside the open one is fine.
    services.submit_attempt(db.session, first.id, user.id, answers=correct_sheet(first))
    services.start_attempt(db.session, user.id, module)
    db.session.commit()
    assert attempts(user) == 2


def test_a_start_waits_for_a_start_in_progress(app, make_user, make_module, monkeypatch):
    """The checks and the insert are one step: while one request is between
    them, another (which starts and submits at once) must wait, or it would
    open and close an attempt the first never counted (max_attempts: 1)."""
    module = make_module(max_attempts=1)
    user = make_user()
    user_id, module_id = user.id, module.id
    real_draw = services.draw_paper
    inside, go_on = threading.Event(), threading.Event()

    def slow_draw(*args, **kwargs):
        if not inside.is_set():
            inside.set()
            # Hold the first start between its checks and its insert (at most
            # a second: a start that waits for it never sets go_on).
            go_on.wait(timeout=1.5)
        return real_draw(*args, **kwargs)

    monkeypatch.setattr(services, "draw_paper", slow_draw)
    results, errors = {}, []

    def first():
        with app.app_context():
            try:
                module_ = db.session.get(type(module), module_id)
                results["first"] = services.start_attempt(db.session, user_id, module_).id
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 — asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    def second():
        inside.wait(timeout=5)
        with app.app_context():
            try:
                module_ = db.session.get(type(module), module_id)
                attempt = services.start_attempt(db.session, user_id, module_)
                services.submit_attempt(
                    db.session, attempt.id, user_id, answers=correct_sheet(attempt)
                )
                db.session.commit()
                results["second"] = attempt.id
            except services.AttemptError as exc:
                db.session.rollback()
                results["second"] = exc.code
            except Exception as exc:  # noqa: BLE001 — asserted below
                errors.append(exc)
            finally:
                go_on.set()
                db.session.remove()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    db.session.expire_all()
    assert attempts(user) == 1
    # The second start waited, then resumed (and submitted) the first's attempt.
    assert results["second"] == results["first"]


def test_starting_closes_an_expired_attempt_first(make_user, make_module):
    user = make_user()
    module = make_module(time_limit_minutes=1)
    old = services.start_attempt(db.session, user.id, module)
    db.session.commit()
    new = services.start_attempt(db.session, user.id, module, now=utcnow() + timedelta(minutes=5))
    db.session.commit()
    assert new.id != old.id
    assert db.session.get(Attempt, old.id).status == "submitted"
    assert attempts(user, status=IN_PROGRESS) == 1
