"""Moving one item of an ordered list a place up or down: how HR arranges
departments and job titles, and authors the modules."""


def moved_positions(values: list[int], index: int, step: int) -> list[int] | None:
    """The position values of a list, given in its current order, after the item
    at ``index`` moves ``step`` places (-1 up, +1 down); None when it cannot move
    (the first up, the last down).

    When the values are distinct the items keep the same set of values and only
    the two that trade places change (so a 部's 課, or the modules of a content
    folder, keep the numbers they were given). Ties, as data from before an order
    existed may have, are resolved once into 1, 2, 3 …
    """
    target = index + step
    if not (0 <= index < len(values) and 0 <= target < len(values)):
        return None
    order = list(range(len(values)))
    order.insert(target, order.pop(index))
    distinct = len(set(values)) == len(values)
    slots = sorted(values) if distinct else list(range(1, len(values) + 1))
    new = [0] * len(values)
    for slot, original in zip(slots, order, strict=True):
        new[original] = slot
    return new
