"""What the results, training and survey imports share: the plan a preview
shows, staff-number lookup, and the import record with its audit event."""

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from skillapp.audit.services import record_event
from skillapp.imports.models import DataImport
from skillapp.roster.models import Staff
from skillapp.util.spreadsheets import CellProblem, Column, SpreadsheetError, Table, read_table


@dataclass
class ImportPlan:
    """What an import would do. ``problems`` are errors: with any of them
    nothing is written unless the user chose to skip invalid rows, and a
    problem of the file as a whole (``fatal``) can never be skipped."""

    kind: str
    rows: int = 0
    problems: list[CellProblem] = field(default_factory=list)
    warnings: list[CellProblem] = field(default_factory=list)
    fatal: bool = False
    skip_invalid: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    # Preview tables: a title → (headers, rows), the first rows of each change.
    samples: dict[str, tuple[list[str], list[list]]] = field(default_factory=dict)
    payload: object = None  # what ``apply`` needs; never shown
    fiscal_year: int | None = None

    @property
    def blocked(self) -> bool:
        return self.fatal or (bool(self.problems) and not self.skip_invalid)

    @property
    def skipped_rows(self) -> int:
        return len({p.row for p in self.problems if p.row is not None})

    @property
    def has_changes(self) -> bool:
        return bool(self.counts.get("new") or self.counts.get("changed"))


def read_rows(plan: ImportPlan, data: bytes, columns: list[Column]) -> Table | None:
    """The file's rows by column code; None (with the plan marked fatal) when the
    file as a whole cannot be read or has no data rows."""
    try:
        table = read_table(data, columns)
    except SpreadsheetError as error:
        plan.problems, plan.fatal = error.problems, True
        return None
    plan.rows = len(table.rows)
    if not table.rows:
        plan.problems.append(CellProblem(None, None, "データの行がありません。"))
        plan.fatal = True
        return None
    return table


def sort_problems(plan: ImportPlan, table: Table) -> None:
    """Problems in file order: by row, then by column."""
    order = list(table.headers.values())
    plan.problems.sort(
        key=lambda p: (p.row or 0, order.index(p.column) if p.column in order else 0)
    )


def invalid_rows(problems: list[CellProblem]) -> set[int]:
    return {p.row for p in problems if p.row is not None}


def staff_ids(session: Session, staff_numbers: set[str]) -> dict[str, int]:
    """Staff ids by 職員番号, for the numbers that are on the roster."""
    found: dict[str, int] = {}
    numbers = sorted(n for n in staff_numbers if n)
    for start in range(0, len(numbers), 5000):  # keep IN lists a sane size
        chunk = numbers[start : start + 5000]
        found.update(
            session.execute(select(Staff.staff_no, Staff.id).where(Staff.staff_no.in_(chunk))).all()
        )
    return found


def record_import(
    session: Session,
    plan: ImportPlan,
    *,
    file_name: str,
    data: bytes,
    by_user_id: int | None,
    ip: str = "",
) -> DataImport:
    """The import's history row and its audit event; the caller commits."""
    counts = dict(plan.counts)
    if plan.skip_invalid and plan.problems:
        counts["skipped"] = plan.skipped_rows
    record = DataImport(
        kind=plan.kind,
        fiscal_year=plan.fiscal_year,
        imported_by_id=by_user_id,
        file_name=file_name[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        rows=plan.rows,
        counts=counts,
    )
    session.add(record)
    session.flush()
    record_event(
        session,
        f"{plan.kind}_import",
        actor_id=by_user_id,
        object_type="data_import",
        object_id=record.id,
        ip=ip,
        file_name=record.file_name,
        sha256=record.sha256,
        fiscal_year=plan.fiscal_year,
        **counts,
    )
    return record


@dataclass
class HistoryEntry:
    record: DataImport
    by_name: str | None
    by_staff_no: str | None


def import_history(session: Session, kind: str, *, limit: int = 50) -> list[HistoryEntry]:
    """The latest imports of one kind, newest first, with who made them."""
    from skillapp.auth.models import User

    rows = session.execute(
        select(DataImport, Staff.name, Staff.staff_no)
        .outerjoin(User, User.id == DataImport.imported_by_id)
        .outerjoin(Staff, Staff.id == User.staff_id)
        .where(DataImport.kind == kind)
        .order_by(DataImport.id.desc())
        .limit(limit)
    ).all()
    return [HistoryEntry(record, name, staff_no) for record, name, staff_no in rows]
