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


# `line_rule_ids` is not a conformance field (§E.1 lists the fields of `expected`): which rules
# decided each line, by value for a few cases.
LINE_RULE_IDS = {
    # §9, the seed: the catheter line follows its drug line (AGG-01); the morphine line records
    # the E/I finding for spasticity, then pends DOC-01 on the pain indication.
    "ITDD-TC-001": [
        (1, ["ITDD-AGG-01"]),
        (2, ["ITDD-EI-01", "ITDD-IND-02", "ITDD-MN-01", "ITDD-MN-05", "ITDD-DOC-01"]),
    ],
    # The drug line denied E/I (step 2), the catheter line with it.
    "ITDD-TC-004": [(1, ["ITDD-AGG-01"]), (2, ["ITDD-EI-01"])],
    # §8.3's example: MN-05 is listed once in rule_ids, but each drug line evaluated it.
    "ITDD-TC-023": [
        (1, ["ITDD-AGG-01"]),
        (2, ["ITDD-MN-01", "ITDD-MN-05"]),
        (3, ["ITDD-MN-03", "ITDD-MN-05"]),
    ],
    # An other line: imaging bundled into 62327 on the same date.
    "ITDD-TC-036": [(1, ["ITDD-AGG-01"]), (2, ["ITDD-MN-01", "ITDD-MN-05"]), (3, ["ITDD-BUN-01"])],
    # A claim-level gate: it decided every line.
    "ITDD-TC-058": [(1, ["ITDD-COD-02"]), (2, ["ITDD-COD-02"])],
}


@pytest.mark.parametrize("case_id", sorted(LINE_RULE_IDS))
def test_each_line_names_the_rules_that_decided_it(case_id: str) -> None:
    record = decide_raw(request_of(case_id))
    got = [(e["line_number"], e["rule_ids"]) for e in record["line_rule_ids"]]
    assert got == LINE_RULE_IDS[case_id]


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_line_rule_ids_follow_the_line_decisions_and_give_rule_ids(case_id: str) -> None:
    """One entry per line decision, in its order; walked as §8.3 walks the lines, they give
    the claim's `rule_ids` (AGG-01 deciding catheter lines is appended once, with AGG-02)."""
    record = decide_raw(request_of(case_id))
    entries = record["line_rule_ids"]
    assert [e["line_number"] for e in entries] == [
        d["line_number"] for d in record["line_decisions"]
    ]
    if record["decision"] == "ignore":
        assert entries == []
        return
    walked: list[str] = []
    for rule_id in (r for e in entries for r in e["rule_ids"] if r != "ITDD-AGG-01"):
        if rule_id not in walked:
            walked.append(rule_id)
    if "ITDD-AGG-02" in record["rule_ids"]:
        walked += ["ITDD-AGG-01", "ITDD-AGG-02"]
    assert walked == record["rule_ids"]
    assert all(e["rule_ids"] for e in entries)
