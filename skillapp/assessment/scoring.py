"""Scoring, pure and database-free (docs/rules.md, Scoring).

score = floor(100 × earned weight ÷ total weight); pass ⇔ score ≥ the pass
mark (the module's own, 70 by default). Integer arithmetic throughout, so a
shown 70 always passes a mark of 70 and a 69 always fails it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# The default pass mark; each module version has its own (ModuleVersion.pass_mark).
PASS_MARK = 70


@dataclass(frozen=True)
class KeyItem:
    """One question of the answer key."""

    question_id: int
    weight: int
    correct: frozenset[str]


@dataclass(frozen=True)
class Score:
    earned: int
    total: int
    score: int
    passed: bool
    correct: Mapping[int, bool]


def is_correct(selected: Iterable[str], correct: frozenset[str]) -> bool:
    """All-or-nothing: the chosen set must equal the correct set."""
    return frozenset(selected) == correct


def score_value(earned: int, total: int) -> int:
    if total <= 0:
        raise ValueError("a quiz needs a positive total weight")
    if not 0 <= earned <= total:
        raise ValueError("earned weight out of range")
    return (100 * earned) // total


def score_attempt(
    answers: Mapping[int, Iterable[str]], key: Iterable[KeyItem], *, pass_mark: int = PASS_MARK
) -> Score:
    """Score an answer sheet (question id → chosen option keys) against the key;
    it passes at ``pass_mark`` or more.

    Questions missing from ``answers`` are unanswered and earn nothing.
    """
    earned = total = 0
    correct: dict[int, bool] = {}
    for item in key:
        if item.weight <= 0:
            raise ValueError("weights must be positive")
        total += item.weight
        ok = is_correct(answers.get(item.question_id, ()), item.correct)
        correct[item.question_id] = ok
        if ok:
            earned += item.weight
    value = score_value(earned, total)
    return Score(
        earned=earned, total=total, score=value, passed=value >= pass_mark, correct=correct
    )
