"""The rules for taking a test again: when the review shows the answers, the
pause between attempts and the yearly limit.

A module's published version carries them (quiz.yaml). For a test that counts
towards an indicator, a city may want its own: HR sets them in the browser
(``AttemptRules``), and they then apply to every new attempt, whatever version
is published. Every change is audited. An attempt keeps the review rule it
started under, so changing the rules never hides or reveals past reviews.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillapp.assessment.models import Attempt, AttemptRules
from skillapp.audit.services import record_event
from skillapp.learning.models import REVIEW_ALWAYS, Module
from skillapp.util.dates import fiscal_year_bounds, fiscal_year_of


@dataclass(frozen=True)
class Rules:
    review: str
    cooldown_minutes: int | None
    max_attempts_per_year: int | None
    # The published version's limit over all time (not a city setting).
    max_attempts: int | None
    # True when HR's rules apply, False when the published version's do.
    by_city: bool

    @property
    def cooldown_seconds(self) -> int | None:
        return self.cooldown_minutes * 60 if self.cooldown_minutes else None


def rules_for(session: Session, module: Module) -> Rules:
    """The rules a new attempt of ``module`` starts under."""
    version = module.current_version
    own = session.get(AttemptRules, module.id)
    max_attempts = version.max_attempts if version is not None else None
    if own is not None:
        return Rules(
            own.review_answers, own.cooldown_minutes, own.max_attempts_per_year, max_attempts, True
        )
    if version is None:
        return Rules(REVIEW_ALWAYS, None, None, None, False)
    return Rules(
        version.review_answers or REVIEW_ALWAYS,
        version.cooldown_seconds // 60 if version.cooldown_seconds else None,
        version.max_attempts_per_year,
        max_attempts,
        False,
    )


def attempts_this_year(session: Session, user_id: int, module_id: int, *, now: datetime) -> int:
    """Attempts the person started in the fiscal year that ``now`` falls in."""
    start, end = fiscal_year_bounds(fiscal_year_of(now))
    return (
        session.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(
                Attempt.user_id == user_id,
                Attempt.module_id == module_id,
                Attempt.started_at >= start,
                Attempt.started_at < end,
            )
        )
        or 0
    )


def set_rules(
    session: Session,
    module: Module,
    *,
    review: str,
    cooldown_minutes: int | None,
    max_attempts_per_year: int | None,
    actor_id: int,
    ip: str = "",
) -> bool:
    """Give the test the city's own rules (audited). False when nothing changed."""
    before = rules_for(session, module)
    after = (review, cooldown_minutes, max_attempts_per_year)
    own = session.get(AttemptRules, module.id)
    if (
        own is not None
        and (
            own.review_answers,
            own.cooldown_minutes,
            own.max_attempts_per_year,
        )
        == after
    ):
        return False
    if own is None:
        own = AttemptRules(module_id=module.id)
        session.add(own)
    own.review_answers, own.cooldown_minutes, own.max_attempts_per_year = after
    own.updated_by_id = actor_id
    record_event(
        session,
        "attempt_rules_changed",
        actor_id=actor_id,
        ip=ip,
        object_type="module",
        object_id=module.id,
        slug=module.slug,
        **_change(before, review, cooldown_minutes, max_attempts_per_year),
    )
    session.flush()
    return True


def clear_rules(session: Session, module: Module, *, actor_id: int, ip: str = "") -> bool:
    """Go back to the published version's rules (audited). False when none were set."""
    own = session.get(AttemptRules, module.id)
    if own is None:
        return False
    before = rules_for(session, module)
    session.delete(own)
    session.flush()
    after = rules_for(session, module)
    record_event(
        session,
        "attempt_rules_reset",
        actor_id=actor_id,
        ip=ip,
        object_type="module",
        object_id=module.id,
        slug=module.slug,
        **_change(before, after.review, after.cooldown_minutes, after.max_attempts_per_year),
    )
    return True


def _change(before: Rules, review, cooldown_minutes, max_attempts_per_year) -> dict:
    """The audit detail: each setting as it was and as it is now."""
    return {
        "review_before": before.review,
        "review": review,
        "cooldown_minutes_before": before.cooldown_minutes,
        "cooldown_minutes": cooldown_minutes,
        "max_attempts_per_year_before": before.max_attempts_per_year,
        "max_attempts_per_year": max_attempts_per_year,
    }
