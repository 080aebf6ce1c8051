"""Read-only aggregates of the staff survey, counted in SQL.

Survey answers leave the database only as counts by band, and a count of fewer
than ``MIN_CELL`` respondents is never handed out (docs/rules.md, Survey privacy): the
suppression happens here, so no report built on these results can print it.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillapp.metrics.indicators import survey_bands
from skillapp.metrics.queries import population
from skillapp.roster.bands import BAND_CODES
from skillapp.surveys.importing import MAX_CHOICES
from skillapp.surveys.models import Survey, SurveyAnswer, SurveyQuestion
from skillapp.util.text import nfkc

# A breakdown cell with fewer respondents than this is hidden (docs/rules.md, Survey privacy).
MIN_CELL = 5

# The columns Microsoft Forms (Japanese and English) puts before the questions:
# who answered and when, never a question.
FORM_METADATA = frozenset(
    {
        "ID",
        "開始時刻",
        "完了時刻",
        "最終変更時刻",
        "メール",
        "名前",
        "Start time",
        "Completion time",
        "Last modified time",
        "Email",
        "Name",
    }
)


@dataclass
class BandRespondents:
    band: str  # a band code, or "all" for everyone counted in the survey
    staff: int  # active staff of the band on the fiscal year's roster
    respondents: int
    hidden: bool = False  # fewer than MIN_CELL respondents: its column is not shown

    @property
    def response_rate(self) -> float | None:
        """Unrounded percent; None when the band has no staff."""
        return 100 * self.respondents / self.staff if self.staff else None


@dataclass
class QuestionDistribution:
    """One choice question: for each band, how many chose each answer.

    ``counts[(value, band)]`` and ``answered[band]`` are None where hidden.
    An answer that fewer than ``MIN_CELL`` chose in every shown band is not
    listed at all, so that not even the wording of a rare (perhaps free-text)
    answer is shown.
    """

    question_id: int
    header: str
    values: list[str] = field(default_factory=list)  # most chosen first
    answered: dict[str, int | None] = field(default_factory=dict)
    counts: dict[tuple[str, str], int | None] = field(default_factory=dict)

    def percent(self, value: str, band: str) -> float | None:
        count, answered = self.counts.get((value, band)), self.answered.get(band)
        if count is None or not answered:
            return None
        return 100 * count / answered


@dataclass
class SurveyDistributions:
    fiscal_year: int
    survey_id: int | None  # None: no survey imported for the year
    bands: list[BandRespondents] = field(default_factory=list)  # BAND_CODES order
    total: BandRespondents | None = None
    questions: list[QuestionDistribution] = field(default_factory=list)


def survey_distributions(session: Session, fiscal_year: int) -> SurveyDistributions:
    """The year's current survey: respondents by band and, for each choice
    question (2 to ``MAX_CHOICES`` distinct answers; not the grade column nor
    the columns Microsoft Forms adds, ``FORM_METADATA``),
    the answers by band, grouped in SQL by question, band and answer.

    Respondents are banded as the indicators band them (``survey_bands``): a
    named staff number by the roster on 31 March, an anonymous row by its mapped
    grade answer; anyone else counts in no band. Blank answers are left out.

    Privacy: a band with fewer than ``MIN_CELL`` respondents has its whole
    column hidden; any other cell with fewer than ``MIN_CELL`` respondents is
    hidden, and where that leaves a single hidden cell in a column (which the
    column's total would give away) the next smallest cell is hidden too.
    """
    result = SurveyDistributions(fiscal_year, None)
    survey = session.scalar(
        select(Survey).where(Survey.fiscal_year == fiscal_year, Survey.is_current.is_(True))
    )
    people = population(fiscal_year)
    sizes = dict(session.execute(select(people.c.band, func.count()).group_by(people.c.band)).all())
    if survey is None:
        return result
    result.survey_id = survey.id

    respondents = survey_bands(survey.id, fiscal_year)
    counted = dict(
        session.execute(select(respondents.c.band, func.count()).group_by(respondents.c.band)).all()
    )
    for band in BAND_CODES:
        n = counted.get(band, 0)
        result.bands.append(BandRespondents(band, sizes.get(band, 0), n, hidden=n < MIN_CELL))
    result.total = BandRespondents("all", sum(sizes.values()), sum(counted.values()))
    shown_bands = [b.band for b in result.bands if not b.hidden]

    grade_column = nfkc(survey.mapping.get("grade_column") or "")
    # A choice question has two to MAX_CHOICES different answers: one answer
    # only (Forms' 「anonymous」 e-mail column) tells nothing.
    choice_questions = (
        select(SurveyAnswer.question_id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(
            SurveyQuestion.survey_id == survey.id,
            SurveyQuestion.header != grade_column,
            SurveyQuestion.header.not_in(FORM_METADATA),
        )
        .group_by(SurveyAnswer.question_id)
        .having(func.count(SurveyAnswer.value.distinct()).between(2, MAX_CHOICES))
    )
    questions = session.execute(
        select(SurveyQuestion.id, SurveyQuestion.header)
        .where(SurveyQuestion.id.in_(choice_questions))
        .order_by(SurveyQuestion.position)
    ).all()
    rows = session.execute(
        select(SurveyAnswer.question_id, respondents.c.band, SurveyAnswer.value, func.count())
        .join(respondents, respondents.c.response_id == SurveyAnswer.response_id)
        .where(SurveyAnswer.question_id.in_(choice_questions), respondents.c.band.in_(BAND_CODES))
        .group_by(SurveyAnswer.question_id, respondents.c.band, SurveyAnswer.value)
    ).all()
    grouped: dict[int, dict[tuple[str, str], int]] = {}
    for question_id, band, value, count in rows:
        grouped.setdefault(question_id, {})[(value, band)] = int(count)

    for question_id, header in questions:
        raw = grouped.get(question_id, {})
        question = QuestionDistribution(question_id, header)
        totals: dict[str, int] = {}
        for (value, _band), count in raw.items():
            totals[value] = totals.get(value, 0) + count
        values = sorted(totals, key=lambda v: (-totals[v], v))
        for band in BAND_CODES:
            if band not in shown_bands:
                question.answered[band] = None
                for value in values:
                    question.counts[(value, band)] = None
                continue
            column = {value: raw.get((value, band), 0) for value in values}
            question.answered[band] = sum(column.values())
            for value, count in _suppress(column).items():
                question.counts[(value, band)] = count
        # An answer fewer than MIN_CELL chose in every shown band is left out,
        # wording and all; one hidden only to protect another stays, as "x".
        question.values = [
            v for v in values if any(raw.get((v, b), 0) >= MIN_CELL for b in shown_bands)
        ]
        result.questions.append(question)
    return result


def _suppress(column: dict[str, int]) -> dict[str, int | None]:
    """Hide counts below MIN_CELL; a lone hidden count would follow from the
    column's total, so then hide the smallest shown count as well."""
    shown = {value: count if count >= MIN_CELL else None for value, count in column.items()}
    hidden = [value for value, count in shown.items() if count is None]
    visible = [value for value, count in shown.items() if count is not None]
    if len(hidden) == 1 and visible:
        smallest = min(visible, key=lambda v: (column[v], v))
        shown[smallest] = None
    return shown
