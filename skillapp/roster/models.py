from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillapp.db import utcnow
from skillapp.extensions import db


class Department(db.Model):
    """A unit from the roster's 所属; 部 › 課 through ``parent``.

    ``position`` is the city's order: a 部 among the 部, a 課 among the 課 of
    its 部 (see ``roster.services.department_order``). A roster import gives new
    units the order in which they first appear in the file, after those already
    known; HR can rearrange them (人事 › 所属の並び順)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped["Department | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Department {self.name}>"


class JobTitleBand(db.Model):
    """The title → band table, editable by HR (cities differ). ``rank`` orders
    the titles within their band (部長 before 次長 …), as HR arranges them."""

    __tablename__ = "job_title_bands"

    title: Mapped[str] = mapped_column(String(100), primary_key=True)
    band: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<JobTitleBand {self.title}={self.band}>"


class Staff(db.Model):
    """A person on the roster; the key is the 職員番号."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # No index on department or band: the roster's figures read staff_history,
    # and every index here is written 100,000 times by a roster import.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    job_title: Mapped[str] = mapped_column(String(100), default="")
    # None: the title maps to no band (未分類); counted in no band's denominator.
    band: Mapped[str | None] = mapped_column(String(20))
    employment_type: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    department: Mapped[Department | None] = relationship()

    def __repr__(self) -> str:
        return f"<Staff {self.staff_no}>"


class StaffState(db.Model):
    """A person's roster state from ``effective_from`` until the next row.

    A fiscal year's figures use each person's state on 31 March: the latest row
    effective on or before that day. Loading the April roster therefore never
    rewrites the year that has just closed.

    ``effective_to`` is the next row's ``effective_from`` (None for the latest
    row), so that a day's roster is a range filter rather than a self-join over
    the whole history. It is derived data: ``roster.services.link_history`` sets
    it whenever rows are added or removed.
    """

    __tablename__ = "staff_history"
    # A day's roster reads every row (a range filter on the whole table), so
    # effective_from has no index of its own beyond the unique one.
    __table_args__ = (UniqueConstraint("staff_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    job_title: Mapped[str] = mapped_column(String(100), default="")
    band: Mapped[str | None] = mapped_column(String(20))
    employment_type: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("roster_imports.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<StaffState {self.staff_id} from {self.effective_from}>"


class RosterImport(db.Model):
    """One applied roster import: who, when, which file, and what it changed."""

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    deactivate_missing: Mapped[bool] = mapped_column(Boolean, default=False)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<RosterImport {self.id} {self.file_name}>"
