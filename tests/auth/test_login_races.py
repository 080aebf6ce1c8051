"""Failed logins at once: every password checked is counted, and no request fails."""

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from skillapp.audit.models import AuditEvent
from skillapp.auth import services
from skillapp.auth.models import LoginThrottle
from skillapp.extensions import db
from tests.conftest import PASSWORD
from tests.parallel import post_in_parallel


@pytest.fixture
def checks(monkeypatch):
    """How many passwords the login checked (the calls that do the slow work)."""
    counted = []
    lock = threading.Lock()
    real = services.verify_password

    def counting(password_hash, password):
        with lock:
            counted.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(services, "verify_password", counting)
    return counted


def statuses(answers):
    return dict(Counter(a.status for a in answers))


def failed_events():
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login_failed")
    )


def test_parallel_failures_from_one_address_are_all_counted(app, make_user, checks):
    """The probe's reproduction: wrong passwords at once for one staff number
    from one address. Before, most were lost (58 checked before the lock of
    10) and some failed with a 500 (UNIQUE on login_throttles)."""
    app.config.update(LOGIN_SLOWDOWN_AFTER=100, LOGIN_LOCK_AFTER=10)
    user = make_user()
    answers = post_in_parallel(
        app, "/login", data={"staff_no": user.staff_no, "password": "a wrong guess"}, n=24
    )
    throttle = db.session.scalar(select(LoginThrottle))
    outcome = {
        "500s": statuses(answers).get(500, 0),
        "counted": throttle.failures,
        "failures logged": failed_events(),
        "locked": throttle.locked_until is not None,
    }
    assert outcome == {
        "500s": 0,
        "counted": len(checks),
        "failures logged": len(checks),
        "locked": True,
    }
    assert set(statuses(answers)) <= {401, 429}
    # Locked now: even the right password is refused.
    response = app.test_client().post(
        "/login", data={"staff_no": user.staff_no, "password": PASSWORD}
    )
    assert response.status_code == 429


def test_parallel_failures_from_many_addresses_reach_the_account_limit(app, make_user, checks):
    """The same count feeds the limit across all addresses (50 an hour by default)."""
    app.config.update(LOGIN_SLOWDOWN_AFTER=100, LOGIN_LOCK_AFTER=3, LOGIN_ACCOUNT_LOCK_AFTER=20)
    user = make_user()
    answers = post_in_parallel(
        app,
        "/login",
        data={"staff_no": user.staff_no, "password": "a wrong guess"},
        n=24,
        each=lambda i: {"REMOTE_ADDR": f"203.0.113.{i % 8 + 1}"},
    )
    outcome = {
        "500s": statuses(answers).get(500, 0),
        "counted": db.session.scalar(select(func.sum(LoginThrottle.failures))),
        "failures logged": failed_events(),
    }
    assert outcome == {"500s": 0, "counted": len(checks), "failures logged": len(checks)}
    assert set(statuses(answers)) <= {401, 429}
    assert services.is_locked(db.session, user, services.ThrottlePolicy.from_config(app.config))
    response = app.test_client().post(
        "/login",
        data={"staff_no": user.staff_no, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 429


def test_parallel_failures_for_an_unknown_staff_number_do_not_fail(app, checks):
    answers = post_in_parallel(
        app, "/login", data={"staff_no": "NOBODY", "password": "a wrong guess"}, n=16
    )
    outcome = {
        "500s": statuses(answers).get(500, 0),
        "counted": db.session.scalar(select(LoginThrottle.failures)),
    }
    assert outcome == {"500s": 0, "counted": len(checks)}


def test_a_success_clears_the_failures_even_while_others_fail(app, make_user):
    """The owner's own login removes the pair's record; a failure arriving at
    the same moment counts afresh instead of failing on the vanished row."""
    app.config.update(LOGIN_SLOWDOWN_AFTER=100, LOGIN_LOCK_AFTER=50)
    user = make_user()
    for _ in range(2):
        app.test_client().post("/login", data={"staff_no": user.staff_no, "password": "wrong"})
    answers = post_in_parallel(
        app,
        "/login",
        data=lambda i: {"staff_no": user.staff_no, "password": PASSWORD if i % 2 else "wrong"},
        n=12,
    )
    assert statuses(answers) == {302: 6, 401: 6}
