"""Addendum L.1 (claim-lifecycle.md) in the engine: the snapshot's two re-adjudication fields
and their structure (§E.3), the SAFE-01 review determination, the DOC-01 deadline denial, CARC
226 in the §6 precedence, and the rows of L.5 decided from their snapshots alone.

The amendments hold for both versions, so most tests run under each as a what-if; the ones
where the version itself matters (the 1.1.0 baclofen threshold, the version in force) say so.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from models.request import StructureError, parse_request
from policy.engine import decide
from tests.unit.conftest import CASES, request_of
from tests.unit.policy.claim_lines import INFUMORPH, MITIGO, catheter_line, drug_line
from tests.unit.policy.rulecases import (
    AGG,
    FOLLOWUP_P3,
    PAIN_MN,
    Expect,
    Mutation,
    Raw,
    all_dates,
    all_of,
    check,
    doc,
    line_decision,
    outcomes,
    run,
    setter,
)
from tests.unit.policy.test_public_cases import CONFORMANCE_FIELDS
from tests.unit.workers.replay.helpers import replay, write_lines
from workers.cli import main
from workers.stamp import stamp

VERSIONS = ("1.0.0", "1.1.0")
SEED, WITH_RECORDS, THREE_MONTHS = "ITDD-TC-001", "ITDD-TC-002", "ITDD-TC-003"
OUTLIER = "ITDD-TC-014"  # 25 mg intrathecal morphine, complete documentation: SAFE-01 pends
BACLOFEN_0_9_MG = "ITDD-TC-064"  # pends SAFE-01 under 1.0.0 (0.8 mg), not under 1.1.0 (1.0 mg)
REQUESTED = "2026-03-02"  # L.5: the seed pended P3 on this processing date


def conformance(record: Raw) -> Raw:
    return {field: record[field] for field in CONFORMANCE_FIELDS}


def expected(case_id: str) -> Raw:
    return conformance(CASES[case_id]["expected"])


def review(line_number: Any = 2, determination: Any = "dose_appropriate", **fields: Any) -> Raw:
    """One L.1 `clinical_reviews` entry; `fields` override or, set to None, drop a key."""
    entry = {
        "line_number": line_number,
        "rule": "ITDD-SAFE-01",
        "determination": determination,
        "reviewer_role": "pharmacist",
        "reviewed_on": "2026-03-10",
    }
    entry.update(fields)
    return {key: value for key, value in entry.items() if value is not None}


def _without(entry: Raw, key: str) -> Raw:
    return {k: v for k, v in entry.items() if k != key}


def reviews(*entries: Raw) -> Mutation:
    return setter("context.clinical_reviews", list(entries))


def requested_on(day: Any) -> Mutation:
    return setter("context.documentation_requested_on", day)


def processed_on(day: str) -> Mutation:
    return setter("context.processing_date", day)


def documentation_of(case_id: str) -> Mutation:
    """The records of another public case, as a `documentation_received` event supplies them."""
    return setter("claim.documentation", copy.deepcopy(CASES[case_id]["claim"]["documentation"]))


# ============================================================================================
# §E.3 structure: the two fields are present, not null and malformed -> no decision
# ============================================================================================


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("documentation_requested_on", "20260302", "documentation_requested_on"),
        ("documentation_requested_on", "2026-02-30", "documentation_requested_on"),
        ("documentation_requested_on", "2026-03-02T00:00:00", "documentation_requested_on"),
        ("documentation_requested_on", 20260302, "documentation_requested_on"),
        ("documentation_requested_on", [], "documentation_requested_on"),
        ("clinical_reviews", {}, "clinical_reviews"),
        ("clinical_reviews", "dose_appropriate", "clinical_reviews"),
        ("clinical_reviews", [None], "clinical_reviews.0"),
        ("clinical_reviews", [["ITDD-SAFE-01"]], "clinical_reviews.0"),
        ("clinical_reviews", [review(), review(line_number=0)], "clinical_reviews.1.line_number"),
        ("clinical_reviews", [review(line_number=True)], "clinical_reviews.0.line_number"),
        ("clinical_reviews", [review(line_number=2.0)], "clinical_reviews.0.line_number"),
        ("clinical_reviews", [review(line_number="2")], "clinical_reviews.0.line_number"),
        ("clinical_reviews", [review(rule="ITDD-DOC-01")], "clinical_reviews.0.rule"),
        (
            "clinical_reviews",
            [review(determination="approved")],
            "clinical_reviews.0.determination",
        ),
        ("clinical_reviews", [review(reviewer_role="nurse")], "clinical_reviews.0.reviewer_role"),
        ("clinical_reviews", [review(reviewed_on="2026-3-10")], "clinical_reviews.0.reviewed_on"),
        *(
            ("clinical_reviews", [_without(review(), key)], f"clinical_reviews.0.{key}")
            for key in ("line_number", "rule", "determination", "reviewer_role", "reviewed_on")
        ),
    ],
)
def test_malformed_lifecycle_field_breaks_the_structure(field: str, value: Any, where: str) -> None:
    # L.1 "Structure (§E.3), added": present, not null, and not an ISO date / not an array of
    # objects each with exactly those value types and allowed values.
    raw = request_of(SEED)
    raw["context"][field] = value
    with pytest.raises(StructureError) as raised:
        parse_request(raw)
    assert str(raised.value).startswith(f"context.{where}: ")


@pytest.mark.parametrize(
    "mutate",
    [
        requested_on(None),
        setter("context.clinical_reviews", None),
        reviews(),
        reviews(review(note="extra keys are ignored, §E.3")),
    ],
    ids=["requested-null", "reviews-null", "reviews-empty", "review-extra-key"],
)
def test_null_or_empty_lifecycle_fields_decide_as_a_first_decision(mutate: Mutation) -> None:
    # L.1 "When null or absent": no documentation requested before; no review. (The seed's
    # line 2 is no dose outlier, so a review entry for it is ignored.)
    assert conformance(run(SEED, mutate)) == expected(SEED)


def test_a_snapshot_without_the_new_keys_keeps_its_digest() -> None:
    # L intro: "With the two new snapshot fields absent, every decision, digest and case of
    # cases.jsonl is exactly what it was" (the seed's digest before addendum L).
    record = decide(parse_request(request_of(SEED)))
    assert record.input_digest == "2d1fdf6fd2d085e5a90f820c3634432984e8d8afaf6dcbf01ccb0e7da155e070"


# ============================================================================================
# Step 9, ITDD-SAFE-01 amended: the first review entry for the line decides
# ============================================================================================


@pytest.mark.parametrize("version", VERSIONS)
def test_safe_01_dose_appropriate_goes_on_to_approval(version: str) -> None:
    # L.1: "dose_appropriate: SAFE-01 does not pend; the line goes on to ... step 11";
    # "rule_ids lists ITDD-SAFE-01 ... when an entry decides the line".
    record = run(OUTLIER, reviews(review()), version)
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-SAFE-01", *AGG), category="F1"))
    assert record["x12_835_clp02"] == "1"
    assert outcomes(record) == [(1, "approve", None), (2, "approve", None)]


@pytest.mark.parametrize("version", VERSIONS)
def test_safe_01_dose_appropriate_with_missing_criteria_goes_on_to_doc_01(version: str) -> None:
    # L.1: "the line goes on to step 10 (DOC-01 may still pend it)".
    record = run(OUTLIER, all_of(setter("doc.purpose", None), reviews(review())), version)
    check(
        record,
        Expect("pend", rule_ids=(*PAIN_MN, "ITDD-SAFE-01", "ITDD-DOC-01", *AGG), category="P3"),
    )
    assert record["pend"] == {
        "status_category": "P3",
        "reasons": ["documentation_requested"],
        "documentation_missing": ["purpose"],
        "followup": FOLLOWUP_P3,
    }
    assert line_decision(record, 2)["criteria_missing"] == ["PAIN_NONCANCER:purpose"]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("purpose", "criteria_missing"),
    [("idd_trial", None), (None, ["PAIN_NONCANCER:purpose"])],
    ids=["criteria-pass", "criteria-missing"],
)
def test_safe_01_dose_not_appropriate_denies_co_50(
    version: str, purpose: str | None, criteria_missing: list[str] | None
) -> None:
    # L.1: "dose_not_appropriate: deny the line CO-50 / N661; its criteria lists as for a
    # SAFE-01 pend (§8.2)": present only when step 8 found no passing covered group.
    mutate = all_of(setter("doc.purpose", purpose), reviews(review(2, "dose_not_appropriate")))
    record = run(OUTLIER, mutate, version)
    check(
        record,
        Expect("deny", "50", ("N661",), (*PAIN_MN, "ITDD-SAFE-01", *AGG), "CO", "F2"),
    )
    assert record["x12_835_clp02"] == "1"
    assert record["pend"] is None
    assert outcomes(record) == [(1, "deny", "50"), (2, "deny", "50")]
    assert line_decision(record, 2)["rarc"] == ["N661"]
    assert line_decision(record, 2).get("criteria_missing") == criteria_missing
    assert "criteria_failed" not in line_decision(record, 2)


@pytest.mark.parametrize("version", VERSIONS)
def test_safe_01_reviews_of_other_lines_leave_the_pend(version: str) -> None:
    # L.1: the entry "with this line's line_number"; none -> "pend P2 as before".
    mutate = reviews(review(1, "dose_not_appropriate"), review(3, "dose_appropriate"))
    assert conformance(run(OUTLIER, mutate, version)) == expected(OUTLIER)


@pytest.mark.parametrize("version", VERSIONS)
def test_safe_01_review_of_a_line_under_the_threshold_is_ignored(version: str) -> None:
    # L.1: "An entry for a line whose total is not above the threshold is ignored" (TC-002:
    # 1 mg intrathecal morphine, approved).
    mutate = reviews(review(2, "dose_not_appropriate"))
    assert conformance(run(WITH_RECORDS, mutate, version)) == expected(WITH_RECORDS)


@pytest.mark.parametrize(
    ("version", "outcome"),
    [("1.0.0", Expect("deny", "50", ("N661",))), ("1.1.0", Expect("approve"))],
)
def test_safe_01_review_counts_only_above_the_versions_threshold(
    version: str, outcome: Expect
) -> None:
    # 0.9 mg intrathecal baclofen: above 1.0.0's 0.8 mg, so the review denies; not above
    # 1.1.0's 1.0 mg (policy-changes-1.1.0 §3.5), so the same entry is ignored.
    record = run(BACLOFEN_0_9_MG, reviews(review(2, "dose_not_appropriate")), version)
    check(record, outcome)
    assert ("ITDD-SAFE-01" in record["rule_ids"]) is (version == "1.0.0")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("first", "second", "decision"),
    [
        ("dose_appropriate", "dose_not_appropriate", "approve"),
        ("dose_not_appropriate", "dose_appropriate", "deny"),
    ],
)
def test_safe_01_first_matching_entry_wins(
    version: str, first: str, second: str, decision: str
) -> None:
    # L.1: "the first entry of clinical_reviews with this line's line_number and rule
    # ITDD-SAFE-01 decides" (an entry for another line before it does not count).
    mutate = reviews(review(1, "dose_not_appropriate"), review(2, first), review(2, second))
    assert run(OUTLIER, mutate, version)["decision"] == decision


@pytest.mark.parametrize("version", VERSIONS)
def test_safe_01_each_outlier_line_is_decided_by_its_own_entry(version: str) -> None:
    # Two 7.5 mg intrathecal lines on one DOS: 15 mg, both above 10 mg. Only line 3 has a
    # review: line 3 approves, line 2 still pends P2; the 62327 line follows its approved line.
    lines = [
        catheter_line(1, "2026-02-10"),
        drug_line(2, INFUMORPH, 25, 0.3, "intrathecal", "continuous"),
        drug_line(3, INFUMORPH, 25, 0.3, "intrathecal", "continuous"),
    ]
    mutate = all_of(setter("claim.lines", lines), reviews(review(3, "dose_appropriate")))
    record = run(OUTLIER, mutate, version)
    check(record, Expect("pend", rule_ids=(*PAIN_MN, "ITDD-SAFE-01", *AGG), category="P2"))
    assert record["pend"]["reasons"] == ["clinical_review_dose_outlier"]
    assert outcomes(record) == [(1, "approve", None), (2, "pend", None), (3, "approve", None)]


# ============================================================================================
# Step 10, ITDD-DOC-01 amended: deny CO-226/N706 past the deadline
# ============================================================================================


def _seed_denied_co_226(record: Raw) -> None:
    """L.5 "calendar opens 2026-04-17, nothing received": CO-226/N706 on both lines and the
    claim, F2, CLP02 "1", `rule_ids` those of the pend, the pend's criteria and finding kept."""
    seed = expected(SEED)
    check(record, Expect("deny", "226", ("N706",), tuple(seed["rule_ids"]), "CO", "F2"))
    assert record["x12_835_clp02"] == "1"
    assert record["pend"] is None
    assert outcomes(record) == [(1, "deny", "226"), (2, "deny", "226")]
    assert [d["rarc"] for d in record["line_decisions"]] == [["N706"], ["N706"]]
    pended_line = seed["line_decisions"][1]
    assert line_decision(record, 2)["criteria_missing"] == pended_line["criteria_missing"]
    assert record["informational_findings"] == seed["informational_findings"]


@pytest.mark.parametrize("version", VERSIONS)
def test_doc_01_pends_up_to_the_45th_day(version: str) -> None:
    # L.1 example: "requested on 2026-03-02, records must arrive by 2026-04-16".
    record = run(SEED, all_of(requested_on(REQUESTED), processed_on("2026-04-16")), version)
    assert conformance(record) == expected(SEED)


@pytest.mark.parametrize("version", VERSIONS)
def test_doc_01_denies_co_226_after_the_45th_day(version: str) -> None:
    # L.1 example: "a decision with processing_date 2026-04-17 denies".
    record = run(SEED, all_of(requested_on(REQUESTED), processed_on("2026-04-17")), version)
    _seed_denied_co_226(record)


@pytest.mark.parametrize("version", VERSIONS)
def test_doc_01_never_denies_without_a_request_date(version: str) -> None:
    # L.1: "If documentation_requested_on is an ISO date and ..."; otherwise "pend P3".
    record = run(SEED, all_of(requested_on(None), processed_on("2026-12-31")), version)
    assert conformance(record) == expected(SEED)


@pytest.mark.parametrize("version", VERSIONS)
def test_doc_01_denial_keeps_criteria_failed_and_missing(version: str) -> None:
    # L.1: "(rule ITDD-DOC-01, its criteria_missing and criteria_failed kept)". Pain and
    # cancer pain covered: MN-02 fails (2 months to live, trial), MN-01 is missing -> DOC-01.
    base = all_of(
        setter("claim.diagnosis_codes", ["M96.1", "G89.3"]),
        setter("doc.purpose", "idd_trial"),
        setter("doc.systemic_opioids_failed_or_intolerant", True),
        setter("doc.life_expectancy_months", 2),
        requested_on(REQUESTED),
    )
    pended = run(SEED, all_of(base, processed_on("2026-04-16")), version)
    denied = run(SEED, all_of(base, processed_on("2026-04-17")), version)
    assert (pended["decision"], denied["decision"], denied["carc"]) == ("pend", "deny", "226")
    kept = line_decision(denied, 2)
    assert kept["criteria_failed"] == ["PAIN_CANCER:life_expectancy_months>=3_for_trial"]
    assert kept["criteria_missing"] == line_decision(pended, 2)["criteria_missing"]
    assert "PAIN_NONCANCER:conservative_therapy_failed_months" in kept["criteria_missing"]


def test_doc_01_deadline_under_the_version_in_force() -> None:
    # §1.6 picks 1.1.0 for a header DOS and processing date from 2026-07-01; L.1 holds there:
    # requested 2026-07-10, the 45th day is 2026-08-24.
    def mutate(day: str) -> Mutation:
        return all_of(all_dates("2026-07-06"), requested_on("2026-07-10"), processed_on(day))

    pended, denied = run(SEED, mutate("2026-08-24")), run(SEED, mutate("2026-08-25"))
    assert pended["policy_version"] == denied["policy_version"] == "ITDD-1.1.0"
    assert pended["claim_status_category"] == "P3"
    _seed_denied_co_226(denied)


# ============================================================================================
# §6 precedence with 226: 50 > 226 > 11
# ============================================================================================

# Line 2 points to cancer pain only (MN-02 fails: two months to live) -> CO-50; line 2 points
# to a non-ITDD diagnosis -> CO-11 (IND-01); line 3 points to non-cancer pain, its facts are
# missing -> DOC-01, denied CO-226 at 2026-04-17.
_MN_FAILS = drug_line(2, MITIGO, 0.1, 10, "intrathecal", "continuous", pointers=[2])
_NO_ITDD_POINTER = drug_line(2, MITIGO, 0.1, 10, "intrathecal", "continuous", pointers=[3])


def _past_deadline_claim(*lines: Raw) -> Mutation:
    def mutate(raw: Raw) -> None:
        raw["claim"]["diagnosis_codes"] = ["M96.1", "G89.3", "J45.909"]
        raw["claim"]["lines"] = copy.deepcopy(list(lines))
        doc(raw).update(
            purpose="idd_trial",
            systemic_opioids_failed_or_intolerant=True,
            life_expectancy_months=2,
        )
        raw["context"].update(documentation_requested_on=REQUESTED, processing_date="2026-04-17")

    return mutate


RARC = {"50": ["N661"], "226": ["N706"], "11": []}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("other", "other_carc", "claim_carc", "rule_ids"),
    [
        (_MN_FAILS, "50", "50", ("ITDD-MN-02", "ITDD-MN-05", "ITDD-MN-01")),
        (_NO_ITDD_POINTER, "11", "226", ("ITDD-IND-01", *PAIN_MN)),
    ],
    ids=["50-beats-226", "226-beats-11"],
)
def test_agg_01_ranks_226_between_50_and_11(
    version: str, other: Raw, other_carc: str, claim_carc: str, rule_ids: tuple[str, ...]
) -> None:
    # §6 with L.1: "55 > 167 > 197 > 39 > 284 > 302 > 296 > 119 > 50 > 226 > 11".
    overdue = drug_line(3, MITIGO, 0.1, 10, "intrathecal", "continuous", pointers=[1])
    mutate = _past_deadline_claim(catheter_line(1, "2026-02-10", [1]), other, overdue)
    record = run(SEED, mutate, version)
    rarc = tuple(RARC[claim_carc])
    check(record, Expect("deny", claim_carc, rarc, (*rule_ids, "ITDD-DOC-01", *AGG), "CO", "F2"))
    assert [(d["line_number"], d["carc"], d["rarc"]) for d in record["line_decisions"]] == [
        (1, claim_carc, RARC[claim_carc]),
        (2, other_carc, RARC[other_carc]),
        (3, "226", ["N706"]),
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_agg_02_ranks_226_above_11_across_62327_lines(version: str) -> None:
    # §6 AGG-02: the claim takes the 62327 line "whose denial has the highest precedence".
    mutate = _past_deadline_claim(
        catheter_line(1, "2026-02-10", [1]),
        _NO_ITDD_POINTER,
        catheter_line(3, "2026-02-11", [1]),
        drug_line(4, MITIGO, 0.1, 10, "intrathecal", "continuous", dos="2026-02-11", pointers=[1]),
    )
    record = run(SEED, mutate, version)
    check(record, Expect("deny", "226", ("N706",), group_code="CO", category="F2"))
    assert outcomes(record) == [
        (1, "deny", "11"),
        (2, "deny", "11"),
        (3, "deny", "226"),
        (4, "deny", "226"),
    ]


# ============================================================================================
# L.5: the seed's follow-ups, each decided from its snapshot by the engine alone
# ============================================================================================


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("case_id", "day"),
    [(WITH_RECORDS, "2026-03-20"), (THREE_MONTHS, "2026-03-20"), (WITH_RECORDS, "2026-04-15")],
    ids=["TC-002-records", "TC-003-records", "TC-002-records-dated-before-the-deadline"],
)
def test_l5_records_received_decide_as_their_case(version: str, case_id: str, day: str) -> None:
    # L.5: TC-002's facts -> "approve F1, the TC-002 fields, the spasticity E/I finding kept";
    # TC-003's -> "deny CO-50/N661, the TC-003 fields"; TC-002's dated 2026-04-15 -> approve.
    mutate = all_of(documentation_of(case_id), requested_on(REQUESTED), processed_on(day))
    record = run(SEED, mutate, version)
    assert conformance(record) == expected(case_id)
    assert (
        record["trial_result_percent_relief"]
        == doc(request_of(case_id))["trial_result_percent_relief"]
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_l5_purpose_alone_pends_again_for_the_rest(version: str) -> None:
    # L.5: only purpose "idd_trial" at 2026-03-10 -> "pend P3 again, documentation_missing
    # without purpose".
    mutate = all_of(setter("doc.purpose", "idd_trial"), requested_on(REQUESTED))
    record = run(SEED, all_of(mutate, processed_on("2026-03-10")), version)
    seed = expected(SEED)
    check(record, Expect("pend", rule_ids=tuple(seed["rule_ids"]), category="P3"))
    assert record["pend"]["documentation_missing"] == [
        name for name in seed["pend"]["documentation_missing"] if name != "purpose"
    ]
    assert "PAIN_NONCANCER:purpose" not in line_decision(record, 2)["criteria_missing"]
    assert record["informational_findings"] == seed["informational_findings"]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("day", "denied"), [("2026-04-16", False), ("2026-04-17", True)])
def test_l5_calendar_days_with_nothing_received(version: str, day: str, denied: bool) -> None:
    # L.5: "calendar opens 2026-04-16: nothing"; "2026-04-17, nothing received: deny
    # CO-226/N706 on both lines and the claim, F2, rule_ids those of the pend".
    record = run(SEED, all_of(requested_on(REQUESTED), processed_on(day)), version)
    if denied:
        _seed_denied_co_226(record)
    else:
        assert conformance(record) == expected(SEED)


# ============================================================================================
# The commands: `decide` and a file `replay` take requests carrying the new fields
# ============================================================================================


def _overdue_seed() -> Raw:
    raw = request_of(SEED)
    raw["context"].update(
        documentation_requested_on=REQUESTED,
        processing_date="2026-04-17",
        clinical_reviews=[review(2, "dose_appropriate")],
    )
    return raw


def test_decide_command_accepts_the_lifecycle_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "requests.jsonl"
    source.write_text(json.dumps(_overdue_seed()) + "\n")
    assert main(["decide", str(source), "--no-stamp"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    _seed_denied_co_226(json.loads(line))


def test_file_replay_reproduces_a_record_decided_on_the_lifecycle_fields(tmp_path: Path) -> None:
    request = _overdue_seed()
    original = stamp(decide(parse_request(request))).to_dict()
    history = write_lines(tmp_path / "h.jsonl", [{"request": request, "decision": original}])
    report, (line,) = replay(history, tmp_path / "out.jsonl")
    assert report.counts["reproduced"] == 1
    _seed_denied_co_226(json.loads(line))
