"""Attempts: start, save answers as the learner goes, submit once, review."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from skillapp.assessment.draw import PoolItem, draw_paper
from skillapp.assessment.models import (
    IN_PROGRESS,
    SINGLE,
    SUBMITTED,
    TRUE_FALSE,
    Attempt,
    AttemptAnswer,
    Question,
)
from skillapp.assessment.rules import Rules, attempts_this_year, rules_for
from skillapp.assessment.scoring import KeyItem, score_attempt
from skillapp.audit.services import record_event
from skillapp.auth.models import User
from skillapp.db import upsert, utcnow
from skillapp.learning.models import REVIEW_AFTER_PASS, REVIEW_ALWAYS, Module
from skillapp.util.ids import parse_positive


class AttemptError(Exception):
    """A request the attempt's state does not allow; ``code`` names the reason.

    ``available_at`` is set with "cooldown": when a new attempt becomes possible.
    """

    def __init__(self, code: str, *, available_at: datetime | None = None):
        super().__init__(code)
        self.code = code
        self.available_at = available_at


def _locked(session: Session, attempt_id: int) -> Attempt | None:
    """Load an attempt holding a row lock (PostgreSQL); SQLite serialises writers anyway."""
    return session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _lock_person(session: Session, user_id: int) -> None:
    """Serialise what changes a person's attempts (start, submit): the checks
    of the limits and the pause and the insert that follows them are then one
    step, however many requests arrive at once. PostgreSQL locks the login's
    row (as the progress recompute does, so the two queue rather than
    deadlock); SQLite, which writes one transaction at a time, takes its write
    lock now, before the checks read, rather than at the insert."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(User.id).where(User.id == user_id).with_for_update(key_share=True))
    else:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(is_disabled=User.is_disabled)
            .execution_options(synchronize_session=False)
        )


def attempts_used(session: Session, user_id: int, module_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.user_id == user_id, Attempt.module_id == module_id)
        )
        or 0
    )


def attempts_left(
    session: Session, user_id: int, module: Module, *, now=None, rules: Rules | None = None
) -> int | None:
    """How many more attempts the rules allow now (None: no limit): the current
    version's limit over all time and the yearly limit, whichever is closer."""
    rules = rules or rules_for(session, module)
    left = []
    if rules.max_attempts is not None:
        left.append(rules.max_attempts - attempts_used(session, user_id, module.id))
    if rules.max_attempts_per_year is not None:
        used = attempts_this_year(session, user_id, module.id, now=now or utcnow())
        left.append(rules.max_attempts_per_year - used)
    return max(0, min(left)) if left else None


def next_attempt_at(
    session: Session, user_id: int, module: Module, *, now=None, rules: Rules | None = None
) -> datetime | None:
    """When the pause after the last submitted attempt lets this user start
    again (None: now)."""
    now = now or utcnow()
    rules = rules or rules_for(session, module)
    if not rules.cooldown_seconds:
        return None
    last = session.scalar(
        select(func.max(Attempt.submitted_at)).where(
            Attempt.user_id == user_id,
            Attempt.module_id == module.id,
            Attempt.status == SUBMITTED,
        )
    )
    if last is None:
        return None
    available = last + timedelta(seconds=rules.cooldown_seconds)
    return available if now < available else None


def open_attempt(session: Session, user_id: int, module_id: int) -> Attempt | None:
    return session.scalar(
        select(Attempt)
        .where(
            Attempt.user_id == user_id,
            Attempt.module_id == module_id,
            Attempt.status == IN_PROGRESS,
        )
        .order_by(Attempt.id.desc())
    )


def start_attempt(session: Session, user_id: int, module: Module, *, now=None, rng=None) -> Attempt:
    """Resume the open attempt, or draw a new paper from the current version.

    Raises AttemptError("max_attempts") when no attempt is left (over all time
    or, "max_attempts_per_year", in this fiscal year), AttemptError("cooldown")
    before the pause after the last submitted attempt has passed, and
    AttemptError("unavailable") when the module has no published quiz. The
    rules are the city's where HR has set them (``rules.rules_for``); the
    attempt keeps the review rule it starts under. Retired questions are never
    drawn, and at most one question of each group is.
    """
    now = now or utcnow()
    _lock_person(session, user_id)
    current = open_attempt(session, user_id, module.id)
    if current is not None and not finalize_if_expired(session, current, now=now):
        return current
    version = module.current_version
    if version is None or not version.active_questions or module.is_archived:
        raise AttemptError("unavailable")
    rules = rules_for(session, module)
    used = attempts_used(session, user_id, module.id)
    if rules.max_attempts is not None and used >= rules.max_attempts:
        raise AttemptError("max_attempts")
    if (
        rules.max_attempts_per_year is not None
        and attempts_this_year(session, user_id, module.id, now=now) >= rules.max_attempts_per_year
    ):
        raise AttemptError("max_attempts_per_year")
    available_at = next_attempt_at(session, user_id, module, now=now, rules=rules)
    if available_at is not None:
        raise AttemptError("cooldown", available_at=available_at)
    paper = draw_paper(
        [
            PoolItem(q.id, tuple(q.tags or ()), tuple(o["key"] for o in q.options), q.group_key)
            for q in version.active_questions
        ],
        draw_count=version.draw_count,
        stratify_tags=version.stratify_tags or (),
        stratify_counts=version.stratify_counts,
        shuffle_questions=version.shuffle_questions,
        shuffle_options=version.shuffle_options,
        rng=rng,
    )
    # 「正しい／誤り」 always reads in that order, shuffled or not.
    for question in version.questions:
        if question.type == TRUE_FALSE and str(question.id) in paper.option_orders:
            paper.option_orders[str(question.id)] = [o["key"] for o in question.options]
    attempt = Attempt(
        user_id=user_id,
        module_id=module.id,
        version_id=version.id,
        number=used + 1,
        status=IN_PROGRESS,
        started_at=now,
        deadline_at=(
            now + timedelta(seconds=version.time_limit_seconds)
            if version.time_limit_seconds
            else None
        ),
        question_ids=paper.question_ids,
        option_orders=paper.option_orders,
        review_answers=rules.review,
    )
    session.add(attempt)
    session.flush()
    return attempt


def is_past_deadline(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at


def keys_from_positions(attempt: Attempt, question_id: int, values: list[str]) -> list[str]:
    """The option keys behind what the browser sent: 1-based positions in the order
    this attempt shows. The browser never sees the authoring keys, which could
    hint at the answer (authors often write the right option first)."""
    order = attempt.option_orders.get(str(question_id))
    if order is None:
        raise AttemptError("bad_question")
    keys = []
    for value in values:
        position = parse_position(value)
        if position is None or position > len(order):
            raise AttemptError("bad_option")
        keys.append(order[position - 1])
    return keys


def parse_position(value) -> int | None:
    """A 1-based option position as the page sends it (``"2"``, or 2 in JSON),
    or None for anything else: ``str.isdigit()`` lets ``"²"`` through, which
    ``int()`` then refuses."""
    return parse_positive(value)


def save_answer(
    session: Session,
    attempt_id: int,
    user_id: int,
    question_id: int,
    selected: list[str],
    *,
    now=None,
) -> datetime:
    """Save one answer of an open attempt; returns when it was saved.

    Refused once the attempt is submitted or its deadline has passed, so a sheet
    that arrives late is scored as it stood at the deadline.
    """
    now = now or utcnow()
    attempt = _locked(session, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        raise AttemptError("not_found")
    if attempt.status != IN_PROGRESS:
        raise AttemptError("submitted")
    if is_past_deadline(attempt, now):
        raise AttemptError("time_up")
    if question_id not in attempt.question_ids:
        raise AttemptError("bad_question")
    question = session.get(Question, question_id)
    valid = set(attempt.option_orders[str(question_id)])
    chosen = sorted(set(selected))
    if not set(chosen) <= valid:
        raise AttemptError("bad_option")
    if question.type in (SINGLE, TRUE_FALSE) and len(chosen) > 1:
        raise AttemptError("bad_option")
    upsert(
        session,
        AttemptAnswer,
        [
            {
                "attempt_id": attempt.id,
                "question_id": question_id,
                "selected": chosen,
                "saved_at": now,
            }
        ],
        index_elements=["attempt_id", "question_id"],
        update=["selected", "saved_at"],
    )
    session.flush()
    return now


def saved_answers(session: Session, attempt_id: int) -> dict[int, list[str]]:
    rows = session.execute(
        select(AttemptAnswer.question_id, AttemptAnswer.selected).where(
            AttemptAnswer.attempt_id == attempt_id
        )
    )
    return {question_id: list(selected or []) for question_id, selected in rows}


@dataclass
class SubmitResult:
    attempt: Attempt
    # False when the attempt had already been submitted: nothing changed.
    changed: bool


def submit_attempt(
    session: Session,
    attempt_id: int,
    user_id: int,
    *,
    answers: dict[int, list[str]] | None = None,
    now=None,
    timed_out: bool = False,
    actor_id: int | None = None,
    ip: str = "",
) -> SubmitResult:
    """Score and close an attempt, once.

    ``answers`` (the sheet sent with the submit button) are saved first when the
    deadline has not passed. A second or concurrent submission changes nothing.
    """
    now = now or utcnow()
    # The person first, then the attempt: the order start_attempt takes them in.
    _lock_person(session, user_id)
    attempt = _locked(session, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        raise AttemptError("not_found")
    if attempt.status != IN_PROGRESS:
        return SubmitResult(attempt, changed=False)
    late = is_past_deadline(attempt, now)
    if answers and not late:
        for question_id, selected in answers.items():
            try:
                save_answer(session, attempt.id, user_id, question_id, selected, now=now)
            except AttemptError as error:
                if error.code == "submitted":  # closed meanwhile by a concurrent submit
                    session.refresh(attempt)
                    return SubmitResult(attempt, changed=False)
                if error.code not in ("bad_question", "bad_option"):
                    raise
    sheet = saved_answers(session, attempt.id)
    questions = {
        q.id: q
        for q in session.scalars(select(Question).where(Question.id.in_(attempt.question_ids)))
    }
    key = [
        KeyItem(qid, questions[qid].weight, frozenset(questions[qid].correct_keys))
        for qid in attempt.question_ids
    ]
    # Each attempt is judged by the pass mark of the version it was taken on.
    result = score_attempt(sheet, key, pass_mark=attempt.version.pass_mark)
    closed_at = min(now, attempt.deadline_at) if late else now
    # The status guard makes the close idempotent even where no row lock exists.
    done = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.status == IN_PROGRESS)
        .values(
            status=SUBMITTED,
            submitted_at=closed_at,
            earned_weight=result.earned,
            total_weight=result.total,
            score=result.score,
            passed=result.passed,
            timed_out=late or timed_out,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        session.refresh(attempt)
        return SubmitResult(attempt, changed=False)
    from skillapp.metrics.progress import refresh_user_module

    refresh_user_module(session, attempt.user_id, attempt.module_id)
    for question_id, ok in result.correct.items():
        if question_id in sheet:
            session.execute(
                update(AttemptAnswer)
                .where(
                    AttemptAnswer.attempt_id == attempt.id, AttemptAnswer.question_id == question_id
                )
                .values(is_correct=ok)
                .execution_options(synchronize_session=False)
            )
        else:
            session.add(
                AttemptAnswer(
                    attempt_id=attempt.id,
                    question_id=question_id,
                    selected=[],
                    saved_at=closed_at,
                    is_correct=False,
                )
            )
    record_event(
        session,
        "attempt_submitted",
        actor_id=actor_id or user_id,
        object_type="attempt",
        object_id=attempt.id,
        ip=ip,
        score=result.score,
        passed=result.passed,
        late=late,
    )
    session.flush()
    session.refresh(attempt)
    return SubmitResult(attempt, changed=True)


def finalize_if_expired(session: Session, attempt: Attempt, *, now=None) -> bool:
    """Close an open attempt whose time is up, as its sheet stood. True if closed."""
    now = now or utcnow()
    if attempt.status == IN_PROGRESS and is_past_deadline(attempt, now):
        submit_attempt(session, attempt.id, attempt.user_id, now=now, timed_out=True)
        return True
    return False


def close_expired_attempts(session: Session, *, now=None) -> int:
    """Score every open attempt whose time ran out, as its sheet stood at the
    deadline. A learner who closes the page and never comes back would otherwise
    leave an attempt open for good, and HR's figures would never count it.
    Returns how many were closed; the caller commits."""
    now = now or utcnow()
    expired = session.execute(
        select(Attempt.id, Attempt.user_id).where(
            Attempt.status == IN_PROGRESS,
            Attempt.deadline_at.is_not(None),
            Attempt.deadline_at < now,
        )
    ).all()
    for attempt_id, user_id in expired:
        submit_attempt(session, attempt_id, user_id, now=now, timed_out=True)
    return len(expired)


# ---------------------------------------------------------------- presentation


@dataclass
class SheetOption:
    key: str
    text: str
    chosen: bool
    correct: bool | None = None  # only filled in for a submitted attempt's review


@dataclass
class SheetQuestion:
    id: int
    number: int
    type: str
    text: str
    options: list[SheetOption]
    weight: int
    explanation: str | None = None
    is_correct: bool | None = None

    @property
    def answered(self) -> bool:
        return any(option.chosen for option in self.options)


def answers_shown(session: Session, attempt: Attempt) -> bool:
    """Whether the review of this attempt may show the correct answers.

    Never before submission; after it, as the rule the attempt started under
    says (the city's rule then, else its version's): ``always``, ``never``, or
    ``after_pass`` (once this learner has passed the module in any attempt).
    """
    if attempt.status != SUBMITTED:
        return False
    mode = attempt.review_answers or attempt.version.review_answers
    if mode == REVIEW_ALWAYS:
        return True
    if mode == REVIEW_AFTER_PASS:
        if attempt.passed:
            return True
        return bool(
            session.scalar(
                select(func.count())
                .select_from(Attempt)
                .where(
                    Attempt.user_id == attempt.user_id,
                    Attempt.module_id == attempt.module_id,
                    Attempt.status == SUBMITTED,
                    Attempt.passed.is_(True),
                )
            )
        )
    return False


def answer_sheet(session: Session, attempt: Attempt) -> list[SheetQuestion]:
    """The questions as the learner saw them, with their own answers. Whether
    each was right, the correct answers and the explanations are included only
    once the attempt is submitted, and only when ``answers_shown`` allows."""
    reveal = answers_shown(session, attempt)
    questions = {
        q.id: q
        for q in session.scalars(select(Question).where(Question.id.in_(attempt.question_ids)))
    }
    sheet = saved_answers(session, attempt.id)
    correct_map = {}
    if reveal:
        correct_map = dict(
            session.execute(
                select(AttemptAnswer.question_id, AttemptAnswer.is_correct).where(
                    AttemptAnswer.attempt_id == attempt.id
                )
            ).all()
        )
    result = []
    for number, qid in enumerate(attempt.question_ids, start=1):
        question = questions[qid]
        texts = {o["key"]: o["text"] for o in question.options}
        chosen = set(sheet.get(qid, []))
        correct = set(question.correct_keys) if reveal else set()
        options = [
            SheetOption(
                key=k, text=texts[k], chosen=k in chosen, correct=(k in correct) if reveal else None
            )
            for k in attempt.option_orders[str(qid)]
        ]
        result.append(
            SheetQuestion(
                id=qid,
                number=number,
                type=question.type,
                text=question.text,
                options=options,
                weight=question.weight,
                explanation=question.explanation if reveal else None,
                is_correct=bool(correct_map.get(qid)) if reveal else None,
            )
        )
    return result


def user_attempts(session: Session, user_id: int, module_id: int | None = None) -> list[Attempt]:
    query = select(Attempt).where(Attempt.user_id == user_id)
    if module_id is not None:
        query = query.where(Attempt.module_id == module_id)
    return list(session.scalars(query.order_by(Attempt.started_at.desc(), Attempt.id.desc())))
