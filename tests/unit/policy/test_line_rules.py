"""One focused test per line rule of §5.5 and per aggregation rule of §6, with the rule ids
§8.3 lists for each, including the rules §10 says the public cases do not exercise."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.policy.rulecases import (
    Expect,
    Mutation,
    Raw,
    add_line,
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


def line_outcome(record: Raw, number: int) -> tuple[str, str | None]:
    found = next(d for d in record["line_decisions"] if d["line_number"] == number)
    return found["decision"], found["carc"]


def pa(**fields: Any) -> Mutation:
    """Attach PA-TEST-0099 for the claim's member to the request, with these fields."""

    def mutate(raw: Raw) -> None:
        record = {
            "pa_number": "PA-TEST-0099",
            "member_id": raw["claim"]["member"]["member_id"],
            "status": "approved",
            "procedure_code": "62327",
            "hcpcs": [line(raw, 2)["procedure_code"]],
            "indication_groups": ["PAIN_NONCANCER"],
            "valid_from": "2026-01-01",
            "valid_to": "2026-06-30",
            "provider_npi": raw["claim"]["provider"]["rendering_npi"],
        }
        record.update(fields)
        raw["context"]["prior_authorizations"] = [record]
        doc(raw)["prior_auth_number"] = "PA-TEST-0099"

    return mutate


# --- other lines and JW lines -------------------------------------------------------------


def test_scope_03_jw_line_is_not_reviewed() -> None:
    def add_jw(raw: Raw) -> None:
        jw = {**line(raw, 2), "line_number": 3, "modifiers": ["JW"], "units": 1}
        raw["claim"]["lines"].append(jw)

    record = run("ITDD-TC-006", add_jw)
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-SCOPE-03", *AGG)))
    assert line_outcome(record, 3) == ("not_reviewed", None)
    assert record["partial"] is False


def test_cod_01_code_outside_the_active_list() -> None:
    record = run("ITDD-TC-006", add_line(procedure_code="99999"))
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-COD-01", *AGG)))
    assert line_outcome(record, 3) == ("deny", "181")
    assert record["partial"] is True


def test_bun_01_only_on_the_dos_of_a_62327_line() -> None:
    same_day = run("ITDD-TC-006", add_line(procedure_code="77012"))
    assert line_outcome(same_day, 3) == ("deny", "97")
    next_day = run("ITDD-TC-006", add_line(procedure_code="77012", service_date="2026-02-11"))
    assert line_outcome(next_day, 3) == ("not_reviewed", None)
    assert next_day["partial"] is False


# --- drug lines, steps 1–11 ---------------------------------------------------------------


def test_ind_01_drug_line_points_to_no_itdd_group() -> None:
    mutate = all_of(
        setter("claim.diagnosis_codes", ["M96.1", "J45.909"]),
        setter("line1.dx_pointers", [1]),
        setter("line2.dx_pointers", [2]),
    )
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("deny", "11", (), ("ITDD-IND-01", *AGG), "CO", "F2"))
    assert line_outcome(record, 1) == ("deny", "11")


@pytest.mark.parametrize(
    ("rule_id", "base", "mutation"),
    [
        ("ITDD-EI-01", "ITDD-TC-006", setter("claim.diagnosis_codes", ["G82.22", "R25.2"])),
        ("ITDD-EI-02", "ITDD-TC-006", setter("drug2.delivery_mode", "continuous")),
        ("ITDD-EI-03", "ITDD-TC-031", lambda raw: None),
        ("ITDD-EI-04", "ITDD-TC-024", lambda raw: None),
    ],
)
def test_e_i_rules_deny_co_55(rule_id: str, base: str, mutation: Mutation) -> None:
    check(run(base, mutation), Expect("deny", "55", ("N623",), (rule_id, *AGG)))


def test_clonidine_without_epidural_morphine_is_e_i() -> None:
    def drop_morphine_route(raw: Raw) -> None:
        drug(raw, 2)["route"] = "intrathecal"
        drug(raw, 2)["admixture_group"] = None
        drug(raw, 3)["admixture_group"] = None

    record = run("ITDD-TC-033", drop_morphine_route)
    assert line_outcome(record, 3) == ("deny", "55")
    assert "ITDD-EI-01" in record["rule_ids"]


def test_admixture_exception_is_judged_per_line_on_pain_cancer() -> None:
    record = run("ITDD-TC-033", setter("line3.dx_pointers", [1]))
    assert record["decision"] == "approve"
    without_cancer = run(
        "ITDD-TC-033",
        all_of(
            setter("claim.diagnosis_codes", ["G89.3", "M96.1"]), setter("line3.dx_pointers", [2])
        ),
    )
    assert line_outcome(without_cancer, 3) == ("deny", "55")
    assert "ITDD-EI-04" in without_cancer["rule_ids"]


def test_pa_02_grants_the_exception() -> None:
    check(
        run("ITDD-TC-032", lambda raw: None),
        Expect("approve", rule_ids=("ITDD-PA-02", *PAIN_MN, *AGG)),
    )


def test_pa_02_pending_pends_p2_with_the_e_i_rule() -> None:
    record = run("ITDD-TC-031", pa(status="pending", hcpcs=["J3010", "J0665"]))
    check(record, Expect("pend", rule_ids=("ITDD-EI-03", "ITDD-PA-02", *AGG), category="P2"))
    assert record["pend"]["reasons"] == ["prior_authorization_pending"]
    assert record["pend"]["followup"] == "route to clinical/UM review queue"


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "denied"},
        {"hcpcs": ["J3010"]},  # does not cover every HCPCS of the admixture
        {"valid_to": "2026-02-09"},
        {"provider_npi": "1999000023"},
        {"indication_groups": ["PAIN_CANCER"]},
    ],
)
def test_pa_02_failures_keep_the_e_i_denial(fields: dict[str, Any]) -> None:
    record = run("ITDD-TC-031", pa(**{"hcpcs": ["J3010", "J0665"], **fields}))
    check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-03", *AGG)))


def test_ind_02_records_findings_and_ind_03_removes_the_symptom_group() -> None:
    record = run("ITDD-TC-001", lambda raw: None)
    assert [f["indication_group"] for f in record["informational_findings"]] == [
        "SPASTICITY_SYMPTOM"
    ]
    check(
        run("ITDD-TC-020", lambda raw: None),
        Expect("deny", "167", ("N569",), ("ITDD-IND-03", *AGG)),
    )


ZICONOTIDE_MN = ("ITDD-MN-01", "ITDD-MN-04", "ITDD-MN-05")


@pytest.mark.parametrize(
    ("fields", "expect"),
    [
        ({}, Expect("approve", rule_ids=("ITDD-PA-01", *ZICONOTIDE_MN, *AGG))),
        ({"status": "pending"}, Expect("pend", rule_ids=("ITDD-PA-01", *AGG), category="P2")),
        ({"status": "withdrawn"}, Expect("deny", "39", (), ("ITDD-PA-01", *AGG))),
        ({"procedure_code": "62350"}, Expect("deny", "284", ("N54",), ("ITDD-PA-01", *AGG))),
        ({"valid_from": "2026-02-11"}, Expect("deny", "302", (), ("ITDD-PA-01", *AGG))),
        ({"provider_npi": "1999000023"}, Expect("deny", "296", ("N54",), ("ITDD-PA-01", *AGG))),
        ({"member_id": "TSTMBR000099"}, Expect("deny", "197", ("M62",), ("ITDD-PA-01", *AGG))),
    ],
)
def test_pa_01_ziconotide_checks_in_order(fields: dict[str, Any], expect: Expect) -> None:
    check(run("ITDD-TC-025", pa(**{"hcpcs": ["J2278"], **fields})), expect)


@pytest.mark.parametrize(
    ("history", "denied"),
    [
        ({"service_date": "2025-02-10"}, True),  # 365 days before: inside the window
        ({"service_date": "2025-02-09"}, False),  # 366 days
        ({"service_date": "2026-02-10"}, True),  # same day counts
        ({"service_date": "2026-02-11"}, False),  # later dates do not
        ({"decision": "deny"}, False),
        ({"agent": "baclofen"}, False),
        ({"procedure_code": "62350"}, False),
        ({"procedure_code": None}, True),  # null means 62327
    ],
)
def test_freq_01_window(history: dict[str, Any], denied: bool) -> None:
    item = {
        "claim_id": "CLM-OLD",
        "service_date": "2025-09-15",
        "procedure_code": "62327",
        "agent": "morphine",
        "decision": "approve",
        **history,
    }
    record = run("ITDD-TC-006", setter("context.claims_history", [item]))
    if denied:
        check(record, Expect("deny", "119", ("N640",), ("ITDD-FREQ-01", *AGG)))
    else:
        assert record["decision"] == "approve"


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


def test_mn_02_life_expectancy_checked_only_for_trials() -> None:
    assert run("ITDD-TC-012", lambda raw: None)["decision"] == "approve"  # infusion, 2 months
    check(run("ITDD-TC-013", lambda raw: None), Expect("deny", "50", ("N661",)))


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


def test_wrongly_typed_fact_is_missing_not_failed() -> None:
    record = run("ITDD-TC-006", setter("doc.conservative_therapy_failed_months", "12"))
    check(record, Expect("pend", rule_ids=(*PAIN_MN, "ITDD-DOC-01", *AGG), category="P3"))
    assert record["pend"]["documentation_missing"] == ["conservative_therapy_failed_months"]


def test_documented_failure_denies_even_with_missing_facts() -> None:
    mutate = all_of(setter("doc.purpose", None), setter("doc.active_infection", True))
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("deny", "50", ("N661",)))
    drug_line = record["line_decisions"][1]
    assert drug_line["criteria_failed"] == ["PAIN_NONCANCER:active_infection"]
    assert drug_line["criteria_missing"] == ["PAIN_NONCANCER:purpose"]


def test_doc_01_pends_p3_with_the_missing_facts() -> None:
    record = run("ITDD-TC-007", lambda raw: None)
    check(record, Expect("pend", rule_ids=(*PAIN_MN, "ITDD-DOC-01", *AGG), category="P3"))
    assert record["pend"]["followup"].startswith("request records")


@pytest.mark.parametrize(
    ("volume", "pends"),
    [(0.3, False), (0.4, False), (0.44, True)],  # Infumorph 25 mg/mL: 0.4 mL is exactly 10 mg
)
def test_safe_01_pends_only_above_the_threshold(volume: float, pends: bool) -> None:
    mutate = all_of(
        setter("drug2.volume_ml", volume),
        setter("drug2.ndc_quantity", volume),
        setter("line2.units", 1 if volume <= 0.4 else 2),
    )
    record = run("ITDD-TC-014", mutate)
    assert record["decision"] == ("pend" if pends else "approve")
    assert ("ITDD-SAFE-01" in record["rule_ids"]) is pends


def test_safe_01_sums_lines_of_the_same_agent_and_route() -> None:
    def split_dose(raw: Raw) -> None:  # 2 x 6 mg intrathecal morphine on one DOS
        first = drug(raw, 2)
        first.update(volume_ml=0.24, ndc_quantity=0.24)
        line(raw, 2)["units"] = 1
        raw["claim"]["lines"].append({**line(raw, 2), "line_number": 3, "drug": dict(first)})

    record = run("ITDD-TC-014", split_dose)
    check(record, Expect("pend", rule_ids=(*PAIN_MN, "ITDD-SAFE-01", *AGG), category="P2"))


def test_safe_01_threshold_rises_in_1_1_0() -> None:
    assert run("ITDD-TC-064", lambda raw: None)["decision"] == "pend"
    assert run("ITDD-TC-064", lambda raw: None, version="1.1.0")["decision"] == "approve"


# --- aggregation ----------------------------------------------------------------------------


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
