"""One focused test per claim-level gate of §5.1–§5.4 (each rule id, each RARC branch).

Base: TC-006 (approved morphine bolus trial); each mutation trips exactly one gate, and a gate
denial gives every line the same denial and lists only the gate (§6, §8.3).
"""

from __future__ import annotations

import pytest

from tests.unit.policy.rulecases import (
    Expect,
    Mutation,
    add_line,
    all_dates,
    all_of,
    check,
    run,
    setter,
)

A7, A6 = "A7", "A6"

GATE_CASES: list[tuple[str, str, Mutation, Expect]] = [
    (
        "ITDD-VAL-01",
        "lower-case claim id",
        setter("claim.claim_id", "clm-itdd-6"),
        Expect("deny", "16", ("MA130",), category=A7),
    ),
    (
        "ITDD-VAL-01",
        "claim id not a string",
        setter("claim.claim_id", 123456),
        Expect("deny", "16", ("MA130",), category=A7),
    ),
    (
        "ITDD-VAL-01",
        "claim id too short",
        setter("claim.claim_id", "CLM-1"),
        Expect("deny", "16", ("MA130",), category=A7),
    ),
    (
        "ITDD-VAL-02",
        "member null",
        setter("claim.member", None),
        Expect("deny", "16", ("MA130", "N382"), category=A6),
    ),
    (
        "ITDD-VAL-02",
        "empty member id",
        setter("member.member_id", ""),
        Expect("deny", "16", ("MA130", "N382"), category=A6),
    ),
    (
        "ITDD-VAL-03",
        "impossible dob",
        setter("member.dob", "1968-02-30"),
        Expect("deny", "16", ("MA130", "N329"), category=A7),
    ),
    (
        "ITDD-VAL-03",
        "unknown sex",
        setter("member.sex", "X"),
        Expect("deny", "16", ("MA130", "MA39"), category=A7),
    ),
    (
        "ITDD-VAL-04",
        "NPI fails Luhn",
        setter("provider.rendering_npi", "1999000016"),
        Expect("deny", "16", ("MA130", "N290"), category=A7),
    ),
    (
        "ITDD-VAL-04",
        "NPI with 9 digits",
        setter("provider.rendering_npi", "199900001"),
        Expect("deny", "16", ("MA130", "N290"), category=A7),
    ),
    (
        "ITDD-VAL-05",
        "basic-form line date",
        setter("line2.service_date", "20260210"),
        Expect("deny", "16", ("MA130", "M52"), category=A7),
    ),
    (
        "ITDD-VAL-05",
        "header date not padded",
        setter("claim.service_date", "2026-2-10"),
        Expect("deny", "16", ("MA130", "M52"), category=A7),
    ),
    (
        "ITDD-VAL-06",
        "one-digit place of service",
        setter("claim.place_of_service", "2"),
        Expect("deny", "16", ("MA130", "M77"), category=A7),
    ),
    (
        "ITDD-VAL-06",
        "numeric place of service",
        setter("claim.place_of_service", 22),
        Expect("deny", "16", ("MA130", "M77"), category=A7),
    ),
    (
        "ITDD-VAL-07",
        "malformed drug HCPCS",
        setter("line2.procedure_code", "J22744"),
        Expect("deny", "16", ("MA130", "M20"), category=A7),
    ),
    (
        "ITDD-VAL-07",
        "malformed other code",
        add_line(procedure_code="6232"),
        Expect("deny", "16", ("MA130", "M51"), category=A7),
    ),
    (
        "ITDD-VAL-07",
        "lower-case modifier",
        setter("line2.modifiers", ["jw"]),
        Expect("deny", "16", ("MA130", "N823"), category=A7),
    ),
    (
        "ITDD-VAL-08",
        "fractional units",
        setter("line2.units", 1.0),
        Expect("deny", "16", ("MA130", "M53"), category=A7),
    ),
    (
        "ITDD-VAL-08",
        "boolean units",
        setter("line1.units", True),
        Expect("deny", "16", ("MA130", "M53"), category=A7),
    ),
    (
        "ITDD-VAL-08",
        "negative charge",
        setter("line2.charge", -1),
        Expect("deny", "16", ("MA130", "M79"), category=A7),
    ),
    (
        "ITDD-VAL-09",
        "pointer past the diagnoses",
        setter("line2.dx_pointers", [3]),
        Expect("deny", "16", ("MA130", "M76"), category=A7),
    ),
    (
        "ITDD-VAL-09",
        "no pointers",
        setter("line1.dx_pointers", []),
        Expect("deny", "16", ("MA130", "M76"), category=A7),
    ),
    (
        "ITDD-VAL-10",
        "10-digit NDC",
        setter("drug2.ndc", "0064160191"),
        Expect("deny", "16", ("MA130", "M119"), category=A7),
    ),
    (
        "ITDD-VAL-10",
        "unit of measure MG",
        setter("drug2.ndc_unit_of_measure", "MG"),
        Expect("deny", "16", ("MA130", "N816"), category=A7),
    ),
    (
        "ITDD-VAL-10",
        "zero concentration",
        setter("drug2.concentration_mg_per_ml", 0),
        Expect("deny", "16", ("MA130", "M123"), category=A7),
    ),
    (
        "ITDD-VAL-10",
        "volume over 10,000",
        setter("drug2.volume_ml", 10000.5),
        Expect("deny", "16", ("MA130", "M123"), category=A7),
    ),
    (
        "ITDD-VAL-10",
        "ML quantity differs from volume",
        setter("drug2.ndc_quantity", 0.6),
        Expect("deny", "16", ("MA130", "N815"), category=A7),
    ),
    (
        "ITDD-VAL-10",
        "ME quantity differs from dose",
        all_of(setter("drug2.ndc_unit_of_measure", "ME"), setter("drug2.ndc_quantity", 0.6)),
        Expect("deny", "16", ("MA130", "N815"), category=A7),
    ),
    (
        "ITDD-VAL-10",
        "intravenous route",
        setter("drug2.route", "intravenous"),
        Expect("deny", "16", ("MA130", "N349"), category=A7),
    ),
    (
        "ITDD-DUP-01",
        "claim already adjudicated",
        setter("context.adjudicated_claim_ids", ["CLM-ITDD-0006"]),
        Expect("deny", "18", ("N111",), group_code="OA", category="F2"),
    ),
    (
        "ITDD-ELIG-01",
        "no eligibility",
        setter("context.eligibility", None),
        Expect("deny", "31", (), group_code="PR"),
    ),
    (
        "ITDD-ELIG-01",
        "found is the string true",
        setter("eligibility.found", "true"),
        Expect("deny", "31", (), group_code="PR"),
    ),
    (
        "ITDD-ELIG-03",
        "born after the DOS",
        setter("member.dob", "2026-03-01"),
        Expect("deny", "14", (), group_code="CO"),
    ),
    (
        "ITDD-ELIG-02",
        "coverage starts later",
        setter("eligibility.coverage_start", "2026-02-11"),
        Expect("deny", "26", (), group_code="PR"),
    ),
    (
        "ITDD-ELIG-02",
        "coverage ended",
        setter("eligibility.coverage_end", "2026-02-09"),
        Expect("deny", "27", (), group_code="PR"),
    ),
    (
        "ITDD-DATE-01",
        "line DOS after processing date",
        setter("context.processing_date", "2026-02-09"),
        Expect("deny", "110", ()),
    ),
    (
        "ITDD-DX-01",
        "no diagnoses",
        setter("claim.diagnosis_codes", []),
        Expect("deny", "16", ("MA130", "M76"), category=A6),
    ),
    (
        "ITDD-DX-02",
        "lower-case written form",
        setter("claim.diagnosis_codes", ["m96.1", "G89.29"]),
        Expect("deny", "146", ("M76",)),
    ),
    (
        "ITDD-DX-02",
        "code without its dot",
        setter("claim.diagnosis_codes", ["M961", "G89.29"]),
        Expect("deny", "146", ("M76",)),
    ),
    (
        "ITDD-DX-02",
        "header code",
        setter("claim.diagnosis_codes", ["M96.1", "M54.5"]),
        Expect("deny", "146", ("M81",)),
    ),
    (
        "ITDD-DX-02",
        "G35.A does not exist before FY2026",
        all_of(all_dates("2025-09-15"), setter("claim.diagnosis_codes", ["M96.1", "G35.A"])),
        Expect("deny", "146", ("M76",)),
    ),
    (
        "ITDD-BEN-01",
        "plan excludes the benefit",
        setter("eligibility.plan_exclusions", ["INTRASPINAL_DRUG_DELIVERY"]),
        Expect("deny", "96", ("N130",)),
    ),
    (
        "ITDD-DX-03",
        "only unrelated diagnoses",
        setter("claim.diagnosis_codes", ["J45.909", "I10"]),
        Expect("deny", "11", ()),
    ),
    (
        "ITDD-DX-03",
        "only an acute code off the first pointer",
        all_of(setter("claim.diagnosis_codes", ["J45.909", "G89.18"])),
        Expect("deny", "11", ()),
    ),
    (
        "ITDD-DX-04",
        "62327 line points to no ITDD diagnosis",
        all_of(
            setter("claim.diagnosis_codes", ["M96.1", "J45.909"]), setter("line1.dx_pointers", [2])
        ),
        Expect("deny", "11", ()),
    ),
    (
        "ITDD-COD-02",
        "office setting",
        setter("claim.place_of_service", "11"),
        Expect("deny", "58", ("N428",)),
    ),
    (
        "ITDD-COD-03",
        "side modifier on 62327",
        setter("line1.modifiers", ["LT"]),
        Expect("deny", "4", ("N823",)),
    ),
    (
        "ITDD-COD-04",
        "two units of 62327",
        setter("line1.units", 2),
        Expect("deny", "16", ("N430",)),
    ),
    (
        "ITDD-COD-04",
        "two 62327 lines on one DOS",
        add_line(procedure_code="62327"),
        Expect("deny", "16", ("N430",)),
    ),
    (
        "ITDD-DRUG-01",
        "drug given on another day",
        setter("line2.service_date", "2026-02-11"),
        Expect("deny", "16", ("N349",)),
    ),
    (
        "ITDD-DRUG-02",
        "systemic morphine code",
        setter("line2.procedure_code", "J2270"),
        Expect("deny", "16", ("N657",)),
    ),
    (
        "ITDD-DRUG-03",
        "NDC not in the plan drug file",
        setter("drug2.ndc", "12345678901"),
        Expect("deny", "16", ("M119",)),
    ),
    (
        "ITDD-DRUG-04",
        "NDC of another HCPCS",
        setter("line2.procedure_code", "J0735"),
        Expect("deny", "16", ("N846",)),
    ),
    (
        "ITDD-DRUG-05",
        "below strength without dilution",
        setter("drug2.concentration_mg_per_ml", 0.5),
        Expect("deny", "16", ("M123",)),
    ),
    (
        "ITDD-DRUG-05",
        "above strength",
        all_of(setter("drug2.concentration_mg_per_ml", 2.0), setter("drug2.volume_ml", 0.5)),
        Expect("deny", "16", ("M123",)),
    ),
    (
        "ITDD-DRUG-06",
        "units do not match the dose",
        setter("line2.units", 2),
        Expect("deny", "16", ("M53",)),
    ),
]


@pytest.mark.parametrize(
    ("rule_id", "mutation", "expect"),
    [
        pytest.param(rule, mutate, expect, id=f"{rule}: {title}")
        for rule, title, mutate, expect in GATE_CASES
    ],
)
def test_gate_denies_claim_and_every_line(rule_id: str, mutation: Mutation, expect: Expect) -> None:
    record = run("ITDD-TC-006", mutation)
    check(
        record,
        Expect(
            expect.decision,
            expect.carc,
            expect.rarc,
            (rule_id,),
            expect.group_code,
            expect.category or "F2",
        ),
    )
    assert record["x12_835_clp02"] == ("4" if rule_id == "ITDD-ELIG-01" else "1")
    assert {(d["decision"], d["carc"], tuple(d["rarc"])) for d in record["line_decisions"]} == {
        ("deny", expect.carc, expect.rarc)
    }
    assert record["informational_findings"] == []


@pytest.mark.parametrize(
    ("rule_id", "mutation"),
    [
        ("ITDD-SCOPE-01", setter("line1.procedure_code", "62322")),
        ("ITDD-SCOPE-01", setter("line1.procedure_code", " 62327")),
        (
            "ITDD-SCOPE-04",
            all_of(all_dates("2024-12-31"), setter("eligibility.coverage_start", None)),
        ),
        ("ITDD-SCOPE-02", setter("claim.diagnosis_codes", ["G89.18", "M96.1"])),
    ],
)
def test_scope_rules_ignore(rule_id: str, mutation: Mutation) -> None:
    record = run("ITDD-TC-006", mutation)
    assert (record["decision"], record["rule_ids"], record["line_decisions"]) == (
        "ignore",
        [rule_id],
        [],
    )
    assert record["claim_status_category"] is None and record["x12_835_clp02"] is None


def test_scope_02_looks_only_at_the_first_pointer_of_the_first_62327_line() -> None:
    record = run("ITDD-TC-006", setter("claim.diagnosis_codes", ["M96.1", "G89.18"]))
    assert record["decision"] == "approve"


def test_dx_02_runs_before_scope_02() -> None:
    record = run("ITDD-TC-006", setter("claim.diagnosis_codes", ["G89.18", "G89.5"]))
    assert record["rule_ids"] == ["ITDD-DX-02"]


def test_val_07_checks_every_line_before_val_08() -> None:
    record = run("ITDD-TC-006", all_of(setter("line1.units", 0), setter("line2.modifiers", ["x"])))
    assert record["rarc"] == ["MA130", "N823"]


def test_within_a_gate_lower_line_number_decides() -> None:
    mutate = all_of(setter("line1.units", 1.5), setter("line2.charge", "free"))
    assert run("ITDD-TC-006", mutate)["rarc"] == ["MA130", "M53"]
    lines_reversed = all_of(mutate, lambda raw: raw["claim"]["lines"].reverse())
    assert run("ITDD-TC-006", lines_reversed)["rarc"] == ["MA130", "M53"]


def test_null_coverage_bounds_do_not_limit() -> None:
    mutate = all_of(
        setter("eligibility.coverage_start", None), setter("eligibility.coverage_end", None)
    )
    assert run("ITDD-TC-006", mutate)["decision"] == "approve"


def test_g35_is_billable_in_fy2025_and_header_in_fy2026() -> None:
    assert run("ITDD-TC-040", lambda raw: None)["decision"] == "approve"
    assert run("ITDD-TC-040", all_dates("2025-10-01"))["rule_ids"] == ["ITDD-DX-02"]


def test_units_use_r9_before_ceiling() -> None:
    # 0.05 mg/mL x 3 mL / 0.05 mg = 3.0000000000000004 in doubles: 3 units, not 4.
    mutate = all_of(
        setter("drug2.volume_ml", 3), setter("drug2.ndc_quantity", 3), setter("line2.units", 3)
    )
    assert run("ITDD-TC-016", mutate)["decision"] == "approve"
