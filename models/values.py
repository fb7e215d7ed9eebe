"""Value types of policy-spec §2.5, read from decoded JSON without ever raising.

Field-level problems are policy decisions (the VAL-* rules), so these helpers answer "is this
an ISO date / an integer / a number" and give the typed value, or None.
"""

from __future__ import annotations

import math
import re
from datetime import date

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# Dates by text: a stream repeats a few hundred (service, processing, birth dates); a plain dict
# costs a third of an lru_cache call, and is emptied when full (a stream of made-up dates).
_DATES: dict[str, date | None] = {}
_DATES_LIMIT = 4096


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
    try:
        return _DATES[value]
    except KeyError:
        if len(_DATES) >= _DATES_LIMIT:
            _DATES.clear()
        parsed = _DATES[value] = _parse_iso(value)
        return parsed


def is_integer(value: object) -> bool:
    """§2.5 integer: a JSON number without fraction or exponent (json decodes those to int)."""
    return type(value) is int


# Integers within this bound convert to a double without overflow: no conversion to test.
_DOUBLE_SAFE_INT = 2**1000


def number(value: object) -> int | float | None:
    """The value when it is a §2.5 number, else None: a caller compares it right away, without
    a second type test to narrow it.

    §2.5 number: finite when read as an IEEE-754 double; booleans are not numbers. An integer
    beyond the double range (10**400, which json decodes exactly) is not a number.
    """
    if type(value) is float:  # the usual case (amounts, charges) first
        return value if math.isfinite(value) else None
    if type(value) is int:
        if -_DOUBLE_SAFE_INT < value < _DOUBLE_SAFE_INT:
            return value
        try:
            float(value)
        except OverflowError:
            return None
        return value
    return None


def r9(value: float) -> float:
    """§2.5 rounding: the double rounded to 9 decimals, half to even (Python `round`)."""
    return round(value, 9)


def r9_compare(left: float, right: float) -> int:
    """The sign of r9(left) - r9(right) (§2.5), rounding only when it can matter.

    `round` formats the double (the costliest step of several rules). Equal values round
    equally; values further apart than rounding moves either (5e-10 plus the double's own
    error, bounded here with a wide margin) keep their order, so only near-ties are rounded.
    """
    if left == right:
        return 0
    gap = left - right
    if abs(gap) > _TIE_MARGIN + 1e-12 * (abs(left) + abs(right)):
        return 1 if gap > 0 else -1
    rounded_left, rounded_right = round(left, 9), round(right, 9)
    return (rounded_left > rounded_right) - (rounded_left < rounded_right)


# Twenty times what rounding to 9 decimals can move a value (5e-10).
_TIE_MARGIN = 1e-8


def ceil_r9(value: float) -> int:
    """ceil(r9(value)) for a value >= 0 (§B.3 units), rounding only when it can matter: with a
    fractional part above the margin, r9 stays strictly between the two integers around it."""
    whole = math.floor(value)
    fraction = value - whole  # exact for a double
    if fraction == 0:
        return int(whole)
    if fraction > _TIE_MARGIN:
        return int(whole) + 1
    return math.ceil(round(value, 9))
