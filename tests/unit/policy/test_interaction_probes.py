"""Interaction probes from a differential fuzz of the engine against an independent model of
policy-spec.md (1.0.0) and policy-changes-1.1.0.md.

The fuzz found no engine divergence. These tests pin the interactions it exercised that the
per-rule probes do not combine: several drug lines and 62327 lines on several DOS, lines out of
order, mixed line outcomes, admixtures with JW lines, SAFE-01 summation order, PA-02 on an
admixture, FREQ-01 and the claim's own id, a J7799 line carrying another product's NDC. Each
test quotes the spec sentence it checks.
"""

from __future__ import annotations

from typing import Any

from tests.unit.policy.claim_lines import (
    CLONIDINE,
    DURAMORPH,
    GABLOFEN_50,
    MITIGO,
    PRIALT,
    catheter_line,
    drug_line,
)
from tests.unit.policy.rulecases import (
    FOLLOWUP_P2,
    Expect,
    Mutation,
    Raw,
    all_of,
    check,
    doc,
    run,
    setter,
)

AGG = ("ITDD-AGG-01", "ITDD-AGG-02")
COMPLETE_DOC = {
    "purpose": "idd_trial",
    "conservative_therapy_failed_months": 12,
    "systemic_opioids_failed_or_intolerant": True,
    "psych_eval_done": True,
    "psych_eval_contraindication": False,
    "oral_antispasmodic_failed_weeks": 8,
    "life_expectancy_months": 12,
    "history_of_psychosis": False,
    "active_infection": False,
    "anticoagulation_or_bleeding_diathesis": False,
    "drug_hypersensitivity": False,
}


def claim_of(dx: list[str], lines: list[Raw], facts: dict[str, Any] | None = None) -> Mutation:
    """Replace the diagnoses, the lines (array order kept as given) and the facts."""

    def mutate(raw: Raw) -> None:
        raw["claim"]["diagnosis_codes"] = dx
        raw["claim"]["lines"] = lines
        doc(raw).update(COMPLETE_DOC if facts is None else facts)

    return mutate


def outcomes(record: Raw) -> list[tuple[int, str, str | None]]:
    return [(d["line_number"], d["decision"], d["carc"]) for d in record["line_decisions"]]


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


def test_v11_j7799_billed_with_another_products_listed_ndc_is_drug_03() -> None:
    # 1.1.0 §3.2: "A compounded product is accepted only when its identifier is listed in the
    # plan drug file (§B.2). A J7799 line with any other NDC denies under ITDD-DRUG-03
    # (CO-16/M119)." The Mitigo NDC is in the plan file, but not as a J7799 (compounded)
    # entry, so DRUG-03 fires before DRUG-04 (N846) would.
    mutate = all_of(
        setter("drug2.ndc", MITIGO[0]),
        setter("drug2.concentration_mg_per_ml", 1.0),
        setter("drug2.preparation", "diluted"),
    )
    record = run("ITDD-TC-063", mutate, "1.1.0")
    check(record, Expect("deny", "16", ("M119",), ("ITDD-DRUG-03",), "CO", "F2"))


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


def test_pa_02_on_an_admixture_ignores_its_jw_member() -> None:
    # §5.5 step 3: "hcpcs does not contain every HCPCS of the admixture"; step 2: the admixture
    # is "the drug lines on the same DOS that share its admixture_group", and §2.4 / A-17: JW
    # lines are excluded from admixtures. A JW baclofen line in group A adds no J0476 to it.
    lines = [
        catheter_line(1, "2026-02-10", [1]),
        drug_line(2, MITIGO, 1.0, 2, "intrathecal", "continuous", mix="A", pointers=[1]),
        drug_line(3, PRIALT, 0.005, 0.48, "intrathecal", "continuous", mix="A", pointers=[1]),
        drug_line(
            4, GABLOFEN_50, 0.05, 1, "intrathecal", "bolus", mix="A", modifiers=["JW"], pointers=[1]
        ),
    ]

    def pa(raw: Raw) -> None:
        raw["context"]["prior_authorizations"] = [
            {
                "pa_number": "PA-TEST-0099",
                "member_id": raw["claim"]["member"]["member_id"],
                "status": "approved",
                "procedure_code": "62327",
                "hcpcs": ["J2274", "J2278"],
                "indication_groups": ["PAIN_NONCANCER"],
                "valid_from": "2026-02-10",
                "valid_to": "2026-02-10",
                "provider_npi": raw["claim"]["provider"]["rendering_npi"],
            }
        ]
        doc(raw)["prior_auth_number"] = "PA-TEST-0099"

    record = run("ITDD-TC-006", all_of(claim_of(["M96.1"], lines), pa))
    # PA-02 granted on both admixed lines; step 6 (PA-01) is skipped for the ziconotide line.
    ids = ("ITDD-PA-02", "ITDD-MN-01", "ITDD-MN-05", "ITDD-MN-04", "ITDD-SCOPE-03", *AGG)
    check(record, Expect("approve", rule_ids=ids, category="F1"))
    assert outcomes(record) == [
        (1, "approve", None),
        (2, "approve", None),
        (3, "approve", None),
        (4, "not_reviewed", None),
    ]


def test_same_admixture_label_on_another_dos_is_another_admixture() -> None:
    # §5.5 step 2: an admixture is "the drug lines on the same DOS that share its
    # admixture_group". Morphine (A) on day 1 and baclofen (A) on day 2 are not admixed.
    lines = [
        catheter_line(1, "2026-02-10", [1, 2]),
        drug_line(2, MITIGO, 1.0, 2, "intrathecal", "continuous", pointers=[1], mix="A"),
        catheter_line(3, "2026-02-11", [1, 2]),
        drug_line(4, GABLOFEN_50, 0.05, 2, "intrathecal", "bolus", dos="2026-02-11", pointers=[2]),
    ]
    lines[3]["drug"]["admixture_group"] = "A"
    record = run("ITDD-TC-006", claim_of(["M96.1", "G82.22"], lines))
    ids = ("ITDD-MN-01", "ITDD-MN-05", "ITDD-MN-03", *AGG)
    check(record, Expect("approve", rule_ids=ids))
    assert [d["decision"] for d in record["line_decisions"]] == ["approve"] * 4


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


def test_scope_02_reads_the_lowest_numbered_62327_line_listed_last() -> None:
    # §1.2: "the first 62327 line (lowest line_number)"; "Other 62327 lines of the claim are
    # not looked at for this rule"; §2.6: array order does not matter.
    def two_days(first_pointer: int, second_pointer: int) -> Mutation:
        lines = [
            catheter_line(4, "2026-02-11", [second_pointer, 1]),
            drug_line(5, DURAMORPH, 1.0, 2, "intrathecal", "bolus", dos="2026-02-11", pointers=[1]),
            drug_line(2, DURAMORPH, 1.0, 2, "intrathecal", "bolus", pointers=[1]),
            catheter_line(1, "2026-02-10", [first_pointer, 1]),
        ]
        return claim_of(["M96.1", "G89.18"], lines)

    record = run("ITDD-TC-006", two_days(2, 1))
    check(record, Expect("ignore", rule_ids=("ITDD-SCOPE-02",)))
    assert record["line_decisions"] == []
    record = run("ITDD-TC-006", two_days(1, 2))
    check(record, Expect("approve", rule_ids=("ITDD-MN-01", "ITDD-MN-05", *AGG)))


def test_clonidine_exception_line_by_line_with_a_pain_only_morphine_line() -> None:
    # §5.5 step 2: EI-04 "unless the agents are exactly clonidine and morphine, every line of
    # the admixture is epidural, and PAIN_CANCER ∈ groups of this line (the exception is judged
    # per line ...)". The morphine line points to non-cancer pain only (EI-04); the clonidine
    # line points to cancer pain, keeps the exception and has its companion "whatever that
    # line's own outcome" (A-23). AGG-02: approve, partial.
    lines = [
        catheter_line(1, "2026-02-10", [1, 2]),
        drug_line(3, CLONIDINE, 0.1, 5, "epidural", "continuous", pointers=[1], mix="A"),
        drug_line(2, MITIGO, 1.0, 5, "epidural", "continuous", pointers=[2], mix="A"),
    ]
    record = run("ITDD-TC-033", claim_of(["C61", "M96.1"], lines))
    ids = ("ITDD-EI-04", "ITDD-MN-02", "ITDD-MN-05", *AGG)
    check(record, Expect("approve", rule_ids=ids, category="F1"))
    assert record["partial"] is True
    assert outcomes(record) == [(1, "approve", None), (2, "deny", "55"), (3, "approve", None)]


def test_gate_denial_covers_lines_out_of_order_with_jw_and_other_lines() -> None:
    # §6 last paragraph: "every line of the claim — 62327 lines, drug lines, JW lines and other
    # lines alike — receives the same denial"; §8.2 "in ascending line_number". DRUG-01 fires
    # for the day-2 62327 line whose only drug line is a JW line (§2.4: excluded in §5.4).
    lines = [
        drug_line(
            4,
            DURAMORPH,
            1.0,
            2,
            "intrathecal",
            "bolus",
            dos="2026-02-11",
            modifiers=["JW"],
            pointers=[1],
        ),
        catheter_line(3, "2026-02-11", [1]),
        {**catheter_line(5, "2026-02-11", [1]), "procedure_code": "77003"},
        drug_line(2, DURAMORPH, 1.0, 2, "intrathecal", "bolus", pointers=[1]),
        catheter_line(1, "2026-02-10", [1]),
    ]
    record = run("ITDD-TC-006", claim_of(["M96.1"], lines))
    check(record, Expect("deny", "16", ("N349",), ("ITDD-DRUG-01",), "CO", "F2"))
    assert [d["line_number"] for d in record["line_decisions"]] == [1, 2, 3, 4, 5]
    assert {(d["decision"], d["carc"], tuple(d["rarc"])) for d in record["line_decisions"]} == {
        ("deny", "16", ("N349",))
    }
