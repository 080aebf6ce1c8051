"""Who an assignment is for, and where each of them stands. Read-only, in SQL.

Who is assigned is the roster as it stands today (Japan time): active staff
whose current job grade or department matches the assignment's target. Done
uses the dashboards' own definition (``metrics.queries.module_outcome``): a
module is done when every lesson of its current version has been read and
the quiz passed, an assessment when it has been passed (its pass mark,
results from another system included). Whatever was done before the assignment was
made counts too. Overdue: not done once the due day (JST) is over.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, func, literal, or_, select, true
from sqlalchemy.orm import Session, aliased

from skillapp.assignments.models import (
    BANDS,
    DEPARTMENTS,
    EVERYONE,
    Assignment,
    AssignmentBand,
    AssignmentDepartment,
)
from skillapp.learning.models import Module
from skillapp.metrics.queries import Period, Scope, in_city_order, module_outcome, roster_on
from skillapp.roster.models import Department, Staff
from skillapp.roster.services import department_sort_keys
from skillapp.util.dates import today_jst

EVERYONE_IN_SCOPE = Scope()

DONE = "done"
PENDING = "pending"
OVERDUE = "overdue"


@dataclass(frozen=True)
class Status:
    """Where one person stands on an assignment, on a given day."""

    code: str  # done | pending | overdue
    # pending: days left (0 on the due day itself); overdue: days past; done: 0
    days: int

    @property
    def is_overdue(self) -> bool:
        return self.code == OVERDUE


def status_of(done: bool, due_on: date, today: date) -> Status:
    """Done, pending (due in N days) or overdue (the due day, JST, is over)."""
    if done:
        return Status(DONE, 0)
    if today > due_on:
        return Status(OVERDUE, (today - due_on).days)
    return Status(PENDING, (due_on - today).days)


def assignees(
    *,
    assignment_id: int | None = None,
    staff_id: int | None = None,
    day: date | None = None,
    scope: Scope = EVERYONE_IN_SCOPE,
):
    """(assignment_id, staff_id, user_id, name, band, department_id, job_title)
    for every active person on ``day``'s roster (default today, JST) that an
    assignment is for: everyone; a listed job grade; a listed department, or a
    課 whose 部 is listed."""
    people = roster_on(day or today_jst(), scope, with_user=True)
    unit = aliased(Department, name="unit")
    band_listed = exists().where(
        AssignmentBand.assignment_id == Assignment.id, AssignmentBand.band == people.c.band
    )
    department_listed = exists().where(
        AssignmentDepartment.assignment_id == Assignment.id,
        or_(
            AssignmentDepartment.department_id == people.c.department_id,
            AssignmentDepartment.department_id == unit.parent_id,
        ),
    )
    query = (
        select(
            Assignment.id.label("assignment_id"),
            people.c.staff_id,
            people.c.user_id,
            people.c.name,
            people.c.band,
            people.c.department_id,
            people.c.job_title,
        )
        .select_from(people)
        .join(Assignment, true())
        .join(unit, unit.id == people.c.department_id, isouter=True)
        .where(
            or_(
                Assignment.target == EVERYONE,
                and_(Assignment.target == BANDS, band_listed),
                and_(Assignment.target == DEPARTMENTS, department_listed),
            )
        )
    )
    if assignment_id is not None:
        query = query.where(Assignment.id == assignment_id)
    if staff_id is not None:
        query = query.where(people.c.staff_id == staff_id)
    return query.subquery("assignees")


def reaches(
    session: Session,
    assignment: Assignment,
    *,
    scope: Scope = EVERYONE_IN_SCOPE,
    today: date | None = None,
) -> bool:
    """Whether the assignment is for anyone in ``scope`` today: what decides
    whether a department head sees it at all."""
    people = assignees(assignment_id=assignment.id, day=today or today_jst(), scope=scope)
    return bool(session.scalar(select(exists(select(people.c.staff_id)))))


@dataclass
class Summary:
    assigned: int
    done: int
    overdue: int

    @property
    def open(self) -> int:
        return self.assigned - self.done

    @property
    def percent_done(self) -> float | None:
        return None if not self.assigned else 100 * self.done / self.assigned


def summary(
    session: Session,
    assignment: Assignment,
    *,
    scope: Scope = EVERYONE_IN_SCOPE,
    today: date | None = None,
) -> Summary:
    """How many people the assignment is for, how many are done, how many overdue."""
    today = today or today_jst()
    people = assignees(assignment_id=assignment.id, day=today, scope=scope)
    outcome = module_outcome(session, assignment.module_id, people, Period())
    query = select(func.count(), func.sum(case((outcome.done, 1), else_=0))).select_from(people)
    assigned, done = session.execute(outcome.join(query)).one()
    assigned, done = int(assigned or 0), int(done or 0)
    overdue = assigned - done if today > assignment.due_on else 0
    return Summary(assigned, done, overdue)


@dataclass
class PersonRow:
    staff_no: str
    name: str
    department: str
    band: str | None
    best: int | float | None
    status: Status


SHOW_OPEN = "open"
SHOW_ALL = "all"


def people(
    session: Session,
    assignment: Assignment,
    *,
    scope: Scope = EVERYONE_IN_SCOPE,
    band: str | None = None,
    department_id: int | None = None,
    show: str = SHOW_OPEN,
    today: date | None = None,
    limit: int | None = None,
) -> list[PersonRow]:
    """Everyone the assignment is for with their status (``show="open"``: only
    those not done), by department and staff number."""
    today = today or today_jst()
    who = assignees(assignment_id=assignment.id, day=today, scope=scope)
    outcome = module_outcome(session, assignment.module_id, who, Period())
    query = (
        select(
            Staff.staff_no,
            who.c.name,
            func.coalesce(Department.name, literal("")),
            who.c.band,
            outcome.best.c.best,
            case((outcome.done, 1), else_=0),
        )
        .select_from(who)
        .join(Staff, Staff.id == who.c.staff_id)
    )
    query, order = in_city_order(query, who.c)
    query = outcome.join(query)
    if show == SHOW_OPEN:
        query = query.where(~outcome.done)
    if band == "unclassified":
        query = query.where(who.c.band.is_(None))
    elif band:
        query = query.where(who.c.band == band)
    if department_id:
        query = query.where(who.c.department_id == department_id)
    query = query.order_by(*order, Staff.staff_no)
    if limit:
        query = query.limit(limit)
    return [
        PersonRow(
            staff_no,
            name,
            department,
            person_band,
            _whole(best),
            status_of(bool(done), assignment.due_on, today),
        )
        for staff_no, name, department, person_band, best, done in session.execute(query)
    ]


def departments_of(session: Session, assignment: Assignment, *, scope: Scope = EVERYONE_IN_SCOPE):
    """(id, name) of the departments the assignment's people are in, for the
    filter, in the city's order."""
    who = assignees(assignment_id=assignment.id, scope=scope)
    rows = session.execute(
        select(Department.id, Department.name)
        .join(who, who.c.department_id == Department.id)
        .group_by(Department.id, Department.name)
    ).all()
    keys = department_sort_keys(session)
    return sorted(rows, key=lambda row: keys[row[0]])


def _whole(score):
    if score is None:
        return None
    return int(score) if float(score).is_integer() else float(score)


@dataclass
class Requirement:
    """One module or assessment required of a learner: the earliest due date
    of the assignments that ask for it."""

    module: Module
    due_on: date
    note: str
    status: Status


def requirements_for(
    session: Session, staff_id: int, *, today: date | None = None
) -> list[Requirement]:
    """What is required of one person, outstanding first, then by due date.

    Modules that are archived or unpublished are left out (there is nothing
    the learner could do about them)."""
    today = today or today_jst()
    mine = assignees(staff_id=staff_id, day=today)
    rows = session.execute(
        select(Assignment, Module)
        .join(mine, mine.c.assignment_id == Assignment.id)
        .join(Module, Module.id == Assignment.module_id)
        .where(Module.is_archived.is_(False), Module.current_version_id.is_not(None))
        .order_by(Assignment.due_on, Assignment.id)
    ).all()
    earliest: dict[int, Assignment] = {}
    for assignment, _module in rows:
        earliest.setdefault(assignment.module_id, assignment)
    result = []
    for assignment in earliest.values():
        me = roster_on(today, with_user=True)
        me = select(me).where(me.c.staff_id == staff_id).subquery("me")
        outcome = module_outcome(session, assignment.module_id, me, Period())
        done = session.scalar(outcome.join(select(outcome.done).select_from(me)))
        result.append(
            Requirement(
                assignment.module,
                assignment.due_on,
                assignment.note,
                status_of(bool(done), assignment.due_on, today),
            )
        )
    result.sort(key=lambda r: (r.status.code == DONE, r.due_on))
    return result
