"""The HR-development indicators of a fiscal year, computed in SQL (docs/rules.md).

How the code computes them: docs/architecture.md, How each indicator is computed.

Everyone is counted by their roster state on 31 March of the year (the
population of ``queries.population``): a person inactive on that day counts in
no denominator and no numerator. Scores count in the fiscal year of their
moment in Japan time; results imported from another system count like attempts
taken here.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Float, and_, case, cast, func, or_, select, union_all
from sqlalchemy.orm import Session

from skillapp.assessment.models import SUBMITTED, Attempt, ExternalResult
from skillapp.auth.models import User
from skillapp.learning.models import Module
from skillapp.metrics.models import (
    ALL,
    ASSESSMENT_MEAN_SCORE,
    ASSESSMENT_PASS_RATE,
    SURVEY_SHARE,
    TRAINING_COUNT,
    Indicator,
)
from skillapp.metrics.queries import as_of_day, population
from skillapp.metrics.services import list_indicators, targets_for
from skillapp.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from skillapp.training.models import TrainingAttendance, TrainingSession
from skillapp.util.dates import fiscal_year_bounds, fiscal_year_end
from skillapp.util.text import nfkc

NO_SURVEY = "no_survey"
NOT_MAPPED = "not_mapped"


def best_scores(fiscal_year: int, module_id: int | None = None):
    """(module_id, staff_id, best) over attempts submitted here and results
    imported from elsewhere, within the fiscal year (JST)."""
    start, end = fiscal_year_bounds(fiscal_year)
    here = (
        select(Attempt.module_id, User.staff_id, cast(Attempt.score, Float).label("score"))
        .join(User, User.id == Attempt.user_id)
        .where(
            Attempt.status == SUBMITTED,
            Attempt.submitted_at >= start,
            Attempt.submitted_at < end,
            User.staff_id.is_not(None),
        )
    )
    there = select(
        ExternalResult.module_id, ExternalResult.staff_id, ExternalResult.score.label("score")
    ).where(ExternalResult.taken_at >= start, ExternalResult.taken_at < end)
    if module_id is not None:
        here = here.where(Attempt.module_id == module_id)
        there = there.where(ExternalResult.module_id == module_id)
    scores = union_all(here, there).subquery("scores")
    return (
        select(scores.c.module_id, scores.c.staff_id, func.max(scores.c.score).label("best"))
        .group_by(scores.c.module_id, scores.c.staff_id)
        .subquery("best_scores")
    )


@dataclass
class IndicatorRow:
    grade_band: str
    numerator: float | None
    denominator: int | None
    value: float | None  # unrounded
    target: float | None
    respondents: int | None = None
    response_rate: float | None = None  # unrounded percent
    distinct_staff: int | None = None

    @property
    def achieved(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target

    @property
    def gap(self) -> float | None:
        if self.value is None or self.target is None:
            return None
        return self.value - self.target


@dataclass
class IndicatorResult:
    indicator: Indicator
    rows: list[IndicatorRow] = field(default_factory=list)
    missing: str | None = None  # survey indicators: no survey, or question not mapped
    question: str | None = None  # survey indicators: the mapped question


@dataclass
class YearFigures:
    fiscal_year: int
    as_of: date
    results: list[IndicatorResult]


def compute_indicators(session: Session, fiscal_year: int) -> YearFigures:
    """Every indicator by band for one fiscal year, with its targets."""
    people = population(fiscal_year)
    sizes = dict(session.execute(select(people.c.band, func.count()).group_by(people.c.band)).all())
    targets = targets_for(session, fiscal_year)
    survey = session.scalar(
        select(Survey).where(Survey.fiscal_year == fiscal_year, Survey.is_current.is_(True))
    )
    results = []
    for indicator in list_indicators(session):
        compute = _KINDS[indicator.kind]
        result = compute(session, indicator, fiscal_year, people, sizes, survey)
        for row in result.rows:
            row.target = targets.get((indicator.id, row.grade_band))
        results.append(result)
    return YearFigures(fiscal_year, as_of_day(fiscal_year), results)


def _size(sizes: dict, band: str) -> int:
    return sum(sizes.values()) if band == ALL else sizes.get(band, 0)


def _by_band(rows, band: str, *columns: int) -> list:
    """Sum the given columns of (band, …) rows for one band or for all."""
    totals = [0] * len(columns)
    for row in rows:
        if band == ALL or row[0] == band:
            for i, column in enumerate(columns):
                totals[i] += row[column] or 0
    return totals


def _assessment(session, indicator, fiscal_year, people, sizes, _survey) -> IndicatorResult:
    result = IndicatorResult(indicator)
    module_id = session.scalar(
        select(Module.id).where(Module.slug == indicator.settings.get("assessment"))
    )
    rows = []
    if module_id is not None:
        best = best_scores(fiscal_year, module_id)
        mark = float(indicator.settings.get("pass_mark", 70))
        rows = session.execute(
            select(
                people.c.band,
                func.sum(case((best.c.best >= mark, 1), else_=0)),
                func.count(best.c.best),
                func.sum(best.c.best),
            )
            .select_from(people)
            .join(best, best.c.staff_id == people.c.staff_id)
            .group_by(people.c.band)
        ).all()
    for band in indicator.bands:
        passed, takers, total = _by_band(rows, band, 1, 2, 3)
        if indicator.kind == ASSESSMENT_PASS_RATE:
            n = _size(sizes, band)
            value = 100 * passed / n if n else None
            result.rows.append(IndicatorRow(band, int(passed), n, value, None))
        else:
            value = total / takers if takers else None
            result.rows.append(IndicatorRow(band, float(total), int(takers), value, None))
    return result


def _training(session, indicator, fiscal_year, people, _sizes, _survey) -> IndicatorResult:
    result = IndicatorResult(indicator)
    categories = indicator.settings.get("categories") or []
    attendance = (
        select(people.c.band, TrainingAttendance.staff_id)
        .select_from(TrainingAttendance)
        .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
        .join(people, people.c.staff_id == TrainingAttendance.staff_id)
        .where(
            TrainingSession.category.in_(categories),
            TrainingSession.held_on >= date(fiscal_year, 4, 1),
            TrainingSession.held_on <= fiscal_year_end(fiscal_year),
        )
        .subquery("attendance")
    )
    for band in indicator.bands:
        query = select(func.count(), func.count(attendance.c.staff_id.distinct()))
        if band != ALL:
            query = query.where(attendance.c.band == band)
        count, distinct = session.execute(query).one()
        result.rows.append(
            IndicatorRow(band, int(count), None, float(count), None, distinct_staff=int(distinct))
        )
    return result


def survey_bands(survey_id: int, fiscal_year: int):
    """(response_id, band) of a survey's respondents who count: a named staff
    number takes the band of that person's roster state on 31 March (and an
    inactive or unknown person counts nowhere); an anonymous row keeps the band
    its grade answer mapped to (None when unmapped)."""
    people = population(fiscal_year)
    band = case((SurveyResponse.staff_id.is_not(None), people.c.band), else_=SurveyResponse.band)
    return (
        select(SurveyResponse.id.label("response_id"), band.label("band"))
        .select_from(SurveyResponse)
        .join(people, people.c.staff_id == SurveyResponse.staff_id, isouter=True)
        .where(
            SurveyResponse.survey_id == survey_id,
            or_(
                and_(SurveyResponse.staff_id.is_not(None), people.c.staff_id.is_not(None)),
                and_(SurveyResponse.staff_id.is_(None), SurveyResponse.band.is_not(None)),
            ),
        )
        .subquery("respondents")
    )


def _survey(session, indicator, fiscal_year, _people, sizes, survey) -> IndicatorResult:
    result = IndicatorResult(indicator)
    respondents_rows, answer_rows = [], []
    if survey is None:
        result.missing = NO_SURVEY
    else:
        respondents = survey_bands(survey.id, fiscal_year)
        respondents_rows = session.execute(
            select(respondents.c.band, func.count()).group_by(respondents.c.band)
        ).all()
        spec = (survey.mapping.get("indicators") or {}).get(indicator.code)
        question_id = None
        if spec:
            result.question = spec.get("column")
            question_id = session.scalar(
                select(SurveyQuestion.id).where(
                    SurveyQuestion.survey_id == survey.id,
                    SurveyQuestion.header == spec.get("column"),
                )
            )
        if question_id is None:
            result.missing = NOT_MAPPED
        else:
            positive = [nfkc(v) for v in spec.get("positive") or []]
            answer_rows = session.execute(
                select(
                    respondents.c.band,
                    func.sum(case((SurveyAnswer.value.in_(positive), 1), else_=0)),
                    func.count(),
                )
                .select_from(respondents)
                .join(
                    SurveyAnswer,
                    and_(
                        SurveyAnswer.response_id == respondents.c.response_id,
                        SurveyAnswer.question_id == question_id,
                    ),
                )
                .group_by(respondents.c.band)
            ).all()
    for band in indicator.bands:
        positive_count, answered = _by_band(answer_rows, band, 1, 2)
        (respondents_count,) = _by_band(respondents_rows, band, 1)
        n = _size(sizes, band)
        result.rows.append(
            IndicatorRow(
                band,
                int(positive_count),
                int(answered),
                100 * positive_count / answered if answered else None,
                None,
                respondents=int(respondents_count),
                response_rate=100 * respondents_count / n if n else None,
            )
        )
    return result


_KINDS = {
    ASSESSMENT_PASS_RATE: _assessment,
    ASSESSMENT_MEAN_SCORE: _assessment,
    TRAINING_COUNT: _training,
    SURVEY_SHARE: _survey,
}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value + 0.0, 1)


def figures_json(figures: YearFigures) -> dict:
    """The Metrics JSON (docs/cli-and-files.md, Metrics JSON)."""
    indicators = []
    for result in figures.results:
        indicator = result.indicator
        rows = []
        for row in result.rows:
            entry = {
                "grade_band": row.grade_band,
                "numerator": row.numerator
                if indicator.kind != ASSESSMENT_MEAN_SCORE
                else _round(row.numerator),
                "denominator": row.denominator,
                "value": row.numerator if indicator.kind == TRAINING_COUNT else _round(row.value),
                "target": row.target,
                "achieved": row.achieved,
            }
            if indicator.kind == SURVEY_SHARE:
                entry["respondents"] = row.respondents
                entry["response_rate"] = _round(row.response_rate)
            if indicator.kind == TRAINING_COUNT:
                entry["distinct_staff"] = row.distinct_staff
            rows.append(entry)
        item = {
            "code": indicator.code,
            "number": indicator.number,
            "name": indicator.name,
            "kind": indicator.kind,
            "unit": indicator.unit,
            "rows": rows,
        }
        if indicator.kind == SURVEY_SHARE:
            item["question"] = result.question
            item["missing"] = result.missing
        indicators.append(item)
    return {
        "fiscal_year": figures.fiscal_year,
        "as_of": figures.as_of.isoformat(),
        "indicators": indicators,
    }
