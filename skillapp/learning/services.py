"""The learner's modules, lesson views, progress and completion."""

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload

from skillapp.assessment.models import IN_PROGRESS, SUBMITTED, Attempt, ExternalResult
from skillapp.auth.models import User
from skillapp.db import insert_ignore, utcnow
from skillapp.learning.models import Lesson, LessonView, Module, ModuleVersion


def published_modules(session: Session) -> list[Module]:
    """Every module and assessment with a published version, in curriculum order."""
    query = (
        select(Module)
        .join(ModuleVersion, Module.current_version_id == ModuleVersion.id)
        .where(Module.is_archived.is_(False))
        .options(joinedload(Module.current_version))
        .order_by(ModuleVersion.sort_order, Module.slug)
    )
    return list(session.scalars(query).unique())


def module_by_slug(session: Session, slug: str) -> Module | None:
    module = session.scalar(select(Module).where(Module.slug == slug))
    if module is None or module.current_version is None or module.is_archived:
        return None
    return module


@dataclass
class Progress:
    lessons_total: int = 0
    lessons_viewed: int = 0
    best_score: int | None = None
    passed: bool = False
    attempts: int = 0
    open_attempt_id: int | None = None
    # The best score imported from another e-learning system, if any: it counts
    # for HR like an attempt here, so the learner sees it too.
    external_best: float | None = None
    # The module's pass mark (its current version's): what an imported result is judged by.
    pass_mark: int = 70

    @property
    def passed_elsewhere(self) -> bool:
        return self.external_best is not None and self.external_best >= self.pass_mark

    @property
    def complete(self) -> bool:
        """Every lesson viewed and the quiz passed (docs/rules.md, Completion)."""
        return self.lessons_viewed >= self.lessons_total and self.passed

    @property
    def percent(self) -> int:
        steps = self.lessons_total + 1  # the quiz is the last step
        done = min(self.lessons_viewed, self.lessons_total) + (1 if self.passed else 0)
        return (100 * done) // steps


def progress_for(session: Session, user_id: int, modules: list[Module]) -> dict[int, Progress]:
    """Progress for each module in three aggregate queries, whatever the number of modules."""
    if not modules:
        return {}
    version_ids = [m.current_version_id for m in modules]
    module_ids = [m.id for m in modules]
    lesson_keys: dict[int, set[str]] = {}
    for version_id, key in session.execute(
        select(Lesson.version_id, Lesson.key).where(Lesson.version_id.in_(version_ids))
    ):
        lesson_keys.setdefault(version_id, set()).add(key)
    viewed: dict[int, set[str]] = {}
    for module_id, key in session.execute(
        select(LessonView.module_id, LessonView.lesson_key).where(
            LessonView.user_id == user_id, LessonView.module_id.in_(module_ids)
        )
    ):
        viewed.setdefault(module_id, set()).add(key)
    stats = {
        row.module_id: row
        for row in session.execute(
            select(
                Attempt.module_id,
                func.max(Attempt.score).label("best"),
                # Each attempt was judged by the pass mark of the version it was taken on.
                func.max(case((Attempt.passed.is_(True), 1), else_=0)).label("passed"),
                func.count(Attempt.id).label("attempts"),
            )
            .where(Attempt.user_id == user_id, Attempt.module_id.in_(module_ids))
            .group_by(Attempt.module_id)
        )
    }
    open_ids = dict(
        session.execute(
            select(Attempt.module_id, func.max(Attempt.id))
            .where(
                Attempt.user_id == user_id,
                Attempt.module_id.in_(module_ids),
                Attempt.status == IN_PROGRESS,
            )
            .group_by(Attempt.module_id)
        ).all()
    )
    staff_id = select(User.staff_id).where(User.id == user_id).scalar_subquery()
    external = dict(
        session.execute(
            select(ExternalResult.module_id, func.max(ExternalResult.score))
            .where(ExternalResult.staff_id == staff_id, ExternalResult.module_id.in_(module_ids))
            .group_by(ExternalResult.module_id)
        ).all()
    )
    result = {}
    for module in modules:
        keys = lesson_keys.get(module.current_version_id, set())
        row = stats.get(module.id)
        best = row.best if row else None
        result[module.id] = Progress(
            lessons_total=len(keys),
            lessons_viewed=len(keys & viewed.get(module.id, set())),
            best_score=best,
            passed=bool(row and row.passed),
            attempts=row.attempts if row else 0,
            open_attempt_id=open_ids.get(module.id),
            external_best=external.get(module.id),
            pass_mark=module.current_version.pass_mark,
        )
    return result


def record_lesson_view(session: Session, user_id: int, module: Module, lesson_key: str) -> None:
    insert_ignore(
        session,
        LessonView,
        [
            {
                "user_id": user_id,
                "module_id": module.id,
                "lesson_key": lesson_key,
                "viewed_at": utcnow(),
            }
        ],
        index_elements=["user_id", "module_id", "lesson_key"],
    )
    from skillapp.metrics.progress import refresh_user_module

    refresh_user_module(session, user_id, module.id)


def best_submitted(
    session: Session, user_id: int, module_id: int, *, passed_only: bool = False
) -> Attempt | None:
    """The person's best submitted attempt (the earliest of equals); with
    ``passed_only`` the best of those that passed."""
    query = select(Attempt).where(
        Attempt.user_id == user_id, Attempt.module_id == module_id, Attempt.status == SUBMITTED
    )
    if passed_only:
        query = query.where(Attempt.passed.is_(True))
    return session.scalar(query.order_by(Attempt.score.desc(), Attempt.submitted_at))


def viewed_lesson_keys(session: Session, user_id: int, module_id: int) -> set[str]:
    return set(
        session.scalars(
            select(LessonView.lesson_key).where(
                LessonView.user_id == user_id, LessonView.module_id == module_id
            )
        )
    )
