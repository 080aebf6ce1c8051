"""Creating, changing and deleting assignments. Each change is audit-logged;
nothing here commits."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from skillapp.assignments.display import department_names
from skillapp.assignments.models import (
    BANDS,
    DEPARTMENTS,
    TARGETS,
    Assignment,
    AssignmentBand,
    AssignmentDepartment,
)
from skillapp.audit.services import record_event
from skillapp.db import utcnow
from skillapp.learning.models import Module
from skillapp.roster.bands import BAND_CODES
from skillapp.roster.models import Department
from skillapp.util.dates import today_jst

NOTE_MAX = 1000


@dataclass
class AssignmentInput:
    module_id: int | None
    target: str
    due_on: date | None
    bands: list[str] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)
    note: str = ""


class AssignmentError(Exception):
    """The input cannot be saved; ``errors`` maps a form field to its messages."""

    def __init__(self, errors: dict[str, list]):
        super().__init__("; ".join(str(m) for ms in errors.values() for m in ms))
        self.errors = errors


def _validate(
    session: Session, data: AssignmentInput, *, today: date, previous_due: date | None
) -> tuple[Module, list[str], list[Department]]:
    errors: dict[str, list] = {}
    module = session.get(Module, data.module_id) if data.module_id else None
    if module is None or module.current_version_id is None or module.is_archived:
        errors["module_id"] = [_l("Choose a published module or assessment.")]
    if data.target not in TARGETS:
        errors["target"] = [_l("Choose who the assignment is for.")]
    bands = sorted(set(data.bands)) if data.target == BANDS else []
    if data.target == BANDS:
        if not bands:
            errors["bands"] = [_l("Choose at least one job grade.")]
        elif not set(bands) <= set(BAND_CODES):
            errors["bands"] = [_l("Choose job grades from the list.")]
    departments: list[Department] = []
    if data.target == DEPARTMENTS:
        ids = sorted(set(data.department_ids))
        departments = list(session.scalars(select(Department).where(Department.id.in_(ids))))
        if not ids:
            errors["departments"] = [_l("Choose at least one department.")]
        elif len(departments) != len(ids):
            errors["departments"] = [_l("Choose departments from the list.")]
    if data.due_on is None:
        errors["due_on"] = [_l("Enter the due date.")]
    elif data.due_on < today and data.due_on != previous_due:
        # An existing assignment whose date has passed can still be edited
        # (its note, say) without moving the date.
        errors["due_on"] = [_l("The due date must be today or later.")]
    if len(data.note or "") > NOTE_MAX:
        errors["note"] = [_l("The note can be at most %(n)d characters.", n=NOTE_MAX)]
    if errors:
        raise AssignmentError(errors)
    return module, bands, departments


def describe(assignment: Assignment) -> dict:
    """What the audit log keeps of an assignment."""
    return {
        "module": assignment.module.slug,
        "target": assignment.target,
        "bands": assignment.bands,
        "departments": department_names(assignment),
        "due_on": assignment.due_on.isoformat(),
        "note": assignment.note,
    }


def _apply(assignment: Assignment, data, module, bands, departments) -> None:
    assignment.module = module
    assignment.target = data.target
    assignment.due_on = data.due_on
    assignment.note = (data.note or "").strip()
    assignment.band_rows = [AssignmentBand(band=band) for band in bands]
    assignment.department_rows = [
        AssignmentDepartment(department_id=d.id, department=d) for d in departments
    ]


def create_assignment(
    session: Session, data: AssignmentInput, *, by_id: int, ip: str = "", today: date | None = None
) -> Assignment:
    """Validate and add an assignment. Raises AssignmentError."""
    module, bands, departments = _validate(
        session, data, today=today or today_jst(), previous_due=None
    )
    now = utcnow()
    assignment = Assignment(
        created_by_id=by_id, created_at=now, updated_by_id=by_id, updated_at=now
    )
    _apply(assignment, data, module, bands, departments)
    session.add(assignment)
    session.flush()
    record_event(
        session,
        "assignment_created",
        actor_id=by_id,
        object_type="assignment",
        object_id=assignment.id,
        ip=ip,
        **describe(assignment),
    )
    return assignment


def update_assignment(
    session: Session,
    assignment: Assignment,
    data: AssignmentInput,
    *,
    by_id: int,
    ip: str = "",
    today: date | None = None,
) -> bool:
    """Validate and change an assignment; False when nothing changed (and
    nothing is logged). Raises AssignmentError."""
    module, bands, departments = _validate(
        session, data, today=today or today_jst(), previous_due=assignment.due_on
    )
    before = describe(assignment)
    # Rows of the old target are replaced: flush their removal first, so that
    # a band kept in the new list is not inserted while the old row is still there.
    assignment.band_rows = []
    assignment.department_rows = []
    session.flush()
    _apply(assignment, data, module, bands, departments)
    after = describe(assignment)
    if after == before:
        session.flush()
        return False
    assignment.updated_by_id = by_id
    assignment.updated_at = utcnow()
    session.flush()
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    record_event(
        session,
        "assignment_changed",
        actor_id=by_id,
        object_type="assignment",
        object_id=assignment.id,
        ip=ip,
        changed=changed,
    )
    return True


def delete_assignment(
    session: Session, assignment: Assignment, *, by_id: int, ip: str = ""
) -> None:
    """Remove an assignment (learners stop seeing it); the log keeps what it was."""
    detail = describe(assignment)
    assignment_id = assignment.id
    session.delete(assignment)
    session.flush()
    record_event(
        session,
        "assignment_deleted",
        actor_id=by_id,
        object_type="assignment",
        object_id=assignment_id,
        ip=ip,
        **detail,
    )
