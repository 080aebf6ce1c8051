"""Issuing certificates of completion and looking them up by number or code."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillapp.assessment.models import SUBMITTED, Attempt
from skillapp.audit.services import record_event
from skillapp.auth.models import User
from skillapp.certificates.models import Certificate
from skillapp.db import insert_ignore, utcnow
from skillapp.learning.models import Lesson, LessonView, Module
from skillapp.learning.services import best_submitted, progress_for
from skillapp.util.dates import fiscal_year_of, to_jst
from skillapp.util.text import nfkc

# Crockford's base32: no I, L, O or U, so a code read aloud or typed from paper
# is unambiguous. 16 characters carry 80 random bits.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


class CertificateError(Exception):
    """A certificate that cannot be issued; ``code`` names the reason."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """「ABCD-EFGH-JKMN-PQRS」: groups of four, as printed."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_code(text: str | None) -> str | None:
    """A code as typed (full-width, lower case, spaces, hyphens, O for 0 …) in
    its stored form, or None when it cannot be a code."""
    if not text:
        return None
    value = nfkc(text).upper().replace("-", "").replace(" ", "").translate(_LOOKALIKES)
    if len(value) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in value):
        return None
    return value


@dataclass
class Completion:
    """When and how a person completed a module or passed an assessment."""

    attempt: Attempt  # the best submitted attempt that passed
    completed_at: datetime


def completion_of(session: Session, user_id: int, module: Module) -> Completion | None:
    """None unless the module is complete (every lesson read, quiz passed) or the
    assessment passed. The completion moment is when the last condition was met:
    the first passing submission or, for a module, the last lesson first read."""
    if module.current_version is None:
        return None
    progress = progress_for(session, user_id, [module])[module.id]
    if not (progress.passed if module.is_assessment else progress.complete):
        return None
    # The attempts that passed, each by the pass mark of the version it was taken on.
    best = best_submitted(session, user_id, module.id, passed_only=True)
    first_pass = session.scalar(
        select(func.min(Attempt.submitted_at)).where(
            Attempt.user_id == user_id,
            Attempt.module_id == module.id,
            Attempt.status == SUBMITTED,
            Attempt.passed.is_(True),
        )
    )
    if best is None or first_pass is None:
        return None
    completed_at = first_pass
    if not module.is_assessment:
        last_read = session.scalar(
            select(func.max(LessonView.viewed_at)).where(
                LessonView.user_id == user_id,
                LessonView.module_id == module.id,
                LessonView.lesson_key.in_(
                    select(Lesson.key).where(Lesson.version_id == module.current_version_id)
                ),
            )
        )
        if last_read is not None:
            completed_at = max(completed_at, last_read)
    return Completion(attempt=best, completed_at=completed_at)


def certificate_for(session: Session, user_id: int, module_id: int) -> Certificate | None:
    query = select(Certificate).where(
        Certificate.user_id == user_id, Certificate.module_id == module_id
    )
    return session.scalar(query)


def certificate_by_number(session: Session, number: str) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.number == number))


def certificate_by_code(session: Session, text: str | None) -> Certificate | None:
    """The certificate a typed code stands for, or None (malformed or unknown alike)."""
    code = normalize_code(text)
    if code is None:
        return None
    return session.scalar(select(Certificate).where(Certificate.code == code))


def user_certificates(session: Session, user_id: int) -> list[Certificate]:
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.completed_on.desc(), Certificate.id.desc())
        )
    )


@dataclass
class IssueResult:
    certificate: Certificate
    # False when the certificate had been issued before: the same one again.
    created: bool


def issue_certificate(
    session: Session, user: User, module: Module, *, now: datetime | None = None, ip: str = ""
) -> IssueResult:
    """The person's certificate for the module, issued on first request.

    Raises CertificateError("not_complete") when the module is not complete or
    the assessment not passed. Safe against two concurrent first requests: the
    insert does nothing on a conflict and both then read the one row.
    """
    existing = certificate_for(session, user.id, module.id)
    if existing is not None:
        return IssueResult(existing, created=False)
    completion = completion_of(session, user.id, module)
    if completion is None:
        raise CertificateError("not_complete")
    now = now or utcnow()
    code = new_code()
    staff = user.staff
    insert_ignore(
        session,
        Certificate,
        [
            {
                # A unique stand-in until the id, which the number is made of, is known.
                "number": f"~{code}",
                "code": code,
                "user_id": user.id,
                "staff_id": staff.id,
                "module_id": module.id,
                "attempt_id": completion.attempt.id,
                "score": completion.attempt.score,
                "completed_on": to_jst(completion.completed_at).date(),
                "issued_at": now,
                "name": staff.name,
                "department": staff.department.name if staff.department else "",
                "title": module.current_version.title,
                "is_assessment": module.is_assessment,
            }
        ],
        index_elements=["user_id", "module_id"],
    )
    certificate = certificate_for(session, user.id, module.id)
    if certificate.code != code:  # a concurrent request issued it first
        return IssueResult(certificate, created=False)
    certificate.number = f"{fiscal_year_of(now)}-{certificate.id:06d}"
    session.flush()
    record_event(
        session,
        "certificate_issued",
        actor_id=user.id,
        object_type="certificate",
        object_id=certificate.number,
        ip=ip,
        module=module.slug,
        score=certificate.score,
        completed_on=certificate.completed_on.isoformat(),
    )
    return IssueResult(certificate, created=True)
