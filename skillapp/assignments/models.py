from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillapp.db import utcnow
from skillapp.extensions import db
from skillapp.learning.models import Module
from skillapp.roster.models import Department

EVERYONE = "everyone"
BANDS = "bands"
DEPARTMENTS = "departments"
TARGETS = (EVERYONE, BANDS, DEPARTMENTS)
TARGET_LABELS = {
    EVERYONE: _l("Everyone"),
    BANDS: _l("Job grades"),
    DEPARTMENTS: _l("Departments"),
}


class Assignment(db.Model):
    """A module or assessment required of a group of staff by a due date.

    Who is assigned is not stored: it is the roster as it stands when someone
    looks (active staff matching the target), so people who join a job grade
    or a department later are included without anyone touching the assignment.
    """

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    target: Mapped[str] = mapped_column(String(20))
    # A day in Japan time: overdue from 00:00 JST of the day after.
    due_on: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    module: Mapped[Module] = relationship()
    band_rows: Mapped[list["AssignmentBand"]] = relationship(
        cascade="all, delete-orphan", order_by="AssignmentBand.band"
    )
    department_rows: Mapped[list["AssignmentDepartment"]] = relationship(
        cascade="all, delete-orphan"
    )

    @property
    def bands(self) -> list[str]:
        return [row.band for row in self.band_rows]

    @property
    def department_ids(self) -> list[int]:
        return [row.department_id for row in self.department_rows]

    def __repr__(self) -> str:
        return f"<Assignment {self.id} module={self.module_id} due={self.due_on}>"


class AssignmentBand(db.Model):
    """A job grade an assignment is for (target ``bands``)."""

    __tablename__ = "assignment_bands"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[str] = mapped_column(String(20), primary_key=True)

    def __repr__(self) -> str:
        return f"<AssignmentBand {self.assignment_id} {self.band}>"


class AssignmentDepartment(db.Model):
    """A department an assignment is for (target ``departments``); a 部
    includes every 課 under it."""

    __tablename__ = "assignment_departments"

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)

    department: Mapped[Department] = relationship()

    def __repr__(self) -> str:
        return f"<AssignmentDepartment {self.assignment_id} {self.department_id}>"
