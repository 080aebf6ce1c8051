from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillapp.db import utcnow
from skillapp.extensions import db
from skillapp.learning.models import Module, ModuleVersion

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
QUESTION_TYPES = (SINGLE, MULTIPLE, TRUE_FALSE)

IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"


class Question(db.Model):
    """A question as it stood in one module version; ``key`` is its stable id."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    weight: Mapped[int] = mapped_column(Integer, default=1)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    # [{"key": "a", "text": "…"}, …] — what may be shown while answering.
    options: Mapped[list] = mapped_column(JSON)
    # The answer key: never sent to the browser before the attempt is submitted.
    correct_keys: Mapped[list] = mapped_column(JSON)
    # Retired: drawn no more; kept so the attempts that showed it keep their review.
    is_retired: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Questions sharing a group answer each other: an attempt draws at most one.
    group_key: Mapped[str | None] = mapped_column(String(100))

    def __repr__(self) -> str:
        return f"<Question {self.key}>"


class Attempt(db.Model):
    """One sitting of a quiz or assessment, pinned to the version it was taken on."""

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_user_module", "user_id", "module_id"),
        # The HR dashboards read these two alone (index-only): one module's
        # results in a fiscal year, and every module's passes in a fiscal year.
        Index(
            "ix_attempts_module_results", "module_id", "status", "submitted_at", "user_id", "score"
        ),
        Index(
            "ix_attempts_year_results", "status", "submitted_at", "module_id", "user_id", "score"
        ),
        # At most one open attempt per person and test, whatever requests race
        # (start_attempt also serialises a person's starts, see _lock_person).
        Index(
            "uq_attempts_one_open",
            "user_id",
            "module_id",
            unique=True,
            sqlite_where=text("status = 'in_progress'"),
            postgresql_where=text("status = 'in_progress'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    # Ordered question ids and, per question id, the option keys as shown.
    question_ids: Mapped[list] = mapped_column(JSON)
    option_orders: Mapped[dict] = mapped_column(JSON)
    earned_weight: Mapped[int | None] = mapped_column(Integer)
    total_weight: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    # True when the server closed the sheet at its deadline.
    timed_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # When its review shows the answers, as the rules stood when it started
    # (None, for attempts from before the rules could change: the version's).
    review_answers: Mapped[str | None] = mapped_column(String(20))

    module: Mapped[Module] = relationship()
    version: Mapped[ModuleVersion] = relationship()
    answers: Mapped[list["AttemptAnswer"]] = relationship(cascade="all, delete-orphan")

    @property
    def is_submitted(self) -> bool:
        return self.status == SUBMITTED

    def __repr__(self) -> str:
        return f"<Attempt {self.id} {self.status}>"


class AttemptAnswer(db.Model):
    __tablename__ = "attempt_answers"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), primary_key=True)
    selected: Mapped[list] = mapped_column(JSON, default=list)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_correct: Mapped[bool | None] = mapped_column(Boolean)

    def __repr__(self) -> str:
        return f"<AttemptAnswer {self.attempt_id}:{self.question_id}>"


class ExternalResult(db.Model):
    """A score from another e-learning system. It counts like an attempt taken
    here: a person's best score in a fiscal year is the best of both."""

    __tablename__ = "external_results"
    __table_args__ = (
        UniqueConstraint("staff_id", "module_id", "taken_at"),
        Index("ix_external_results_module_taken", "module_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    score: Mapped[float] = mapped_column(Float)
    taken_at: Mapped[datetime]
    import_id: Mapped[int | None] = mapped_column(ForeignKey("data_imports.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ExternalResult {self.staff_id} {self.module_id} {self.score}>"


class AttemptRules(db.Model):
    """The city's own rules for retaking a test, set by HR in the browser. They
    override the published version's settings for new attempts; an attempt
    keeps the review rule it started under (``Attempt.review_answers``)."""

    __tablename__ = "attempt_rules"

    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True
    )
    review_answers: Mapped[str] = mapped_column(String(20))
    cooldown_minutes: Mapped[int | None] = mapped_column(Integer)
    max_attempts_per_year: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<AttemptRules {self.module_id}>"
