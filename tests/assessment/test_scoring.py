import pytest

from skillapp.assessment.scoring import KeyItem, is_correct, score_attempt, score_value


def key(*weights, correct=("a",)):
    return [KeyItem(i, w, frozenset(correct)) for i, w in enumerate(weights, start=1)]


def test_all_right_is_100_and_passes():
    result = score_attempt({1: ["a"], 2: ["a"]}, key(1, 1))
    assert (result.score, result.passed, result.earned, result.total) == (100, True, 2, 2)


def test_nothing_answered_is_0():
    result = score_attempt({}, key(1, 1, 1))
    assert (result.score, result.passed) == (0, False)
    assert result.correct == {1: False, 2: False, 3: False}


@pytest.mark.parametrize(
    ("earned", "total", "score", "passed"),
    [
        (7, 10, 70, True),  # exactly 70 passes
        (69, 100, 69, False),  # 69 fails
        (23, 33, 69, False),  # 69.69… floors to 69: a shown 69 always fails
        (24, 33, 72, True),
        (2, 3, 66, False),  # 66.66… floors, never rounds up
        (1, 3, 33, False),
        (0, 5, 0, False),
        (5, 5, 100, True),
    ],
)
def test_floor_and_pass_mark(earned, total, score, passed):
    answers = {i: ["a"] if i <= earned else ["b"] for i in range(1, total + 1)}
    result = score_attempt(answers, key(*([1] * total)))
    assert result.score == score
    assert result.passed is passed
    assert score_value(earned, total) == score


def test_weights_count():
    # weights 2 + 1 + 1: only the weighted question right → floor(200/4) = 50
    result = score_attempt({1: ["a"], 2: ["b"], 3: ["b"]}, key(2, 1, 1))
    assert (result.earned, result.total, result.score) == (2, 4, 50)


def test_multiple_answer_is_all_or_nothing():
    multi = [KeyItem(1, 1, frozenset({"a", "c"}))]
    assert score_attempt({1: ["a", "c"]}, multi).score == 100
    assert score_attempt({1: ["c", "a"]}, multi).score == 100  # order does not matter
    assert score_attempt({1: ["a"]}, multi).score == 0  # a subset earns nothing
    assert score_attempt({1: ["a", "b", "c"]}, multi).score == 0  # a superset earns nothing
    assert score_attempt({1: []}, multi).score == 0


def test_partial_multi_answer_in_a_quiz():
    items = [
        KeyItem(1, 1, frozenset({"a", "b"})),
        KeyItem(2, 1, frozenset({"c"})),
        KeyItem(3, 1, frozenset({"a"})),
    ]
    result = score_attempt({1: ["a"], 2: ["c"], 3: ["a"]}, items)
    assert result.correct == {1: False, 2: True, 3: True}
    assert result.score == 66


def test_is_correct_compares_sets():
    assert is_correct(["b", "a"], frozenset({"a", "b"}))
    assert not is_correct(["a", "a"], frozenset({"a", "b"}))


def test_invalid_keys_are_refused():
    with pytest.raises(ValueError):
        score_attempt({}, [KeyItem(1, 0, frozenset({"a"}))])
    with pytest.raises(ValueError):
        score_attempt({}, [])
