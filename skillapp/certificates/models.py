from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillapp.db import utcnow
from skillapp.extensions import db
from skillapp.learning.models import Module


class Certificate(db.Model):
    """A certificate as issued: one per person and module, never changed after.

    What it shows (name, department, title, score, date) is kept as it stood at
    issue, so a repeat download gives the same document even after a transfer
    (人事異動) or a new version of the module.
    """

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # 「2026-000012」: fiscal year of issue and a serial; printed as 第…号.
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # The unguessable verification code (80 random bits, Crockford base32).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    # The best attempt that passed at issue; its score (and its version's pass mark) printed.
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    score: Mapped[int] = mapped_column(Integer)
    completed_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200))
    is_assessment: Mapped[bool] = mapped_column(default=False)

    module: Mapped[Module] = relationship()
    attempt: Mapped["Attempt"] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<Certificate {self.number}>"
