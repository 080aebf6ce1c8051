"""Accounts: login with throttling, passwords, roles."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, delete, func, literal, or_, select, update
from sqlalchemy.orm import Session

from skillapp.audit.services import record_event
from skillapp.auth.models import AuthSession, LoginThrottle, User, UserRole
from skillapp.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from skillapp.auth.roles import LEARNER, ROLES
from skillapp.auth.sessions import end_user_sessions
from skillapp.db import dialect_insert, utcnow
from skillapp.roster.models import Staff
from skillapp.roster.services import StaffInput, upsert_staff
from skillapp.util.text import normalize_staff_no


class AccountError(ValueError):
    """A request about an account that cannot be carried out; ``messages`` says why."""

    def __init__(self, *messages, field: str = "password"):
        super().__init__("; ".join(str(m) for m in messages))
        self.messages = list(messages)
        self.field = field  # the form field the messages belong to


@dataclass(frozen=True)
class ThrottlePolicy:
    slowdown_after: int = 3
    lock_after: int = 10
    window: timedelta = timedelta(minutes=15)
    lock_duration: timedelta = timedelta(minutes=15)
    # Failures on one staff number from every address together (0: no limit).
    account_lock_after: int = 50
    account_window: timedelta = timedelta(hours=1)

    @classmethod
    def from_config(cls, config) -> "ThrottlePolicy":
        return cls(
            slowdown_after=config["LOGIN_SLOWDOWN_AFTER"],
            lock_after=config["LOGIN_LOCK_AFTER"],
            window=config["LOGIN_LOCK_WINDOW"],
            lock_duration=config["LOGIN_LOCK_DURATION"],
            account_lock_after=config["LOGIN_ACCOUNT_LOCK_AFTER"],
            account_window=config["LOGIN_ACCOUNT_WINDOW"],
        )


@dataclass
class LoginResult:
    user: User | None = None
    # "ok", "invalid", "throttled", "locked"
    status: str = "invalid"
    retry_after: int = 0
    messages: list = field(default_factory=list)


def find_user(session: Session, staff_no: str) -> User | None:
    return session.scalar(
        select(User).join(User.staff).where(Staff.staff_no == normalize_staff_no(staff_no))
    )


def _wait_seconds(
    failures: int,
    last_failure_at: datetime,
    locked_until: datetime | None,
    policy: ThrottlePolicy,
    now: datetime,
) -> int:
    if locked_until and locked_until > now:
        return int((locked_until - now).total_seconds()) + 1
    extra = failures - policy.slowdown_after
    if extra < 0:
        return 0
    delay = timedelta(seconds=min(2**extra, 60))
    remaining = last_failure_at + delay - now
    return max(0, int(remaining.total_seconds()) + 1) if remaining.total_seconds() > 0 else 0


def _is_stale(throttle: LoginThrottle, policy: ThrottlePolicy, now: datetime) -> bool:
    """A record whose window has passed and which holds no lock: it counts no more."""
    return now - throttle.last_failure_at > policy.window and not (
        throttle.locked_until and throttle.locked_until > now
    )


def _count_failure(
    session: Session, staff_no: str, ip: str, policy: ThrottlePolicy, now: datetime
) -> tuple[int, datetime | None]:
    """Add one failure to the (staff number, address) pair in one statement,
    so that failures checked at the same time are each counted and none
    fails on the key (INSERT … ON CONFLICT DO UPDATE SET failures = failures
    + 1). A stale record starts again from one. Locks the pair when the count
    reaches ``policy.lock_after``. Returns the count and the lock's end."""
    table = LoginThrottle.__table__
    c = table.c
    at = literal(now, c.last_failure_at.type)
    stale = and_(
        c.last_failure_at < literal(now - policy.window, c.last_failure_at.type),
        or_(c.locked_until.is_(None), c.locked_until <= at),
    )
    statement = dialect_insert(session, table).values(
        staff_no=staff_no, ip=ip, failures=1, first_failure_at=now, last_failure_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[c.staff_no, c.ip],
        set_={
            "failures": case((stale, 1), else_=c.failures + 1),
            "first_failure_at": case((stale, at), else_=c.first_failure_at),
            "locked_until": case((stale, literal(None, c.locked_until.type)), else_=c.locked_until),
            "last_failure_at": at,
        },
    ).returning(c.failures, c.locked_until)
    failures, locked_until = session.execute(statement).one()
    if failures >= policy.lock_after and not (locked_until and locked_until > now):
        locked_until = now + policy.lock_duration
        session.execute(
            update(table)
            .where(c.staff_no == staff_no, c.ip == ip)
            .values(locked_until=locked_until)
        )
    return failures, locked_until


def _account_failures(
    session: Session, staff_no: str, policy: ThrottlePolicy, now: datetime
) -> tuple[int, datetime | None]:
    """Recent failures on a staff number from every address, and the oldest of them."""
    total, oldest = session.execute(
        select(func.sum(LoginThrottle.failures), func.min(LoginThrottle.last_failure_at)).where(
            LoginThrottle.staff_no == staff_no,
            LoginThrottle.last_failure_at > now - policy.account_window,
        )
    ).one()
    return int(total or 0), oldest


def _known_address(session: Session, user: User | None, ip: str) -> bool:
    """Has the account's owner logged in from this address before?"""
    if user is None:
        return False
    return (
        session.scalar(
            select(AuthSession.id).where(AuthSession.user_id == user.id, AuthSession.ip == ip)
        )
        is not None
    )


def _account_locked_for(
    session: Session, staff_no: str, ip: str, policy: ThrottlePolicy, now: datetime
) -> int:
    """Seconds until this address may try the staff number again, when the
    failures from all addresses together have reached the account limit; 0 if
    not. The owner's own known addresses are never locked this way."""
    if not policy.account_lock_after:
        return 0
    total, oldest = _account_failures(session, staff_no, policy, now)
    if total < policy.account_lock_after or _known_address(
        session, find_user(session, staff_no), ip
    ):
        return 0
    return max(1, int((oldest + policy.account_window - now).total_seconds()) + 1)


def authenticate(
    session: Session,
    staff_no: str,
    password: str,
    *,
    ip: str,
    policy: ThrottlePolicy,
    now: datetime | None = None,
) -> LoginResult:
    """Check a login. Failures slow down, then lock, the (staff number, address) pair.

    So that many addresses together cannot guess without end either, a staff
    number with ``policy.account_lock_after`` recent failures in all is refused
    from every address its owner has never logged in from. Every outcome is
    written to the audit log. The caller commits.
    """
    now = now or utcnow()
    staff_no = normalize_staff_no(staff_no)[:64]
    ip = (ip or "")[:64]
    # Read only: the failure below is counted in one statement, whatever
    # other requests for the pair do meanwhile.
    throttle = session.get(LoginThrottle, (staff_no, ip), populate_existing=True)
    if throttle is not None and not _is_stale(throttle, policy, now):
        wait = _wait_seconds(
            throttle.failures, throttle.last_failure_at, throttle.locked_until, policy, now
        )
        if wait:
            status = (
                "locked" if throttle.locked_until and throttle.locked_until > now else "throttled"
            )
            record_event(
                session,
                "login_refused",
                object_type="staff_no",
                object_id=staff_no,
                ip=ip,
                reason=status,
                retry_after=wait,
            )
            return LoginResult(status=status, retry_after=wait)

    wait = _account_locked_for(session, staff_no, ip, policy, now)
    if wait:
        record_event(
            session,
            "login_refused",
            object_type="staff_no",
            object_id=staff_no,
            ip=ip,
            reason="account_locked",
            retry_after=wait,
        )
        return LoginResult(status="locked", retry_after=wait)

    user = find_user(session, staff_no)
    # One slow check on every path (verify_password), so the time taken does
    # not tell which accounts exist or still hold a first password.
    ok = verify_password(user.password_hash if user else None, password)
    if ok and user is not None and user.is_active:
        # Core, not the ORM: a parallel request may have removed it already.
        session.execute(
            delete(LoginThrottle).where(LoginThrottle.staff_no == staff_no, LoginThrottle.ip == ip)
        )
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = now
        record_event(
            session, "login", actor_id=user.id, object_type="user", object_id=user.id, ip=ip
        )
        return LoginResult(user=user, status="ok")

    failures, locked_until = _count_failure(session, staff_no, ip, policy, now)
    detail = {"failures": failures, "reason": "inactive" if ok else "bad_credentials"}
    status = "invalid"
    if failures >= policy.lock_after:
        status = "locked"
    if failures == policy.lock_after:  # exactly one request reaches the limit
        record_event(
            session,
            "login_locked",
            object_type="staff_no",
            object_id=staff_no,
            ip=ip,
            until=locked_until.isoformat(),
            **detail,
        )
    record_event(
        session,
        "login_failed",
        actor_id=user.id if user else None,
        object_type="staff_no",
        object_id=staff_no,
        ip=ip,
        **detail,
    )
    session.flush()
    if policy.account_lock_after:
        total, _oldest = _account_failures(session, staff_no, policy, now)
        if total == policy.account_lock_after:
            record_event(
                session,
                "login_locked",
                object_type="staff_no",
                object_id=staff_no,
                ip=ip,
                scope="account",
                failures=total,
            )
    wait = _wait_seconds(failures, now, locked_until, policy, now)
    return LoginResult(status=status, retry_after=wait)


def check_password(password: str, staff_no: str, config) -> list:
    return password_problems(
        password,
        staff_no=staff_no,
        min_length=config["PASSWORD_MIN_LENGTH"],
        max_length=config["PASSWORD_MAX_LENGTH"],
    )


def set_password(
    session: Session,
    user: User,
    password: str,
    *,
    config,
    by: User | None = None,
    must_change: bool | None = None,
    keep_session_token: str | None = None,
    ip: str = "",
) -> None:
    """Set a password after checking the policy.

    A password set by someone else must be changed at the next login unless
    ``must_change`` is False. Every other session of the user ends.
    """
    problems = check_password(password, user.staff_no, config)
    if problems:
        raise AccountError(*problems)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    by_self = by is not None and by.id == user.id
    user.must_change_password = (not by_self) if must_change is None else must_change
    end_user_sessions(session, user.id, "password_changed", keep_token=keep_session_token)
    record_event(
        session,
        "password_set",
        actor_id=by.id if by else None,
        object_type="user",
        object_id=user.id,
        ip=ip,
        must_change=user.must_change_password,
    )
    session.flush()


def set_roles(
    session: Session, user: User, roles: set[str], *, by: User | None = None, ip: str = ""
) -> None:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AccountError(f"unknown role: {', '.join(sorted(unknown))}")
    wanted = set(roles) - {LEARNER}
    before = user.roles
    session.execute(delete(UserRole).where(UserRole.user_id == user.id))
    session.flush()
    session.expire(user, ["role_rows"])
    for role in sorted(wanted):
        session.add(UserRole(user_id=user.id, role=role))
    session.flush()
    session.expire(user, ["role_rows"])
    if before != user.roles:
        record_event(
            session,
            "roles_changed",
            actor_id=by.id if by else None,
            object_type="user",
            object_id=user.id,
            ip=ip,
            before=sorted(before),
            after=sorted(user.roles),
        )


def grant_role(session: Session, user: User, role: str, *, remove: bool = False, by=None) -> None:
    roles = set(user.roles)
    if remove:
        roles.discard(role)
    else:
        roles.add(role)
    set_roles(session, user, roles, by=by)


def create_account(
    session: Session,
    staff_no: str,
    *,
    roles: set[str] | None = None,
    password: str | None = None,
    config,
    name: str | None = None,
    department: str = "",
    job_title: str = "",
    by: User | None = None,
    must_change: bool = True,
    ip: str = "",
) -> User:
    """A login for a roster member, or for anyone else a staff record too
    (docs/cli-and-files.md, users create)."""
    staff_no = normalize_staff_no(staff_no)
    if not staff_no:
        raise AccountError(_l("Enter the staff number."), field="staff_no")
    staff = session.scalar(select(Staff).where(Staff.staff_no == staff_no))
    if staff is None and not (name and name.strip() and job_title and job_title.strip()):
        raise AccountError(
            _l(
                "%(no)s is not on the roster: give the name and job title too "
                "(and the department).",
                no=staff_no,
            )
        )
    if staff is None:
        staff = upsert_staff(
            session,
            StaffInput(
                staff_no=staff_no, name=name or staff_no, department=department, job_title=job_title
            ),
        )
    if session.scalar(select(User).where(User.staff_id == staff.id)) is not None:
        raise AccountError(
            _l("An account for %(no)s already exists.", no=staff_no), field="staff_no"
        )
    user = User(staff=staff, must_change_password=True)
    session.add(user)
    session.flush()
    from skillapp.metrics.progress import refresh_staff_logins

    refresh_staff_logins(session, [staff.id])
    if roles:
        set_roles(session, user, roles, by=by, ip=ip)
    if password is not None:
        set_password(session, user, password, config=config, by=by, must_change=must_change, ip=ip)
    record_event(
        session,
        "account_created",
        actor_id=by.id if by else None,
        object_type="user",
        object_id=user.id,
        ip=ip,
        staff_no=staff_no,
        roles=sorted(user.roles),
    )
    return user


def unlock_logins(session: Session, user: User, *, by: User | None = None, ip: str = "") -> int:
    """Clear the failed-login record of a staff number, from every address."""
    removed = session.execute(
        delete(LoginThrottle).where(LoginThrottle.staff_no == user.staff_no)
    ).rowcount
    record_event(
        session,
        "login_unlocked",
        actor_id=by.id if by else None,
        object_type="user",
        object_id=user.id,
        ip=ip,
        records=removed,
    )
    return removed or 0


def is_locked(session: Session, user: User, policy: ThrottlePolicy | None = None) -> bool:
    """Is any address locked out of this account, or (given the policy) has the
    account reached its limit of failures from all addresses together?"""
    now = utcnow()
    if session.scalar(
        select(LoginThrottle.staff_no).where(
            LoginThrottle.staff_no == user.staff_no, LoginThrottle.locked_until > now
        )
    ):
        return True
    if policy is None or not policy.account_lock_after:
        return False
    return _account_failures(session, user.staff_no, policy, now)[0] >= policy.account_lock_after


def set_disabled(
    session: Session, user: User, disabled: bool, *, by: User | None = None, ip: str = ""
) -> None:
    """Stop (or allow again) logins for an account; a disabled account's sessions end."""
    if user.is_disabled == disabled:
        return
    user.is_disabled = disabled
    if disabled:
        end_user_sessions(session, user.id, "disabled")
    record_event(
        session,
        "account_disabled" if disabled else "account_enabled",
        actor_id=by.id if by else None,
        object_type="user",
        object_id=user.id,
        ip=ip,
    )
    session.flush()
