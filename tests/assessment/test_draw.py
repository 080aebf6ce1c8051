import random
from collections import Counter

from skillapp.assessment.draw import PoolItem, draw_paper


def pool(tags_per_item):
    return [PoolItem(i, tags, ("a", "b", "c", "d")) for i, tags in enumerate(tags_per_item, 1)]


def test_without_draw_or_shuffle_keeps_order_and_options():
    items = pool([("x",)] * 5)
    paper = draw_paper(items)
    assert paper.question_ids == [1, 2, 3, 4, 5]
    assert paper.option_orders == {str(i): ["a", "b", "c", "d"] for i in range(1, 6)}


def test_draw_takes_the_requested_number_without_repeats():
    paper = draw_paper(pool([()] * 10), draw_count=4, rng=random.Random(1))
    assert len(paper.question_ids) == 4
    assert len(set(paper.question_ids)) == 4


def test_stratified_draw_covers_every_tag_every_time():
    tags = [("A",)] * 10 + [("B",)] * 10 + [("C",)] * 10 + [("D",)] * 10
    items = pool(tags)
    by_id = {item.question_id: item.tags[0] for item in items}
    for seed in range(50):
        paper = draw_paper(
            items, draw_count=20, stratify_tags=["A", "B", "C", "D"], rng=random.Random(seed)
        )
        counts = Counter(by_id[q] for q in paper.question_ids)
        assert counts == {"A": 5, "B": 5, "C": 5, "D": 5}


def test_stratified_remainder_still_covers_all_tags():
    items = pool([("A",)] * 5 + [("B",)] * 5 + [("C",)] * 5)
    by_id = {item.question_id: item.tags[0] for item in items}
    for seed in range(30):
        paper = draw_paper(
            items, draw_count=7, stratify_tags=["A", "B", "C"], rng=random.Random(seed)
        )
        counts = Counter(by_id[q] for q in paper.question_ids)
        assert sum(counts.values()) == 7
        assert set(counts) == {"A", "B", "C"}
        assert all(2 <= n <= 3 for n in counts.values())


def test_shuffle_changes_order_but_not_content():
    items = pool([()] * 8)
    paper = draw_paper(items, shuffle_questions=True, shuffle_options=True, rng=random.Random(3))
    assert sorted(paper.question_ids) == list(range(1, 9))
    assert paper.question_ids != list(range(1, 9))
    assert all(sorted(keys) == ["a", "b", "c", "d"] for keys in paper.option_orders.values())
    assert any(keys != ["a", "b", "c", "d"] for keys in paper.option_orders.values())
