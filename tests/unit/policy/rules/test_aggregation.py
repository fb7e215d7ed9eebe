"""policy/rules/aggregation.py: §6 ITDD-AGG-01 (each 62327 line, denial precedence) and AGG-02 (the
claim: partial, category, the pend block of §8.4)."""

from __future__ import annotations

import pytest

from tests.unit.policy.claim_lines import (
    DURAMORPH,
    GABLOFEN_50,
    INFUMORPH,
    MITIGO,
    PRIALT,
    catheter_line,
    drug_line,
)
from tests.unit.policy.rulecases import (
    AGG,
    COMPLETE_DOC,
    FOLLOWUP_P2,
    PAIN_MN,
    Expect,
    Raw,
    add_lines,
    all_of,
    check,
    claim_of,
    doc,
    drug,
    history,
    line,
    line_decision,
    line_outcome,
    outcomes,
    run,
    setter,
)


def test_agg_01_one_approved_drug_line_approves_the_62327_line() -> None:
    # §6 AGG-01: "If any of its drug lines was approved: approve"; AGG-02 partial = true.
    mutate = add_lines(drug_line(3, MITIGO, 0.1, 10, "intrathecal", "bolus"))
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-EI-02", *AGG), category="F1"))
    assert record["partial"] is True
    assert record["x12_835_clp02"] == "1"
    assert outcomes(record) == [(1, "approve", None), (2, "approve", None), (3, "deny", "55")]


def test_agg_01_drug_line_without_62327_counts_only_in_agg_02() -> None:
    """A later trial day's drug line is decided on its own (§6) and joins the claim outcome."""

    def later_day_drug(raw: Raw) -> None:
        raw["claim"]["lines"].append(
            {
                **line(raw, 2),
                "line_number": 3,
                "service_date": "2026-02-11",
                "dx_pointers": [1],
                "drug": dict(drug(raw, 2)),
            }
        )

    approved = run("ITDD-TC-006", later_day_drug)
    assert [d["decision"] for d in approved["line_decisions"]] == ["approve"] * 3

    def later_day_bolus_as_infusion(raw: Raw) -> None:
        later_day_drug(raw)
        drug(raw, 3)["delivery_mode"] = "continuous"

    partial = run("ITDD-TC-006", later_day_bolus_as_infusion)
    check(partial, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-EI-02", *AGG), category="F1"))
    assert partial["partial"] is True
    assert line_outcome(partial, 1) == ("approve", None)


def test_drug_line_without_62327_counts_in_agg_02_only() -> None:
    # §6: "Drug lines on a DOS without a 62327 line ... count only in AGG-02": the claim
    # approves (partial) although its only 62327 line is denied.
    def mutate(raw: Raw) -> None:
        raw["claim"]["lines"] = [
            catheter_line(1, "2026-02-10"),
            drug_line(2, MITIGO, 0.1, 10, "intrathecal", "bolus"),
            drug_line(3, DURAMORPH, 1.0, 0.5, "intrathecal", "bolus", dos="2026-02-11"),
        ]

    record = run("ITDD-TC-006", mutate)
    check(record, Expect("approve", rule_ids=("ITDD-EI-02", *PAIN_MN, *AGG), category="F1"))
    assert record["partial"] is True
    assert outcomes(record) == [(1, "deny", "55"), (2, "deny", "55"), (3, "approve", None)]


def test_agg_01_pend_beats_deny_and_claim_is_not_partial() -> None:
    # §6: "Else, if any pended: pend"; §8.1: partial is false on pend.
    mutate = all_of(
        setter("doc.purpose", None),
        add_lines(drug_line(3, MITIGO, 0.1, 10, "intrathecal", "bolus")),
    )
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("pend", rule_ids=(*PAIN_MN, "ITDD-DOC-01", "ITDD-EI-02", *AGG)))
    assert record["partial"] is False
    assert record["x12_835_clp02"] is None
    assert outcomes(record) == [(1, "pend", None), (2, "pend", None), (3, "deny", "55")]


@pytest.mark.parametrize(
    ("line2", "line3", "carc"),
    [
        # (line 2 changes, line 3 changes) -> CARC of the 62327 line: 55 > 167 > 197 > 39 >
        # 284 > 302 > 296 > 119 > 50 > 11 (§6 AGG-01).
        ("ei02", "mn_fail", "55"),
        ("freq", "mn_fail", "119"),
        ("ind01", "mn_fail", "50"),
        ("ind01", "ei02", "55"),
    ],
)
def test_agg_01_denial_precedence(line2: str, line3: str, carc: str) -> None:
    def shape(number: int, kind: str) -> Raw:
        if kind == "ei02":
            return drug_line(number, MITIGO, 0.1, 10, "intrathecal", "bolus")
        if kind == "ind01":
            return drug_line(number, DURAMORPH, 1.0, 0.5, "intrathecal", "bolus", pointers=[3])
        if kind == "freq":
            return drug_line(number, GABLOFEN_50, 0.05, 1, "intrathecal", "bolus", pointers=[4])
        return drug_line(number, DURAMORPH, 1.0, 0.5, "intrathecal", "bolus", pointers=[1])

    def mutate(raw: Raw) -> None:
        raw["claim"]["diagnosis_codes"] = ["M96.1", "G89.29", "J45.909", "G82.22"]
        raw["claim"]["lines"] = [catheter_line(1, "2026-02-10"), shape(2, line2), shape(3, line3)]
        doc(raw)["active_infection"] = True  # every MN evaluation fails
        history(agent="baclofen")(raw)

    record = run("ITDD-TC-006", mutate)
    assert record["decision"] == "deny"
    assert record["carc"] == carc
    assert line_decision(record, 1)["carc"] == carc


def test_precedence_across_one_dos_with_lines_out_of_order() -> None:
    # §6 AGG-01: "deny with the CARC/RARC of the highest-precedence denial among its drug lines,
    # in this order: 55 > 167 > 197 > 39 > 284 > 302 > 296 > 119 > 50 > 11"; §2.6: lines in
    # ascending line_number "whatever their order in the lines array"; §8.3 rule_ids by line.
    lines = [
        drug_line(5, DURAMORPH, 1.0, 2, "intrathecal", "bolus", pointers=[2]),  # IND-01: 11
        drug_line(4, GABLOFEN_50, 0.05, 2, "intrathecal", "bolus", pointers=[3]),  # IND-03: 167
        drug_line(
            3, PRIALT, 0.005, 0.48, "intrathecal", "continuous", pointers=[1]
        ),  # PA-01 no PA: 197
        drug_line(2, DURAMORPH, 1.0, 2, "intrathecal", "bolus", pointers=[1]),  # MN-01 fails: 50
        catheter_line(1, "2026-02-10", [1]),
    ]
    facts = dict(COMPLETE_DOC, conservative_therapy_failed_months=3)
    record = run("ITDD-TC-006", claim_of(["M96.1", "J45.909", "R25.2"], lines, facts))
    ids = ("ITDD-MN-01", "ITDD-MN-05", "ITDD-PA-01", "ITDD-IND-03", "ITDD-IND-01", *AGG)
    check(record, Expect("deny", "167", ("N569",), ids, "CO", "F2"))
    assert outcomes(record) == [
        (1, "deny", "167"),
        (2, "deny", "50"),
        (3, "deny", "197"),
        (4, "deny", "167"),
        (5, "deny", "11"),
    ]


def test_agg_02_claim_takes_the_highest_precedence_62327_line() -> None:
    # §6 AGG-02: "those of the 62327 line whose denial has the highest precedence".
    def mutate(raw: Raw) -> None:
        raw["claim"]["lines"] = [
            catheter_line(1, "2026-02-10"),
            drug_line(2, DURAMORPH, 1.0, 0.5, "intrathecal", "bolus"),
            catheter_line(3, "2026-02-11"),
            drug_line(4, PRIALT, 0.005, 0.48, "intrathecal", "continuous", dos="2026-02-11"),
        ]
        doc(raw)["psych_eval_done"] = False

    record = run("ITDD-TC-006", mutate)
    check(
        record,
        Expect("deny", "197", ("M62",), (*PAIN_MN, "ITDD-PA-01", *AGG), "CO", "F2"),
    )
    assert outcomes(record) == [
        (1, "deny", "50"),
        (2, "deny", "50"),
        (3, "deny", "197"),
        (4, "deny", "197"),
    ]


def test_agg_02_denial_takes_the_highest_precedence_62327_line() -> None:
    def two_days(raw: Raw) -> None:
        lines = raw["claim"]["lines"]
        lines.append({**line(raw, 1), "line_number": 3, "service_date": "2026-02-11"})
        lines.append(
            {
                **line(raw, 2),
                "line_number": 4,
                "service_date": "2026-02-11",
                "drug": {**drug(raw, 2), "delivery_mode": "continuous"},
            }
        )
        doc(raw)["psych_eval_contraindication"] = True

    record = run("ITDD-TC-006", two_days)
    check(record, Expect("deny", "55", ("N623",), group_code="CO", category="F2"))
    assert [line_outcome(record, n)[1] for n in (1, 2, 3, 4)] == ["50", "50", "55", "55"]
    assert record["rule_ids"] == [*PAIN_MN, "ITDD-EI-02", *AGG]


def test_agg_02_deny_record_fields() -> None:
    # §8.1 deny: partial false, category F2 after aggregation, CLP02 "1", pend null.
    record = run("ITDD-TC-006", setter("doc.active_infection", True))
    assert record["partial"] is False
    assert record["claim_status_category"] == "F2"
    assert record["x12_835_clp02"] == "1"
    assert record["pend"] is None
    assert record["group_code"] == "CO"


def test_p2_and_p3_lines_pend_p2_with_both_reasons() -> None:
    # §6: "P2 if any pended line is P2, otherwise P3"; §8.4 reasons "the sorted set",
    # documentation_missing from the lines that pend (a SAFE-01 pend too), followup of P2.
    # Line 2 (2026-02-10) pends DOC-01; line 4 (2026-02-11, 12 mg intrathecal) pends SAFE-01.
    def mutate(raw: Raw) -> None:
        doc(raw)["purpose"] = None
        raw["claim"]["lines"] = [
            catheter_line(1, "2026-02-10"),
            drug_line(2, DURAMORPH, 1.0, 0.5, "intrathecal", "bolus"),
            catheter_line(3, "2026-02-11"),
            drug_line(4, INFUMORPH, 25, 0.48, "intrathecal", "continuous", dos="2026-02-11"),
        ]

    record = run("ITDD-TC-006", mutate)
    check(
        record,
        Expect("pend", rule_ids=(*PAIN_MN, "ITDD-DOC-01", "ITDD-SAFE-01", *AGG), category="P2"),
    )
    assert outcomes(record) == [(n, "pend", None) for n in (1, 2, 3, 4)]
    assert record["pend"] == {
        "status_category": "P2",
        "reasons": ["clinical_review_dose_outlier", "documentation_requested"],
        "documentation_missing": ["purpose"],
        "followup": FOLLOWUP_P2,
    }


def test_pend_documentation_missing_comes_only_from_pending_lines() -> None:
    # §8.4: "criterion names ... in the criteria_missing of the lines that pend". Line 4
    # (next DOS, TBI spasticity, baclofen) is denied CO-50 with a missing fact; it is not listed.
    def mutate(raw: Raw) -> None:
        raw["claim"]["diagnosis_codes"] = ["M96.1", "S06.0X0S"]
        doc(raw)["conservative_therapy_failed_months"] = None
        doc(raw)["oral_antispasmodic_failed_weeks"] = 3
        raw["claim"]["lines"] = [
            catheter_line(1, "2026-02-10", [1]),
            drug_line(2, DURAMORPH, 1.0, 0.5, "intrathecal", "bolus", pointers=[1]),
            catheter_line(3, "2026-02-11", [2]),
            drug_line(
                4, GABLOFEN_50, 0.05, 1, "intrathecal", "bolus", pointers=[2], dos="2026-02-11"
            ),
        ]

    record = run("ITDD-TC-006", mutate)
    assert line_decision(record, 4)["decision"] == "deny"
    assert line_decision(record, 4)["criteria_failed"] == [
        "SPASTICITY_ETIOLOGY_TBI:oral_antispasmodic_failed_weeks"
    ]
    assert line_decision(record, 4)["criteria_missing"] == [
        "SPASTICITY_ETIOLOGY_TBI:months_since_brain_injury"
    ]
    check(
        record,
        Expect("pend", rule_ids=(*PAIN_MN, "ITDD-DOC-01", "ITDD-MN-03", *AGG), category="P3"),
    )
    assert record["pend"]["documentation_missing"] == ["conservative_therapy_failed_months"]


def test_pends_of_two_kinds_on_two_days_and_a_co_50_line() -> None:
    # §6 AGG-02: "If any line pends, the claim decision is pend (P2 if any pended line is P2)".
    # §8.4: `reasons` is "the sorted set of the reasons of the drug lines that pend";
    # `documentation_missing` comes from "the criteria_missing of the lines that pend — for a
    # SAFE-01 pend too", so the CO-50 line's months_since_brain_injury is not requested.
    lines = [
        drug_line(4, GABLOFEN_50, 0.05, 2, "intrathecal", "bolus", pointers=[2]),
        drug_line(
            3, MITIGO, 10.0, 1.2, "intrathecal", "continuous", dos="2026-02-11", pointers=[1]
        ),
        drug_line(2, DURAMORPH, 1.0, 2, "intrathecal", "bolus", pointers=[1]),
        catheter_line(1, "2026-02-10", [1, 2]),
    ]
    facts = dict(COMPLETE_DOC, active_infection=None, oral_antispasmodic_failed_weeks=3)
    record = run("ITDD-TC-006", claim_of(["M96.1", "S06.2X9S"], lines, facts))
    check(record, Expect("pend", None, (), category="P2"))
    assert outcomes(record) == [
        (1, "pend", None),
        (2, "pend", None),
        (3, "pend", None),
        (4, "deny", "50"),
    ]
    assert record["pend"] == {
        "status_category": "P2",
        "reasons": ["clinical_review_dose_outlier", "documentation_requested"],
        "documentation_missing": ["active_infection"],
        "followup": FOLLOWUP_P2,
    }
    assert record["line_decisions"][3]["criteria_failed"] == [
        "SPASTICITY_ETIOLOGY_TBI:oral_antispasmodic_failed_weeks"
    ]
    assert record["line_decisions"][3]["criteria_missing"] == [
        "SPASTICITY_ETIOLOGY_TBI:months_since_brain_injury",
        "SPASTICITY_ETIOLOGY_TBI:active_infection",
    ]
    assert record["rule_ids"] == [
        "ITDD-MN-01",
        "ITDD-MN-05",
        "ITDD-DOC-01",
        "ITDD-SAFE-01",
        "ITDD-MN-03",
        *AGG,
    ]
