"""Read-only aggregate queries for HR dashboards. Everything is counted in SQL.

The population of a fiscal year is the roster as it stood on 31 March of that
year (each person's latest state effective on or before it), active people only.
An attempt counts for the fiscal year its submission falls in, in Japan time.

A whole fiscal year's figures (``Period.fiscal_year``) are counted from
module_progress, which the services keep by the same definition (see
``skillapp.metrics.progress``); any other period (assignments: any time) is
counted from the attempts, results and lesson views themselves.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import (
    Float,
    Integer,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from skillapp.assessment.models import SUBMITTED, Attempt, ExternalResult
from skillapp.auth.models import User
from skillapp.learning.models import KIND_MODULE, Lesson, LessonView, Module, ModuleVersion
from skillapp.metrics.models import ModuleProgress
from skillapp.metrics.progress import current_pass_mark
from skillapp.roster.bands import BAND_CODES
from skillapp.roster.models import Department, JobTitleBand
from skillapp.roster.services import (
    department_order,
    department_sort_keys,
    state_at,
    title_order,
)
from skillapp.util.dates import fiscal_year_bounds, fiscal_year_end, today_jst


@dataclass(frozen=True)
class Scope:
    """Whose figures: everyone, or one unit (a 部 includes its 課)."""

    department_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC of what counts: attempts, results and lesson views.
    None on either side leaves it open (an assignment counts whatever was done
    at any time)."""

    start: datetime | None = None
    end: datetime | None = None
    # Set for a whole fiscal year: its figures are counted from module_progress.
    year: int | None = None

    @classmethod
    def fiscal_year(cls, fiscal_year: int) -> "Period":
        return cls(*fiscal_year_bounds(fiscal_year), fiscal_year)

    def where(self, column) -> list:
        """Conditions putting ``column`` inside the period."""
        conditions = []
        if self.start is not None:
            conditions.append(column >= self.start)
        if self.end is not None:
            conditions.append(column < self.end)
        return conditions


def as_of_day(fiscal_year: int) -> date:
    """The roster day a fiscal year uses: 31 March, or today for the running year."""
    return min(fiscal_year_end(fiscal_year), max(today_jst(), date(fiscal_year, 4, 1)))


def population(fiscal_year: int, scope: Scope = Scope(), *, with_user: bool = False):
    """Active people of the fiscal year's roster: staff_id, band, department_id,
    name, job_title, and with ``with_user`` their login's user_id (None for
    someone without one), which attempts and lesson views are keyed by."""
    return roster_on(fiscal_year_end(fiscal_year), scope, with_user=with_user)


def roster_on(day: date, scope: Scope = Scope(), *, with_user: bool = False):
    """Active people of the roster as it stands on ``day`` (see ``population``)."""
    state = state_at(day)
    columns = [state.c.staff_id, state.c.band, state.c.department_id, state.c.name]
    query = select(*columns, state.c.job_title).where(state.c.is_active)
    if with_user:
        query = query.add_columns(User.id.label("user_id")).join_from(
            state, User, User.staff_id == state.c.staff_id, isouter=True
        )
    if scope.department_ids is not None:
        query = query.where(state.c.department_id.in_(scope.department_ids))
    return query.subquery("population")


def in_city_order(query, people):
    """Join a query over people (columns ``department_id``, ``band`` and
    ``job_title``) to what puts them in the city's order: by department (部 by
    部, then its 課), then by job title (grade by grade, each title in its
    rank). Returns the query and its ORDER BY terms; ``Department`` is joined
    for the department's name."""
    parent = aliased(Department, name="parent_unit")
    title = aliased(JobTitleBand, name="title_rank")
    query = (
        query.join(Department, Department.id == people.department_id, isouter=True)
        .join(parent, parent.id == Department.parent_id, isouter=True)
        .join(title, title.title == people.job_title, isouter=True)
    )
    order = [
        *department_order(Department, parent),
        *title_order(people.band, title.rank, people.job_title),
    ]
    return query, order


def _scores(period: Period, module_id: int | None = None, *, passed_only: bool = False):
    """(module_id, user_id, score, passed, at) of the period's submitted attempts
    and of the results imported from another system, which count the same (by
    the login of the person they belong to). ``passed`` is 1 or 0: an attempt
    as it was judged on submission, by the pass mark of the version it was
    taken on; an imported result by the module's current pass mark."""
    here = select(
        Attempt.module_id,
        Attempt.user_id,
        cast(Attempt.score, Float).label("score"),
        case((Attempt.passed.is_(True), 1), else_=0).label("passed"),
        Attempt.submitted_at.label("at"),
    ).where(Attempt.status == SUBMITTED, *period.where(Attempt.submitted_at))
    there_passed = ExternalResult.score >= current_pass_mark(ExternalResult.module_id)
    there = (
        select(
            ExternalResult.module_id,
            User.id.label("user_id"),
            ExternalResult.score,
            case((there_passed, 1), else_=0).label("passed"),
            ExternalResult.taken_at.label("at"),
        )
        .join(User, User.staff_id == ExternalResult.staff_id)
        .where(*period.where(ExternalResult.taken_at))
    )
    if module_id is not None:
        here = here.where(Attempt.module_id == module_id)
        there = there.where(ExternalResult.module_id == module_id)
    if passed_only:
        here = here.where(Attempt.passed.is_(True))
        there = there.where(there_passed)
    return union_all(here, there).subquery("scores")


def _best_scores(period: Period, module_id: int):
    """(user_id, best score in the period, passed: 1 if any result passed) for one module."""
    scores = _scores(period, module_id)
    return (
        select(
            scores.c.user_id,
            func.max(scores.c.score).label("best"),
            func.max(scores.c.passed).label("passed"),
        )
        .group_by(scores.c.user_id)
        .subquery("best")
    )


def _current_lessons(module_id: int | None = None):
    """(module_id, key) of every lesson of each module's current version."""
    query = (
        select(Module.id.label("module_id"), Lesson.key)
        .join(Lesson, Lesson.version_id == Module.current_version_id)
        .where(Module.kind == KIND_MODULE)
    )
    if module_id is not None:
        query = query.where(Module.id == module_id)
    return query.subquery("current_lessons")


def _module_lessons_read(period: Period, module_id: int, keys: list[str]):
    """(user_id, n): how many of one module's lessons (``keys``) each person had
    read by the period's end (a lesson read earlier counts: reading is not
    redone each year). The keys are given as values so that the index on
    (module_id, user_id, …) is read in user order and counted as it goes."""
    return (
        select(LessonView.user_id, func.count().label("n"))
        .where(
            LessonView.module_id == module_id,
            *Period(end=period.end).where(LessonView.viewed_at),
            LessonView.lesson_key.in_(keys),
        )
        .group_by(LessonView.user_id)
        .subquery("lessons_read")
    )


@dataclass
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        """Unrounded; None for an empty denominator (never 0%)."""
        if not self.denominator:
            return None
        return 100 * self.numerator / self.denominator


@dataclass
class ModuleRow:
    module_id: int
    slug: str
    title: str
    is_assessment: bool
    completed: dict  # band code or "all" -> Rate
    passed: dict


def completion_by_band(
    session: Session, fiscal_year: int, scope: Scope = Scope(), *, module_id: int | None = None
) -> list[ModuleRow]:
    """For each published module and assessment (or only ``module_id``, archived
    or not): completion and pass rate by band and overall, with n/N."""
    # Only people who passed can have completed: count, per module and band,
    # the year's rows of module_progress with a pass of people on the year's
    # roster, and those among them whose every lesson was read by the year's
    # end. Each row carries its person's band and department on that roster,
    # so this needs no join. The size of each band (module_id NULL) comes back
    # in the same statement.
    people = population(fiscal_year, scope)
    period = Period.fiscal_year(fiscal_year)
    progress = ModuleProgress.__table__
    read_in_time = and_(progress.c.read_all_at.is_not(None), progress.c.read_all_at < period.end)
    sizes = select(
        cast(null(), Integer).label("module_id"),
        people.c.band,
        func.count().label("passed"),
        literal(0).label("completed"),
    ).group_by(people.c.band)
    query = (
        select(
            progress.c.module_id,
            progress.c.band,
            func.count().label("passed"),
            func.count(case((read_in_time, 1))).label("completed"),
        )
        .where(
            progress.c.fiscal_year == fiscal_year,
            progress.c.first_passed_at.is_not(None),
            progress.c.on_roster,
        )
        .group_by(progress.c.module_id, progress.c.band)
    )
    if scope.department_ids is not None:
        query = query.where(progress.c.department_id.in_(scope.department_ids))
    if module_id is not None:
        query = query.where(progress.c.module_id == module_id)
    rows = session.execute(union_all(sizes, query)).all()
    band_sizes = {band: int(n) for row_module_id, band, n, _ in rows if row_module_id is None}
    totals = {band: band_sizes.get(band, 0) for band in BAND_CODES}
    totals["all"] = sum(band_sizes.values())  # unclassified people count in "all" only
    rows = [row for row in rows if row[0] is not None]
    counts: dict[int, dict] = {}
    for row_module_id, band, n_passed, n_completed in rows:
        entry = counts.setdefault(row_module_id, {})
        for key in (band, "all"):
            if key is None:
                continue
            p, c = entry.get(key, (0, 0))
            entry[key] = (p + int(n_passed or 0), c + int(n_completed or 0))

    is_module = Module.kind == KIND_MODULE
    modules = select(
        Module.id, Module.slug, ModuleVersion.title, is_module, ModuleVersion.sort_order
    ).join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
    if module_id is None:
        modules = modules.where(Module.is_archived.is_(False))
    else:
        modules = modules.where(Module.id == module_id)
    result = []
    for row_module_id, slug, title, module_kind, _order in session.execute(
        modules.order_by(ModuleVersion.sort_order, Module.slug)
    ):
        entry = counts.get(row_module_id, {})
        keys = [*BAND_CODES, "all"]
        passed_rates = {k: Rate(entry.get(k, (0, 0))[0], totals[k]) for k in keys}
        completed_rates = {
            k: Rate(entry.get(k, (0, 0))[1 if module_kind else 0], totals[k]) for k in keys
        }
        result.append(
            ModuleRow(row_module_id, slug, title, not module_kind, completed_rates, passed_rates)
        )
    return result


@dataclass
class ModuleOutcome:
    """Each person of a population joined to one module's results in a period:
    ``passed`` and ``done`` are conditions on the joined rows, ``best`` has the
    best score (None: never taken)."""

    people: object
    best: object
    read: object | None
    passed: object
    done: object

    def join(self, query):
        people = self.people
        query = query.join(self.best, self.best.c.user_id == people.c.user_id, isouter=True)
        if self.read is not None:
            query = query.join(self.read, self.read.c.user_id == people.c.user_id, isouter=True)
        return query


def module_outcome(session: Session, module_id: int, people, period: Period) -> ModuleOutcome:
    """The one definition of done, for the dashboards and for assignments.

    ``people`` is a population subquery with a ``user_id`` column (see
    ``roster_on``). Passed: an attempt in the period that passed (by the pass
    mark of the version it was taken on), or a result from another system at
    or above the module's current pass mark. Done: for a module, passed and
    every lesson of its current version read by the period's end; for an
    assessment, passed."""
    module = session.get(Module, module_id)
    if period.year is not None:
        return _year_progress(module, people, period)
    best = _best_scores(period, module_id)
    passed = and_(best.c.passed.is_not(None), best.c.passed == 1)
    if module.is_assessment:
        return ModuleOutcome(people, best, None, passed, passed)
    keys = session.scalars(select(_current_lessons(module_id).c.key)).all()
    if not keys:  # nobody has read every lesson of a module without any
        return ModuleOutcome(people, best, None, passed, false())
    read = _module_lessons_read(period, module_id, keys)
    read_all = and_(read.c.n.is_not(None), read.c.n == len(keys))
    return ModuleOutcome(people, best, read, passed, and_(passed, read_all))


def _year_progress(module: Module, people, period: Period) -> ModuleOutcome:
    """``module_outcome`` for a whole fiscal year, from module_progress (the
    same definition, kept ahead by the services)."""
    progress = ModuleProgress.__table__
    best = (
        select(
            progress.c.user_id,
            progress.c.best_score.label("best"),
            progress.c.first_passed_at,
            progress.c.read_all_at,
        )
        .where(progress.c.module_id == module.id, progress.c.fiscal_year == period.year)
        .subquery("best")
    )
    passed = best.c.first_passed_at.is_not(None)
    if module.is_assessment:
        return ModuleOutcome(people, best, None, passed, passed)
    read_all = and_(best.c.read_all_at.is_not(None), best.c.read_all_at < period.end)
    return ModuleOutcome(people, best, None, passed, and_(passed, read_all))


def _year_outcome(session, fiscal_year, module_id, scope) -> ModuleOutcome:
    people = population(fiscal_year, scope, with_user=True)
    return module_outcome(session, module_id, people, Period.fiscal_year(fiscal_year))


@dataclass
class DepartmentRow:
    department_id: int | None
    name: str
    completed: Rate
    passed: Rate


def completion_by_department(
    session: Session, fiscal_year: int, module_id: int, scope: Scope = Scope()
) -> list[DepartmentRow]:
    """One module's completion and pass rate for each department."""
    outcome = _year_outcome(session, fiscal_year, module_id, scope)
    people = outcome.people
    query = (
        select(
            people.c.department_id,
            Department.name,
            func.count().label("n"),
            func.sum(case((outcome.passed, 1), else_=0)).label("passed"),
            func.sum(case((outcome.done, 1), else_=0)).label("completed"),
        )
        .select_from(people)
        .join(Department, Department.id == people.c.department_id, isouter=True)
    )
    rows = session.execute(
        outcome.join(query).group_by(people.c.department_id, Department.name)
    ).all()
    keys = department_sort_keys(session)
    rows.sort(key=lambda row: (row[0] is None, keys.get(row[0], ())))
    return [
        DepartmentRow(dept_id, name or "—", Rate(int(c or 0), n), Rate(int(p or 0), n))
        for dept_id, name, n, p, c in rows
    ]


@dataclass
class DepartmentNode:
    """A line of the by-department table: a 部 with the total of its units, or a unit."""

    department_id: int | None
    name: str  # the full name, 「総務部総務課」
    label: str  # as shown under its 部: 「総務課」
    level: int  # 0: a 部 or a unit in none; 1: a unit within the 部 above it
    completed: Rate
    passed: Rate
    is_total: bool = False  # the 部's line sums its units (and people in the 部 itself)
    is_division_itself: bool = False  # the people placed in the 部, in none of its units


def department_tree(
    session: Session, rows: list[DepartmentRow], scope: Scope = Scope()
) -> list[DepartmentNode]:
    """The by-department rows as 部 › 課: each 部 (from the roster's names,
    総務部総務課 → 総務部 › 総務課) with the total of its units, then the units.
    A 部 that is not wholly in the viewer's scope gets no total line: its units
    are listed on their own."""
    ids = [r.department_id for r in rows if r.department_id is not None]
    parent_of = dict(
        session.execute(
            select(Department.id, Department.parent_id).where(Department.id.in_(ids))
        ).all()
    )
    order = department_sort_keys(session)
    parent_ids = {p for p in parent_of.values() if p is not None}
    parent_names = dict(
        session.execute(
            select(Department.id, Department.name).where(Department.id.in_(parent_ids))
        ).all()
    )
    in_scope = scope.department_ids

    def grouped(parent_id) -> bool:
        return parent_id is not None and (in_scope is None or parent_id in in_scope)

    groups: dict[object, list[DepartmentRow]] = {}
    for row in rows:
        parent_id = parent_of.get(row.department_id)
        key = parent_id if grouped(parent_id) else ("self", row.department_id, row.name)
        groups.setdefault(key, []).append(row)
    for row in rows:  # a 部 with people of its own joins its units' group
        own = ("self", row.department_id, row.name)
        if row.department_id in groups and own in groups:
            groups[row.department_id].extend(groups.pop(own))

    def total(members, attr) -> Rate:
        rates = [getattr(m, attr) for m in members]
        return Rate(sum(r.numerator for r in rates), sum(r.denominator for r in rates))

    def sort_key(item):
        key, _members = item
        department_id = key[1] if isinstance(key, tuple) else key
        return (department_id is None, order.get(department_id, ()))

    nodes = []
    for key, members in sorted(groups.items(), key=sort_key):
        if isinstance(key, tuple):  # a unit on its own
            (row,) = members
            nodes.append(
                DepartmentNode(row.department_id, row.name, row.name, 0, row.completed, row.passed)
            )
            continue
        parent = parent_names[key]
        nodes.append(
            DepartmentNode(
                key,
                parent,
                parent,
                0,
                total(members, "completed"),
                total(members, "passed"),
                is_total=True,
            )
        )
        for row in sorted(members, key=lambda r: (r.department_id != key, order[r.department_id])):
            label = row.name[len(parent) :] if row.name.startswith(parent) else row.name
            nodes.append(
                DepartmentNode(
                    row.department_id,
                    row.name,
                    label or row.name,
                    1,
                    row.completed,
                    row.passed,
                    is_division_itself=row.department_id == key,
                )
            )
    return nodes


@dataclass
class PendingPerson:
    staff_no: str
    name: str
    department: str
    band: str | None
    best: int | None


def not_yet_done(
    session: Session,
    fiscal_year: int,
    module_id: int,
    *,
    band: str | None = None,
    department_id: int | None = None,
    scope: Scope = Scope(),
    limit: int | None = None,
) -> list[PendingPerson]:
    """People who have not completed (modules) or passed (assessments) in the year."""
    from skillapp.roster.models import Staff

    outcome = _year_outcome(session, fiscal_year, module_id, scope)
    people = outcome.people
    query = (
        select(
            Staff.staff_no,
            people.c.name,
            func.coalesce(Department.name, literal("")),
            people.c.band,
            outcome.best.c.best,
        )
        .select_from(people)
        .join(Staff, Staff.id == people.c.staff_id)
    )
    query, order = in_city_order(query, people.c)
    query = outcome.join(query).where(~outcome.done)
    query = query.order_by(*order, Staff.staff_no)
    if band == "unclassified":
        query = query.where(people.c.band.is_(None))
    elif band:
        query = query.where(people.c.band == band)
    if department_id:
        query = query.where(people.c.department_id == department_id)
    if limit:
        query = query.limit(limit)
    return [PendingPerson(*row[:-1], _whole(row[-1])) for row in session.execute(query)]


def _whole(score):
    """A score as the integer it usually is (imported results may have decimals)."""
    if score is None:
        return None
    return int(score) if float(score).is_integer() else float(score)


def monthly_progress(
    session: Session, fiscal_year: int, module_id: int, scope: Scope = Scope()
) -> list[tuple[str, int]]:
    """Cumulative number of people who first passed the module, month by month."""
    from skillapp.util.dates import JST

    people = population(fiscal_year, scope, with_user=True)
    progress = ModuleProgress.__table__
    first_pass = (
        select(progress.c.user_id, progress.c.first_passed_at.label("at"))
        .where(
            progress.c.module_id == module_id,
            progress.c.fiscal_year == fiscal_year,
            progress.c.first_passed_at.is_not(None),
        )
        .subquery("first_pass")
    )
    months = [(fiscal_year + (m // 12), m % 12 + 1) for m in range(3, 16)]
    # Each Japan-time month as a UTC range, counted in SQL: twelve numbers come
    # back rather than one timestamp per person.
    bounds = [datetime.combine(date(y, m, 1), time(), JST).astimezone(UTC) for y, m in months]
    at = first_pass.c.at
    row = session.execute(
        select(
            *(
                func.count(case((and_(at >= low, at < high), 1)))
                for low, high in zip(bounds, bounds[1:], strict=False)
            )
        ).join_from(first_pass, people, people.c.user_id == first_pass.c.user_id)
    ).one()
    running, series = 0, []
    for (_year, month), count in zip(months, row, strict=False):
        running += int(count)
        series.append((f"{month}月", running))
    return series
