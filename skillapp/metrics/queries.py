"""Read-only aggregate queries for HR dashboards. Everything is counted in SQL.

The population of a fiscal year is the roster as it stood on 31 March of that
year (each person's latest state effective on or before it), active people only.
An attempt counts for the fiscal year its submission falls in, in Japan time.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Float, and_, case, cast, false, func, literal, select, union_all
from sqlalchemy.orm import Session

from skillapp.assessment.models import SUBMITTED, Attempt, ExternalResult
from skillapp.assessment.scoring import PASS_MARK
from skillapp.auth.models import User
from skillapp.learning.models import KIND_MODULE, Lesson, LessonView, Module, ModuleVersion
from skillapp.roster.bands import BAND_CODES
from skillapp.roster.models import Department
from skillapp.roster.services import state_at
from skillapp.util.dates import fiscal_year_bounds, fiscal_year_end, today_jst


@dataclass(frozen=True)
class Scope:
    """Whose figures: everyone, or one unit (a 部 includes its 課)."""

    department_ids: tuple[int, ...] | None = None


def as_of_day(fiscal_year: int) -> date:
    """The roster day a fiscal year uses: 31 March, or today for the running year."""
    return min(fiscal_year_end(fiscal_year), max(today_jst(), date(fiscal_year, 4, 1)))


def population(fiscal_year: int, scope: Scope = Scope(), *, with_user: bool = False):
    """Active people of the fiscal year's roster: staff_id, band, department_id,
    name, job_title, and with ``with_user`` their login's user_id (None for
    someone without one), which attempts and lesson views are keyed by."""
    state = state_at(fiscal_year_end(fiscal_year))
    columns = [state.c.staff_id, state.c.band, state.c.department_id, state.c.name]
    query = select(*columns, state.c.job_title).where(state.c.is_active)
    if with_user:
        query = query.add_columns(User.id.label("user_id")).join_from(
            state, User, User.staff_id == state.c.staff_id, isouter=True
        )
    if scope.department_ids is not None:
        query = query.where(state.c.department_id.in_(scope.department_ids))
    return query.subquery("population")


def _in_year(fiscal_year: int):
    """Submitted attempts whose submission falls in the fiscal year."""
    start, end = fiscal_year_bounds(fiscal_year)
    return and_(
        Attempt.status == SUBMITTED, Attempt.submitted_at >= start, Attempt.submitted_at < end
    )


def _scores(fiscal_year: int, module_id: int | None = None, *, passed_only: bool = False):
    """(module_id, user_id, score, at) of the year's submitted attempts and of the
    results imported from another system, which count the same (by the login
    of the person they belong to)."""
    start, end = fiscal_year_bounds(fiscal_year)
    here = select(
        Attempt.module_id,
        Attempt.user_id,
        cast(Attempt.score, Float).label("score"),
        Attempt.submitted_at.label("at"),
    ).where(_in_year(fiscal_year))
    there = (
        select(
            ExternalResult.module_id,
            User.id.label("user_id"),
            ExternalResult.score,
            ExternalResult.taken_at.label("at"),
        )
        .join(User, User.staff_id == ExternalResult.staff_id)
        .where(ExternalResult.taken_at >= start, ExternalResult.taken_at < end)
    )
    if module_id is not None:
        here = here.where(Attempt.module_id == module_id)
        there = there.where(ExternalResult.module_id == module_id)
    if passed_only:
        here = here.where(Attempt.score >= PASS_MARK)
        there = there.where(ExternalResult.score >= PASS_MARK)
    return union_all(here, there).subquery("scores")


def _passes(fiscal_year: int, module_id: int | None = None):
    """(module_id, user_id) of everyone whose best score in the year is ≥ 70,
    that is who has at least one attempt or result scoring 70 or more."""
    scores = _scores(fiscal_year, module_id, passed_only=True)
    return (
        select(scores.c.module_id, scores.c.user_id)
        .group_by(scores.c.module_id, scores.c.user_id)
        .subquery("passes")
    )


def _best_scores(fiscal_year: int, module_id: int):
    """(user_id, best score in the year) for one module."""
    scores = _scores(fiscal_year, module_id)
    return (
        select(scores.c.user_id, func.max(scores.c.score).label("best"))
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


def _lesson_counts(module_id: int | None = None):
    """(module_id, n): how many lessons each module's current version has."""
    current = _current_lessons(module_id)
    return (
        select(current.c.module_id, func.count().label("n"))
        .group_by(current.c.module_id)
        .subquery("lesson_counts")
    )


def _lesson_views(fiscal_year: int, module_id: int | None = None):
    """(module_id, user_id) of each view, by the year's end, of a lesson of a
    module's current version. There is one view per (user, module, lesson key),
    so counting them per person counts the lessons read."""
    _, end = fiscal_year_bounds(fiscal_year)
    current = _current_lessons(module_id)
    query = (
        select(LessonView.module_id, LessonView.user_id)
        .join(
            current,
            and_(
                current.c.module_id == LessonView.module_id,
                current.c.key == LessonView.lesson_key,
            ),
        )
        .where(LessonView.viewed_at < end)
    )
    if module_id is not None:
        query = query.where(LessonView.module_id == module_id)
    return query.subquery("lesson_views_in_year")


def _module_lessons_read(fiscal_year: int, module_id: int, keys: list[str]):
    """(user_id, n): how many of one module's lessons (``keys``) each person had
    read by the year's end. The keys are given as values so that the index on
    (module_id, user_id, …) is read in user order and counted as it goes."""
    _, end = fiscal_year_bounds(fiscal_year)
    return (
        select(LessonView.user_id, func.count().label("n"))
        .where(
            LessonView.module_id == module_id,
            LessonView.viewed_at < end,
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
    people = population(fiscal_year, scope)
    sizes = dict(session.execute(select(people.c.band, func.count()).group_by(people.c.band)).all())
    totals = {band: sizes.get(band, 0) for band in BAND_CODES}
    totals["all"] = sum(sizes.values())  # unclassified people count in "all" only

    # Only people who passed can have completed. Per person who passed: the
    # band, and how many of the module's lessons they read (views are joined to
    # the passes first, so only those people's views are counted). Comparing
    # that with the lesson count in the select list, not in a join between two
    # aggregates, keeps PostgreSQL's row estimates sane.
    people = population(fiscal_year, scope, with_user=True)
    passes = _passes(fiscal_year, module_id)
    lessons = _lesson_counts(module_id)
    views = _lesson_views(fiscal_year, module_id)
    per_person = (
        select(
            passes.c.module_id,
            people.c.band,
            lessons.c.n.label("lessons"),
            func.count(views.c.user_id).label("read"),
        )
        .join(people, people.c.user_id == passes.c.user_id)
        .join(lessons, lessons.c.module_id == passes.c.module_id, isouter=True)
        .join(
            views,
            and_(views.c.module_id == passes.c.module_id, views.c.user_id == passes.c.user_id),
            isouter=True,
        )
        .group_by(passes.c.module_id, passes.c.user_id, people.c.band, lessons.c.n)
        .subquery("per_person")
    )
    rows = session.execute(
        select(
            per_person.c.module_id,
            per_person.c.band,
            func.count().label("passed"),
            func.count(case((per_person.c.read == per_person.c.lessons, 1))).label("completed"),
        ).group_by(per_person.c.module_id, per_person.c.band)
    ).all()
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
class _ModuleOutcome:
    """Each person of the population joined to one module's results in the year."""

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


def _module_outcome(session, fiscal_year, module_id, scope) -> _ModuleOutcome:
    """Passed: best score ≥ 70 in the year. Done: completed (module) or passed (assessment)."""
    people = population(fiscal_year, scope, with_user=True)
    best = _best_scores(fiscal_year, module_id)
    passed = and_(best.c.best.is_not(None), best.c.best >= PASS_MARK)
    module = session.get(Module, module_id)
    if module.is_assessment:
        return _ModuleOutcome(people, best, None, passed, passed)
    keys = session.scalars(select(_current_lessons(module_id).c.key)).all()
    if not keys:  # nobody has read every lesson of a module without any
        return _ModuleOutcome(people, best, None, passed, false())
    read = _module_lessons_read(fiscal_year, module_id, keys)
    read_all = and_(read.c.n.is_not(None), read.c.n == len(keys))
    return _ModuleOutcome(people, best, read, passed, and_(passed, read_all))


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
    outcome = _module_outcome(session, fiscal_year, module_id, scope)
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
        outcome.join(query)
        .group_by(people.c.department_id, Department.name)
        .order_by(Department.name)
    ).all()
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
        return parent_names.get(key, "") if not isinstance(key, tuple) else key[2]

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
        for row in sorted(members, key=lambda r: (r.department_id != key, r.name)):
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

    outcome = _module_outcome(session, fiscal_year, module_id, scope)
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
        .join(Department, Department.id == people.c.department_id, isouter=True)
    )
    query = outcome.join(query).where(~outcome.done)
    query = query.order_by(Department.name, Staff.staff_no)
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
    passes = _scores(fiscal_year, module_id, passed_only=True)
    first_pass = (
        select(passes.c.user_id, func.min(passes.c.at).label("at"))
        .group_by(passes.c.user_id)
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
