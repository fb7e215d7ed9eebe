"""policy/lifecycle.py's arithmetic: the business days a claim took to its final record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from policy.lifecycle import business_days_between


@pytest.mark.parametrize("start", [date(2026, 3, 2) + timedelta(days=n) for n in range(7)])
def test_business_days_between_counts_the_weekdays_after_the_first_day(start: date) -> None:
    for span in range(60):
        end = start + timedelta(days=span)
        weekdays = sum((start + timedelta(days=n)).weekday() < 5 for n in range(1, span + 1))
        assert business_days_between(start.isoformat(), end.isoformat()) == weekdays


def test_business_days_between_the_seed_s_pend_and_its_approval() -> None:
    assert business_days_between("2026-03-02", "2026-03-20") == 14  # Monday to Friday 2 weeks on
    assert business_days_between("2026-03-02", "2026-03-02") == 0
    assert business_days_between("2026-03-20", "2026-03-02") is None
    assert business_days_between("2026-03-02", "not a date") is None
