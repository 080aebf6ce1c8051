"""Choosing and ordering the questions of one attempt. Pure: no database."""

import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PoolItem:
    question_id: int
    tags: tuple[str, ...]
    option_keys: tuple[str, ...]


@dataclass(frozen=True)
class Paper:
    question_ids: list[int]
    option_orders: dict[str, list[str]]


def draw_paper(
    pool: Sequence[PoolItem],
    *,
    draw_count: int | None = None,
    stratify_tags: Sequence[str] = (),
    shuffle_questions: bool = False,
    shuffle_options: bool = False,
    rng: random.Random | None = None,
) -> Paper:
    """Draw ``draw_count`` questions (all when None), evenly across ``stratify_tags``.

    With stratification each tag first gets ⌊n / k⌋ questions, and the remaining
    n mod k places go to tags chosen at random, so every attempt covers every tag.
    Without shuffling the pool's own order is kept.
    """
    rng = rng or random.SystemRandom()
    items = list(pool)
    count = len(items) if draw_count is None else min(draw_count, len(items))
    if count < len(items):
        chosen = (
            _stratified(items, count, stratify_tags, rng)
            if stratify_tags
            else rng.sample(items, count)
        )
        chosen_ids = {item.question_id for item in chosen}
        chosen = [item for item in items if item.question_id in chosen_ids]
    else:
        chosen = items
    if shuffle_questions:
        chosen = rng.sample(chosen, len(chosen))
    orders = {}
    for item in chosen:
        keys = list(item.option_keys)
        if shuffle_options:
            rng.shuffle(keys)
        orders[str(item.question_id)] = keys
    return Paper(question_ids=[item.question_id for item in chosen], option_orders=orders)


def _stratified(items, count, tags, rng):
    groups = {tag: [item for item in items if tag in item.tags] for tag in tags}
    per_tag, extra = divmod(count, len(tags))
    chosen: list[PoolItem] = []
    taken: set[int] = set()
    extra_tags = set(rng.sample(list(tags), extra)) if extra else set()
    for tag in tags:
        want = per_tag + (1 if tag in extra_tags else 0)
        available = [item for item in groups[tag] if item.question_id not in taken]
        picked = rng.sample(available, min(want, len(available)))
        chosen.extend(picked)
        taken.update(item.question_id for item in picked)
    if len(chosen) < count:  # a tag ran short: fill from the rest of the pool
        rest = [item for item in items if item.question_id not in taken]
        chosen.extend(rng.sample(rest, count - len(chosen)))
    return chosen
