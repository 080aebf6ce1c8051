from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillapp.db import utcnow
from skillapp.extensions import db

KIND_MODULE = "module"
KIND_ASSESSMENT = "assessment"
REVIEW_ALWAYS = "always"
REVIEW_AFTER_PASS = "after_pass"  # noqa: S105 (not a secret)
REVIEW_NEVER = "never"
CATEGORIES = ("mindset", "ai_governance", "ebpm", "other")
CATEGORY_LABELS = {
    "mindset": _l("Mindset principles"),
    "ai_governance": _l("AI governance"),
    "ebpm": _l("EBPM"),
    "other": _l("General"),
}


class Module(db.Model):
    """A module (lessons + quiz) or a standalone assessment, identified by its slug."""

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=KIND_MODULE)
    # The version learners see; older versions stay for the attempts taken on them.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_versions.id", use_alter=True, name="fk_modules_current_version_id")
    )
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    current_version: Mapped["ModuleVersion | None"] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    @property
    def is_assessment(self) -> bool:
        return self.kind == KIND_ASSESSMENT

    def __repr__(self) -> str:
        return f"<Module {self.slug}>"


class ModuleVersion(db.Model):
    """One immutable published state of a module: texts, lessons, questions, settings."""

    __tablename__ = "module_versions"
    __table_args__ = (UniqueConstraint("module_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=0)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # Quiz / assessment settings
    draw_count: Mapped[int | None] = mapped_column(Integer)
    stratify_tags: Mapped[list] = mapped_column(JSON, default=list)
    # Questions each tag gives an attempt, {tag: n} (None: an even split of draw_count).
    stratify_counts: Mapped[dict | None] = mapped_column(JSON)
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    # At most this many attempts a person starts in one fiscal year (None: no limit).
    max_attempts_per_year: Mapped[int | None] = mapped_column(Integer)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=False)
    # No new attempt until this long after the last submitted one (None: at once).
    cooldown_seconds: Mapped[int | None] = mapped_column(Integer)
    # When a review shows the correct answers: always, after_pass or never.
    review_answers: Mapped[str] = mapped_column(
        String(20), default=REVIEW_ALWAYS, server_default=REVIEW_ALWAYS
    )
    # The score (of 100) an attempt on this version needs to pass. It decides
    # "passed" (stored on each attempt), completion and certificates; HR's
    # indicators keep their own threshold (metrics.models.Indicator.settings).
    pass_mark: Mapped[int] = mapped_column(Integer, default=70, server_default="70")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    module: Mapped[Module] = relationship(foreign_keys=[module_id])
    lessons: Mapped[list["Lesson"]] = relationship(
        order_by="Lesson.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list["Question"]] = relationship(  # noqa: F821
        order_by="Question.position", cascade="all, delete-orphan"
    )

    @property
    def active_questions(self) -> list["Question"]:  # noqa: F821
        """The questions attempts are drawn from: every one not retired."""
        return [q for q in self.questions if not q.is_retired]

    @property
    def questions_per_attempt(self) -> int:
        active = len(self.active_questions)
        return min(self.draw_count, active) if self.draw_count else active

    def __repr__(self) -> str:
        return f"<ModuleVersion {self.module_id} v{self.number}>"


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<Lesson {self.key}>"


class LessonView(db.Model):
    """A learner has opened a lesson (by its key, so it survives new versions)."""

    __tablename__ = "lesson_views"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "lesson_key"),
        # The HR dashboards: one module's views, person by person (index-only).
        Index("ix_lesson_views_module_user", "module_id", "user_id", "lesson_key", "viewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    lesson_key: Mapped[str] = mapped_column(String(100))
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<LessonView {self.user_id} {self.lesson_key}>"
