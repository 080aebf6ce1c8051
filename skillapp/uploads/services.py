"""Holding files for a later step, for their owner only."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from skillapp.db import utcnow
from skillapp.uploads.models import PendingFile

LIFETIME = timedelta(hours=1)

# What a confirm whose file is gone says: another request (a double click, a
# second tab) has confirmed it, or it has expired.
USED_OR_EXPIRED = _l(
    "This upload has already been confirmed, or it has expired. Check the list of "
    "imports; if it is not there, upload the file again."
)


def hold_file(session: Session, *, user_id: int, purpose: str, file_name: str, data: bytes) -> str:
    """Keep a file for its owner; returns the token that names it."""
    purge_expired_files(session)
    token = secrets.token_urlsafe(24)
    session.add(
        PendingFile(
            token=token, purpose=purpose, user_id=user_id, file_name=file_name[:255], data=data
        )
    )
    session.flush()
    return token


def held_file(session: Session, token: str, *, user_id: int, purpose: str) -> PendingFile | None:
    """The owner's file of that purpose, if it has not expired."""
    found = session.scalar(
        select(PendingFile).where(
            PendingFile.token == token,
            PendingFile.user_id == user_id,
            PendingFile.purpose == purpose,
            PendingFile.created_at >= utcnow() - LIFETIME,
        )
    )
    return found


@dataclass(frozen=True)
class TakenFile:
    file_name: str
    data: bytes


def take_file(session: Session, token: str, *, user_id: int, purpose: str) -> TakenFile | None:
    """Use the owner's file of that purpose once: removed and returned in one
    statement (DELETE … RETURNING), so that of several requests with the same
    token (a double click, two tabs, a replay) exactly one gets it. The others
    get None, as for an expired token: on PostgreSQL they wait until the first
    commits and then find nothing, on SQLite they wait for its write. If the
    request that took it rolls back, the file is held again."""
    row = session.execute(
        delete(PendingFile)
        .where(
            PendingFile.token == token,
            PendingFile.user_id == user_id,
            PendingFile.purpose == purpose,
            PendingFile.created_at >= utcnow() - LIFETIME,
        )
        .returning(PendingFile.file_name, PendingFile.data)
        .execution_options(synchronize_session=False)
    ).first()
    return TakenFile(row.file_name, row.data) if row is not None else None


def purge_expired_files(session: Session, *, now=None) -> int:
    """Delete every held file past its lifetime (an uploaded roster, a list of
    first passwords in plain text); returns how many. A read first, so that
    the usual case (nothing expired) takes no write lock."""
    cutoff = (now or utcnow()) - LIFETIME
    expired = session.scalars(select(PendingFile.id).where(PendingFile.created_at < cutoff)).all()
    if not expired:
        return 0
    result = session.execute(
        delete(PendingFile)
        .where(PendingFile.id.in_(expired), PendingFile.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return result.rowcount or 0
