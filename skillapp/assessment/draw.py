"""Choosing and ordering the questions of one attempt. Pure: no database."""

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PoolItem:
    question_id: int
    tags: tuple[str, ...]
    option_keys: tuple[str, ...]
    # Items of one group answer each other: an attempt holds at most one of them.
    group: str | None = None


@dataclass(frozen=True)
class Paper:
    question_ids: list[int]
    option_orders: dict[str, list[str]]


def draw_paper(
    pool: Sequence[PoolItem],
    *,
    draw_count: int | None = None,
    stratify_tags: Sequence[str] = (),
    stratify_counts: Mapping[str, int] | None = None,
    shuffle_questions: bool = False,
    shuffle_options: bool = False,
    rng: random.Random | None = None,
) -> Paper:
    """Draw ``draw_count`` questions (all when None), evenly across ``stratify_tags``.

    With stratification each tag gets ``stratify_counts[tag]`` questions when
    counts are given (a fixed blueprint: every attempt has the same make-up);
    otherwise each tag first gets ⌊n / k⌋ questions, and the remaining n mod k
    places go to tags chosen at random, so every attempt covers every tag.
    At most one item of each ``group`` is drawn: a group is one unit, which the
    draw picks like an item and then stands for by one of its members chosen at
    random (so a group weighs no more than any single item). The loader checks
    that a group's items share their stratum and that every stratum has enough
    units. Without shuffling the pool's own order is kept.
    """
    rng = rng or random.SystemRandom()
    items = list(pool)
    count = len(items) if draw_count is None else min(draw_count, len(items))
    if count < len(items):
        units = _units(items)
        chosen = (
            _stratified(units, count, stratify_tags, rng, stratify_counts)
            if stratify_tags
            else rng.sample(units, min(count, len(units)))
        )
        chosen = [rng.choice(unit) for unit in chosen]
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


def _units(items: list[PoolItem]) -> list[tuple[PoolItem, ...]]:
    """The pool as units: each ungrouped item alone, each group's items together
    (in pool order, a group where its first item stands)."""
    units: list[list[PoolItem]] = []
    by_group: dict[str, list[PoolItem]] = {}
    for item in items:
        if item.group is None:
            units.append([item])
        elif item.group in by_group:
            by_group[item.group].append(item)
        else:
            by_group[item.group] = [item]
            units.append(by_group[item.group])
    return [tuple(unit) for unit in units]


def _stratified(units, count, tags, rng, quotas=None):
    # A unit's stratum is its first item's tag (the loader makes a group share one).
    by_tag = {tag: [unit for unit in units if tag in unit[0].tags] for tag in tags}
    per_tag, extra = divmod(count, len(tags))
    chosen: list[tuple[PoolItem, ...]] = []
    taken: set[int] = set()
    extra_tags = set(rng.sample(list(tags), extra)) if extra and not quotas else set()
    for tag in tags:
        want = quotas[tag] if quotas else per_tag + (1 if tag in extra_tags else 0)
        available = [unit for unit in by_tag[tag] if id(unit) not in taken]
        picked = rng.sample(available, min(want, len(available)))
        chosen.extend(picked)
        taken.update(id(unit) for unit in picked)
    if len(chosen) < count:  # a tag ran short: fill from the rest of the pool
        rest = [unit for unit in units if id(unit) not in taken]
        chosen.extend(rng.sample(rest, min(count - len(chosen), len(rest))))
    return chosen
