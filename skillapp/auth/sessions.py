"""Server-side login sessions (ASVS V3): the cookie holds a random token whose
SHA-256 is stored; logout, timeouts and deactivation end the record."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from skillapp.auth.models import AuthSession, User
from skillapp.db import utcnow

# Writing last_seen_at on every request would turn every page view into a
# write; once a minute is precise enough for a 30-minute idle timeout.
_TOUCH_INTERVAL = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, *, ip: str = "", user_agent: str = "") -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            user_id=user.id, token_hash=_digest(token), ip=ip[:64], user_agent=user_agent[:300]
        )
    )
    session.flush()
    return token


def resume_session(
    session: Session,
    token: str,
    *,
    idle_timeout: timedelta,
    absolute_timeout: timedelta,
    now: datetime | None = None,
) -> User | None:
    """The user of a live session, or None (ending the session if it has timed out)."""
    now = now or utcnow()
    record = session.scalar(select(AuthSession).where(AuthSession.token_hash == _digest(token)))
    if record is None or record.ended_at is not None:
        return None
    if now - record.created_at > absolute_timeout:
        _end(record, now, "absolute_timeout")
        return None
    if now - record.last_seen_at > idle_timeout:
        _end(record, now, "idle_timeout")
        return None
    user = record.user
    if not user.is_active:
        _end(record, now, "deactivated")
        return None
    if now - record.last_seen_at > _TOUCH_INTERVAL:
        record.last_seen_at = now
    user.session_token = token
    return user


def end_session(session: Session, token: str, reason: str = "logout") -> None:
    record = session.scalar(select(AuthSession).where(AuthSession.token_hash == _digest(token)))
    if record is not None and record.ended_at is None:
        _end(record, utcnow(), reason)
        session.flush()


def end_user_sessions(
    session: Session, user_id: int, reason: str, *, keep_token: str | None = None
) -> int:
    """End every open session of a user (password change, deactivation), except
    ``keep_token``'s: the person who changed their own password stays logged in there."""
    query = update(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.ended_at.is_(None)
    )
    if keep_token:
        query = query.where(AuthSession.token_hash != _digest(keep_token))
    result = session.execute(
        query.values(ended_at=utcnow(), end_reason=reason).execution_options(
            synchronize_session=False
        )
    )
    return result.rowcount or 0


def end_expired_sessions(
    session: Session,
    *,
    idle_timeout: timedelta,
    absolute_timeout: timedelta,
    now: datetime | None = None,
) -> int:
    """End every open session past its absolute or idle timeout, as its next
    request would; returns how many. The records stay: an owner's past
    addresses keep their account open to them under the account lock."""
    now = now or utcnow()
    ended = 0
    for reason, expired in (
        ("absolute_timeout", AuthSession.created_at < now - absolute_timeout),
        ("idle_timeout", AuthSession.last_seen_at < now - idle_timeout),
    ):
        result = session.execute(
            update(AuthSession)
            .where(AuthSession.ended_at.is_(None), expired)
            .values(ended_at=now, end_reason=reason)
            .execution_options(synchronize_session=False)
        )
        ended += result.rowcount or 0
    return ended


def _end(record: AuthSession, now: datetime, reason: str) -> None:
    record.ended_at = now
    record.end_reason = reason
