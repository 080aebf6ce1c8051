"""Staff records: the title → band map, departments, effective-dated history,
and creating or updating one person (the CLI and the admin pages use this; the
roster import writes in bulk through roster.importing)."""

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, bindparam, case, false, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from skillapp.roster.bands import BAND_CODES, DEFAULT_TITLE_BANDS
from skillapp.roster.models import Department, JobTitleBand, Staff, StaffState
from skillapp.util.dates import today_jst
from skillapp.util.ordering import moved_positions
from skillapp.util.text import nfkc, normalize_staff_no

# The staff record holds a copy of the person's state in force today.
SNAPSHOT_FIELDS = (
    "name",
    "department_id",
    "job_title",
    "band",
    "employment_type",
    "email",
    "is_active",
)

# 「総務部総務課」→ 総務部 › 総務課: a 部 or 局 followed by a smaller unit.
_PARENT_UNIT = re.compile(r"^(.+?[部局])(.+)$")


def title_band_map(session: Session) -> dict[str, str]:
    return dict(session.execute(select(JobTitleBand.title, JobTitleBand.band)).all())


def band_for_title(session: Session, title: str) -> str | None:
    row = session.get(JobTitleBand, nfkc(title))
    return row.band if row else None


def default_title_ranks() -> dict[str, int]:
    """Each default title's rank within its band: the order of the table in
    ``bands.DEFAULT_TITLE_BANDS`` (部長, 次長, 参事, 課長, 副参事; 課長補佐 …)."""
    ranks: dict[str, int] = {}
    seen: dict[str, int] = {}
    for title, band in DEFAULT_TITLE_BANDS.items():
        seen[band] = seen.get(band, 0) + 1
        ranks[title] = seen[band]
    return ranks


def ensure_default_title_bands(session: Session) -> int:
    """Insert the default title → band rows (docs/rules.md, Job-grade bands) that
    are missing; returns how many were added."""
    existing = set(session.scalars(select(JobTitleBand.title)))
    ranks = default_title_ranks()
    added = 0
    for title, band in DEFAULT_TITLE_BANDS.items():
        if title not in existing:
            session.add(JobTitleBand(title=title, band=band, rank=ranks[title]))
            added += 1
    session.flush()
    return added


# --- the city's order of departments and job titles ---------------------------------


def band_order(band_column):
    """An ORDER BY term for a band: management, supervisor, staff, then none."""
    return case(
        {code: number for number, code in enumerate(BAND_CODES)},
        value=band_column,
        else_=len(BAND_CODES),
    )


def department_order(department, parent) -> list:
    """ORDER BY terms that put departments in the city's order: each 部 by its
    position, then its 課 by theirs (the people placed in the 部 itself first);
    people in no department last. ``parent`` is an alias of Department joined
    (outer) on ``parent.id == department.parent_id``."""
    return [
        case((department.id.is_(None), 1), else_=0),
        func.coalesce(parent.position, department.position),
        func.coalesce(parent.id, department.id),
        case((parent.id.is_(None), 0), else_=1),
        department.position,
        department.id,
    ]


def title_order(band_column, rank_column, title_column) -> list:
    """ORDER BY terms for people by job title: grade by grade, each title in its
    rank (部長 before 課長); titles on no grade last. ``rank_column`` is
    JobTitleBand.rank joined (outer) on the title."""
    return [band_order(band_column), func.coalesce(rank_column, 1_000_000), title_column]


def department_sort_keys(session: Session) -> dict[int, tuple]:
    """A key for sorting department ids in Python the way ``department_order``
    sorts them in SQL (for lists built from several queries)."""
    rows = session.execute(select(Department.id, Department.parent_id, Department.position)).all()
    positions = {row.id: row.position for row in rows}
    return {
        row.id: (
            positions.get(row.parent_id, row.position),
            row.parent_id if row.parent_id is not None else row.id,
            0 if row.parent_id is None else 1,
            row.position,
            row.id,
        )
        for row in rows
    }


def ordered_departments(session: Session) -> list[Department]:
    """Every department in the city's order: each 部 followed by its 課."""
    parent = aliased(Department, name="parent_unit")
    return list(
        session.scalars(
            select(Department)
            .outerjoin(parent, parent.id == Department.parent_id)
            .order_by(*department_order(Department, parent))
        )
    )


def next_department_position(session: Session) -> int:
    """The position after every department's: a new unit goes last."""
    return (session.scalar(select(func.max(Department.position))) or 0) + 1


def _write_lock(session: Session, no_op_update) -> None:
    """SQLite: take the database's write lock before reading what a move
    changes (an update that changes nothing), so that two moves take turns as
    PostgreSQL's row locks make them; SQLite otherwise reads first, outside any
    transaction, and both moves would write from the same order."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(no_op_update.where(false()).execution_options(synchronize_session=False))


def move_department(
    session: Session,
    department: Department,
    step: int,
    *,
    by_user_id: int | None = None,
    ip: str = "",
) -> bool:
    """Move a department one place up (-1) or down (+1) among its siblings (the
    部, or the 課 of its 部). Returns False when it is already first or last."""
    from skillapp.audit.services import record_event

    _write_lock(session, update(Department).values(position=Department.position))
    siblings = list(
        session.scalars(
            select(Department)
            .where(
                Department.parent_id.is_(None)
                if department.parent_id is None
                else Department.parent_id == department.parent_id
            )
            .order_by(Department.position, Department.id)
            # Two moves at once take turns (PostgreSQL), each reading the other's
            # result; FOR NO KEY UPDATE does not hold up staff rows that refer here.
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    )
    index = siblings.index(department)
    positions = moved_positions([d.position for d in siblings], index, step)
    if positions is None:
        return False
    for sibling, position in zip(siblings, positions, strict=True):
        sibling.position = position
    session.flush()
    record_event(
        session,
        "order_changed",
        actor_id=by_user_id,
        object_type="department",
        object_id=department.name,
        ip=ip,
        before=index + 1,
        after=index + 1 + step,
    )
    return True


def _next_rank(session: Session, band: str) -> int:
    last = session.scalar(select(func.max(JobTitleBand.rank)).where(JobTitleBand.band == band))
    return (last or 0) + 1


def move_title(
    session: Session, title: str, step: int, *, by_user_id: int | None = None, ip: str = ""
) -> bool:
    """Move a job title one place up (-1) or down (+1) within its band. Raises
    LookupError for a title on no band; returns False when it cannot move."""
    from skillapp.audit.services import record_event

    _write_lock(session, update(JobTitleBand).values(rank=JobTitleBand.rank))
    row = session.get(JobTitleBand, nfkc(title), populate_existing=True)
    if row is None:
        raise LookupError(title)
    siblings = list(
        session.scalars(
            select(JobTitleBand)
            .where(JobTitleBand.band == row.band)
            .order_by(JobTitleBand.rank, JobTitleBand.title)
            .with_for_update()  # two moves at once take turns (PostgreSQL)
            .execution_options(populate_existing=True)
        )
    )
    index = siblings.index(row)
    ranks = moved_positions([t.rank for t in siblings], index, step)
    if ranks is None:
        return False
    for sibling, rank in zip(siblings, ranks, strict=True):
        sibling.rank = rank
    session.flush()
    record_event(
        session,
        "order_changed",
        actor_id=by_user_id,
        object_type="job_title",
        object_id=row.title,
        ip=ip,
        band=row.band,
        before=index + 1,
        after=index + 1 + step,
    )
    return True


def parent_unit_name(name: str) -> str | None:
    """The 部 (or 局) a unit name belongs to, when the name shows one."""
    match = _PARENT_UNIT.match(name)
    if match is None or not match.group(2):
        return None
    return match.group(1)


def get_or_create_department(session: Session, name: str) -> Department | None:
    name = nfkc(name)
    if not name:
        return None
    department = session.scalar(select(Department).where(Department.name == name))
    if department is None:
        parent_name = parent_unit_name(name)
        parent = get_or_create_department(session, parent_name) if parent_name else None
        department = Department(
            name=name, parent=parent, position=next_department_position(session)
        )
        session.add(department)
        session.flush()
    return department


def state_at(on: date):
    """A subquery of every person's roster state on a day: the latest history
    row effective on or before it (columns of StaffState)."""
    return (
        select(StaffState)
        .where(
            StaffState.effective_from <= on,
            or_(StaffState.effective_to.is_(None), StaffState.effective_to > on),
        )
        .subquery()
    )


def apply_due_states(session: Session, today: date | None = None) -> int:
    """Bring every staff record in line with the roster state in force today.

    A roster imported with a later as-of date writes history only; on its day
    this copies it onto the staff record, which decides who can log in, whom an
    assignment covers and which unit a department head sees. Someone whose
    first state starts later is not active yet. People who become inactive have
    their open sessions ended. Returns how many records changed; the caller
    commits."""
    from skillapp.auth.models import AuthSession, User
    from skillapp.db import utcnow

    today = today or today_jst()
    now = utcnow()
    staff = Staff.__table__
    state = state_at(today)
    differs = or_(*(staff.c[f].is_distinct_from(state.c[f]) for f in SNAPSHOT_FIELDS))
    due = [
        dict(row._mapping)
        for row in session.execute(
            select(state.c.staff_id.label("b_id"), *(state.c[f] for f in SNAPSHOT_FIELDS))
            .join(staff, staff.c.id == state.c.staff_id)
            .where(differs)
        )
    ]
    if due:
        session.execute(
            update(staff)
            .where(staff.c.id == bindparam("b_id"))
            .values({f: bindparam(f) for f in (*SNAPSHOT_FIELDS, "updated_at")}),
            [{**row, "updated_at": now} for row in due],
        )
    not_yet = [
        staff_id
        for (staff_id,) in session.execute(
            select(staff.c.id).where(
                staff.c.is_active.is_(True),
                ~select(StaffState.id)
                .where(and_(StaffState.staff_id == staff.c.id, StaffState.effective_from <= today))
                .exists(),
                select(StaffState.id).where(StaffState.staff_id == staff.c.id).exists(),
            )
        )
    ]
    for start in range(0, len(not_yet), 10_000):
        part = not_yet[start : start + 10_000]
        session.execute(
            update(staff).where(staff.c.id.in_(part)).values(is_active=False, updated_at=now)
        )
    left = [row["b_id"] for row in due if not row["is_active"]] + not_yet
    for start in range(0, len(left), 10_000):  # a statement's parameters are limited
        part = left[start : start + 10_000]
        session.execute(
            update(AuthSession)
            .where(
                AuthSession.user_id.in_(select(User.id).where(User.staff_id.in_(part))),
                AuthSession.ended_at.is_(None),
            )
            .values(ended_at=now, end_reason="deactivated")
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return len(due) + len(not_yet)


def link_history(session: Session, staff_ids: list[int]) -> None:
    """Set ``effective_to`` on every history row of these people: the next
    row's ``effective_from``, or None for the latest. Call it after adding or
    removing history rows of people who already had some."""
    history = StaffState.__table__
    later = history.alias("later")
    next_from = (
        select(func.min(later.c.effective_from))
        .where(
            later.c.staff_id == history.c.staff_id,
            later.c.effective_from > history.c.effective_from,
        )
        .scalar_subquery()
    )
    # A PostgreSQL statement takes at most 65,535 parameters.
    for start in range(0, len(staff_ids), 10_000):
        part = staff_ids[start : start + 10_000]
        session.execute(
            history.update().where(history.c.staff_id.in_(part)).values(effective_to=next_from)
        )


@dataclass
class StaffInput:
    staff_no: str
    name: str
    department: str = ""
    job_title: str = ""
    employment_type: str = ""
    email: str = ""
    is_active: bool = True


def upsert_staff(
    session: Session, data: StaffInput, *, effective_from: date | None = None
) -> Staff:
    """Create or update one staff record by 職員番号, with its history row."""
    staff_no = normalize_staff_no(data.staff_no)
    staff = session.scalar(select(Staff).where(Staff.staff_no == staff_no))
    if staff is None:
        staff = Staff(staff_no=staff_no)
        session.add(staff)
    staff.name = data.name.strip()
    staff.department = get_or_create_department(session, data.department)
    staff.job_title = nfkc(data.job_title)
    staff.band = band_for_title(session, staff.job_title)
    staff.employment_type = data.employment_type.strip()
    staff.email = data.email.strip()
    staff.is_active = data.is_active
    session.flush()
    day = effective_from or today_jst()
    state = session.scalar(
        select(StaffState).where(StaffState.staff_id == staff.id, StaffState.effective_from == day)
    )
    if state is None:
        state = StaffState(staff_id=staff.id, effective_from=day)
        session.add(state)
    for field in SNAPSHOT_FIELDS:
        setattr(state, field, getattr(staff, field))
    session.flush()
    link_history(session, [staff.id])
    from skillapp.metrics.progress import refresh_roster_progress

    refresh_roster_progress(session, [staff.id], since=day)
    return staff


def set_title_band(
    session: Session, title: str, band: str | None, *, by_user_id: int | None = None, ip: str = ""
) -> int:
    """Map a job title to a band (or to none) and re-derive the band of everyone
    holding it, in the current records and in their history. Returns how many
    current staff records changed."""
    from sqlalchemy import update

    from skillapp.audit.services import record_event

    title = nfkc(title)
    if band is not None and band not in BAND_CODES:
        raise ValueError(f"unknown band {band}")
    row = session.get(JobTitleBand, title)
    before = row.band if row else None
    if before == band:
        return 0
    # A title placed in a band goes last in it; HR can then move it.
    if band is None:
        session.delete(row)
    elif row is None:
        session.add(JobTitleBand(title=title, band=band, rank=_next_rank(session, band)))
    else:
        row.band, row.rank = band, _next_rank(session, band)
    session.flush()
    changed = session.execute(
        update(Staff)
        .where(Staff.job_title == title)
        .values(band=band)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.execute(
        update(StaffState)
        .where(StaffState.job_title == title)
        .values(band=band)
        .execution_options(synchronize_session=False)
    )
    from skillapp.metrics.progress import refresh_roster_progress

    refresh_roster_progress(
        session,
        session.scalars(
            select(StaffState.staff_id).where(StaffState.job_title == title).distinct()
        ).all(),
    )
    record_event(
        session,
        "title_band_changed",
        actor_id=by_user_id,
        object_type="job_title",
        object_id=title,
        ip=ip,
        before=before,
        after=band,
        staff=changed,
    )
    return changed


def title_usage(session: Session) -> list[tuple[str, str | None, int]]:
    """Every job title on the map or held by active staff: (title, band, active
    count), band by band in each title's rank, then the titles on no band."""
    counts = dict(
        session.execute(
            select(Staff.job_title, func.count()).where(Staff.is_active).group_by(Staff.job_title)
        ).all()
    )
    mapped = {
        title: (band, rank)
        for title, band, rank in session.execute(
            select(JobTitleBand.title, JobTitleBand.band, JobTitleBand.rank)
        )
    }
    bands = {code: number for number, code in enumerate(BAND_CODES)}

    def key(title):
        band, rank = mapped.get(title, (None, 0))
        return (bands.get(band, len(bands)), rank, title)

    titles = sorted(set(mapped) | {t for t in counts if t}, key=key)
    return [(t, mapped.get(t, (None, 0))[0], counts.get(t, 0)) for t in titles]
