"""Value types of policy-spec §2.5, read from decoded JSON without ever raising.

Field-level problems are policy decisions (the VAL-* rules), so these helpers answer "is this
an ISO date / an integer / a number" and give the typed value, or None.
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


@lru_cache(maxsize=4096)
def _parse_iso(text: str) -> date | None:
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:  # 2026-02-30, year 0000: not a real calendar date
        return None


def iso_date(value: object) -> date | None:
    """§2.5 ISO date: exactly YYYY-MM-DD naming a real date; anything else is None."""
    if type(value) is not str:
        return None
    return _parse_iso(value)


def is_integer(value: object) -> bool:
    """§2.5 integer: a JSON number without fraction or exponent (json decodes those to int)."""
    return type(value) is int


def is_number(value: object) -> bool:
    """§2.5 number: finite when read as an IEEE-754 double; booleans are not numbers.

    An integer beyond the double range (10**400, which json decodes exactly) is not a number.
    """
    if type(value) is int:
        try:
            float(value)
        except OverflowError:
            return False
        return True
    return type(value) is float and math.isfinite(value)


def r9(value: float) -> float:
    """§2.5 rounding: the double rounded to 9 decimals, half to even (Python `round`)."""
    return round(value, 9)


def r9_compare(left: float, right: float) -> int:
    """The sign of r9(left) - r9(right) (§2.5). Equal values round equally, so the common case
    (a billed amount equal to the expected one) skips `round`, which formats the double."""
    if left == right:
        return 0
    rounded_left, rounded_right = round(left, 9), round(right, 9)
    return (rounded_left > rounded_right) - (rounded_left < rounded_right)
