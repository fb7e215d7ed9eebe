"""policy/record.py: the §8.1 record fields the rules do not decide: trial_result_percent_relief,
reference_versions, and claim_status_category, CLP02 and the pend block by decision (§8.4)."""

from __future__ import annotations

import pytest

from tests.unit.conftest import decide_raw, request_of
from tests.unit.policy.rulecases import FOLLOWUP_P2, FOLLOWUP_P3, NOTHING, all_dates, run, setter
from tests.unit.policy.verdicts import claim_outcome


@pytest.mark.parametrize(("value", "copied"), [(60, 60), (72.5, 72.5), ("60", None), (True, None)])
def test_trial_result_percent_relief_copied_only_when_a_number(
    value: object, copied: object
) -> None:
    # §8.1: "copied from the documentation when it is a number, else null"; §2.5 number.
    record = run("ITDD-TC-006", setter("doc.trial_result_percent_relief", value))
    assert record["trial_result_percent_relief"] == copied
    assert type(record["trial_result_percent_relief"]) is type(copied)


def test_reference_versions_fy2025_for_a_2025_header_dos() -> None:
    # §8.1: icd10cm is "the fiscal year of the header DOS"; drug_file "2026-01" for 1.0.0.
    record = run("ITDD-TC-040", NOTHING)
    assert record["policy_version"] == "ITDD-1.0.0"
    assert record["reference_versions"] == {
        "icd10cm": "FY2025",
        "drug_file": "2026-01",
        "ncci": "n/a",
    }


def test_reference_versions_on_ignore_and_bad_dates() -> None:
    # §8.1 icd10cm: null when the header DOS is not an ISO date.
    raw = request_of("ITDD-TC-006")
    raw["claim"]["service_date"] = "2026-02-30"
    assert decide_raw(raw)["reference_versions"] == {
        "icd10cm": None,
        "drug_file": "2026-01",
        "ncci": "n/a",
    }
    # Header DOS before 2025-01-01 (SCOPE-04): the only values §8.1 allows are FY2025 and
    # FY2026; the engine reports FY2025 (see the report's questions).
    raw = request_of("ITDD-TC-006")
    all_dates("2024-09-30")(raw)
    record = decide_raw(raw)
    assert claim_outcome(record) == ("ignore", None, [], ["ITDD-SCOPE-04"])
    assert record["reference_versions"]["icd10cm"] == "FY2025"


RECORD_CASES = [
    ("ITDD-TC-006", "approve", "F1", "1", None, None),
    ("ITDD-TC-003", "deny", "F2", "1", None, None),
    ("ITDD-TC-054", "deny", "F2", "4", None, None),  # ELIG-01
    ("ITDD-TC-043", "deny", "A6", "1", None, None),  # DX-01
    ("ITDD-TC-057", "deny", "A7", "1", None, None),  # VAL-04
    ("ITDD-TC-001", "pend", "P3", None, FOLLOWUP_P3, ["documentation_requested"]),
    ("ITDD-TC-027", "pend", "P2", None, FOLLOWUP_P2, ["prior_authorization_pending"]),
    ("ITDD-TC-014", "pend", "P2", None, FOLLOWUP_P2, ["clinical_review_dose_outlier"]),
    ("ITDD-TC-034", "ignore", None, None, None, None),
]


def test_record_category_clp02_and_pend() -> None:
    # §8.1 table (claim_status_category, x12_835_clp02) and §8.4 (reasons, followup).
    for case, decision, category, clp02, followup, reasons in RECORD_CASES:
        record = decide_raw(request_of(case))
        got = (record["decision"], record["claim_status_category"], record["x12_835_clp02"])
        assert got == (decision, category, clp02), case
        if followup is None:
            assert record["pend"] is None
        else:
            assert record["pend"]["status_category"] == category
            assert (record["pend"]["followup"], record["pend"]["reasons"]) == (followup, reasons)
