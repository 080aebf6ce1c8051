"""A test-wise learner who knows nothing: answers from surface cues alone.

Test-wiseness, as item-writing guides describe it: a false statement tends to
carry an absolute word ("only", "all", "never needs checking"), a true one a
hedge ("may", "can happen"); the right option tends to be the longest one, or
the one that sounds most careful (check, consult, confirm first). Each
``Strategy`` below is one such learner. The curriculum tests run them over the
real item pool and many seeded draws: a good pool leaves them near chance.

Writers who avoid those cues can lean the other way (the key always the
shortest or the boldest option, absolute words only in true statements), which
is a cue too: the last strategies read the cues reversed.

Run as a script to see the figures while writing items:

    .venv/bin/python -m tests.content.cues [content/modules]
"""

import random
import re
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from skillapp.assessment.draw import PoolItem, draw_paper
from skillapp.assessment.scoring import KeyItem, score_attempt
from skillapp.authoring.loader import QuestionSpec, load_content_dir

# Words that make a statement sweeping: test-wise learners call such statements false.
ABSOLUTES = (
    "だけ",
    "のみ",
    "すべて",
    "全て",
    "必ず",
    "一切",
    "絶対",
    "まったく",
    "全く",
    "決して",
    "常に",
    "いつでも",
    "どんな",
    "どれでも",
    "誰でも",
    "完全に",
    "確かめなくてよい",
    "確認しなくてよい",
    "なくてよい",
    "なくてもよい",
    "必要はない",
    "必要がない",
    "不要",
    "自由に",
    "十分",
    "問題ない",
    "かまわない",
)
# Words that soften a statement: test-wise learners call such statements true.
HEDGES = (
    "おそれがある",
    "恐れがある",
    "可能性がある",
    "ことがある",
    "場合がある",
    "かもしれない",
    "ことが多い",
    "とは限らない",
    "得る",
    "うる",
)
# Words that make an option sound careful and responsible.
CAREFUL = (
    "確認",
    "確かめ",
    "相談",
    "慎重",
    "検討",
    "丁寧",
    "事前に",
    "話し合",
    "意見を聞",
    "共有",
    "記録",
    "見直",
    "責任者",
    "手順に沿",
    "根拠",
    "ルール",
    "規程",
    "安全",
)


def count(text: str, words: Sequence[str]) -> int:
    return sum(text.count(word) for word in words)


def true_false_cue(text: str) -> bool | None:
    """True or False as the cues say, or None when they say nothing."""
    lean = count(text, HEDGES) - count(text, ABSOLUTES)
    if lean > 0:
        return True
    if lean < 0:
        return False
    return None


def _plain(text: str) -> str:
    return re.sub(r"\s", "", text)


# An answerer takes a question and an rng, and returns the option keys it picks.
Answerer = Callable[[QuestionSpec, random.Random], list[str]]


def _tf(fallback: bool, *, inverted: bool = False) -> Answerer:
    def answer(q: QuestionSpec, rng: random.Random) -> list[str]:
        cue = true_false_cue(q.text)
        if cue is not None and inverted:
            cue = not cue
        return ["true" if (fallback if cue is None else cue) else "false"]

    return answer


def _best(options, score, rng) -> str:
    """The option with the highest score; a tie is a coin toss (options are
    shuffled for every attempt, so position tells the learner nothing)."""
    scores = {key: score(text) for key, text in options}
    top = max(scores.values())
    return rng.choice([key for key, value in scores.items() if value == top])


def _longest(text: str) -> float:
    return len(_plain(text))


def _careful(text: str) -> float:
    return count(text, CAREFUL) + count(text, HEDGES) - 2 * count(text, ABSOLUTES)


def _combined(text: str) -> float:
    return _careful(text) + len(_plain(text)) / 100


# A learner who has seen through writers who lean the other way: the shortest
# option, the boldest one, and absolute words read as true.
def _shortest(text: str) -> float:
    return -_longest(text)


def _bold(text: str) -> float:
    return -_combined(text)


def _choice(score: Callable[[str], float]) -> Answerer:
    def answer(q: QuestionSpec, rng: random.Random) -> list[str]:
        if q.type == "single":
            return [_best(q.options, score, rng)]
        # Several answers: every option that scores above the others' average,
        # at least two (the question says more than one may be right).
        scores = {key: score(text) for key, text in q.options}
        ranked = sorted(scores, key=lambda key: (-scores[key], rng.random()))
        mean = statistics.fmean(scores.values())
        picked = [key for key in ranked if scores[key] > mean]
        return picked if len(picked) >= 2 else ranked[:2]

    return answer


@dataclass(frozen=True)
class Strategy:
    name: str
    true_false: Answerer
    choice: Answerer

    def answer(self, q: QuestionSpec, rng: random.Random) -> list[str]:
        return (self.true_false if q.type == "true_false" else self.choice)(q, rng)


STRATEGIES = [
    Strategy(f"{name} / true-false else {'true' if fallback else 'false'}", _tf(fallback), choice)
    for name, choice in (
        ("longest option", _choice(_longest)),
        ("most careful option", _choice(_careful)),
        ("careful, then longest", _choice(_combined)),
    )
    for fallback in (True, False)
] + [
    Strategy(
        f"{name} / true-false cues reversed, else {'true' if fallback else 'false'}",
        _tf(fallback, inverted=True),
        choice,
    )
    for name, choice in (
        ("shortest option", _choice(_shortest)),
        ("boldest option", _choice(_bold)),
    )
    for fallback in (True, False)
]


@dataclass
class DrawFigures:
    strategy: str
    mean: float
    pass_rate: float


def simulate(
    questions: Sequence[QuestionSpec],
    *,
    draw: int | None,
    stratify_by: Sequence[str],
    strategy: Strategy,
    stratify_counts: dict[str, int] | None = None,
    draws: int = 2000,
    seed: int = 0,
) -> DrawFigures:
    """Mean score and pass rate of ``strategy`` over ``draws`` seeded draws,
    drawn exactly as attempts are (stratified, groups honoured)."""
    active = [q for q in questions if not q.retired]
    pool = [
        PoolItem(n, tuple(q.tags), tuple(k for k, _ in q.options), q.group)
        for n, q in enumerate(active)
    ]
    scores = []
    for i in range(draws):
        rng = random.Random(seed * 1_000_003 + i)
        paper = draw_paper(
            pool,
            draw_count=draw,
            stratify_tags=stratify_by,
            stratify_counts=stratify_counts,
            shuffle_questions=True,
            shuffle_options=True,
            rng=rng,
        )
        key = [
            KeyItem(n, active[n].weight, frozenset(active[n].correct_keys))
            for n in paper.question_ids
        ]
        sheet = {n: strategy.answer(active[n], rng) for n in paper.question_ids}
        scores.append(score_attempt(sheet, key).score)
    return DrawFigures(
        strategy.name,
        statistics.fmean(scores),
        sum(score >= 70 for score in scores) / len(scores),
    )


def true_false_accuracy(
    questions: Sequence[QuestionSpec], fallback: bool, *, inverted: bool = False
) -> float:
    """Share of true/false statements the cues (else ``fallback``) get right;
    ``inverted`` reads the cues the other way round."""
    items = [q for q in questions if q.type == "true_false" and not q.retired]
    read = _tf(fallback, inverted=inverted)
    rng = random.Random(0)
    right = sum(read(q, rng) == q.correct_keys for q in items)
    return right / len(items) if items else 0.0


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path("content/modules")
    result = load_content_dir(root)
    if not result.ok:
        for problem in result.problems:
            print(problem)
        return 1
    everything = []
    for spec in result.modules:
        quiz = spec.quiz
        everything.extend(quiz.questions)
        print(f"\n{spec.slug} ({len(quiz.active_questions)} in use)")
        for strategy in STRATEGIES:
            figures = simulate(
                quiz.questions,
                draw=quiz.draw,
                stratify_by=quiz.stratify_by,
                stratify_counts=quiz.stratify_counts,
                strategy=strategy,
                draws=400 if quiz.draw else 20,
            )
            print(f"  {figures.mean:5.1f}  pass {figures.pass_rate:6.1%}  {strategy.name}")
    for fallback in (True, False):
        for inverted in (False, True):
            accuracy = true_false_accuracy(everything, fallback, inverted=inverted)
            how = "cues reversed" if inverted else "cues"
            print(f"true/false read right by the {how} (else {fallback}): {accuracy:.1%}")
    cued = [
        (q.key, true_false_cue(q.text), q.correct_keys[0])
        for q in everything
        if q.type == "true_false" and true_false_cue(q.text) is not None
    ]
    for key, cue, answer in cued:
        print(f"  cue on {key}: cue says {cue}, answer {answer}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
