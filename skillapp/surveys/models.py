from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from skillapp.db import utcnow
from skillapp.extensions import db


class SurveyMapping(db.Model):
    """A fiscal year's column mapping (the MAP.yaml of docs/cli-and-files.md), kept for
    re-imports and offered again the next year."""

    __tablename__ = "survey_mappings"

    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    mapping: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<SurveyMapping {self.fiscal_year}>"


class Survey(db.Model):
    """One imported survey file for a fiscal year. Only the latest import of a
    year counts; earlier ones stay, superseded, with their import record."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("data_imports.id"), unique=True)
    mapping: Mapped[dict] = mapped_column(JSON)
    respondents: Mapped[int] = mapped_column(Integer, default=0)
    is_current: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Survey {self.fiscal_year} #{self.id}>"


class SurveyQuestion(db.Model):
    """A column of the survey file, by its header."""

    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("survey_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    header: Mapped[str] = mapped_column(String(500))

    def __repr__(self) -> str:
        return f"<SurveyQuestion {self.position} {self.header[:20]}>"


class SurveyResponse(db.Model):
    """One respondent (a row of the file). The band comes from the roster when
    the survey names staff numbers, else from the mapped grade answer."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_survey_id", "survey_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    band: Mapped[str | None] = mapped_column(String(20))

    def __repr__(self) -> str:
        return f"<SurveyResponse {self.survey_id}:{self.row}>"


class SurveyAnswer(db.Model):
    """A non-blank answer; a blank answer has no row."""

    __tablename__ = "survey_answers"
    __table_args__ = (Index("ix_survey_answers_question_id", "question_id"),)

    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[str] = mapped_column(Text)
