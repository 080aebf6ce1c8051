"""Holding files for a later step, for their owner only."""

import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from skillapp.db import utcnow
from skillapp.uploads.models import PendingFile

LIFETIME = timedelta(hours=1)


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


def release_file(session: Session, held: PendingFile) -> None:
    session.delete(held)
    session.flush()


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
