from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillapp.db import utcnow
from skillapp.extensions import db

# The kinds of indicator the engine can compute (docs/rules.md, The four kinds).
ASSESSMENT_PASS_RATE = "assessment_pass_rate"  # noqa: S105 — a kind, not a secret
ASSESSMENT_MEAN_SCORE = "assessment_mean_score"
SURVEY_SHARE = "survey_share"
TRAINING_COUNT = "training_count"
KINDS = (ASSESSMENT_PASS_RATE, ASSESSMENT_MEAN_SCORE, SURVEY_SHARE, TRAINING_COUNT)
UNITS = {
    ASSESSMENT_PASS_RATE: "percent",
    ASSESSMENT_MEAN_SCORE: "points",
    SURVEY_SHARE: "percent",
    TRAINING_COUNT: "count",
}
ALL = "all"  # the band code of a whole-city row


class Indicator(db.Model):
    """One HR-development indicator: what it counts and for which bands.

    ``settings`` holds what the kind needs: ``assessment`` (a module slug) and
    ``pass_mark`` for assessment kinds, ``categories`` for training.
    Survey indicators take their question from each year's survey mapping.
    """

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    bands: Mapped[list] = mapped_column(JSON)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    targets: Mapped[list["IndicatorTarget"]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan"
    )

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    def __repr__(self) -> str:
        return f"<Indicator {self.code}>"


class IndicatorTarget(db.Model):
    """The target of one indicator for one band in one fiscal year."""

    __tablename__ = "indicator_targets"
    __table_args__ = (UniqueConstraint("indicator_id", "fiscal_year", "band"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(20))
    target: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    indicator: Mapped[Indicator] = relationship(back_populates="targets")

    def __repr__(self) -> str:
        return f"<IndicatorTarget {self.indicator_id} {self.fiscal_year} {self.band}>"


class ModuleProgress(db.Model):
    """Each person's standing on a module in a fiscal year, kept by the
    services that record lesson views, attempts and imported results (see
    ``skillapp.metrics.progress``), so that the dashboards only count.

    A row per (person, module, fiscal year) with a submitted attempt or an
    imported result in that year: the best score of the year, when they first
    passed in it, and when they had read every lesson of the module's current
    version (None: not all read; always None for an assessment)."""

    __tablename__ = "module_progress"
    __table_args__ = (
        Index(
            "ix_module_progress_year",
            "fiscal_year",
            "module_id",
            "user_id",
            "best_score",
            "first_passed_at",
            "read_all_at",
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True
    )
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # The login's person (users.staff_id, which never changes): the roster joins on it.
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    best_score: Mapped[float] = mapped_column(Float)
    first_passed_at: Mapped[datetime | None]
    read_all_at: Mapped[datetime | None]
    # The person on the fiscal year's roster (their state on 31 March, as the
    # dashboards count it): on it and active, their band and department. Kept
    # with the history by ``refresh_roster_progress``, so counting by band
    # needs no join to the roster.
    on_roster: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    band: Mapped[str | None] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(Integer)
