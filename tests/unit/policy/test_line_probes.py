"""Probes of the line-level part of policy-spec.md (§4, §5.5, §5.6, §6, §8, App. B–D) and
policy-changes-1.1.0.md, checked statement by statement on inputs the public cases do not cover.

Each test mutates a public case and asserts what the spec text literally says; the comment
quotes the sentence it checks. A failing test is a divergence between engine and spec.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.unit.policy.claim_lines import (
    COMPOUNDED,
    DURAMORPH,
    FENTANYL,
    GABLOFEN_50,
    GABLOFEN_2000,
    INFUMORPH,
    MITIGO,
    PRIALT,
    catheter_line,
    drug_line,
)
from tests.unit.policy.rulecases import (
    FOLLOWUP_P2,
    FOLLOWUP_P3,
    Expect,
    Mutation,
    Raw,
    all_of,
    check,
    doc,
    drug,
    line,
    run,
    setter,
)

AGG = ("ITDD-AGG-01", "ITDD-AGG-02")
PAIN_MN = ("ITDD-MN-01", "ITDD-MN-05")
CANCER_MN = ("ITDD-MN-02", "ITDD-MN-05")
SPAS_MN = ("ITDD-MN-03", "ITDD-MN-05")
FINDING_NOTE = (
    "E/I for this indication; not payment-determinative because another pointed indication "
    "is covered"
)
NOTHING: Mutation = lambda raw: None  # noqa: E731


def set_drug_lines(*lines: Raw) -> Mutation:
    """Replace every line after line 1 (the 62327 line) with these lines."""

    def mutate(raw: Raw) -> None:
        raw["claim"]["lines"] = [line(raw, 1), *lines]

    return mutate


def add_lines(*lines: Raw) -> Mutation:
    def mutate(raw: Raw) -> None:
        raw["claim"]["lines"].extend(copy.deepcopy(list(lines)))

    return mutate


def pa(**fields: Any) -> Mutation:
    """PA-TEST-0099 for the claim's member, named on the claim, open window by default."""

    def mutate(raw: Raw) -> None:
        record = {
            "pa_number": "PA-TEST-0099",
            "member_id": raw["claim"]["member"]["member_id"],
            "status": "approved",
            "procedure_code": "62327",
            "hcpcs": [line(raw, 2)["procedure_code"]],
            "indication_groups": ["PAIN_NONCANCER"],
            "valid_from": None,
            "valid_to": None,
            "provider_npi": raw["claim"]["provider"]["rendering_npi"],
        }
        record.update(fields)
        raw["context"]["prior_authorizations"] = [record]
        doc(raw)["prior_auth_number"] = "PA-TEST-0099"

    return mutate


def history(**fields: Any) -> Mutation:
    def mutate(raw: Raw) -> None:
        item = {
            "claim_id": "CLM-ITDD-OLD1",
            "service_date": "2025-09-15",
            "procedure_code": "62327",
            "agent": "morphine",
            "decision": "approve",
        }
        item.update(fields)
        item = {k: v for k, v in item.items() if v != "<absent>"}
        raw["context"]["claims_history"] = [*(raw["context"].get("claims_history") or []), item]

    return mutate


def move_all(dos: str, processing: str | None = None) -> Mutation:
    def mutate(raw: Raw) -> None:
        raw["claim"]["service_date"] = dos
        for item in raw["claim"]["lines"]:
            item["service_date"] = dos
        if processing is not None:
            raw["context"]["processing_date"] = processing

    return mutate


def move_lines(dos: str) -> Mutation:
    """Every line to `dos`, the header DOS unchanged."""

    def mutate(raw: Raw) -> None:
        for item in raw["claim"]["lines"]:
            item["service_date"] = dos

    return mutate


def ld(record: Raw, number: int) -> Raw:
    found: Raw = next(d for d in record["line_decisions"] if d["line_number"] == number)
    return found


def outcomes(record: Raw) -> list[tuple[int, str, str | None]]:
    return [(d["line_number"], d["decision"], d["carc"]) for d in record["line_decisions"]]


def findings(record: Raw) -> list[tuple[int, str, str]]:
    return [
        (f["line_number"], f["indication_group"], f["agent"])
        for f in record["informational_findings"]
    ]


# ============================================================================================
# §4.1 medical-necessity criteria, §2.3 / Appendix C fact types
# ============================================================================================


@pytest.mark.parametrize(("months", "decision"), [(6, "approve"), (5, "deny")])
def test_mn_01_conservative_therapy_boundary_is_at_least_six(months: int, decision: str) -> None:
    # §4.1 MN-01: conservative_therapy_failed_months "≥ 6".
    record = run("ITDD-TC-006", setter("doc.conservative_therapy_failed_months", months))
    assert record["decision"] == decision
    if decision == "deny":
        assert ld(record, 2)["criteria_failed"] == [
            "PAIN_NONCANCER:conservative_therapy_failed_months"
        ]


def test_mn_01_therapeutic_infusion_fails_purpose() -> None:
    # §2.3: therapeutic_infusion "is accepted only for PAIN_CANCER (MN-01 and MN-03 require
    # idd_trial)"; a documented failure denies CO-50/N661 (§5.5 step 8).
    record = run("ITDD-TC-006", setter("doc.purpose", "therapeutic_infusion"))
    check(record, Expect("deny", "50", ("N661",), (*PAIN_MN, *AGG), "CO", "F2"))
    assert ld(record, 2)["criteria_failed"] == ["PAIN_NONCANCER:purpose"]
    assert "criteria_missing" not in ld(record, 2)


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
    assert ld(record, 2)["criteria_missing"] == [f"PAIN_NONCANCER:{fact}"]
    assert record["pend"] == {
        "status_category": "P3",
        "reasons": ["documentation_requested"],
        "documentation_missing": [fact],
        "followup": FOLLOWUP_P3,
    }


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
    assert ld(record, 2)["criteria_failed"] == [f"PAIN_NONCANCER:{fact}"]


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
    assert ld(record, 2)["criteria_missing"] == [f"PAIN_NONCANCER:{n}" for n in names]
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
    drug_line = ld(record, 2)
    assert drug_line.get("criteria_failed") == (
        None if failed is None else [f"PAIN_CANCER:{n}" for n in failed]
    )
    assert drug_line.get("criteria_missing") == (
        None if missing is None else [f"PAIN_CANCER:{n}" for n in missing]
    )


def test_mn_03_therapeutic_infusion_fails_for_spasticity() -> None:
    # §4.1 MN-03: purpose "= idd_trial".
    record = run("ITDD-TC-016", setter("doc.purpose", "therapeutic_infusion"))
    check(record, Expect("deny", "50", ("N661",), (*SPAS_MN, *AGG)))
    assert ld(record, 2)["criteria_failed"] == [
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
    assert "criteria_missing" not in ld(record, 2)


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
    assert ld(record, 2)["criteria_missing"] == [
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
    assert ld(record, 2)["criteria_missing"] == [
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
    assert ld(record, 2)["criteria_failed"] == ["PAIN_NONCANCER:purpose"]
    assert ld(record, 2)["criteria_missing"] == [
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
    assert "criteria_failed" not in ld(record, 2)


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
    assert ld(record, 2)["criteria_failed"] == [
        "PAIN_CANCER:active_infection",
        "PAIN_NONCANCER:purpose",
        "PAIN_NONCANCER:active_infection",
    ]
    assert ld(record, 1)["carc"] == "50"


# ============================================================================================
# §5.5 steps 1–2: IND-01 and the E/I determination (EI-03 > EI-04 > EI-02 > EI-01)
# ============================================================================================


def test_ind_01_acute_periop_pointer_does_not_count() -> None:
    # §2.3: ACUTE_PERIOP is ignored by IND-01; §5.5 step 1: groups empty -> deny CO-11.
    mutate = all_of(
        setter("claim.diagnosis_codes", ["M96.1", "G89.18"]),
        setter("line2.dx_pointers", [2]),
    )
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("deny", "11", (), ("ITDD-IND-01", *AGG), "CO", "F2"))
    assert outcomes(record) == [(1, "deny", "11"), (2, "deny", "11")]


def test_ei_03_precedes_ei_04_in_an_admixture() -> None:
    # §5.5 step 2: "EI-03 if the product is not labeled ...; else EI-04 if ... admixture".
    mutate = set_drug_lines(
        drug_line(2, MITIGO, 0.1, 10, "intrathecal", "continuous", mix="A"),
        drug_line(3, FENTANYL, 0.005, 5, "intrathecal", "continuous", mix="A"),
    )
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-04", "ITDD-EI-03", *AGG)))


def test_ei_04_precedes_ei_02() -> None:
    # §5.5 step 2 order: EI-04 before EI-02 (TC-024's J0476 bolus product runs continuous).
    record = run("ITDD-TC-024", NOTHING)
    check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-04", *AGG)))


def test_admixture_of_one_agent_is_not_e_i_04() -> None:
    # §B.1: "Agents are compared by agent name: J0475 and J0476 are the same agent"; EI-04
    # needs "two or more distinct agents".
    mutate = set_drug_lines(
        drug_line(2, GABLOFEN_50, 0.05, 1, "intrathecal", "bolus", mix="A"),
        drug_line(3, GABLOFEN_50, 0.05, 1, "intrathecal", "bolus", mix="A"),
    )
    record = run("ITDD-TC-016", mutate)
    check(record, Expect("approve", rule_ids=(*SPAS_MN, *AGG)))


def test_two_morphine_products_in_one_reservoir_are_one_agent() -> None:
    # §B.1: "two J2274 products in one reservoir are one agent (morphine)".
    mutate = set_drug_lines(
        drug_line(2, MITIGO, 0.1, 10, "intrathecal", "continuous", mix="R"),
        drug_line(3, INFUMORPH, 0.1, 10, "intrathecal", "continuous", mix="R"),
    )
    check(run("ITDD-TC-006", mutate), Expect("approve", rule_ids=(*PAIN_MN, *AGG)))


@pytest.mark.parametrize("group", ["", 5, None])
def test_admixture_group_that_is_not_a_non_empty_string_is_no_admixture(group: object) -> None:
    # §5.1: "An admixture_group that is not a non-empty string counts as null".
    def mutate(raw: Raw) -> None:
        drug(raw, 2)["admixture_group"] = group
        drug(raw, 3)["admixture_group"] = group
        drug(raw, 3)["delivery_mode"] = "bolus"

    record = run("ITDD-TC-024", mutate)
    assert "ITDD-EI-04" not in record["rule_ids"]
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-MN-03", *AGG)))


def test_admixture_is_per_dos() -> None:
    # §5.5 step 2: an admixture is "the drug lines on the same DOS that share its
    # admixture_group"; the same label on another DOS is another admixture.
    def mutate(raw: Raw) -> None:
        line(raw, 3)["service_date"] = "2026-02-11"
        drug(raw, 3)["delivery_mode"] = "bolus"
        raw["claim"]["lines"].append(catheter_line(4, "2026-02-11"))

    record = run("ITDD-TC-024", mutate)
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-MN-03", *AGG)))


def test_jw_line_is_not_part_of_an_admixture() -> None:
    # §2.4 / A-17: JW lines are excluded from admixtures.
    def mutate(raw: Raw) -> None:
        line(raw, 3)["modifiers"] = ["JW"]
        raw["claim"]["lines"].append(
            drug_line(4, GABLOFEN_50, 0.05, 2, "intrathecal", "bolus", pointers=[2])
        )

    record = run("ITDD-TC-024", mutate)
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-SCOPE-03", "ITDD-MN-03", *AGG)))
    assert ld(record, 3)["decision"] == "not_reviewed"


def test_clonidine_morphine_exception_needs_every_line_epidural() -> None:
    # §5.5 step 2: the exception needs "every line of the admixture is epidural".
    record = run("ITDD-TC-033", setter("drug2.route", "intrathecal"))
    check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-04", *AGG)))
    assert outcomes(record) == [(1, "deny", "55"), (2, "deny", "55"), (3, "deny", "55")]


def test_clonidine_morphine_exception_needs_exactly_those_two_agents() -> None:
    # §5.5 step 2: "unless the agents are exactly clonidine and morphine".
    mutate = add_lines(drug_line(4, FENTANYL, 0.005, 5, "epidural", "continuous", mix="A"))
    record = run("ITDD-TC-033", mutate)
    check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-04", "ITDD-EI-03", *AGG)))


def test_admixture_exception_then_ei_02_for_a_bolus_clonidine() -> None:
    # §5.5 step 2: after the EI-04 exception, "else EI-02 if ... its mode is not among its
    # labeled modes" (clonidine is labeled continuous only). The morphine line is approved.
    record = run("ITDD-TC-033", setter("drug3.delivery_mode", "bolus"))
    check(record, Expect("approve", rule_ids=(*CANCER_MN, "ITDD-EI-02", *AGG)))
    assert record["partial"] is True
    assert outcomes(record) == [(1, "approve", None), (2, "approve", None), (3, "deny", "55")]


def test_admixture_exception_other_groups_go_to_ind_02_on_every_line() -> None:
    # §5.5 step 2: "... and PAIN_CANCER ∈ groups of this line (the exception is judged per
    # line; other groups of the line are handled by step 4)"; A-22: "The clonidine + morphine
    # admixture exception is judged per line on PAIN_CANCER among its pointed groups; other
    # groups go to IND-02". §4.2: "The single exception is epidural clonidine with epidural
    # PF morphine for PAIN_CANCER." So the morphine line of the admixture is covered for
    # PAIN_CANCER only and PAIN_NONCANCER is an informational EI-01 finding on both lines.
    record = run("ITDD-TC-033", setter("claim.diagnosis_codes", ["C61", "M96.1"]))
    check(
        record,
        Expect("approve", rule_ids=("ITDD-EI-01", "ITDD-IND-02", *CANCER_MN, *AGG)),
    )
    assert findings(record) == [
        (2, "PAIN_NONCANCER", "morphine"),
        (3, "PAIN_NONCANCER", "clonidine"),
    ]


def test_admixture_exception_morphine_line_is_not_paid_for_non_cancer_pain() -> None:
    # Same statements as above (§5.5 step 2, A-22, §4.2): the admixed morphine line is covered
    # for PAIN_CANCER only. Here PAIN_CANCER fails (idd_trial with 2 months of life
    # expectancy, §4.3) while the PAIN_NONCANCER criteria would pass: both lines deny
    # CO-50/N661 and so does the claim; PAIN_NONCANCER is only a finding.
    def mutate(raw: Raw) -> None:
        raw["claim"]["diagnosis_codes"] = ["C61", "M96.1"]
        doc(raw).update(
            purpose="idd_trial",
            life_expectancy_months=2,
            conservative_therapy_failed_months=12,
            psych_eval_done=True,
            psych_eval_contraindication=False,
        )

    record = run("ITDD-TC-033", mutate)
    check(
        record,
        Expect("deny", "50", ("N661",), ("ITDD-EI-01", "ITDD-IND-02", *CANCER_MN, *AGG)),
    )
    assert outcomes(record) == [(1, "deny", "50"), (2, "deny", "50"), (3, "deny", "50")]
    assert ld(record, 2)["criteria_failed"] == ["PAIN_CANCER:life_expectancy_months>=3_for_trial"]


def test_clonidine_companion_counts_whatever_its_outcome() -> None:
    # §5.5 step 2: "no drug line with agent morphine and route epidural is on the same DOS
    # (whatever that line's own outcome)" (A-23). Morphine line denied EI-02, clonidine paid.
    def mutate(raw: Raw) -> None:
        drug(raw, 2).update(admixture_group=None, delivery_mode="bolus")
        drug(raw, 3)["admixture_group"] = None

    record = run("ITDD-TC-033", mutate)
    check(record, Expect("approve", rule_ids=("ITDD-EI-02", *CANCER_MN, *AGG)))
    assert outcomes(record) == [(1, "approve", None), (2, "deny", "55"), (3, "approve", None)]
    assert record["partial"] is True


def test_clonidine_companion_must_be_on_the_same_dos() -> None:
    # §2.4: the clonidine companion test uses the DOS of the drug line being evaluated.
    def mutate(raw: Raw) -> None:
        for number in (2, 3):
            drug(raw, number)["admixture_group"] = None
        line(raw, 2)["service_date"] = "2026-02-11"
        raw["claim"]["lines"].append(catheter_line(4, "2026-02-11"))

    record = run("ITDD-TC-033", mutate)
    check(record, Expect("approve", rule_ids=(*CANCER_MN, "ITDD-EI-01", *AGG)))
    assert outcomes(record) == [
        (1, "deny", "55"),
        (2, "approve", None),
        (3, "deny", "55"),
        (4, "approve", None),
    ]
    assert record["partial"] is True


def test_clonidine_companion_is_not_a_jw_line() -> None:
    # "any non-JW epidural morphine line on the same DOS".
    def mutate(raw: Raw) -> None:
        for number in (2, 3):
            drug(raw, number)["admixture_group"] = None
        line(raw, 2)["modifiers"] = ["JW"]

    record = run("ITDD-TC-033", mutate)
    check(record, Expect("deny", "55", ("N623",), ("ITDD-SCOPE-03", "ITDD-EI-01", *AGG)))


def test_clonidine_with_companion_but_no_cancer_group_is_ei_01() -> None:
    # §B.2: clonidine's labeled group is PAIN_CANCER only; covered = ∅ -> EI-01 (not EI-04:
    # the line is in no admixture).
    def mutate(raw: Raw) -> None:
        raw["claim"]["diagnosis_codes"] = ["C61", "M96.1"]
        for number in (2, 3):
            drug(raw, number)["admixture_group"] = None
        line(raw, 3)["dx_pointers"] = [2]

    record = run("ITDD-TC-033", mutate)
    check(
        record,
        Expect("approve", rule_ids=("ITDD-MN-01", *CANCER_MN, "ITDD-EI-01", *AGG)),
    )
    assert ld(record, 3)["carc"] == "55"


# ============================================================================================
# §5.5 step 3 (PA-02), step 4 (IND-02), step 5 (IND-03), §5.6 lookup
# ============================================================================================


def test_pa_02_exception_on_symptom_only_group_then_ind_03() -> None:
    # §5.5 step 3: exception granted, covered = groups ∩ indication_groups, "continue at
    # step 4"; step 5: SPASTICITY_SYMPTOM removed, covered empty -> CO-167/N569.
    record = run("ITDD-TC-004", pa(indication_groups=["SPASTICITY_SYMPTOM"]))
    check(record, Expect("deny", "167", ("N569",), ("ITDD-PA-02", "ITDD-IND-03", *AGG)))


def test_pa_02_exception_skips_pa_01_and_applies_mn_03_to_ziconotide() -> None:
    # §5.5 step 6: PA-01 "unless PA-02 granted an exception on this line"; A-12: MN-03 applies
    # unchanged to a PA-02-excepted agent; MN-04 for ziconotide.
    mutate = all_of(
        pa(indication_groups=["SPASTICITY_ETIOLOGY"], hcpcs=["J2278"]),
        setter("doc.oral_antispasmodic_failed_weeks", 8),
    )
    record = run("ITDD-TC-028", mutate)
    check(
        record,
        Expect("approve", rule_ids=("ITDD-PA-02", "ITDD-MN-03", "ITDD-MN-04", "ITDD-MN-05", *AGG)),
    )


def test_pa_02_exception_records_uncovered_groups_as_findings() -> None:
    # §5.5 step 4 after PA-02; §8.3: PA-02, then EI-01 and IND-02; §8.5 finding format.
    record = run("ITDD-TC-032", setter("claim.diagnosis_codes", ["M96.1", "C61"]))
    check(
        record,
        Expect("approve", rule_ids=("ITDD-PA-02", "ITDD-EI-01", "ITDD-IND-02", *PAIN_MN, *AGG)),
    )
    assert record["informational_findings"] == [
        {
            "line_number": 2,
            "rule": "ITDD-EI-01",
            "indication_group": "PAIN_CANCER",
            "agent": "fentanyl",
            "note": FINDING_NOTE,
        },
        {
            "line_number": 3,
            "rule": "ITDD-EI-01",
            "indication_group": "PAIN_CANCER",
            "agent": "bupivacaine",
            "note": FINDING_NOTE,
        },
    ]


@pytest.mark.parametrize(
    ("fields", "granted"),
    [
        ({"valid_from": "2026-02-12", "valid_to": "2026-02-12"}, True),  # both ends inclusive
        ({"valid_from": "2026-02-13"}, False),
        ({"valid_to": "2026-02-11"}, False),
        ({"valid_from": None, "valid_to": "2026-02-12"}, True),
        ({"status": "Approved"}, False),  # any other value counts as denied
        ({"procedure_code": "62350"}, False),
        ({"member_id": "TSTMBR000099"}, False),  # not the claim's member: no PA
    ],
)
def test_pa_02_window_uses_the_line_dos(fields: dict[str, Any], granted: bool) -> None:
    # §2.4 / A-30: "the PA validity window (PA-01, PA-02)" uses the drug line's DOS; §5.6
    # "includes both ends"; every PA-02 failure is CO-55/N623. Header DOS stays 2026-02-10.
    mutate = all_of(move_lines("2026-02-12"), pa(**{"hcpcs": ["J3010", "J0665"], **fields}))
    record = run("ITDD-TC-031", mutate)
    if granted:
        check(record, Expect("approve", rule_ids=("ITDD-PA-02", *PAIN_MN, *AGG)))
    else:
        check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-03", *AGG)))


def test_pa_02_pending_on_an_ei_02_line() -> None:
    # §8.3 step 2–3: "the EI rule then ITDD-PA-02 when PA-02 pends"; P2 (§5.5 step 3).
    mutate = all_of(setter("drug2.delivery_mode", "continuous"), pa(status="pending"))
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("pend", None, (), ("ITDD-EI-02", "ITDD-PA-02", *AGG), category="P2"))
    assert record["pend"] == {
        "status_category": "P2",
        "reasons": ["prior_authorization_pending"],
        "documentation_missing": [],
        "followup": FOLLOWUP_P2,
    }


def test_pa_lookup_takes_the_first_matching_record() -> None:
    # §5.6: "The PA is the first record of prior_authorizations whose pa_number equals ...
    # and whose member_id equals the claim's member.member_id."
    def two_records(raw: Raw) -> None:
        first = copy.deepcopy(raw["context"]["prior_authorizations"][0])
        other_member = {**first, "member_id": "TSTMBR000099", "status": "approved"}
        pending = {**first, "status": "pending"}
        raw["context"]["prior_authorizations"] = [other_member, pending, first]

    record = run("ITDD-TC-025", two_records)
    check(record, Expect("pend", None, (), ("ITDD-PA-01", *AGG), category="P2"))


@pytest.mark.parametrize("number", ["", None, 25, ["PA-TEST-0025"]])
def test_pa_01_no_usable_pa_number_means_no_pa(number: object) -> None:
    # §5.6: "the claim names no PA number (prior_auth_number is null, absent, empty or not a
    # string)" -> PA-01 "no PA found" -> CO-197/M62.
    record = run("ITDD-TC-025", setter("doc.prior_auth_number", number))
    check(record, Expect("deny", "197", ("M62",), ("ITDD-PA-01", *AGG)))


def test_pa_01_window_uses_the_line_dos() -> None:
    # §2.4 / A-30: PA-01 window on the drug line's DOS; header DOS 2026-02-10 is inside.
    def mutate(raw: Raw) -> None:
        move_lines("2026-07-01")(raw)
        raw["context"]["processing_date"] = "2026-07-02"

    check(run("ITDD-TC-025", mutate), Expect("deny", "302", (), ("ITDD-PA-01", *AGG)))


def test_pa_01_window_end_is_inclusive_on_the_line_dos() -> None:
    # §5.6: the window "includes both ends".
    def mutate(raw: Raw) -> None:
        move_lines("2026-06-30")(raw)
        raw["context"]["processing_date"] = "2026-07-02"

    record = run("ITDD-TC-025", mutate)
    assert record["decision"] == "approve"


def test_pa_01_does_not_look_at_indication_groups() -> None:
    # §5.5 step 6: "PA-01 does not look at indication_groups."
    def mutate(raw: Raw) -> None:
        raw["context"]["prior_authorizations"][0]["indication_groups"] = []

    check(
        run("ITDD-TC-025", mutate),
        Expect("approve", rule_ids=("ITDD-PA-01", "ITDD-MN-01", "ITDD-MN-04", "ITDD-MN-05", *AGG)),
    )


def test_pa_01_hcpcs_must_contain_the_line_code() -> None:
    # §5.5 step 6: "hcpcs does not contain the line's HCPCS" -> CO-284/N54.
    def mutate(raw: Raw) -> None:
        raw["context"]["prior_authorizations"][0]["hcpcs"] = ["J2274", "J0735"]

    check(run("ITDD-TC-025", mutate), Expect("deny", "284", ("N54",), ("ITDD-PA-01", *AGG)))


def test_pa_01_pending_is_checked_before_freq_01() -> None:
    # §5.5: steps run in order; "the first step that produces an outcome ... ends evaluation".
    def mutate(raw: Raw) -> None:
        raw["context"]["prior_authorizations"][0]["status"] = "pending"
        history(agent="ziconotide", service_date="2026-01-10")(raw)

    record = run("ITDD-TC-025", mutate)
    check(record, Expect("pend", None, (), ("ITDD-PA-01", *AGG), category="P2"))


# ============================================================================================
# §5.5 step 7: FREQ-01
# ============================================================================================


@pytest.mark.parametrize(
    ("served", "denied"),
    [("2025-02-12", True), ("2025-02-11", False)],
)
def test_freq_01_window_counts_from_the_line_dos(served: str, denied: bool) -> None:
    # §2.4 / A-30: FREQ-01 uses the drug line's DOS (2026-02-12), not the header DOS
    # (2026-02-10): 2025-02-11 is 366 days before the line DOS (364 before the header).
    mutate = all_of(move_lines("2026-02-12"), history(service_date=served))
    record = run("ITDD-TC-006", mutate)
    if denied:
        check(record, Expect("deny", "119", ("N640",), ("ITDD-FREQ-01", *AGG)))
    else:
        check(record, Expect("approve", rule_ids=(*PAIN_MN, *AGG)))


@pytest.mark.parametrize(
    ("served", "denied"),
    [("2027-03-02", True), ("2027-03-01", False)],  # 365 / 366 days before 2028-03-01
)
def test_freq_01_window_over_a_leap_day(served: str, denied: bool) -> None:
    # §5.5 step 7: "a service_date 0 to 365 days before the line DOS" (calendar days).
    mutate = all_of(
        move_all("2028-03-01", "2028-03-05"),
        history(service_date=served),
    )
    record = run("ITDD-TC-006", mutate)
    assert record["decision"] == ("deny" if denied else "approve")
    assert ("ITDD-FREQ-01" in record["rule_ids"]) is denied


@pytest.mark.parametrize(
    ("fields", "denied"),
    [
        ({"procedure_code": "<absent>"}, True),  # absent means 62327 (§E.2)
        ({"procedure_code": ""}, False),  # another code: ignored
        ({"decision": "pend"}, False),
        ({"decision": "Approve"}, False),
        ({"claim_id": None}, True),
        ({"agent": "baclofen"}, True),  # J0475 and J0476 are both baclofen
    ],
)
def test_freq_01_item_matching(fields: dict[str, Any], denied: bool) -> None:
    # §5.5 step 7 and §E.2. The baclofen item is checked on TC-016's J0476 line.
    base = "ITDD-TC-016" if fields.get("agent") == "baclofen" else "ITDD-TC-006"
    record = run(base, history(**fields))
    if denied:
        check(record, Expect("deny", "119", ("N640",), ("ITDD-FREQ-01", *AGG)))
    else:
        assert record["decision"] == "approve"
        assert "ITDD-FREQ-01" not in record["rule_ids"]


def test_freq_01_denies_before_medical_necessity() -> None:
    # §5.5 step 7 precedes step 8: no MN id is listed, no criteria on the line (§8.2).
    record = run("ITDD-TC-007", history())
    check(record, Expect("deny", "119", ("N640",), ("ITDD-FREQ-01", *AGG)))
    assert "criteria_missing" not in ld(record, 2)


def test_finding_stays_when_a_later_step_denies() -> None:
    # §8.5: "A finding stays in the record even when a later step denies or pends the line."
    record = run("ITDD-TC-001", history())
    check(
        record,
        Expect("deny", "119", ("N640",), ("ITDD-EI-01", "ITDD-IND-02", "ITDD-FREQ-01", *AGG)),
    )
    assert findings(record) == [(2, "SPASTICITY_SYMPTOM", "morphine")]


# ============================================================================================
# §5.5 step 9: SAFE-01, Appendix D
# ============================================================================================


@pytest.mark.parametrize(
    ("concentration", "pends"),
    [(0.8, False), (0.8000000001, False), (0.800000001, True)],
)
def test_safe_01_baclofen_threshold_uses_r9(concentration: float, pends: bool) -> None:
    # App. D: "SAFE-01 pends when r9(total) is greater than the threshold"; 0.8 mg in 1.0.0.
    mutate = set_drug_lines(
        drug_line(2, GABLOFEN_2000, concentration, 1, "intrathecal", "continuous")
    )
    record = run("ITDD-TC-064", mutate)
    if pends:
        check(record, Expect("pend", rule_ids=(*SPAS_MN, "ITDD-SAFE-01", *AGG), category="P2"))
        assert record["pend"]["reasons"] == ["clinical_review_dose_outlier"]
        assert record["pend"]["followup"] == FOLLOWUP_P2
    else:
        check(record, Expect("approve", rule_ids=(*SPAS_MN, *AGG)))


@pytest.mark.parametrize(("volume", "pends"), [(3, False), (3.1, True)])
def test_safe_01_epidural_morphine_threshold_30_mg(volume: float, pends: bool) -> None:
    # App. D: morphine epidural, pend above 30 mg; equal does not pend.
    mutate = set_drug_lines(drug_line(2, MITIGO, 10, volume, "epidural", "continuous"))
    record = run("ITDD-TC-010", mutate)
    assert record["decision"] == ("pend" if pends else "approve")


def test_safe_01_routes_are_summed_separately() -> None:
    # §5.5 step 9: "the sum ... over all drug lines with the same agent and route".
    mutate = set_drug_lines(
        drug_line(2, MITIGO, 8, 1, "intrathecal", "continuous"),
        drug_line(3, MITIGO, 8, 1, "epidural", "continuous"),
    )
    check(run("ITDD-TC-010", mutate), Expect("approve", rule_ids=(*PAIN_MN, *AGG)))


def test_safe_01_days_are_summed_separately() -> None:
    # §5.5 step 9: "... on the same DOS as this line".
    mutate = all_of(
        set_drug_lines(
            drug_line(2, MITIGO, 8, 1, "intrathecal", "continuous"),
            drug_line(3, MITIGO, 8, 1, "intrathecal", "continuous", dos="2026-02-11"),
        ),
        add_lines(catheter_line(4, "2026-02-11")),
    )
    check(run("ITDD-TC-010", mutate), Expect("approve", rule_ids=(*PAIN_MN, *AGG)))


def test_safe_01_excludes_jw_lines() -> None:
    # §5.5 step 9: "(JW lines are not counted)".
    mutate = set_drug_lines(
        drug_line(2, MITIGO, 8, 1, "intrathecal", "continuous"),
        drug_line(3, MITIGO, 8, 1, "intrathecal", "continuous", modifiers=["JW"]),
    )
    check(
        run("ITDD-TC-010", mutate),
        Expect("approve", rule_ids=(*PAIN_MN, "ITDD-SCOPE-03", *AGG)),
    )


def test_safe_01_counts_lines_whatever_their_outcome() -> None:
    # §5.5 step 9 / A-14: "whatever their own outcome". Line 3 (spasticity only) is denied
    # EI-01 but its 5 mg still count: 7.5 + 5 > 10 mg intrathecal -> line 2 pends P2.
    mutate = all_of(
        setter("claim.diagnosis_codes", ["M96.1", "R25.2"]),
        set_drug_lines(
            drug_line(2, INFUMORPH, 25, 0.3, "intrathecal", "continuous", pointers=[1]),
            drug_line(3, MITIGO, 10, 0.5, "intrathecal", "continuous", pointers=[2]),
        ),
    )
    record = run("ITDD-TC-014", mutate)
    check(
        record,
        Expect("pend", rule_ids=(*PAIN_MN, "ITDD-SAFE-01", "ITDD-EI-01", *AGG), category="P2"),
    )
    assert outcomes(record) == [(1, "pend", None), (2, "pend", None), (3, "deny", "55")]


def test_safe_01_pend_carries_missing_facts_without_doc_01() -> None:
    # §5.5 step 9 "takes precedence over DOC-01"; A-15: "A SAFE-01 pend carries the missing
    # facts in documentation_missing; DOC-01 is not listed"; §8.2 criteria on the line.
    record = run("ITDD-TC-014", setter("doc.purpose", None))
    check(record, Expect("pend", rule_ids=(*PAIN_MN, "ITDD-SAFE-01", *AGG), category="P2"))
    assert ld(record, 2)["criteria_missing"] == ["PAIN_NONCANCER:purpose"]
    assert record["pend"] == {
        "status_category": "P2",
        "reasons": ["clinical_review_dose_outlier"],
        "documentation_missing": ["purpose"],
        "followup": FOLLOWUP_P2,
    }


def test_safe_01_is_not_reached_when_every_group_fails() -> None:
    # §5.5 step 8: every group failed -> deny CO-50 (steps 9–11 never run).
    record = run("ITDD-TC-014", setter("doc.active_infection", True))
    check(record, Expect("deny", "50", ("N661",), (*PAIN_MN, *AGG)))


def test_safe_01_clonidine_has_no_threshold() -> None:
    # App. D: "Agents and routes not listed here have no threshold." 100 mg clonidine.
    def mutate(raw: Raw) -> None:
        drug(raw, 3).update(volume_ml=1000, ndc_quantity=1000)
        line(raw, 3)["units"] = 100

    check(run("ITDD-TC-033", mutate), Expect("approve", rule_ids=(*CANCER_MN, *AGG)))


# ============================================================================================
# Appendix B.3 units (checked through DRUG-06 and the line outcome)
# ============================================================================================


@pytest.mark.parametrize(
    ("product", "concentration", "volume", "units"),
    [
        (GABLOFEN_50, 0.05, 3, 3),  # 3.0000000000000004 -> r9 3 -> 3, not 4
        (GABLOFEN_50, 0.05, 2.1, 3),
        (DURAMORPH, 0.01, 1, 1),  # max(1, ...)
    ],
)
def test_b3_units(
    product: tuple[str, str], concentration: float, volume: float, units: int
) -> None:
    # §B.3 worked examples.
    mutate = set_drug_lines(
        drug_line(2, product, concentration, volume, "intrathecal", "bolus", units=units)
    )
    base = "ITDD-TC-016" if product[1] == "J0476" else "ITDD-TC-006"
    assert run(base, mutate)["decision"] == "approve"
    wrong = set_drug_lines(
        drug_line(2, product, concentration, volume, "intrathecal", "bolus", units=units + 1)
    )
    check(run(base, wrong), Expect("deny", "16", ("M53",), ("ITDD-DRUG-06",)))


# ============================================================================================
# §6 aggregation and §8.2–§8.5 record fields
# ============================================================================================


def test_agg_01_one_approved_drug_line_approves_the_62327_line() -> None:
    # §6 AGG-01: "If any of its drug lines was approved: approve"; AGG-02 partial = true.
    mutate = add_lines(drug_line(3, MITIGO, 0.1, 10, "intrathecal", "bolus"))
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-EI-02", *AGG), category="F1"))
    assert record["partial"] is True
    assert record["x12_835_clp02"] == "1"
    assert outcomes(record) == [(1, "approve", None), (2, "approve", None), (3, "deny", "55")]


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
    assert ld(record, 4)["decision"] == "deny"
    assert ld(record, 4)["criteria_failed"] == [
        "SPASTICITY_ETIOLOGY_TBI:oral_antispasmodic_failed_weeks"
    ]
    assert ld(record, 4)["criteria_missing"] == [
        "SPASTICITY_ETIOLOGY_TBI:months_since_brain_injury"
    ]
    check(
        record,
        Expect("pend", rule_ids=(*PAIN_MN, "ITDD-DOC-01", "ITDD-MN-03", *AGG), category="P3"),
    )
    assert record["pend"]["documentation_missing"] == ["conservative_therapy_failed_months"]


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
    assert ld(record, 1)["carc"] == carc


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


def test_rule_ids_follow_line_number_not_array_order() -> None:
    # §2.6 / §8.3: lines in ascending line_number whatever their order in the array; each id
    # once (first occurrence); JW and other lines contribute the rule that decided them.
    def mutate(raw: Raw) -> None:
        raw["claim"]["lines"] = [
            drug_line(5, MITIGO, 0.1, 10, "intrathecal", "bolus"),
            drug_line(4, DURAMORPH, 1.0, 0.5, "intrathecal", "bolus"),
            {**catheter_line(3, "2026-02-10"), "procedure_code": "77003"},
            drug_line(2, DURAMORPH, 1.0, 0.5, "intrathecal", "bolus", modifiers=["JW"]),
            catheter_line(1, "2026-02-10"),
        ]

    record = run("ITDD-TC-006", mutate)
    check(
        record,
        Expect(
            "approve",
            rule_ids=("ITDD-SCOPE-03", "ITDD-BUN-01", *PAIN_MN, "ITDD-EI-02", *AGG),
        ),
    )
    assert [d["line_number"] for d in record["line_decisions"]] == [1, 2, 3, 4, 5]
    assert outcomes(record) == [
        (1, "approve", None),
        (2, "not_reviewed", None),
        (3, "deny", "97"),
        (4, "approve", None),
        (5, "deny", "55"),
    ]


def test_findings_order_lines_then_groups() -> None:
    # §8.5: "lines in ascending line_number, groups in ascending name order".
    def mutate(raw: Raw) -> None:
        raw["claim"]["diagnosis_codes"] = ["G82.22", "M96.1", "R25.2", "C61"]
        raw["claim"]["lines"] = [
            catheter_line(1, "2026-02-10", [1, 2, 3, 4]),
            drug_line(3, DURAMORPH, 1.0, 0.5, "intrathecal", "bolus", pointers=[3, 1, 2]),
            drug_line(2, GABLOFEN_50, 0.05, 1, "intrathecal", "bolus", pointers=[4, 2, 1]),
        ]
        doc(raw)["oral_antispasmodic_failed_weeks"] = 8

    record = run("ITDD-TC-006", mutate)
    assert findings(record) == [
        (2, "PAIN_CANCER", "baclofen"),
        (2, "PAIN_NONCANCER", "baclofen"),
        (3, "SPASTICITY_ETIOLOGY", "morphine"),
        (3, "SPASTICITY_SYMPTOM", "morphine"),
    ]
    check(
        record,
        Expect("approve", rule_ids=("ITDD-EI-01", "ITDD-IND-02", *SPAS_MN, "ITDD-MN-01", *AGG)),
    )


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


# ============================================================================================
# policy-changes-1.1.0.md and §1.6 version selection
# ============================================================================================

V11 = move_all("2026-07-15", "2026-07-20")


def test_v11_selected_on_header_dos_and_processing_date() -> None:
    # 1.1.0 §2 / §1.6: header DOS ≥ 2026-07-01 and processed ≥ 2026-07-01 -> 1.1.0; POS 24.
    record = run("ITDD-TC-061", move_all("2026-07-01", "2026-07-01"))
    check(record, Expect("approve", rule_ids=(*PAIN_MN, *AGG)))
    assert record["policy_version"] == "ITDD-1.1.0"
    assert record["reference_versions"]["drug_file"] == "2026-07"


def test_v10_keeps_claims_with_an_earlier_header_dos() -> None:
    # 1.1.0 §2: "A claim with an earlier header DOS stays under 1.0.0, whenever it is
    # processed", even when a line DOS is on or after 2026-07-01 (§2.4: version by header).
    def mutate(raw: Raw) -> None:
        move_all("2026-06-30", "2026-08-01")(raw)

    record = run("ITDD-TC-061", mutate)
    check(record, Expect("deny", "58", ("N428",), ("ITDD-COD-02",)))
    assert record["policy_version"] == "ITDD-1.0.0"


def test_v11_not_in_force_before_its_processing_date() -> None:
    # §1.6: the version's first processing date must be on or before processing_date.
    record = run("ITDD-TC-061", move_all("2026-07-01", "2026-06-30"))
    assert record["policy_version"] == "ITDD-1.0.0"
    check(record, Expect("deny", "110", (), ("ITDD-DATE-01",)))


def test_v11_with_header_dos_not_an_iso_date_uses_processing_date_only() -> None:
    # §1.6: "When the header DOS is not an ISO date ... only the processing-date condition".
    record = run("ITDD-TC-061", all_of(V11, setter("claim.service_date", "2026/07/15")))
    assert record["policy_version"] == "ITDD-1.1.0"
    assert record["reference_versions"]["icd10cm"] is None
    check(record, Expect("deny", "16", ("MA130", "M52"), ("ITDD-VAL-05",), category="A7"))


def test_v11_hydromorphone_is_ei_03() -> None:
    # 1.1.0 §3.2: hydromorphone J1170 denies CO-55/N623 under EI-03 without a PA-02.
    record = run("ITDD-TC-062", V11)
    assert record["policy_version"] == "ITDD-1.1.0"
    check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-03", *AGG)))


def test_v11_hydromorphone_with_pa_02_exception_is_approved() -> None:
    # 1.1.0 §3.2: "unless an approved ITDD-PA-02 exception covers it".
    record = run("ITDD-TC-062", all_of(V11, pa(hcpcs=["J1170"])))
    check(record, Expect("approve", rule_ids=("ITDD-PA-02", *PAIN_MN, *AGG)))


def test_v11_freq_01_compares_the_new_agent_names() -> None:
    # 1.1.0 §3.3: "All compounded products are one agent, compounded ... FREQ-01 ... compare
    # them by that name."
    mutate = all_of(
        V11, pa(hcpcs=["J7799"]), history(agent="compounded", service_date="2026-01-01")
    )
    check(
        run("ITDD-TC-063", mutate),
        Expect("deny", "119", ("N640",), ("ITDD-PA-02", "ITDD-FREQ-01", *AGG)),
    )


def test_v11_j1171_is_still_drug_02() -> None:
    # 1.1.0 §3.2: "hydromorphone billed under J1171 ... remain billing errors under DRUG-02".
    record = run("ITDD-TC-062", all_of(V11, setter("line2.procedure_code", "J1171")))
    check(record, Expect("deny", "16", ("N657",), ("ITDD-DRUG-02",)))


def test_v11_j7799_with_an_unlisted_ndc_is_drug_03() -> None:
    # 1.1.0 §3.2: "A J7799 line with any other NDC denies under ITDD-DRUG-03 (CO-16/M119)."
    record = run("ITDD-TC-063", all_of(V11, setter("drug2.ndc", "99207000199")))
    check(record, Expect("deny", "16", ("M119",), ("ITDD-DRUG-03",)))


@pytest.mark.parametrize(("units", "ok"), [(1, True), (2, False)])
def test_v11_j7799_is_one_unit_per_line(units: int, ok: bool) -> None:
    # 1.1.0 §3.4: "J7799: the expected units are 1 for each line, whatever the dose."
    mutate = all_of(
        V11,
        setter("drug2.volume_ml", 20),
        setter("drug2.ndc_quantity", 20),
        setter("line2.units", units),
    )
    record = run("ITDD-TC-063", mutate)
    if ok:
        check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-03", *AGG)))
    else:
        check(record, Expect("deny", "16", ("M53",), ("ITDD-DRUG-06",)))


@pytest.mark.parametrize(("volume", "units"), [(4, 1), (8, 1), (8.8, 2), (16.1, 3), (0.1, 1)])
def test_v11_j1170_units_per_4_mg(volume: float, units: int) -> None:
    # 1.1.0 §3.4: "J1170: units = max(1, ceil(r9(dose_mg ÷ 4)))" (0.5 mg/mL here).
    mutate = all_of(
        V11,
        setter("drug2.volume_ml", volume),
        setter("drug2.ndc_quantity", volume),
        setter("line2.units", units),
    )
    check(run("ITDD-TC-062", mutate), Expect("deny", "55", ("N623",), ("ITDD-EI-03", *AGG)))
    wrong = all_of(mutate, setter("line2.units", units + 1))
    check(run("ITDD-TC-062", wrong), Expect("deny", "16", ("M53",), ("ITDD-DRUG-06",)))


def test_v11_morphine_admixed_with_a_compounded_product_is_ei_04() -> None:
    # 1.1.0 §3.3: the admixture rule compares compounded products by the name "compounded";
    # §5.5 step 2: the morphine line is EI-04, the J7799 line EI-03.
    mutate = all_of(
        V11,
        set_drug_lines(
            drug_line(2, MITIGO, 0.1, 10, "intrathecal", "continuous", mix="A", dos="2026-07-15"),
            drug_line(
                3, COMPOUNDED, 2.0, 4, "intrathecal", "continuous", mix="A", dos="2026-07-15"
            ),
        ),
    )
    check(
        run("ITDD-TC-063", mutate),
        Expect("deny", "55", ("N623",), ("ITDD-EI-04", "ITDD-EI-03", *AGG)),
    )


@pytest.mark.parametrize(
    ("concentration", "pends"),
    [(0.9, False), (1.0, False), (1.0000000001, False), (1.000000001, True)],
)
def test_v11_baclofen_threshold_is_1_mg(concentration: float, pends: bool) -> None:
    # 1.1.0 §3.5: baclofen intrathecal pends above 1.0 mg; App. D: r9, strictly greater.
    mutate = all_of(
        V11,
        set_drug_lines(
            drug_line(
                2, GABLOFEN_2000, concentration, 1, "intrathecal", "continuous", dos="2026-07-15"
            )
        ),
    )
    record = run("ITDD-TC-064", mutate)
    assert record["policy_version"] == "ITDD-1.1.0"
    assert record["decision"] == ("pend" if pends else "approve")


def test_v11_morphine_thresholds_unchanged() -> None:
    # 1.1.0 §3.5: "The morphine thresholds (10 mg intrathecal, 30 mg epidural) are unchanged."
    record = run("ITDD-TC-014", V11)
    check(record, Expect("pend", rule_ids=(*PAIN_MN, "ITDD-SAFE-01", *AGG), category="P2"))


def test_what_if_names_the_version_whatever_the_dates() -> None:
    # §1.6: "What-if run: the run names one version and applies it to every claim".
    record = run("ITDD-TC-064", NOTHING, version="1.1.0")
    assert record["policy_version"] == "ITDD-1.1.0"
    check(record, Expect("approve", rule_ids=(*SPAS_MN, *AGG)))
    back = run("ITDD-TC-064", V11, version="1.0.0")
    assert back["policy_version"] == "ITDD-1.0.0"
    assert back["decision"] == "pend"


# ============================================================================================
# Additional probes: check orders, JW exclusions, version edges
# ============================================================================================


@pytest.mark.parametrize(
    ("fields", "carc"),
    [
        ({"status": "denied", "hcpcs": ["J2274"]}, "39"),  # status before service
        ({"hcpcs": ["J2274"], "valid_to": "2026-01-01"}, "284"),  # service before window
        ({"valid_to": "2026-01-01", "provider_npi": "1999000023"}, "302"),  # window before NPI
    ],
)
def test_pa_01_checks_run_in_written_order(fields: dict[str, Any], carc: str) -> None:
    # §5.5 step 6: "The checks run in this order, and the first failure decides".
    mutate = pa(**{"hcpcs": ["J2278"], **fields})
    record = run("ITDD-TC-025", mutate)
    assert record["decision"] == "deny"
    assert record["carc"] == carc
    assert record["rule_ids"] == ["ITDD-PA-01", *AGG]


def test_pa_02_does_not_need_the_hcpcs_of_a_jw_line_in_the_admixture() -> None:
    # §5.5 step 3: "hcpcs does not contain every HCPCS of the admixture"; A-17: JW lines are
    # excluded from admixtures.
    mutate = all_of(
        pa(hcpcs=["J3010", "J0665"]),
        add_lines(
            drug_line(4, MITIGO, 0.1, 1, "intrathecal", "continuous", mix="A", modifiers=["JW"])
        ),
    )
    record = run("ITDD-TC-031", mutate)
    check(record, Expect("approve", rule_ids=("ITDD-PA-02", *PAIN_MN, "ITDD-SCOPE-03", *AGG)))


def test_acute_periop_pointer_on_a_drug_line_gives_no_finding() -> None:
    # §2.3 / A-05: IND-02 findings use only the ITDD groups; ACUTE_PERIOP is ignored.
    record = run("ITDD-TC-006", setter("claim.diagnosis_codes", ["M96.1", "G89.18"]))
    check(record, Expect("approve", rule_ids=(*PAIN_MN, *AGG)))
    assert record["informational_findings"] == []


def test_agg_02_deny_record_fields() -> None:
    # §8.1 deny: partial false, category F2 after aggregation, CLP02 "1", pend null.
    record = run("ITDD-TC-006", setter("doc.active_infection", True))
    assert record["partial"] is False
    assert record["claim_status_category"] == "F2"
    assert record["x12_835_clp02"] == "1"
    assert record["pend"] is None
    assert record["group_code"] == "CO"


def test_v11_version_follows_the_header_dos_not_the_line_dos() -> None:
    # §2.4: version selection (§1.6) uses the header DOS. Header 2026-07-01, every line
    # 2026-06-30: 1.1.0 decides, so 0.9 mg of baclofen no longer pends (1.1.0 §3.5).
    def mutate(raw: Raw) -> None:
        move_all("2026-06-30", "2026-07-05")(raw)
        raw["claim"]["service_date"] = "2026-07-01"

    record = run("ITDD-TC-064", mutate)
    assert record["policy_version"] == "ITDD-1.1.0"
    check(record, Expect("approve", rule_ids=(*SPAS_MN, *AGG)))


def test_header_dos_before_2025_stays_under_1_0_0() -> None:
    # §1.6: no version qualifies on the header DOS -> 1.0.0 decides and SCOPE-04 settles it.
    record = run("ITDD-TC-006", move_all("2024-12-31", "2026-08-01"))
    assert record["policy_version"] == "ITDD-1.0.0"
    assert record["decision"] == "ignore"
    assert record["rule_ids"] == ["ITDD-SCOPE-04"]


@pytest.mark.parametrize(
    ("concentration", "preparation", "expect"),
    [
        (20, None, Expect("deny", "55", ("N623",), ("ITDD-EI-03", *AGG))),
        (2.0, None, Expect("deny", "16", ("M123",), ("ITDD-DRUG-05",))),
        (25, "diluted", Expect("deny", "16", ("M123",), ("ITDD-DRUG-05",))),
    ],
)
def test_v11_j7799_concentration_against_plan_file_strength(
    concentration: float, preparation: str | None, expect: Expect
) -> None:
    # 1.1.0 §3.4: "DRUG-05 compares the reported concentration with the strength of the
    # plan-file entry, as for every other product" (20 mg/mL).
    mutate = all_of(
        V11,
        setter("drug2.concentration_mg_per_ml", concentration),
        setter("drug2.preparation", preparation),
    )
    check(run("ITDD-TC-063", mutate), expect)


def test_v11_office_setting_still_cod_02() -> None:
    # 1.1.0 §3.1: allowed POS are 19, 21, 22, 24 only.
    record = run("ITDD-TC-061", all_of(V11, setter("claim.place_of_service", "11")))
    check(record, Expect("deny", "58", ("N428",), ("ITDD-COD-02",)))


def test_pa_01_is_listed_before_freq_01() -> None:
    # §8.3: step 6 "ITDD-PA-01 whenever it is checked, whatever its result", then step 7.
    record = run("ITDD-TC-025", history(agent="ziconotide", service_date="2026-01-10"))
    check(record, Expect("deny", "119", ("N640",), ("ITDD-PA-01", "ITDD-FREQ-01", *AGG)))


def test_ind_02_finding_then_ind_03_denial() -> None:
    # §5.5 steps 4–5: baclofen for R25.2 + M96.1: covered {SPASTICITY_SYMPTOM}, PAIN_NONCANCER
    # is a finding, then IND-03 empties covered -> CO-167/N569; §8.3 order EI-01, IND-02,
    # IND-03; the finding stays (§8.5).
    mutate = all_of(
        setter("claim.diagnosis_codes", ["R25.2", "M96.1"]),
        setter("line2.dx_pointers", [1, 2]),
    )
    record = run("ITDD-TC-020", mutate)
    check(
        record,
        Expect("deny", "167", ("N569",), ("ITDD-EI-01", "ITDD-IND-02", "ITDD-IND-03", *AGG)),
    )
    assert findings(record) == [(2, "PAIN_NONCANCER", "baclofen")]


def test_v11_decides_a_future_dos_that_date_01_then_denies() -> None:
    # 1.1.0 §2: header DOS ≥ 2026-07-01 and processing date ≥ 2026-07-01 -> 1.1.0, even when
    # the DOS is after the processing date (DATE-01 then denies).
    record = run("ITDD-TC-006", move_all("2026-08-01", "2026-07-15"))
    assert record["policy_version"] == "ITDD-1.1.0"
    check(record, Expect("deny", "110", (), ("ITDD-DATE-01",)))
