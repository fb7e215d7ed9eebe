"""§2.5 rounding: the shortcuts that skip `round` give what rounding gives, near ties included."""

from __future__ import annotations

import math
import random

from models.values import ceil_r9, r9, r9_compare

NEAR = (0, 1e-10, 4e-10, 5e-10, 6e-10, 1e-9, 2e-9, 9e-9, 1.1e-8, -1e-10, -5e-10, -1e-9)


def samples() -> list[float]:
    rng = random.Random(9)
    values = [rng.uniform(0, 50) for _ in range(5000)]
    values += [rng.uniform(0, 5) * 10 ** rng.randint(-12, 15) for _ in range(5000)]
    values += [whole + near for whole in range(20) for near in NEAR]
    return [v for v in values if v >= 0]


def test_ceil_r9_is_ceil_of_r9() -> None:
    assert [ceil_r9(v) for v in samples()] == [math.ceil(r9(v)) for v in samples()]
    assert (ceil_r9(3.0000000004), ceil_r9(3.00000002), ceil_r9(2.9999999996)) == (3, 4, 3)


def test_r9_compare_is_the_sign_of_the_rounded_difference() -> None:
    for left in samples()[::5]:
        for right in (left, *(left + near for near in NEAR), -left, left * 3):
            expected = (r9(left) > r9(right)) - (r9(left) < r9(right))
            assert r9_compare(left, right) == expected, (left, right)
