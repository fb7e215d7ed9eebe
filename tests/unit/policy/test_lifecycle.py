"""policy/lifecycle.py's arithmetic: a pend's documentation deadline (L.1, L.5) and the business
days a claim took to its final record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from policy.lifecycle import PendingClaim, business_days_between


def _pend(reasons: list[str], requested_on: str | None, version: str) -> PendingClaim:
    return PendingClaim(
        claim={"claim_id": "CLM-1"},
        decision_id="d-1",
        decision="pend",
        reasons=reasons,
        processing_date="2026-03-02",
        first_processing_date="2026-03-02",
        policy_version=version,
        documentation_requested_on=requested_on,
    )


@pytest.mark.parametrize("version", ["ITDD-1.0.0", "ITDD-1.1.0"])
def test_records_are_due_45_days_after_the_request(version: str) -> None:
    pend = _pend(["documentation_requested"], "2026-03-02", version)
    assert pend.deadline() == date(2026, 4, 16)
    assert not pend.overdue("2026-04-16")
    assert pend.overdue("2026-04-17")
    assert not pend.overdue("not a date")


def test_only_a_pend_for_records_is_ever_overdue() -> None:
    assert _pend(["documentation_requested"], None, "ITDD-1.0.0").deadline() is None
    assert not _pend(["documentation_requested"], None, "ITDD-1.0.0").overdue("2027-01-01")
    assert not _pend(["clinical_review_dose_outlier"], "2026-03-02", "ITDD-1.0.0").overdue(
        "2027-01-01"
    )
    denied = _pend(["documentation_requested"], "2026-03-02", "ITDD-1.0.0")
    denied.decision = "deny"
    assert denied.deadline() == date(2026, 4, 16)
    assert not denied.overdue("2027-01-01")


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
