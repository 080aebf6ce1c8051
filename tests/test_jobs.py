"""``skillapp jobs run``: the scheduled work, each step with its count, and
nothing left to do the second time. Expired pending files (an uploaded roster,
a list of first passwords in plain text) are also purged by the requests
themselves, within minutes of expiring, not when the next upload arrives."""

from datetime import timedelta

from sqlalchemy import select, update

from skillapp.assessment import services as attempts
from skillapp.assessment.models import Attempt
from skillapp.auth.models import AuthSession
from skillapp.db import utcnow
from skillapp.extensions import db
from skillapp.roster.models import Staff
from skillapp.uploads.models import PendingFile
from skillapp.uploads.services import LIFETIME, hold_file
from tests.conftest import PASSWORD

PASSWORD_LIST = "職員番号,氏名,初期パスワード\r\nA1,新人 一郎,secret-secret\r\n".encode()


def _hold(user, *, age: timedelta, name: str) -> str:
    token = hold_file(
        db.session,
        user_id=user.id,
        purpose="first_passwords",
        file_name=name,
        data=PASSWORD_LIST,
    )
    db.session.execute(
        update(PendingFile).where(PendingFile.token == token).values(created_at=utcnow() - age)
    )
    db.session.commit()
    return token


def _files() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(PendingFile.file_name)))


def _login_session(client, user):
    client.post("/login", data={"staff_no": user.staff_no, "password": PASSWORD})
    return db.session.scalar(select(AuthSession.id).order_by(AuthSession.id.desc()))


def test_jobs_run_does_the_scheduled_work_once(app, runner, make_user, make_module):
    hr = make_user("HR1", roles=["hr"])
    learner = make_user("L1")
    # Sessions (first: a request does the daily roster catch-up and the file
    # purge): one idle too long, one past the absolute limit, one alive.
    idle, old, alive = (_login_session(app.test_client(), u) for u in (hr, learner, hr))
    now = utcnow()
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.id == idle)
        .values(last_seen_at=now - app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1))
    )
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.id == old)
        .values(created_at=now - app.config["SESSION_ABSOLUTE_TIMEOUT"] - timedelta(minutes=1))
    )
    # A roster state in force today that the staff record does not show yet.
    db.session.execute(update(Staff).where(Staff.id == learner.staff_id).values(job_title="臨時"))
    # An attempt whose time ran out with nobody there to submit it.
    module = make_module(time_limit_minutes=10)
    expired = attempts.start_attempt(
        db.session, learner.id, module, now=utcnow() - timedelta(hours=1)
    )
    db.session.commit()
    # Pending files: one still in time, one expired (a list of first passwords).
    _hold(hr, age=timedelta(minutes=5), name="fresh.csv")
    _hold(hr, age=LIFETIME + timedelta(minutes=1), name="expired.csv")

    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "roster states brought into force: 1",
        "attempts past their deadline closed: 1",
        "expired pending files deleted: 1",
        "expired login sessions ended: 2",
    ]
    db.session.expire_all()
    assert db.session.get(Staff, learner.staff_id).job_title == "主事"
    closed = db.session.get(Attempt, expired.id)
    assert closed.status == "submitted" and closed.timed_out
    assert _files() == ["fresh.csv"]
    reasons = dict(db.session.execute(select(AuthSession.id, AuthSession.end_reason)).all())
    assert reasons == {idle: "idle_timeout", old: "absolute_timeout", alive: None}

    again = runner.invoke(args=["jobs", "run"])
    assert again.exit_code == 0
    assert [line.rsplit(": ", 1)[1] for line in again.output.splitlines()] == ["0"] * 4


def test_requests_purge_expired_pending_files_soon_after_expiry(app, client, make_user):
    """Without waiting for the next upload: a request purges what expired, at
    most once every few minutes per process (a cheap check)."""
    from skillapp import web

    hr = make_user("HR1", roles=["hr"])
    _hold(hr, age=timedelta(minutes=1), name="fresh.csv")
    _hold(hr, age=LIFETIME + timedelta(seconds=1), name="expired.csv")
    assert client.get("/login").status_code == 200  # any request, even anonymous
    assert _files() == ["fresh.csv"]

    # Within the interval, no further check; after it, the next request purges.
    _hold(hr, age=LIFETIME + timedelta(seconds=1), name="expired-too.csv")
    client.get("/login")
    assert _files() == ["expired-too.csv", "fresh.csv"]
    last = app.extensions[web.FILES_PURGED_AT]
    app.extensions[web.FILES_PURGED_AT] = last - web.FILE_PURGE_INTERVAL.total_seconds()
    client.get("/login")
    assert _files() == ["fresh.csv"]
    assert web.FILE_PURGE_INTERVAL.total_seconds() <= 5 * 60


def test_an_expired_file_cannot_be_used_even_before_the_purge(client, login, make_user):
    hr = make_user("HR1", roles=["hr"])
    token = _hold(hr, age=LIFETIME + timedelta(seconds=1), name="expired.csv")
    login(hr)
    assert client.post(f"/hr/roster/passwords/{token}").status_code == 404
