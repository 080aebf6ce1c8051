"""Ids and counts that arrive from outside (a URL, a query string, a form, JSON).

Every primary key fits PostgreSQL's ``integer`` (2^31 − 1); a larger number
cannot name a row and would overflow the database driver (a 500), so it is
no id at all. ``str.isdigit()`` is not a test either: ``"²"`` passes it and
``int()`` fails, and ``int()`` refuses more than 4,300 digits.
"""

import re

MAX_ID = 2**31 - 1

# A canonical positive decimal: ASCII digits, no sign, no leading zero, no space.
_DECIMAL = re.compile(r"[1-9][0-9]{0,9}")


def parse_positive(value, *, maximum: int = MAX_ID) -> int | None:
    """``value`` as an integer in 1..maximum, or None: a JSON integer (not a
    boolean) or a string of ASCII digits as a page writes it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DECIMAL.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 1 <= number <= maximum else None


def parse_id(value) -> int | None:
    """A row id (1..2^31 − 1) from outside, or None."""
    return parse_positive(value)
