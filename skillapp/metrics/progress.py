"""The maintained progress table (``module_progress``): each person's best
score, first pass and reading of every lesson, per module and fiscal year.

Every row is computed by one bulk SQL statement from the definition of done in
``skillapp.metrics.queries`` (submitted attempts and imported results of the
year, by the person's login: an attempt passed as judged on submission by its
version's pass mark, an imported result by the module's current one; the
lessons of the module's current version), so
refreshing a set of rows always gives the same figures as counting from
scratch. The services call it, in their own transaction, when what it counts
changes:

- a lesson view or a submitted attempt: that person and module;
- imported results from another system: those people and modules;
- a new login for someone with imported results: that person;
- a module's new current version: the whole module
  (``refresh_module_progress``);
- a change to people's roster history (an import, a title's band, an edit):
  only where they stand on each year's roster (``refresh_roster_progress``).
"""

from datetime import date

from sqlalchemy import (
    Float,
    Integer,
    and_,
    case,
    cast,
    delete,
    func,
    literal_column,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy import insert as sql_insert
from sqlalchemy.orm import Session

from skillapp.assessment.models import SUBMITTED, Attempt, ExternalResult
from skillapp.assessment.scoring import PASS_MARK
from skillapp.auth.models import User
from skillapp.learning.models import KIND_MODULE, Lesson, LessonView, Module, ModuleVersion
from skillapp.metrics.models import ModuleProgress
from skillapp.roster.models import StaffState
from skillapp.util.dates import fiscal_year_of as fiscal_year_of_day

_CHUNK = 1000


def fiscal_year_of(column, dialect: str):
    """The Japanese fiscal year (April–March, Japan time) of a UTC timestamp, in SQL."""
    if dialect == "postgresql":
        jst = func.timezone("Asia/Tokyo", column)
        return cast(func.date_part("year", jst - literal_column("interval '3 months'")), Integer)
    # SQLite keeps UTC as text: shift to Japan time, then back three months.
    return cast(func.strftime("%Y", column, "+9 hours", "-3 months"), Integer)


def fiscal_year_end_of(column, dialect: str):
    """31 March that closes the fiscal year in ``column``, in SQL (``fiscal_year_end``)."""
    if dialect == "postgresql":
        return func.make_date(column + 1, 3, 31)
    # SQLite keeps dates as ISO text.
    return func.printf("%04d-03-31", column + 1)


def current_pass_mark(module_id_column):
    """The pass mark of a module's current version, in SQL (the default for a
    module with none): what an imported result, which has no version, is judged by."""
    return func.coalesce(
        select(ModuleVersion.pass_mark)
        .join(Module, Module.current_version_id == ModuleVersion.id)
        .where(Module.id == module_id_column)
        .scalar_subquery(),
        PASS_MARK,
    )


def _roster_values(dialect: str, staff_id, fiscal_year) -> dict:
    """A person (``staff_id``) as they stand on a fiscal year's closing day:
    the history row in force then (the dashboards' population)."""
    history = StaffState.__table__
    day = fiscal_year_end_of(fiscal_year, dialect)

    def state(column):
        return (
            select(column)
            .where(
                history.c.staff_id == staff_id,
                history.c.effective_from <= day,
                or_(history.c.effective_to.is_(None), history.c.effective_to > day),
            )
            .scalar_subquery()
        )

    return {
        "on_roster": func.coalesce(state(history.c.is_active), False),
        "band": state(history.c.band),
        "department_id": state(history.c.department_id),
    }


def _set_roster(session: Session, *where) -> None:
    dialect = session.get_bind().dialect.name
    table = ModuleProgress.__table__
    values = _roster_values(dialect, table.c.staff_id, table.c.fiscal_year)
    session.execute(update(table).where(*where).values(values))


def _progress_rows(dialect: str, module_id: int | None, user_ids: list[int] | None):
    """SELECT of the module_progress rows for one module and/or some people."""
    # Passed: an attempt as judged on submission (its version's pass mark); an
    # imported result, which has no version, by the module's current pass mark.
    here = select(
        Attempt.module_id,
        Attempt.user_id,
        cast(Attempt.score, Float).label("score"),
        case((Attempt.passed.is_(True), 1), else_=0).label("passed"),
        Attempt.submitted_at.label("at"),
    ).where(Attempt.status == SUBMITTED)
    there_passed = ExternalResult.score >= current_pass_mark(ExternalResult.module_id)
    there = select(
        ExternalResult.module_id,
        User.id.label("user_id"),
        ExternalResult.score,
        case((there_passed, 1), else_=0).label("passed"),
        ExternalResult.taken_at.label("at"),
    ).join(User, User.staff_id == ExternalResult.staff_id)
    views = (
        select(
            LessonView.module_id,
            LessonView.user_id,
            func.count().label("n"),
            func.max(LessonView.viewed_at).label("last"),
        )
        .join(Module, Module.id == LessonView.module_id)
        .join(
            Lesson,
            and_(
                Lesson.version_id == Module.current_version_id, Lesson.key == LessonView.lesson_key
            ),
        )
        .where(Module.kind == KIND_MODULE)
    )
    counts = (
        select(Module.id.label("module_id"), func.count().label("n"))
        .join(Lesson, Lesson.version_id == Module.current_version_id)
        .where(Module.kind == KIND_MODULE)
    )
    if module_id is not None:
        here = here.where(Attempt.module_id == module_id)
        there = there.where(ExternalResult.module_id == module_id)
        views = views.where(LessonView.module_id == module_id)
        counts = counts.where(Module.id == module_id)
    if user_ids is not None:
        here = here.where(Attempt.user_id.in_(user_ids))
        there = there.where(User.id.in_(user_ids))
        views = views.where(LessonView.user_id.in_(user_ids))
    scores = union_all(here, there).subquery("scores")
    year = fiscal_year_of(scores.c.at, dialect).label("fiscal_year")
    results = (
        select(
            scores.c.module_id,
            scores.c.user_id,
            year,
            func.max(scores.c.score).label("best_score"),
            func.min(case((scores.c.passed == 1, scores.c.at))).label("first_passed_at"),
        )
        .group_by(scores.c.module_id, scores.c.user_id, year)
        .subquery("results")
    )
    views = views.group_by(LessonView.module_id, LessonView.user_id).subquery("views")
    counts = counts.group_by(Module.id).subquery("counts")
    # One view per (person, module, lesson key): every lesson is read once the
    # count reaches the version's, and by the latest of those views.
    read_all_at = case((views.c.n == counts.c.n, views.c.last))
    roster = _roster_values(dialect, User.staff_id, results.c.fiscal_year)
    return (
        select(
            results.c.user_id,
            results.c.module_id,
            results.c.fiscal_year,
            User.staff_id,
            results.c.best_score,
            results.c.first_passed_at,
            read_all_at.label("read_all_at"),
            *(value.label(name) for name, value in roster.items()),
        )
        .select_from(results)
        .join(User, User.id == results.c.user_id)
        .join(
            views,
            and_(views.c.module_id == results.c.module_id, views.c.user_id == results.c.user_id),
            isouter=True,
        )
        .join(counts, counts.c.module_id == results.c.module_id, isouter=True)
    )


_COLUMNS = [
    "user_id",
    "module_id",
    "fiscal_year",
    "staff_id",
    "best_score",
    "first_passed_at",
    "read_all_at",
    "on_roster",
    "band",
    "department_id",
]


def _lock(session: Session, module_id: int | None, user_ids: list[int] | None) -> None:
    """Recomputing the same rows in two transactions at once would leave the
    one that committed last without the other's event (or fail on the key):
    a person's rows are recomputed one transaction at a time (a lock on the
    login), and a whole module's not while any person's is (a lock on the
    module: shared by the per-person refreshes, exclusive for the module's).
    SQLite writes one transaction at a time anyway."""
    if module_id is not None:
        modules = select(Module.id).where(Module.id == module_id)
        if user_ids is None:
            session.execute(modules.with_for_update(key_share=True))
        else:
            session.execute(modules.with_for_update(read=True))
    if user_ids is not None:
        _lock_logins(session, User.id.in_(user_ids))


def _lock_logins(session: Session, which) -> None:
    """The per-person lock: these logins' rows, in id order."""
    session.execute(select(User.id).where(which).order_by(User.id).with_for_update(key_share=True))


def _refresh(session: Session, module_id: int | None, user_ids: list[int] | None) -> None:
    dialect = session.get_bind().dialect.name
    table = ModuleProgress.__table__
    if dialect == "postgresql":
        _lock(session, module_id, user_ids)
    where = []
    if module_id is not None:
        where.append(table.c.module_id == module_id)
    if user_ids is not None:
        where.append(table.c.user_id.in_(user_ids))
    session.execute(delete(table).where(*where))
    session.execute(
        sql_insert(table).from_select(_COLUMNS, _progress_rows(dialect, module_id, user_ids))
    )


def refresh_progress(
    session: Session, user_ids: list[int], module_ids: list[int] | None = None
) -> None:
    """Recompute these people's rows (for ``module_ids``, or every module)."""
    user_ids = sorted(set(user_ids))
    for start in range(0, len(user_ids), _CHUNK):
        part = user_ids[start : start + _CHUNK]
        if module_ids is None:
            _refresh(session, None, part)
        else:
            for module_id in sorted(set(module_ids)):
                _refresh(session, module_id, part)


def refresh_user_module(session: Session, user_id: int, module_id: int) -> None:
    """After a lesson view or a submitted attempt."""
    _refresh(session, module_id, [user_id])


def refresh_module_progress(session: Session, module_id: int) -> None:
    """Recompute every row of a module: call it whenever the module's current
    version changes (its lessons decide who has read them all)."""
    _refresh(session, module_id, None)


def refresh_all_progress(session: Session) -> None:
    """Recompute the whole table (the migration fills it the same way)."""
    for module_id in session.scalars(select(Module.id).order_by(Module.id)).all():
        _refresh(session, module_id, None)


def refresh_roster_progress(session: Session, staff_ids, *, since: date | None = None) -> None:
    """After these people's roster history changed (by staff id) from the day
    ``since`` on (None: at any time): where they stand on the roster of each
    fiscal year closing on or after it (earlier years' closing days are untouched)."""
    staff_ids = sorted(set(staff_ids))
    if not staff_ids:
        return
    table = ModuleProgress.__table__
    years = [] if since is None else [table.c.fiscal_year >= fiscal_year_of_day(since)]
    locking = session.get_bind().dialect.name == "postgresql"
    if locking:
        # The same locks as a recompute of these people's rows (``_lock``): a
        # recompute running meanwhile, which read the history before this change
        # committed, finishes first, and this update then sees its new rows.
        session.execute(select(Module.id).order_by(Module.id).with_for_update(read=True)).all()
    for start in range(0, len(staff_ids), 10_000):
        part = staff_ids[start : start + 10_000]
        if locking:
            _lock_logins(session, User.staff_id.in_(part))
        _set_roster(session, table.c.staff_id.in_(part), *years)


def refresh_staff_logins(session: Session, staff_ids: list[int]) -> None:
    """A new login counts its person's imported results: recompute the rows of
    the people (by staff id) who have any."""
    query = (
        select(User.id)
        .join(ExternalResult, ExternalResult.staff_id == User.staff_id)
        .where(User.staff_id.in_(list(staff_ids)))
        .distinct()
    )
    user_ids = session.scalars(query).all()
    if user_ids:
        refresh_progress(session, list(user_ids))
