"""policy/rules/drug_lines.py: §5.5 steps 1–11 of a drug line in their order (the ids §8.3 lists
for each): ITDD-IND-01 … IND-03 and their findings (§8.5), FREQ-01, SAFE-01 (Appendix D), DOC-01."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.conftest import decide_raw, request_of
from tests.unit.policy.claim_lines import (
    DURAMORPH,
    GABLOFEN_50,
    GABLOFEN_2000,
    INFUMORPH,
    MITIGO,
    catheter_line,
    drug_claim,
    drug_line,
)
from tests.unit.policy.rulecases import (
    AGG,
    CANCER_MN,
    FOLLOWUP_P2,
    PAIN_MN,
    SPAS_MN,
    V11,
    Expect,
    Raw,
    add_lines,
    all_dates,
    all_of,
    check,
    claim_of,
    doc,
    drug,
    findings,
    history,
    line,
    line_decision,
    line_outcome,
    move_lines,
    outcomes,
    pa,
    run,
    set_drug_lines,
    setter,
)
from tests.unit.policy.spec_tables import EP, IT
from tests.unit.policy.verdicts import APPROVE_SP, claim_outcome

# --- steps 1, 4, 5: ITDD-IND-01 … IND-03 and the findings (§8.5) ------------------------------


def test_ind_01_drug_line_points_to_no_itdd_group() -> None:
    mutate = all_of(
        setter("claim.diagnosis_codes", ["M96.1", "J45.909"]),
        setter("line1.dx_pointers", [1]),
        setter("line2.dx_pointers", [2]),
    )
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("deny", "11", (), ("ITDD-IND-01", *AGG), "CO", "F2"))
    assert line_outcome(record, 1) == ("deny", "11")


def test_ind_01_acute_periop_pointer_does_not_count() -> None:
    # §2.3: ACUTE_PERIOP is ignored by IND-01; §5.5 step 1: groups empty -> deny CO-11.
    mutate = all_of(
        setter("claim.diagnosis_codes", ["M96.1", "G89.18"]),
        setter("line2.dx_pointers", [2]),
    )
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("deny", "11", (), ("ITDD-IND-01", *AGG), "CO", "F2"))
    assert outcomes(record) == [(1, "deny", "11"), (2, "deny", "11")]


def test_ind_02_records_findings_and_ind_03_removes_the_symptom_group() -> None:
    record = run("ITDD-TC-001", lambda raw: None)
    assert [f["indication_group"] for f in record["informational_findings"]] == [
        "SPASTICITY_SYMPTOM"
    ]
    check(
        run("ITDD-TC-020", lambda raw: None),
        Expect("deny", "167", ("N569",), ("ITDD-IND-03", *AGG)),
    )


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


def test_acute_periop_pointer_on_a_drug_line_gives_no_finding() -> None:
    # §2.3 / A-05: IND-02 findings use only the ITDD groups; ACUTE_PERIOP is ignored.
    record = run("ITDD-TC-006", setter("claim.diagnosis_codes", ["M96.1", "G89.18"]))
    check(record, Expect("approve", rule_ids=(*PAIN_MN, *AGG)))
    assert record["informational_findings"] == []


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


def test_finding_stays_when_a_later_step_denies() -> None:
    # §8.5: "A finding stays in the record even when a later step denies or pends the line."
    record = run("ITDD-TC-001", history())
    check(
        record,
        Expect("deny", "119", ("N640",), ("ITDD-EI-01", "ITDD-IND-02", "ITDD-FREQ-01", *AGG)),
    )
    assert findings(record) == [(2, "SPASTICITY_SYMPTOM", "morphine")]


# --- the steps in order: the first outcome ends the line (§5.5, §8.3) -------------------------


def test_pa_01_pending_is_checked_before_freq_01() -> None:
    # §5.5: steps run in order; "the first step that produces an outcome ... ends evaluation".
    def mutate(raw: Raw) -> None:
        raw["context"]["prior_authorizations"][0]["status"] = "pending"
        history(agent="ziconotide", service_date="2026-01-10")(raw)

    record = run("ITDD-TC-025", mutate)
    check(record, Expect("pend", None, (), ("ITDD-PA-01", *AGG), category="P2"))


def test_pa_01_is_listed_before_freq_01() -> None:
    # §8.3: step 6 "ITDD-PA-01 whenever it is checked, whatever its result", then step 7.
    record = run("ITDD-TC-025", history(agent="ziconotide", service_date="2026-01-10"))
    check(record, Expect("deny", "119", ("N640",), ("ITDD-PA-01", "ITDD-FREQ-01", *AGG)))


# --- step 7: ITDD-FREQ-01 ---------------------------------------------------------------------


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
        all_dates("2028-03-01", "2028-03-05"),
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
    assert "criteria_missing" not in line_decision(record, 2)


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


def test_freq_01_counts_an_item_that_carries_the_claims_own_id() -> None:
    # §5.5 step 7 names procedure_code, agent, decision and service_date only; §8.6 says the
    # snapshot of a re-adjudication leaves the claim's own items out, so the worker does not
    # filter them itself.
    def own_item(raw: Raw) -> None:
        raw["context"]["claims_history"] = [
            {
                "claim_id": raw["claim"]["claim_id"],
                "service_date": "2026-02-10",
                "agent": "morphine",
                "decision": "approve",
            }
        ]

    record = run("ITDD-TC-006", own_item)
    check(record, Expect("deny", "119", ("N640",), ("ITDD-FREQ-01", *AGG), "CO", "F2"))


# --- step 9: ITDD-SAFE-01, Appendix D ---------------------------------------------------------


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


def test_safe_01_total_is_summed_in_line_number_order_not_array_order() -> None:
    # §2.5: "Products and quotients are computed in double precision; sums are accumulated in
    # ascending line_number." §5.5 step 9 / App. D: pend only when r9(total) > 10 mg. In
    # line_number order the three intrathecal morphine doses sum to r9 = 10.0 (no pend); summed
    # in the (reversed) array order they would give 10.000000001 and pend.
    doses = [(0.857, 1.5133), (5.69, 0.1), (2.574082879905063, 3.16)]
    in_order = 0.0
    for c, v in doses:
        in_order += c * v
    backwards = 0.0
    for c, v in reversed(doses):
        backwards += c * v
    assert (round(in_order, 9), round(backwards, 9)) == (10.0, 10.000000001)
    drugs = [
        drug_line(2 + i, MITIGO, c, v, "intrathecal", "continuous", pointers=[1])
        for i, (c, v) in enumerate(doses)
    ]
    lines = [catheter_line(1, "2026-02-10", [1]), *reversed(drugs)]
    record = run("ITDD-TC-006", claim_of(["M96.1"], lines))
    check(record, Expect("approve", rule_ids=("ITDD-MN-01", "ITDD-MN-05", *AGG)))


def test_safe_01_pend_carries_missing_facts_without_doc_01() -> None:
    # §5.5 step 9 "takes precedence over DOC-01"; A-15: "A SAFE-01 pend carries the missing
    # facts in documentation_missing; DOC-01 is not listed"; §8.2 criteria on the line.
    record = run("ITDD-TC-014", setter("doc.purpose", None))
    check(record, Expect("pend", rule_ids=(*PAIN_MN, "ITDD-SAFE-01", *AGG), category="P2"))
    assert line_decision(record, 2)["criteria_missing"] == ["PAIN_NONCANCER:purpose"]
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


@pytest.mark.parametrize(
    ("version", "volume", "pends"),
    [
        # TC-064: Gablofen 2000 diluted to 0.5 mg/mL, intrathecal continuous; dose = 0.5 × volume.
        ("1.0.0", 1.6, False),  # 0.8 mg: "a total equal to it does not pend"
        ("1.0.0", 1.62, True),  # 0.81 mg
        ("1.0.0", 1.8, True),  # TC-064: 0.9 mg pends under 1.0.0
        ("1.1.0", 1.8, False),  # TC-064 under 1.1.0: approve
        ("1.1.0", 2.0, False),  # 1.0 mg: equal does not pend
        ("1.1.0", 2.02, True),  # 1.01 mg
    ],
)
def test_d_baclofen_threshold_per_version(version: str, volume: float, pends: bool) -> None:
    raw = request_of("ITDD-TC-064")
    drug(raw, 2).update(volume_ml=volume, ndc_quantity=volume)
    record = decide_raw(raw, version)
    if pends:
        assert claim_outcome(record) == (
            "pend",
            None,
            [],
            ["ITDD-MN-03", "ITDD-MN-05", "ITDD-SAFE-01", *AGG],
        )
        assert record["pend"]["reasons"] == ["clinical_review_dose_outlier"]
        assert record["pend"]["followup"] == FOLLOWUP_P2
    else:
        assert claim_outcome(record) == APPROVE_SP


@pytest.mark.parametrize(
    ("route", "volume", "pends"),
    [
        # Infumorph 25 mg/mL continuous; Appendix D: morphine IT 10 mg, EP 30 mg.
        (IT, 0.4, False),
        (IT, 0.44, True),
        (EP, 0.44, False),
        (EP, 1.2, False),
        (EP, 1.24, True),
    ],
)
@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_d_morphine_thresholds(version: str, route: str, volume: float, pends: bool) -> None:
    record = drug_claim("00641604001", "J2274", version, route=route, volume=volume)
    assert record["decision"] == ("pend" if pends else "approve")
    assert ("ITDD-SAFE-01" in record["rule_ids"]) is pends


@pytest.mark.parametrize(
    ("ndc", "code", "volume"),
    [("00409909422", "J3010", 200.0), ("31722027531", "J0665", 20.0)],
)
def test_d_agents_without_threshold(ndc: str, code: str, volume: float) -> None:
    # Appendix D: "Agents and routes not listed here have no threshold" (EI-03 denies anyway).
    record = drug_claim(ndc, code, "1.0.0", volume=volume)
    assert "ITDD-SAFE-01" not in record["rule_ids"]


# --- step 10: ITDD-DOC-01 ---------------------------------------------------------------------


def test_doc_01_pends_p3_with_the_missing_facts() -> None:
    record = run("ITDD-TC-007", lambda raw: None)
    check(record, Expect("pend", rule_ids=(*PAIN_MN, "ITDD-DOC-01", *AGG), category="P3"))
    assert record["pend"]["followup"].startswith("request records")
