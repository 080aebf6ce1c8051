"""Read-only aggregate queries for HR dashboards. Everything is counted in SQL.

The population of a fiscal year is the roster as it stood on 31 March of that
year (each person's latest state effective on or before it), active people only.
An attempt counts for the fiscal year its submission falls in, in Japan time.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from skillapp.assessment.models import SUBMITTED, Attempt
from skillapp.assessment.scoring import PASS_MARK
from skillapp.auth.models import User
from skillapp.learning.models import Lesson, LessonView, Module, ModuleVersion
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


def population(fiscal_year: int, scope: Scope = Scope()):
    """Active people of the fiscal year's roster: staff_id, band, department_id, name."""
    state = state_at(fiscal_year_end(fiscal_year))
    query = select(
        state.c.staff_id, state.c.band, state.c.department_id, state.c.name, state.c.job_title
    ).where(state.c.is_active)
    if scope.department_ids is not None:
        query = query.where(state.c.department_id.in_(scope.department_ids))
    return query.subquery("population")


def _passed_in_year(fiscal_year: int):
    """(module_id, staff_id, best score) for attempts submitted in the fiscal year."""
    start, end = fiscal_year_bounds(fiscal_year)
    return (
        select(Attempt.module_id, User.staff_id, func.max(Attempt.score).label("best"))
        .join(User, User.id == Attempt.user_id)
        .where(
            Attempt.status == SUBMITTED, Attempt.submitted_at >= start, Attempt.submitted_at < end
        )
        .group_by(Attempt.module_id, User.staff_id)
        .subquery("best")
    )


def _lessons_read(fiscal_year: int):
    """(module_id, staff_id) of people who by the year's end had read every lesson
    of the module's current version."""
    _, end = fiscal_year_bounds(fiscal_year)
    lesson_counts = (
        select(Module.id.label("module_id"), func.count(Lesson.id).label("n"))
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .join(Lesson, Lesson.version_id == ModuleVersion.id)
        .group_by(Module.id)
        .subquery()
    )
    read = (
        select(LessonView.module_id, User.staff_id, func.count(LessonView.id).label("n"))
        .join(User, User.id == LessonView.user_id)
        .join(Module, Module.id == LessonView.module_id)
        .join(
            Lesson,
            and_(
                Lesson.version_id == Module.current_version_id, Lesson.key == LessonView.lesson_key
            ),
        )
        .where(LessonView.viewed_at < end)
        .group_by(LessonView.module_id, User.staff_id)
        .subquery()
    )
    return (
        select(read.c.module_id, read.c.staff_id)
        .join(
            lesson_counts,
            and_(lesson_counts.c.module_id == read.c.module_id, lesson_counts.c.n == read.c.n),
        )
        .subquery("read_all")
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
    session: Session, fiscal_year: int, scope: Scope = Scope()
) -> list[ModuleRow]:
    """For each published module and assessment: completion and pass rate by band
    and overall, with n/N, in three grouped queries."""
    people = population(fiscal_year, scope)
    sizes = dict(session.execute(select(people.c.band, func.count()).group_by(people.c.band)).all())
    totals = {band: sizes.get(band, 0) for band in BAND_CODES}
    totals["all"] = sum(sizes.values())  # unclassified people count in "all" only

    best = _passed_in_year(fiscal_year)
    read_all = _lessons_read(fiscal_year)
    passed = best.c.best >= PASS_MARK
    is_module = Module.kind == "module"
    completed = and_(passed, read_all.c.staff_id.is_not(None))
    rows = session.execute(
        select(
            best.c.module_id,
            people.c.band,
            func.sum(case((passed, 1), else_=0)).label("passed"),
            func.sum(case((completed, 1), else_=0)).label("completed"),
        )
        .join(people, people.c.staff_id == best.c.staff_id)
        .join(Module, Module.id == best.c.module_id)
        .join(
            read_all,
            and_(read_all.c.module_id == best.c.module_id, read_all.c.staff_id == best.c.staff_id),
            isouter=True,
        )
        .group_by(best.c.module_id, people.c.band)
    ).all()
    counts: dict[int, dict] = {}
    for module_id, band, n_passed, n_completed in rows:
        entry = counts.setdefault(module_id, {})
        for key in (band, "all"):
            if key is None:
                continue
            p, c = entry.get(key, (0, 0))
            entry[key] = (p + int(n_passed or 0), c + int(n_completed or 0))

    modules = session.execute(
        select(Module.id, Module.slug, ModuleVersion.title, is_module, ModuleVersion.sort_order)
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(Module.is_archived.is_(False))
        .order_by(ModuleVersion.sort_order, Module.slug)
    ).all()
    result = []
    for module_id, slug, title, module_kind, _order in modules:
        entry = counts.get(module_id, {})
        keys = [*BAND_CODES, "all"]
        passed_rates = {k: Rate(entry.get(k, (0, 0))[0], totals[k]) for k in keys}
        completed_rates = {
            k: Rate(entry.get(k, (0, 0))[1 if module_kind else 0], totals[k]) for k in keys
        }
        result.append(
            ModuleRow(module_id, slug, title, not module_kind, completed_rates, passed_rates)
        )
    return result


@dataclass
class _ModuleOutcome:
    """Each person of the population joined to one module's results in the year."""

    people: object
    best: object
    read_all: object
    passed: object
    done: object

    def join(self, query, module_id: int):
        people, best, read_all = self.people, self.best, self.read_all
        return query.join(
            best,
            and_(best.c.staff_id == people.c.staff_id, best.c.module_id == module_id),
            isouter=True,
        ).join(
            read_all,
            and_(read_all.c.staff_id == people.c.staff_id, read_all.c.module_id == module_id),
            isouter=True,
        )


def _module_outcome(session, fiscal_year, module_id, scope) -> _ModuleOutcome:
    """Passed: best score ≥ 70 in the year. Done: completed (module) or passed (assessment)."""
    people = population(fiscal_year, scope)
    best = _passed_in_year(fiscal_year)
    read_all = _lessons_read(fiscal_year)
    module = session.get(Module, module_id)
    passed = and_(best.c.best.is_not(None), best.c.best >= PASS_MARK)
    done = passed if module.is_assessment else and_(passed, read_all.c.staff_id.is_not(None))
    return _ModuleOutcome(people, best, read_all, passed, done)


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
        outcome.join(query, module_id)
        .group_by(people.c.department_id, Department.name)
        .order_by(Department.name)
    ).all()
    return [
        DepartmentRow(dept_id, name or "—", Rate(int(c or 0), n), Rate(int(p or 0), n))
        for dept_id, name, n, p, c in rows
    ]


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
    query = outcome.join(query, module_id).where(~outcome.done)
    query = query.order_by(Department.name, Staff.staff_no)
    if band == "unclassified":
        query = query.where(people.c.band.is_(None))
    elif band:
        query = query.where(people.c.band == band)
    if department_id:
        query = query.where(people.c.department_id == department_id)
    if limit:
        query = query.limit(limit)
    return [PendingPerson(*row) for row in session.execute(query)]


def monthly_progress(
    session: Session, fiscal_year: int, module_id: int, scope: Scope = Scope()
) -> list[tuple[str, int]]:
    """Cumulative number of people who first passed the module, month by month."""
    from skillapp.util.dates import JST

    start, end = fiscal_year_bounds(fiscal_year)
    people = population(fiscal_year, scope)
    first_pass = (
        select(User.staff_id, func.min(Attempt.submitted_at).label("at"))
        .join(User, User.id == Attempt.user_id)
        .where(
            Attempt.module_id == module_id,
            Attempt.status == SUBMITTED,
            Attempt.score >= PASS_MARK,
            Attempt.submitted_at >= start,
            Attempt.submitted_at < end,
        )
        .group_by(User.staff_id)
        .subquery()
    )
    moments = session.scalars(
        select(first_pass.c.at).join(people, people.c.staff_id == first_pass.c.staff_id)
    ).all()
    months = [(fiscal_year + (m // 12), m % 12 + 1) for m in range(3, 15)]
    counts = dict.fromkeys(months, 0)
    for moment in moments:
        local = moment.astimezone(JST)
        counts[(local.year, local.month)] = counts.get((local.year, local.month), 0) + 1
    running, series = 0, []
    for year, month in months:
        running += counts[(year, month)]
        series.append((f"{month}月", running))
    return series
