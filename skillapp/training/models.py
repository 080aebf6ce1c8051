from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from skillapp.db import utcnow
from skillapp.extensions import db


class TrainingSession(db.Model):
    """One held training: a name on a day, in a category (データ分析, 生成AI …)."""

    __tablename__ = "training_sessions"
    __table_args__ = (UniqueConstraint("name", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    category: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<TrainingSession {self.name} {self.held_on}>"


class TrainingAttendance(db.Model):
    """A person at a session: (研修名, 実施日, 職員番号) is one attendance."""

    __tablename__ = "training_attendances"
    __table_args__ = (
        UniqueConstraint("session_id", "staff_id"),
        Index("ix_training_attendances_staff_id", "staff_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("data_imports.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<TrainingAttendance {self.session_id} {self.staff_id}>"
