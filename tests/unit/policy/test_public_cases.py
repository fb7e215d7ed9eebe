"""Golden test: every public case reproduces every conformance field (policy-spec §E.1)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.conftest import CASES, decide_raw, request_of

CONFORMANCE_FIELDS = (
    "decision",
    "partial",
    "claim_status_category",
    "group_code",
    "carc",
    "rarc",
    "x12_835_clp02",
    "rule_ids",
    "pend",
    "line_decisions",
    "informational_findings",
)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_public_case_reproduces_expected_record(case_id: str) -> None:
    expected: dict[str, Any] = CASES[case_id]["expected"]
    record = decide_raw(request_of(case_id))
    assert {f: record[f] for f in CONFORMANCE_FIELDS} == {
        f: expected[f] for f in CONFORMANCE_FIELDS
    }
    assert record["policy_version"] == "ITDD-1.0.0"


def test_public_case_counts_match_spec_section_10() -> None:
    decisions = [decide_raw(request_of(case_id)) for case_id in CASES]
    counts = {d: sum(r["decision"] == d for r in decisions) for d in ("approve", "deny", "pend")}
    assert counts == {"approve": 14, "deny": 42, "pend": 6}
    assert sum(r["decision"] == "approve" and r["partial"] for r in decisions) == 2
    assert sorted(r["claim_status_category"] for r in decisions if r["decision"] == "pend") == [
        "P2",
        "P2",
        "P2",
        "P3",
        "P3",
        "P3",
    ]
