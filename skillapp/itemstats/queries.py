"""Per-question statistics of a module's (or assessment's) quiz in a fiscal year.

Definitions (classical test theory, as item analysis is usually taught):

- Responses n: submitted attempts of the module whose submission falls in the
  fiscal year (Japan time) and whose paper included the question. An attempt
  that left the question blank is a response, and a wrong one. Each attempt
  counts, so a person who took the quiz twice counts twice.
- Facility p: the share of those responses that were correct.
- Discrimination D = p_upper − p_lower: the facility among the top 27% of those
  attempts by total score minus that among the bottom 27%. Both groups have
  g = ceil(0.27 · n) attempts. Ties are broken deterministically: attempts are
  ranked by score, then by attempt id (an earlier attempt ranks lower), and the
  lower group is the first g of that order, the upper group the last g. The
  total score is the attempt's own score, the question included.
- Option picks: how many responses chose each option (a multiple-answer
  response counts for every option it chose), and how many chose none.

A question is identified by its key across the module's versions; the text and
options shown are those of the latest version that has the key. Everything is
counted in SQL (window functions for the 27% groups: SQLite ≥ 3.25 and
PostgreSQL); only the small per-key results are combined here.

The test as a whole (``reliability``), over the same attempts. Each attempt
answers its own drawn form of k questions; X is its number right (0/1 per
question: the weights are left out, as KR-20 is defined for items scored 0 or
1), and p_i is question i's facility over the year.

- KR-20 (equal to Cronbach's α for 0/1 items), over drawn forms:
  r = k̄ / (k̄ − 1) · (1 − mean_a Σ_{i ∈ form a} p_i (1 − p_i) / σ²_X),
  with σ²_X the (population) variance of X over the attempts and k̄ the mean
  form length. For a fixed form, where every attempt answers the same k
  questions, this is exactly the textbook KR-20; with random forms it is the
  expected item variance of a drawn form set against the variance of the
  totals actually observed.
- Standard error of measurement: SEM = σ_X · √(1 − r), shown in points of
  the 0–100 score (× 100 / k̄): a score of s means a true score of about
  s ± SEM.
- Spread of the drawn forms: for each attempt, the score an average taker
  would expect on its form, 100 · mean_{i ∈ form} p_i. If the easiest and
  the hardest forms differ by much more than the SEM, some draws are easier
  than others.
"""

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import Float, Text, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from skillapp.assessment.models import SUBMITTED, Attempt, AttemptAnswer, Question
from skillapp.learning.models import Module, ModuleVersion
from skillapp.metrics.queries import Period

GROUP_SHARE = Fraction(27, 100)
TOO_EASY = Fraction(9, 10)  # p above this
TOO_HARD = Fraction(3, 10)  # p below this
WEAK_DISCRIMINATION = Fraction(1, 5)  # D below this


@dataclass
class OptionStat:
    key: str
    text: str
    is_correct: bool
    picks: int = 0
    # False for an option only earlier versions had.
    in_latest: bool = True


@dataclass
class QuestionStat:
    key: str
    text: str
    type: str
    in_current: bool
    options: list[OptionStat] = field(default_factory=list)
    versions: list[tuple[int, int]] = field(default_factory=list)  # (version number, n)
    n: int = 0
    correct: int = 0
    group: int = 0  # g, the size of each 27% group
    upper_correct: int = 0
    lower_correct: int = 0
    no_answer: int = 0

    @property
    def facility(self) -> Fraction | None:
        return Fraction(self.correct, self.n) if self.n else None

    @property
    def p_upper(self) -> Fraction | None:
        return Fraction(self.upper_correct, self.group) if self.group else None

    @property
    def p_lower(self) -> Fraction | None:
        return Fraction(self.lower_correct, self.group) if self.group else None

    @property
    def discrimination(self) -> Fraction | None:
        if not self.group:
            return None
        return Fraction(self.upper_correct - self.lower_correct, self.group)

    @property
    def unpicked(self) -> list[OptionStat]:
        """Options of the latest version that no response chose."""
        return [o for o in self.options if o.in_latest and o.picks == 0]

    def flags(self) -> list[str]:
        """Codes of what looks wrong: too_easy, too_hard, weak, unpicked_option."""
        if not self.n:
            return []
        found = []
        if self.facility > TOO_EASY:
            found.append("too_easy")
        if self.facility < TOO_HARD:
            found.append("too_hard")
        if self.discrimination is not None and self.discrimination < WEAK_DISCRIMINATION:
            found.append("weak")
        if self.unpicked:
            found.append("unpicked_option")
        return found


@dataclass
class ModuleStats:
    attempts: int
    people: int
    questions: list[QuestionStat]


def _year_answers(module_id: int, fiscal_year: int):
    """Conditions and joins shared by every query: the module's submitted
    attempts in the fiscal year, one row per (attempt, question)."""
    return (
        select()
        .select_from(AttemptAnswer)
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .join(Question, Question.id == AttemptAnswer.question_id)
        .where(
            Attempt.module_id == module_id,
            Attempt.status == SUBMITTED,
            *Period.fiscal_year(fiscal_year).where(Attempt.submitted_at),
        )
    )


def group_size(n: int) -> int:
    """g = ceil(0.27 · n), in whole numbers (as the SQL computes it)."""
    return (27 * n + 99) // 100


def module_stats(session: Session, module: Module, fiscal_year: int) -> ModuleStats:
    """Every question of the module's versions with its figures for the year."""
    stats = _questions(session, module)
    base = _year_answers(module.id, fiscal_year)

    ranked = base.add_columns(
        Question.key.label("key"),
        AttemptAnswer.is_correct.label("is_correct"),
        func.row_number()
        .over(partition_by=Question.key, order_by=(Attempt.score.asc(), Attempt.id.asc()))
        .label("rank"),
        func.count().over(partition_by=Question.key).label("n"),
    ).subquery("ranked")
    g = (27 * ranked.c.n + 99) // 100
    right = ranked.c.is_correct.is_(True)
    rows = session.execute(
        select(
            ranked.c.key,
            func.max(ranked.c.n),
            func.sum(case((right, 1), else_=0)),
            func.max(g),
            func.sum(case((and_(right, ranked.c.rank > ranked.c.n - g), 1), else_=0)),
            func.sum(case((and_(right, ranked.c.rank <= g), 1), else_=0)),
        ).group_by(ranked.c.key)
    )
    for key, n, correct, group, upper, lower in rows:
        stat = stats[key]
        stat.n, stat.correct, stat.group = int(n), int(correct), int(group)
        stat.upper_correct, stat.lower_correct = int(upper), int(lower)

    for key, number, n in session.execute(
        base.add_columns(Question.key, ModuleVersion.number, func.count())
        .join(ModuleVersion, ModuleVersion.id == Question.version_id)
        .group_by(Question.key, ModuleVersion.number)
        .order_by(Question.key, ModuleVersion.number)
    ):
        stats[key].versions.append((number, int(n)))

    # Choices are stored as a sorted JSON list; counting each distinct list in
    # SQL leaves a handful of rows per question to split into options here.
    # (As text, because PostgreSQL's json type cannot be grouped.)
    selection = cast(AttemptAnswer.selected, Text)
    for key, chosen, n in session.execute(
        base.add_columns(Question.key, selection, func.count()).group_by(Question.key, selection)
    ):
        stat = stats[key]
        keys = json.loads(chosen) if chosen else []
        if not keys:
            stat.no_answer += int(n)
        options = {o.key: o for o in stat.options}
        for option_key in keys:
            if option_key not in options:  # not in any version: cannot happen, but never drop
                options[option_key] = OptionStat(option_key, option_key, False, in_latest=False)
                stat.options.append(options[option_key])
            options[option_key].picks += int(n)

    attempts, people = session.execute(
        select(func.count(Attempt.id), func.count(func.distinct(Attempt.user_id))).where(
            Attempt.module_id == module.id,
            Attempt.status == SUBMITTED,
            *Period.fiscal_year(fiscal_year).where(Attempt.submitted_at),
        )
    ).one()
    questions = [s for s in stats.values() if s.in_current or s.n]
    return ModuleStats(int(attempts), int(people), questions)


def _questions(session: Session, module: Module) -> dict[str, QuestionStat]:
    """Each key's text and options as its latest version has them (the
    published version first): current-version questions first in their order,
    then keys only earlier versions had."""
    current = module.current_version_id
    rows = session.scalars(
        select(Question)
        .join(ModuleVersion, ModuleVersion.id == Question.version_id)
        .where(ModuleVersion.module_id == module.id)
        .order_by(
            case((ModuleVersion.id == current, 0), else_=1),
            ModuleVersion.number.desc(),
            Question.position,
        )
    ).all()
    stats: dict[str, QuestionStat] = {}
    earlier_options: dict[str, dict[str, tuple[str, bool]]] = {}
    for question in rows:
        if question.key not in stats:
            stats[question.key] = QuestionStat(
                key=question.key,
                text=question.text,
                type=question.type,
                in_current=question.version_id == current,
                options=[
                    OptionStat(o["key"], o["text"], o["key"] in question.correct_keys)
                    for o in question.options
                ],
            )
        else:
            for o in question.options:
                earlier_options.setdefault(question.key, {}).setdefault(
                    o["key"], (o["text"], o["key"] in question.correct_keys)
                )
    for key, options in earlier_options.items():
        latest = {o.key for o in stats[key].options}
        for option_key, (text, correct) in options.items():
            if option_key not in latest:
                stats[key].options.append(OptionStat(option_key, text, correct, in_latest=False))
    return stats


def attempts_by_module(session: Session, fiscal_year: int) -> dict[int, int]:
    """Submitted attempts in the fiscal year, per module."""
    return dict(
        session.execute(
            select(Attempt.module_id, func.count())
            .where(
                Attempt.status == SUBMITTED,
                *Period.fiscal_year(fiscal_year).where(Attempt.submitted_at),
            )
            .group_by(Attempt.module_id)
        ).all()
    )


@dataclass
class Reliability:
    """The test's figures over a fiscal year's attempts (see the module docstring)."""

    attempts: int
    mean_items: float  # k̄: questions per attempt
    mean_right: float  # mean of X
    variance_right: float  # σ²_X
    mean_item_variance: float  # mean over attempts of Σ p_i (1 − p_i) on the form
    easiest_form: float  # expected score (0–100) of an average taker, easiest form
    hardest_form: float
    mean_form: float
    form_sd: float

    @property
    def kr20(self) -> float | None:
        if self.mean_items <= 1 or self.variance_right <= 0:
            return None
        k = self.mean_items
        return k / (k - 1) * (1 - self.mean_item_variance / self.variance_right)

    @property
    def score_sd(self) -> float:
        """σ of the totals, in points of the 0–100 score."""
        return math.sqrt(self.variance_right) * 100 / self.mean_items

    @property
    def sem(self) -> float | None:
        """Standard error of measurement, in points (None without a KR-20, or when
        it is above 1 by rounding)."""
        r = self.kr20
        if r is None or r > 1:
            return None
        return self.score_sd * math.sqrt(1 - r)


def reliability(session: Session, module: Module, fiscal_year: int) -> Reliability | None:
    """KR-20, SEM and the spread of drawn forms over the year's submitted attempts
    (None when there are none). Counted in SQL: one row of sums comes back."""
    right = case((AttemptAnswer.is_correct.is_(True), literal(1.0)), else_=literal(0.0))
    answers = (
        _year_answers(module.id, fiscal_year)
        .add_columns(
            AttemptAnswer.attempt_id.label("attempt_id"),
            Question.key.label("key"),
            right.label("right"),
        )
        .subquery("answers")
    )
    facility = (
        select(answers.c.key, func.avg(answers.c.right).label("p"))
        .group_by(answers.c.key)
        .subquery("facility")
    )
    forms = (
        select(
            answers.c.attempt_id,
            cast(func.count(), Float).label("k"),
            func.sum(answers.c.right).label("x"),
            func.sum(facility.c.p * (1 - facility.c.p)).label("pq"),
            func.avg(facility.c.p).label("form_p"),
        )
        .join(facility, facility.c.key == answers.c.key)
        .group_by(answers.c.attempt_id)
        .subquery("forms")
    )
    row = session.execute(
        select(
            func.count(),
            func.avg(forms.c.k),
            func.avg(forms.c.x),
            func.avg(forms.c.x * forms.c.x),
            func.avg(forms.c.pq),
            func.max(forms.c.form_p),
            func.min(forms.c.form_p),
            func.avg(forms.c.form_p),
            func.avg(forms.c.form_p * forms.c.form_p),
        )
    ).one()
    n, k, x, xx, pq, easiest, hardest, form_mean, form_square = row
    if not n:
        return None
    form_variance = max(0.0, float(form_square) - float(form_mean) ** 2)
    return Reliability(
        attempts=int(n),
        mean_items=float(k),
        mean_right=float(x),
        variance_right=max(0.0, float(xx) - float(x) ** 2),
        mean_item_variance=float(pq),
        easiest_form=100 * float(easiest),
        hardest_form=100 * float(hardest),
        mean_form=100 * float(form_mean),
        form_sd=100 * math.sqrt(form_variance),
    )
