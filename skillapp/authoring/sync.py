"""Loading validated content into module versions (docs/content-format.md, Versions).

A module whose folder hashes the same as its current version is left alone; a
changed one gets a new version with its own lessons and questions, and becomes
what learners see. Older versions are never changed or deleted: attempts point
at them. These services flush and never commit.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillapp.assessment.models import Question
from skillapp.authoring.images import image_links, store_images, version_images
from skillapp.authoring.loader import (
    MODULE_FILE,
    N_,
    LessonSpec,
    ModuleSpec,
    Msg,
    Problem,
    QuestionSpec,
    QuizSpec,
    content_hash,
    load_content_dir,
    load_module_dir,
)
from skillapp.authoring.models import ModuleChange, ModuleDraft, ModuleVersionImage
from skillapp.learning.models import Lesson, Module, ModuleVersion
from skillapp.metrics.progress import refresh_module_progress
from skillapp.util.markdown import render_markdown


@dataclass
class SyncReport:
    """Slugs by outcome; ``versions`` gives the new version number of each changed slug."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Changed modules that also have a draft in the editor, started from an older
    # version: the draft is kept (never silently lost) and its author is warned.
    drafts_kept: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


class SyncConflict(Exception):
    """Content that is valid on its own but cannot be applied to the database."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def sync_modules(
    session: Session,
    specs: Iterable[ModuleSpec],
    *,
    by_user_id: int | None = None,
    action: str = "synced",
    detail: dict | None = None,
) -> SyncReport:
    """Create or version each module from its spec; unchanged content writes nothing.

    Every new version is written to the module's change history as ``action``
    (synced from files, imported, published from the editor) with ``detail``.
    Raises SyncConflict, before writing anything, when a spec would change the
    kind of an existing module (its attempts and progress hang on the slug).
    """
    specs = list(specs)
    slugs = [spec.slug for spec in specs]
    existing = {
        module.slug: module
        for module in session.scalars(select(Module).where(Module.slug.in_(slugs)))
    }
    conflicts = [
        Problem(
            f"{spec.slug}/{MODULE_FILE}",
            None,
            Msg(
                N_(
                    'kind cannot change from "%(old)s" to "%(new)s" for a module already '
                    "loaded; use a new folder (slug) instead"
                ),
                {"old": existing[spec.slug].kind, "new": spec.kind},
            ),
        )
        for spec in specs
        if spec.slug in existing and existing[spec.slug].kind != spec.kind
    ]
    if conflicts:
        raise SyncConflict(conflicts)

    report = SyncReport()
    moved = []
    for spec in specs:
        module = existing.get(spec.slug)
        if module is None:
            module = Module(slug=spec.slug, kind=spec.kind)
            session.add(module)
            latest = 0
        else:
            current = module.current_version
            if current is not None and current.content_hash == spec.content_hash:
                report.unchanged.append(spec.slug)
                continue
            latest = (
                session.scalar(
                    select(func.max(ModuleVersion.number)).where(
                        ModuleVersion.module_id == module.id
                    )
                )
                or 0
            )
        version = _new_version(spec, module, latest + 1, by_user_id)
        session.add(version)
        module.current_version = version
        store_images(session, spec.images, by_user_id=by_user_id)
        (report.updated if latest else report.created).append(spec.slug)
        report.versions[spec.slug] = version.number
        session.flush()
        session.add_all(
            ModuleVersionImage(version_id=version.id, name=image.name, sha256=image.sha256)
            for image in spec.images
        )
        session.add(
            ModuleChange(
                module_id=module.id,
                user_id=by_user_id,
                action=action,
                detail={"version": version.number, **(detail or {})},
            )
        )
        if module.id is not None and session.scalar(
            select(ModuleDraft.id).where(ModuleDraft.module_id == module.id)
        ):
            report.drafts_kept.append(spec.slug)
        moved.append(module)
    session.flush()
    for module in moved:  # who has read every lesson follows the current version
        refresh_module_progress(session, module.id)
    return report


def sync_content_dir(
    session: Session, path: str | Path, by_user_id: int | None = None
) -> SyncReport:
    """Load a content folder and sync it; with any problem, nothing is written.

    The problems (loader or conflicts) are returned in ``SyncReport.problems``.
    """
    # A single module folder (it holds module.yaml) syncs just that module.
    if (Path(path) / "module.yaml").is_file():
        loaded = load_module_dir(path)
    else:
        loaded = load_content_dir(path)
    if loaded.problems:
        return SyncReport(problems=loaded.problems)
    try:
        return sync_modules(session, loaded.modules, by_user_id=by_user_id)
    except SyncConflict as conflict:
        root = Path(path)
        problems = [
            Problem(str(root / p.file), p.line, p.msg or p.message) for p in conflict.problems
        ]
        return SyncReport(problems=problems)


def _new_version(spec: ModuleSpec, module: Module, number: int, by_user_id) -> ModuleVersion:
    quiz = spec.quiz
    links = image_links(spec.images)
    return ModuleVersion(
        module=module,
        number=number,
        content_hash=spec.content_hash,
        title=spec.title,
        category=spec.category,
        summary=spec.summary,
        sort_order=spec.order,
        estimated_minutes=spec.estimated_minutes or 0,
        tags=list(spec.tags),
        draw_count=quiz.draw,
        stratify_tags=list(quiz.stratify_by),
        stratify_counts=dict(quiz.stratify_counts) if quiz.stratify_counts else None,
        time_limit_seconds=quiz.time_limit_minutes * 60 if quiz.time_limit_minutes else None,
        max_attempts=quiz.max_attempts,
        max_attempts_per_year=quiz.max_attempts_per_year,
        shuffle_questions=quiz.shuffle_questions,
        shuffle_options=quiz.shuffle_options,
        cooldown_seconds=quiz.cooldown_minutes * 60 if quiz.cooldown_minutes else None,
        review_answers=quiz.review,
        pass_mark=quiz.pass_mark,
        created_by_id=by_user_id,
        lessons=[
            Lesson(
                key=lesson.key,
                position=position,
                title=lesson.title,
                body_md=lesson.body_md,
                body_html=render_markdown(lesson.body_md, links),
                estimated_minutes=lesson.minutes or 0,
            )
            for position, lesson in enumerate(spec.lessons, start=1)
        ],
        questions=[
            Question(
                key=question.key,
                position=position,
                type=question.type,
                text=question.text,
                explanation=question.explanation,
                weight=question.weight,
                tags=list(question.tags),
                options=[{"key": key, "text": text} for key, text in question.options],
                correct_keys=list(question.correct_keys),
                is_retired=question.retired,
                group_key=question.group,
            )
            for position, question in enumerate(spec.quiz.questions, start=1)
        ],
    )


def spec_from_version(session: Session, version: ModuleVersion) -> ModuleSpec:
    """A published version as the loader would read it from its files (with images).

    The inverse of ``_new_version``: its content hash equals the version's.
    """
    module = version.module
    spec = ModuleSpec(
        slug=module.slug,
        kind=module.kind,
        title=version.title,
        category=version.category,
        summary=version.summary,
        order=version.sort_order,
        estimated_minutes=version.estimated_minutes or None,
        tags=list(version.tags or []),
        lessons=[
            LessonSpec(
                key=lesson.key,
                title=lesson.title,
                body_md=lesson.body_md,
                minutes=lesson.estimated_minutes or None,
            )
            for lesson in version.lessons
        ],
        quiz=QuizSpec(
            draw=version.draw_count,
            stratify_by=list(version.stratify_tags or []),
            stratify_counts=dict(version.stratify_counts) if version.stratify_counts else None,
            time_limit_minutes=(
                version.time_limit_seconds // 60 if version.time_limit_seconds else None
            ),
            max_attempts=version.max_attempts,
            shuffle_questions=version.shuffle_questions,
            shuffle_options=version.shuffle_options,
            cooldown_minutes=version.cooldown_seconds // 60 if version.cooldown_seconds else None,
            review=version.review_answers,
            max_attempts_per_year=version.max_attempts_per_year,
            pass_mark=version.pass_mark,
            questions=[
                QuestionSpec(
                    key=q.key,
                    type=q.type,
                    text=q.text,
                    options=[(o["key"], o["text"]) for o in q.options],
                    correct_keys=list(q.correct_keys),
                    explanation=q.explanation,
                    weight=q.weight,
                    tags=list(q.tags or []),
                    retired=q.is_retired,
                    group=q.group_key,
                )
                for q in version.questions
            ],
        ),
        images=version_images(session, version.id),
    )
    return replace(spec, content_hash=content_hash(spec))
