"""policy/rules/medical_necessity.py: the §4.1 criteria ITDD-MN-01 … MN-05, the fact types of §2.3
and Appendix C, and how groups pass, fail or miss (§5.5 step 8, criteria lists of §8.2)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.policy.claim_lines import decide_with_dx
from tests.unit.policy.rulecases import (
    AGG,
    CANCER_MN,
    FOLLOWUP_P3,
    PAIN_MN,
    SPAS_MN,
    Expect,
    Raw,
    all_of,
    check,
    doc,
    line_decision,
    run,
    setter,
)
from tests.unit.policy.verdicts import APPROVE_SP, claim_outcome


@pytest.mark.parametrize(
    ("base", "fact", "value", "rule"),
    [
        ("ITDD-TC-006", "conservative_therapy_failed_months", 5, "ITDD-MN-01"),
        ("ITDD-TC-012", "systemic_opioids_failed_or_intolerant", False, "ITDD-MN-02"),
        ("ITDD-TC-016", "oral_antispasmodic_failed_weeks", 5, "ITDD-MN-03"),
        ("ITDD-TC-025", "history_of_psychosis", True, "ITDD-MN-04"),
        ("ITDD-TC-006", "drug_hypersensitivity", True, "ITDD-MN-05"),
    ],
)
def test_mn_rules_deny_co_50_on_a_failed_criterion(
    base: str, fact: str, value: object, rule: str
) -> None:
    record = run(base, setter(f"doc.{fact}", value))
    check(record, Expect("deny", "50", ("N661",)))
    assert rule in record["rule_ids"]
    drug_line = next(d for d in record["line_decisions"] if d.get("criteria_failed"))
    assert any(entry.endswith(f":{fact}") for entry in drug_line["criteria_failed"])


@pytest.mark.parametrize(("months", "decision"), [(6, "approve"), (5, "deny")])
def test_mn_01_conservative_therapy_boundary_is_at_least_six(months: int, decision: str) -> None:
    # §4.1 MN-01: conservative_therapy_failed_months "≥ 6".
    record = run("ITDD-TC-006", setter("doc.conservative_therapy_failed_months", months))
    assert record["decision"] == decision
    if decision == "deny":
        assert line_decision(record, 2)["criteria_failed"] == [
            "PAIN_NONCANCER:conservative_therapy_failed_months"
        ]


def test_mn_01_therapeutic_infusion_fails_purpose() -> None:
    # §2.3: therapeutic_infusion "is accepted only for PAIN_CANCER (MN-01 and MN-03 require
    # idd_trial)"; a documented failure denies CO-50/N661 (§5.5 step 8).
    record = run("ITDD-TC-006", setter("doc.purpose", "therapeutic_infusion"))
    check(record, Expect("deny", "50", ("N661",), (*PAIN_MN, *AGG), "CO", "F2"))
    assert line_decision(record, 2)["criteria_failed"] == ["PAIN_NONCANCER:purpose"]
    assert "criteria_missing" not in line_decision(record, 2)


@pytest.mark.parametrize(
    ("fact", "value"),
    [
        ("conservative_therapy_failed_months", 12.0),
        ("conservative_therapy_failed_months", "12"),
        ("conservative_therapy_failed_months", True),
        ("systemic_opioids_failed_or_intolerant", 1),
        ("systemic_opioids_failed_or_intolerant", "true"),
        ("psych_eval_done", 1),
        ("psych_eval_contraindication", 0),
        ("active_infection", 0),
        ("purpose", "implant"),
        ("purpose", "IDD_TRIAL"),
        ("purpose", ["idd_trial"]),
    ],
)
def test_fact_of_the_wrong_type_is_missing(fact: str, value: object) -> None:
    # §2.3: "A fact is missing when it is null, absent, or of another type than §C gives it
    # (for example "12" or 12.0 for an integer fact, "true" or 1 for a boolean fact,
    # "implant" for purpose)." Missing, none failing -> DOC-01 pend P3 (§5.5 steps 8, 10).
    record = run("ITDD-TC-006", setter(f"doc.{fact}", value))
    check(record, Expect("pend", None, (), (*PAIN_MN, "ITDD-DOC-01", *AGG), category="P3"))
    assert line_decision(record, 2)["criteria_missing"] == [f"PAIN_NONCANCER:{fact}"]
    assert record["pend"] == {
        "status_category": "P3",
        "reasons": ["documentation_requested"],
        "documentation_missing": [fact],
        "followup": FOLLOWUP_P3,
    }


def test_wrongly_typed_fact_is_missing_not_failed() -> None:
    record = run("ITDD-TC-006", setter("doc.conservative_therapy_failed_months", "12"))
    check(record, Expect("pend", rule_ids=(*PAIN_MN, "ITDD-DOC-01", *AGG), category="P3"))
    assert record["pend"]["documentation_missing"] == ["conservative_therapy_failed_months"]


def test_absent_fact_is_missing() -> None:
    # §2.3: "missing when it is null, absent, ...".
    def drop(raw: Raw) -> None:
        del doc(raw)["psych_eval_done"]

    record = run("ITDD-TC-006", drop)
    assert record["pend"]["documentation_missing"] == ["psych_eval_done"]


@pytest.mark.parametrize(
    ("fact", "value"),
    [("conservative_therapy_failed_months", 0), ("psych_eval_done", False)],
)
def test_false_and_zero_are_values_not_missing(fact: str, value: object) -> None:
    # §2.3: "false and 0 are values, not missing."
    record = run("ITDD-TC-006", setter(f"doc.{fact}", value))
    check(record, Expect("deny", "50", ("N661",), (*PAIN_MN, *AGG)))
    assert line_decision(record, 2)["criteria_failed"] == [f"PAIN_NONCANCER:{fact}"]


def test_null_documentation_means_every_fact_missing() -> None:
    # §2.3: "A documentation object that is null or absent means every fact is missing";
    # §8.2: criteria in §4.1 order, MN-05 criteria under the group.
    record = run("ITDD-TC-006", setter("claim.documentation", None))
    check(record, Expect("pend", None, (), (*PAIN_MN, "ITDD-DOC-01", *AGG), category="P3"))
    names = [
        "purpose",
        "conservative_therapy_failed_months",
        "systemic_opioids_failed_or_intolerant",
        "psych_eval_done",
        "psych_eval_contraindication",
        "active_infection",
        "anticoagulation_or_bleeding_diathesis",
        "drug_hypersensitivity",
    ]
    assert line_decision(record, 2)["criteria_missing"] == [f"PAIN_NONCANCER:{n}" for n in names]
    assert record["pend"]["documentation_missing"] == sorted(names)
    assert record["trial_result_percent_relief"] is None


@pytest.mark.parametrize(
    ("changes", "decision", "failed", "missing"),
    [
        # purpose missing: the >=3 check is "evaluated only when purpose = idd_trial".
        ({"purpose": None, "life_expectancy_months": 2}, "pend", None, ["purpose"]),
        # idd_trial, life expectancy of the wrong type: missing, and >=3 is not evaluated.
        (
            {"purpose": "idd_trial", "life_expectancy_months": "4"},
            "pend",
            None,
            ["life_expectancy_months"],
        ),
        ({"purpose": "idd_trial", "life_expectancy_months": 3}, "approve", None, None),
        (
            {"purpose": "idd_trial", "life_expectancy_months": 2},
            "deny",
            ["life_expectancy_months>=3_for_trial"],
            None,
        ),
        # "documented (any integer, 0 included)"; with therapeutic_infusion any value is fine.
        ({"purpose": "therapeutic_infusion", "life_expectancy_months": 0}, "approve", None, None),
        ({"purpose": "therapeutic_infusion", "life_expectancy_months": -1}, "approve", None, None),
        (
            {"purpose": "therapeutic_infusion", "life_expectancy_months": 2.0},
            "pend",
            None,
            ["life_expectancy_months"],
        ),
    ],
)
def test_mn_02_cancer_pain_criteria(
    changes: dict[str, Any], decision: str, failed: list[str] | None, missing: list[str] | None
) -> None:
    # §4.1 MN-02 table and A-13.
    record = run("ITDD-TC-012", lambda raw: doc(raw).update(changes))
    assert record["decision"] == decision
    assert record["rule_ids"][:2] == list(CANCER_MN)
    drug_line = line_decision(record, 2)
    assert drug_line.get("criteria_failed") == (
        None if failed is None else [f"PAIN_CANCER:{n}" for n in failed]
    )
    assert drug_line.get("criteria_missing") == (
        None if missing is None else [f"PAIN_CANCER:{n}" for n in missing]
    )


def test_mn_02_life_expectancy_checked_only_for_trials() -> None:
    assert run("ITDD-TC-012", lambda raw: None)["decision"] == "approve"  # infusion, 2 months
    check(run("ITDD-TC-013", lambda raw: None), Expect("deny", "50", ("N661",)))


def test_mn_03_therapeutic_infusion_fails_for_spasticity() -> None:
    # §4.1 MN-03: purpose "= idd_trial".
    record = run("ITDD-TC-016", setter("doc.purpose", "therapeutic_infusion"))
    check(record, Expect("deny", "50", ("N661",), (*SPAS_MN, *AGG)))
    assert line_decision(record, 2)["criteria_failed"] == [
        "SPASTICITY_ETIOLOGY:purpose",
    ]


@pytest.mark.parametrize(("weeks", "decision"), [(6, "approve"), (5, "deny")])
def test_mn_03_oral_antispasmodic_boundary(weeks: int, decision: str) -> None:
    # §4.1 MN-03: oral_antispasmodic_failed_weeks "≥ 6".
    record = run("ITDD-TC-016", setter("doc.oral_antispasmodic_failed_weeks", weeks))
    assert record["decision"] == decision


def test_mn_03_both_spasticity_groups_one_passing_approves() -> None:
    # §5.5 step 8: "If any covered group passes, the line ... is approved"; the TBI group's
    # missing months_since_brain_injury does not prevent it. MN-03 is listed once (§8.3).
    mutate = setter("claim.diagnosis_codes", ["G82.22", "S06.0X0S"])
    record = run("ITDD-TC-016", mutate)
    check(record, Expect("approve", rule_ids=(*SPAS_MN, *AGG)))
    assert "criteria_missing" not in line_decision(record, 2)


def test_mn_03_both_spasticity_groups_criteria_per_group() -> None:
    # §8.2: "groups in ascending name order, criteria in the order of §4.1, the MN-04 and
    # MN-05 criteria repeated under each group". Every group missing -> DOC-01.
    mutate = all_of(
        setter("claim.diagnosis_codes", ["G82.22", "S06.0X0S"]),
        setter("doc.oral_antispasmodic_failed_weeks", None),
        setter("doc.drug_hypersensitivity", None),
    )
    record = run("ITDD-TC-016", mutate)
    check(record, Expect("pend", rule_ids=(*SPAS_MN, "ITDD-DOC-01", *AGG), category="P3"))
    assert line_decision(record, 2)["criteria_missing"] == [
        "SPASTICITY_ETIOLOGY:oral_antispasmodic_failed_weeks",
        "SPASTICITY_ETIOLOGY:drug_hypersensitivity",
        "SPASTICITY_ETIOLOGY_TBI:oral_antispasmodic_failed_weeks",
        "SPASTICITY_ETIOLOGY_TBI:months_since_brain_injury",
        "SPASTICITY_ETIOLOGY_TBI:drug_hypersensitivity",
    ]
    assert record["pend"]["documentation_missing"] == [
        "drug_hypersensitivity",
        "months_since_brain_injury",
        "oral_antispasmodic_failed_weeks",
    ]


def test_mn_03_tbi_requires_twelve_months() -> None:
    tbi = setter("claim.diagnosis_codes", ["S06.0X0S", "S24.104S"])
    record = run("ITDD-TC-016", all_of(tbi, setter("line2.dx_pointers", [1])))
    check(record, Expect("pend", category="P3"))
    assert record["pend"]["documentation_missing"] == ["months_since_brain_injury"]
    recent = run(
        "ITDD-TC-016",
        all_of(tbi, setter("line2.dx_pointers", [1]), setter("doc.months_since_brain_injury", 11)),
    )
    check(recent, Expect("deny", "50", ("N661",)))


def _tbi_months(months: Any) -> Any:
    def mutate(raw: Raw) -> None:
        raw["claim"]["documentation"]["months_since_brain_injury"] = months

    return mutate


@pytest.mark.parametrize("code", ["S06.0X0S", "S06.2X9S", "S06.9X9S", "S06.A0XS", "S06.1X5S"])
def test_tbi_sequela_codes_reach_mn_03_with_the_tbi_criterion(code: str) -> None:
    # §A.4 SPASTICITY_ETIOLOGY_TBI; §4.1 MN-03 "months_since_brain_injury ≥ 12; evaluated for
    # SPASTICITY_ETIOLOGY_TBI only"; §8.2 criteria "GROUP:criterion".
    record = decide_with_dx("ITDD-TC-019", [code])
    assert claim_outcome(record) == (
        "pend",
        None,
        [],
        ["ITDD-MN-03", "ITDD-MN-05", "ITDD-DOC-01", *AGG],
    )
    assert record["line_decisions"][1]["criteria_missing"] == [
        "SPASTICITY_ETIOLOGY_TBI:months_since_brain_injury"
    ]
    assert record["pend"]["documentation_missing"] == ["months_since_brain_injury"]
    assert (
        claim_outcome(decide_with_dx("ITDD-TC-019", [code], mutate=_tbi_months(12))) == APPROVE_SP
    )
    denied = decide_with_dx("ITDD-TC-019", [code], mutate=_tbi_months(11))
    assert claim_outcome(denied) == ("deny", "50", ["N661"], ["ITDD-MN-03", "ITDD-MN-05", *AGG])


def test_tbi_with_spinal_etiology_passes_on_the_spinal_group() -> None:
    # §5.5 step 8: "If any covered group passes" the line is approved.
    assert claim_outcome(decide_with_dx("ITDD-TC-019", ["S06.2X9S", "S24.104S"])) == APPROVE_SP


def test_mn_04_criterion_sits_between_group_criteria_and_mn_05() -> None:
    # §4.1 MN-04: "added to every covered group, after the group's own criteria"; MN-05 last.
    mutate = all_of(
        setter("claim.diagnosis_codes", ["M96.1", "C61"]),
        lambda raw: doc(raw).update(
            {k: None for k in doc(raw) if k not in ("prior_auth_number", "purpose")}
        ),
    )
    record = run("ITDD-TC-025", mutate)
    check(
        record,
        Expect(
            "pend",
            rule_ids=(
                "ITDD-PA-01",
                "ITDD-MN-01",
                "ITDD-MN-02",
                "ITDD-MN-04",
                "ITDD-MN-05",
                "ITDD-DOC-01",
                *AGG,
            ),
            category="P3",
        ),
    )
    mn05 = ["active_infection", "anticoagulation_or_bleeding_diathesis", "drug_hypersensitivity"]
    assert line_decision(record, 2)["criteria_missing"] == [
        "PAIN_CANCER:systemic_opioids_failed_or_intolerant",
        "PAIN_CANCER:life_expectancy_months",
        "PAIN_CANCER:history_of_psychosis",
        *(f"PAIN_CANCER:{n}" for n in mn05),
        "PAIN_NONCANCER:conservative_therapy_failed_months",
        "PAIN_NONCANCER:systemic_opioids_failed_or_intolerant",
        "PAIN_NONCANCER:psych_eval_done",
        "PAIN_NONCANCER:psych_eval_contraindication",
        "PAIN_NONCANCER:history_of_psychosis",
        *(f"PAIN_NONCANCER:{n}" for n in mn05),
    ]


def test_one_group_fails_another_missing_pends_with_both_lists() -> None:
    # §5.5 step 8: "Else, if any group is missing, the line goes to ... DOC-01"; the line
    # decision carries the failed and missing criteria (§8.2); documentation_missing takes the
    # missing names only (§8.4).
    mutate = all_of(
        setter("claim.diagnosis_codes", ["C79.51", "M96.1"]),
        setter("doc.systemic_opioids_failed_or_intolerant", None),
    )
    record = run("ITDD-TC-012", mutate)
    check(
        record,
        Expect("pend", rule_ids=("ITDD-MN-01", *CANCER_MN, "ITDD-DOC-01", *AGG), category="P3"),
    )
    assert line_decision(record, 2)["criteria_failed"] == ["PAIN_NONCANCER:purpose"]
    assert line_decision(record, 2)["criteria_missing"] == [
        "PAIN_CANCER:systemic_opioids_failed_or_intolerant",
        "PAIN_NONCANCER:conservative_therapy_failed_months",
        "PAIN_NONCANCER:systemic_opioids_failed_or_intolerant",
        "PAIN_NONCANCER:psych_eval_done",
        "PAIN_NONCANCER:psych_eval_contraindication",
    ]
    assert record["pend"]["documentation_missing"] == [
        "conservative_therapy_failed_months",
        "psych_eval_contraindication",
        "psych_eval_done",
        "systemic_opioids_failed_or_intolerant",
    ]


def test_one_group_fails_another_passes_approves_without_criteria() -> None:
    # §5.5 step 8: any passing group approves; §8.2: criteria lists only when no group passes.
    record = run("ITDD-TC-012", setter("claim.diagnosis_codes", ["C79.51", "M96.1"]))
    check(record, Expect("approve", rule_ids=("ITDD-MN-01", *CANCER_MN, *AGG)))
    assert "criteria_failed" not in line_decision(record, 2)


def test_every_group_failing_denies_and_lists_missing_too() -> None:
    # §5.5 step 8: "Else (every group failed): deny CO-50/N661. A documented failure therefore
    # denies even when other facts are missing."
    mutate = all_of(
        setter("claim.diagnosis_codes", ["C79.51", "M96.1"]),
        setter("doc.active_infection", True),
        setter("doc.systemic_opioids_failed_or_intolerant", None),
    )
    record = run("ITDD-TC-012", mutate)
    check(record, Expect("deny", "50", ("N661",), ("ITDD-MN-01", *CANCER_MN, *AGG)))
    assert line_decision(record, 2)["criteria_failed"] == [
        "PAIN_CANCER:active_infection",
        "PAIN_NONCANCER:purpose",
        "PAIN_NONCANCER:active_infection",
    ]
    assert line_decision(record, 1)["carc"] == "50"


def test_documented_failure_denies_even_with_missing_facts() -> None:
    mutate = all_of(setter("doc.purpose", None), setter("doc.active_infection", True))
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("deny", "50", ("N661",)))
    drug_line = record["line_decisions"][1]
    assert drug_line["criteria_failed"] == ["PAIN_NONCANCER:active_infection"]
    assert drug_line["criteria_missing"] == ["PAIN_NONCANCER:purpose"]
