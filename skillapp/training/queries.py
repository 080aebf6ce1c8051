"""Read-only aggregates of training attendance, counted in SQL."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillapp.metrics.queries import population
from skillapp.training.models import TrainingAttendance, TrainingSession
from skillapp.util.dates import fiscal_year_end


@dataclass
class CategoryTotal:
    category: str
    sessions: int  # sessions in the year with someone of the roster attending
    attendances: int  # 延べ人数: one per person per session
    people: int  # 実人数: distinct staff


@dataclass
class TrainingTotals:
    categories: list[CategoryTotal]
    attendances: int
    people: int  # distinct staff over every category (not the sum of the rows)


def training_by_category(session: Session, fiscal_year: int) -> TrainingTotals:
    """Attendance in the fiscal year by category, counting the people of the
    year's roster (active on 31 March), as the training indicator does."""
    people = population(fiscal_year)
    start, end = date(fiscal_year, 4, 1), fiscal_year_end(fiscal_year)

    def counted(*columns):
        return (
            select(*columns)
            .select_from(TrainingAttendance)
            .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
            .join(people, people.c.staff_id == TrainingAttendance.staff_id)
            .where(TrainingSession.held_on >= start, TrainingSession.held_on <= end)
        )

    rows = session.execute(
        counted(
            TrainingSession.category,
            func.count(TrainingAttendance.session_id.distinct()),
            func.count(),
            func.count(TrainingAttendance.staff_id.distinct()),
        )
        .group_by(TrainingSession.category)
        .order_by(func.count().desc(), TrainingSession.category)
    ).all()
    attendances, distinct = session.execute(
        counted(func.count(), func.count(TrainingAttendance.staff_id.distinct()))
    ).one()
    return TrainingTotals(
        [CategoryTotal(c, int(s), int(a), int(p)) for c, s, a, p in rows],
        int(attendances),
        int(distinct),
    )
