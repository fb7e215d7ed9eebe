"""§2.5 value types and the r9 comparison the amount checks use."""

from __future__ import annotations

import pytest

from models.values import number, r9, r9_compare


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, True),
        (-3, True),
        (2.5, True),
        (2**1000, True),  # beyond the bound `number` skips the conversion for
        (-(2**1023), True),
        (2 * 10**308, False),  # finite as an integer, infinite as a double (§2.5)
        (10**400, False),
        (float("inf"), False),
        (float("nan"), False),
        (True, False),
        ("1", False),
        (None, False),
    ],
)
def test_number_follows_the_double_reading(value: object, expected: bool) -> None:
    # Equal and of the same type, not the same object: the compiled engine boxes a float anew.
    found = number(value)
    assert (found, type(found)) == ((value, type(value)) if expected else (None, type(None)))


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (0.05 * 3 / 0.05, 3),  # 3.0000000000000004 vs 3: equal after r9 (§B.3 worked example)
        (10, 10.0),
        (1.0000000004, 1.0),
        (1.0000000006, 1.0),
        (0.3, 0.1 * 3),
        (2.5e-10, 0.0),
        (5, 4.9999999996),
        (4.9999999996, 5),
        (7, 8),
    ],
)
def test_r9_compare_is_the_sign_of_the_rounded_difference(left: float, right: float) -> None:
    expected = (r9(left) > r9(right)) - (r9(left) < r9(right))
    assert r9_compare(left, right) == expected
