"""policy/rules/structural.py: §5.1 structural validation ITDD-VAL-01 … VAL-10 (CO-16/MA130,
277 A6/A7), and beside it §E.3: what the request model refuses before any rule runs."""

from __future__ import annotations

import pytest

from models.request import StructureError, parse_request
from tests.unit.conftest import request_of
from tests.unit.policy.rulecases import (
    BASE,
    DX,
    JW_COPY,
    REVERSED,
    Expect,
    Mutation,
    add_line,
    all_of,
    big_integer,
    copy_line,
    delete,
    dx,
    edit,
    pointers,
    run,
    setter,
)
from tests.unit.policy.verdicts import (
    APPROVED,
    Decided,
    Expectation,
    Gate,
    GateCase,
    Probe,
    check_gate_case,
    gate_params,
    probe_params,
    structural,
    verify,
)

GATE_CASES: list[GateCase] = [
    (
        "ITDD-VAL-01",
        "lower-case claim id",
        setter("claim.claim_id", "clm-itdd-6"),
        Expect("deny", "16", ("MA130",), category="A7"),
    ),
    (
        "ITDD-VAL-01",
        "claim id not a string",
        setter("claim.claim_id", 123456),
        Expect("deny", "16", ("MA130",), category="A7"),
    ),
    (
        "ITDD-VAL-01",
        "claim id too short",
        setter("claim.claim_id", "CLM-1"),
        Expect("deny", "16", ("MA130",), category="A7"),
    ),
    (
        "ITDD-VAL-02",
        "member null",
        setter("claim.member", None),
        Expect("deny", "16", ("MA130", "N382"), category="A6"),
    ),
    (
        "ITDD-VAL-02",
        "empty member id",
        setter("member.member_id", ""),
        Expect("deny", "16", ("MA130", "N382"), category="A6"),
    ),
    (
        "ITDD-VAL-03",
        "impossible dob",
        setter("member.dob", "1968-02-30"),
        Expect("deny", "16", ("MA130", "N329"), category="A7"),
    ),
    (
        "ITDD-VAL-03",
        "unknown sex",
        setter("member.sex", "X"),
        Expect("deny", "16", ("MA130", "MA39"), category="A7"),
    ),
    (
        "ITDD-VAL-04",
        "NPI fails Luhn",
        setter("provider.rendering_npi", "1999000016"),
        Expect("deny", "16", ("MA130", "N290"), category="A7"),
    ),
    (
        "ITDD-VAL-04",
        "NPI with 9 digits",
        setter("provider.rendering_npi", "199900001"),
        Expect("deny", "16", ("MA130", "N290"), category="A7"),
    ),
    (
        "ITDD-VAL-05",
        "basic-form line date",
        setter("line2.service_date", "20260210"),
        Expect("deny", "16", ("MA130", "M52"), category="A7"),
    ),
    (
        "ITDD-VAL-05",
        "header date not padded",
        setter("claim.service_date", "2026-2-10"),
        Expect("deny", "16", ("MA130", "M52"), category="A7"),
    ),
    (
        "ITDD-VAL-06",
        "one-digit place of service",
        setter("claim.place_of_service", "2"),
        Expect("deny", "16", ("MA130", "M77"), category="A7"),
    ),
    (
        "ITDD-VAL-06",
        "numeric place of service",
        setter("claim.place_of_service", 22),
        Expect("deny", "16", ("MA130", "M77"), category="A7"),
    ),
    (
        "ITDD-VAL-07",
        "malformed drug HCPCS",
        setter("line2.procedure_code", "J22744"),
        Expect("deny", "16", ("MA130", "M20"), category="A7"),
    ),
    (
        "ITDD-VAL-07",
        "malformed other code",
        add_line(procedure_code="6232"),
        Expect("deny", "16", ("MA130", "M51"), category="A7"),
    ),
    (
        "ITDD-VAL-07",
        "lower-case modifier",
        setter("line2.modifiers", ["jw"]),
        Expect("deny", "16", ("MA130", "N823"), category="A7"),
    ),
    (
        "ITDD-VAL-08",
        "fractional units",
        setter("line2.units", 1.0),
        Expect("deny", "16", ("MA130", "M53"), category="A7"),
    ),
    (
        "ITDD-VAL-08",
        "boolean units",
        setter("line1.units", True),
        Expect("deny", "16", ("MA130", "M53"), category="A7"),
    ),
    (
        "ITDD-VAL-08",
        "negative charge",
        setter("line2.charge", -1),
        Expect("deny", "16", ("MA130", "M79"), category="A7"),
    ),
    (
        "ITDD-VAL-09",
        "pointer past the diagnoses",
        setter("line2.dx_pointers", [3]),
        Expect("deny", "16", ("MA130", "M76"), category="A7"),
    ),
    (
        "ITDD-VAL-09",
        "no pointers",
        setter("line1.dx_pointers", []),
        Expect("deny", "16", ("MA130", "M76"), category="A7"),
    ),
    (
        "ITDD-VAL-10",
        "10-digit NDC",
        setter("drug2.ndc", "0064160191"),
        Expect("deny", "16", ("MA130", "M119"), category="A7"),
    ),
    (
        "ITDD-VAL-10",
        "unit of measure MG",
        setter("drug2.ndc_unit_of_measure", "MG"),
        Expect("deny", "16", ("MA130", "N816"), category="A7"),
    ),
    (
        "ITDD-VAL-10",
        "zero concentration",
        setter("drug2.concentration_mg_per_ml", 0),
        Expect("deny", "16", ("MA130", "M123"), category="A7"),
    ),
    (
        "ITDD-VAL-10",
        "volume over 10,000",
        setter("drug2.volume_ml", 10000.5),
        Expect("deny", "16", ("MA130", "M123"), category="A7"),
    ),
    (
        "ITDD-VAL-10",
        "ML quantity differs from volume",
        setter("drug2.ndc_quantity", 0.6),
        Expect("deny", "16", ("MA130", "N815"), category="A7"),
    ),
    (
        "ITDD-VAL-10",
        "ME quantity differs from dose",
        all_of(setter("drug2.ndc_unit_of_measure", "ME"), setter("drug2.ndc_quantity", 0.6)),
        Expect("deny", "16", ("MA130", "N815"), category="A7"),
    ),
    (
        "ITDD-VAL-10",
        "intravenous route",
        setter("drug2.route", "intravenous"),
        Expect("deny", "16", ("MA130", "N349"), category="A7"),
    ),
]


@pytest.mark.parametrize(("rule_id", "mutation", "expect"), gate_params(GATE_CASES))
def test_gate_denies_claim_and_every_line(rule_id: str, mutation: Mutation, expect: Expect) -> None:
    check_gate_case(rule_id, mutation, expect)


PROBES: list[Probe] = [
    # §5.1 ITDD-VAL-01: ^[A-Z0-9-]{6,30}$ as a whole.
    ("val01-30-chars", BASE, setter("claim.claim_id", "A" * 30), Decided("approve")),
    ("val01-6-chars", BASE, setter("claim.claim_id", "CLM-01"), Decided("approve")),
    (
        "val01-31-chars",
        BASE,
        setter("claim.claim_id", "A" * 31),
        structural("ITDD-VAL-01", ""),
    ),
    (
        "val01-trailing-newline",
        BASE,
        setter("claim.claim_id", "CLM-ITDD-0006\n"),
        structural("ITDD-VAL-01", ""),
    ),
    (
        "val01-underscore",
        BASE,
        setter("claim.claim_id", "CLM_ITDD_0006"),
        structural("ITDD-VAL-01", ""),
    ),
    ("val01-absent", BASE, delete("claim.claim_id"), structural("ITDD-VAL-01", "")),
    ("val01-null", BASE, setter("claim.claim_id", None), structural("ITDD-VAL-01", "")),
    # ITDD-VAL-02: member absent/null, or member_id not a non-empty string (A6).
    (
        "val02-member-absent",
        BASE,
        delete("claim.member"),
        structural("ITDD-VAL-02", "N382", "A6"),
    ),
    (
        "val02-member-empty",
        BASE,
        setter("claim.member", {}),
        structural("ITDD-VAL-02", "N382", "A6"),
    ),
    (
        "val02-member-id-integer",
        BASE,
        setter("member.member_id", 6),
        structural("ITDD-VAL-02", "N382", "A6"),
    ),
    (
        "val02-member-id-space-is-non-empty",
        BASE,
        setter("member.member_id", " "),
        Decided("approve"),
    ),
    # ITDD-VAL-03: dob not an ISO date → N329; else sex not F/M/U → MA39.
    (
        "val03-dob-not-leap",
        BASE,
        setter("member.dob", "1967-02-29"),
        structural("ITDD-VAL-03", "N329"),
    ),
    (
        "val03-dob-null",
        BASE,
        setter("member.dob", None),
        structural("ITDD-VAL-03", "N329"),
    ),
    (
        "val03-dob-basic-form",
        BASE,
        setter("member.dob", "19680412"),
        structural("ITDD-VAL-03", "N329"),
    ),
    (
        "val03-dob-0000",
        BASE,
        setter("member.dob", "0000-01-01"),
        structural("ITDD-VAL-03", "N329"),
    ),
    (
        "val03-dob-0001-valid",
        BASE,
        setter("member.dob", "0001-01-01"),
        Decided("approve"),
    ),
    (
        "val03-sex-lower",
        BASE,
        setter("member.sex", "f"),
        structural("ITDD-VAL-03", "MA39"),
    ),
    (
        "val03-sex-null",
        BASE,
        setter("member.sex", None),
        structural("ITDD-VAL-03", "MA39"),
    ),
    ("val03-sex-U", BASE, setter("member.sex", "U"), Decided("approve")),
    (
        "val03-dob-before-sex",
        BASE,
        all_of(setter("member.dob", "1968-13-01"), setter("member.sex", "X")),
        structural("ITDD-VAL-03", "N329"),
    ),
    # ITDD-VAL-04: rendering NPI, 10 ASCII digits + Luhn over 80840; billing NPI not checked.
    (
        "val04-billing-npi-unchecked",
        BASE,
        setter("provider.billing_npi", "x"),
        Decided("approve"),
    ),
    (
        "val04-other-valid-npi",
        BASE,
        setter("provider.rendering_npi", "1234567893"),
        Decided("approve"),
    ),
    (
        "val04-npi-integer",
        BASE,
        setter("provider.rendering_npi", 1999000015),
        structural("ITDD-VAL-04", "N290"),
    ),
    (
        "val04-npi-fullwidth-digits",
        BASE,
        setter("provider.rendering_npi", "１９９９０００００１５"),
        structural("ITDD-VAL-04", "N290"),
    ),
    (
        "val04-provider-null",
        BASE,
        setter("claim.provider", None),
        structural("ITDD-VAL-04", "N290"),
    ),
    (
        "val04-provider-absent",
        BASE,
        delete("claim.provider"),
        structural("ITDD-VAL-04", "N290"),
    ),
    # ITDD-VAL-05: header or any line service_date not an ISO date (§2.5).
    (
        "val05-header-with-time",
        BASE,
        setter("claim.service_date", "2026-02-10T00:00:00"),
        structural("ITDD-VAL-05", "M52"),
    ),
    (
        "val05-line-feb-30",
        BASE,
        setter("line2.service_date", "2026-02-30"),
        structural("ITDD-VAL-05", "M52"),
    ),
    (
        "val05-line-absent",
        BASE,
        delete("line1.service_date"),
        structural("ITDD-VAL-05", "M52"),
    ),
    (
        "val05-header-null",
        BASE,
        setter("claim.service_date", None),
        structural("ITDD-VAL-05", "M52"),
    ),
    # ITDD-VAL-06: exactly two ASCII digits.
    (
        "val06-three-digits",
        BASE,
        setter("claim.place_of_service", "022"),
        structural("ITDD-VAL-06", "M77"),
    ),
    (
        "val06-trailing-space",
        BASE,
        setter("claim.place_of_service", "22 "),
        structural("ITDD-VAL-06", "M77"),
    ),
    (
        "val06-letter",
        BASE,
        setter("claim.place_of_service", "2A"),
        structural("ITDD-VAL-06", "M77"),
    ),
    # ITDD-VAL-07: per line, code (M20 drug / M51 other), then modifiers (N823).
    (
        "val07-drug-code-lower",
        BASE,
        setter("line2.procedure_code", "j2274"),
        structural("ITDD-VAL-07", "M20"),
    ),
    (
        "val07-drug-code-W",
        BASE,
        setter("line2.procedure_code", "W2274"),
        structural("ITDD-VAL-07", "M20"),
    ),
    (
        "val07-other-code-W",
        BASE,
        add_line(procedure_code="W1234"),
        structural("ITDD-VAL-07", "M51"),
    ),
    (
        "val07-other-code-short",
        BASE,
        add_line(procedure_code="A123"),
        structural("ITDD-VAL-07", "M51"),
    ),
    (
        "val07-other-code-null",
        BASE,
        add_line(procedure_code=None),
        structural("ITDD-VAL-07", "M51"),
    ),
    (
        "val07-other-cpt-category-iii-form-passes",
        BASE,
        add_line(procedure_code="0199T"),
        Decided(
            "approve",
            rule_ids=(*APPROVED[:2], "ITDD-COD-01", *APPROVED[2:]),
            partial=True,
        ),
    ),
    (
        "val07-other-line-hcpcs-form-passes",
        BASE,
        add_line(procedure_code="J2274"),
        Decided(
            "approve",
            rule_ids=(*APPROVED[:2], "ITDD-COD-01", *APPROVED[2:]),
            partial=True,
        ),
    ),
    (
        "val07-modifier-one-char",
        BASE,
        setter("line1.modifiers", ["L"]),
        structural("ITDD-VAL-07", "N823"),
    ),
    (
        "val07-modifier-integer",
        BASE,
        setter("line1.modifiers", [50]),
        structural("ITDD-VAL-07", "N823"),
    ),
    (
        "val07-modifier-space",
        BASE,
        setter("line2.modifiers", ["JW "]),
        structural("ITDD-VAL-07", "N823"),
    ),
    (
        "val07-modifiers-null-ok",
        BASE,
        setter("line1.modifiers", None),
        Decided("approve"),
    ),
    (
        "val07-code-before-modifier-same-line",
        BASE,
        all_of(setter("line2.procedure_code", "J22744"), setter("line2.modifiers", ["x"])),
        structural("ITDD-VAL-07", "M20"),
    ),
    (
        "val07-lower-line-first",
        BASE,
        all_of(setter("line1.modifiers", ["x"]), setter("line2.procedure_code", "J22744")),
        structural("ITDD-VAL-07", "N823"),
    ),
    (
        "val07-lower-line-first-reversed-array",
        BASE,
        all_of(
            setter("line1.modifiers", ["x"]),
            setter("line2.procedure_code", "J22744"),
            REVERSED,
        ),
        structural("ITDD-VAL-07", "N823"),
    ),
    (
        "val07-jw-line-included",
        BASE,
        all_of(JW_COPY, setter("line3.procedure_code", "62327")),
        structural("ITDD-VAL-07", "M20"),
    ),
    # ITDD-VAL-08: per line, units integer >= 1 (M53), else charge number >= 0 (M79).
    (
        "val08-units-zero",
        BASE,
        setter("line1.units", 0),
        structural("ITDD-VAL-08", "M53"),
    ),
    (
        "val08-units-string",
        BASE,
        setter("line1.units", "1"),
        structural("ITDD-VAL-08", "M53"),
    ),
    (
        "val08-units-null",
        BASE,
        setter("line2.units", None),
        structural("ITDD-VAL-08", "M53"),
    ),
    (
        "val08-units-exponent",
        BASE,
        setter("line2.units", 1e0),
        structural("ITDD-VAL-08", "M53"),
    ),
    (
        "val08-charge-string",
        BASE,
        setter("line2.charge", "18.0"),
        structural("ITDD-VAL-08", "M79"),
    ),
    (
        "val08-charge-null",
        BASE,
        setter("line2.charge", None),
        structural("ITDD-VAL-08", "M79"),
    ),
    (
        "val08-charge-true",
        BASE,
        setter("line2.charge", True),
        structural("ITDD-VAL-08", "M79"),
    ),
    (
        "val08-charge-nan",
        BASE,
        setter("line2.charge", float("nan")),
        structural("ITDD-VAL-08", "M79"),
    ),
    (
        "val08-charge-inf",
        BASE,
        setter("line2.charge", float("inf")),
        structural("ITDD-VAL-08", "M79"),
    ),
    ("val08-charge-zero-ok", BASE, setter("line2.charge", 0), Decided("approve")),
    # §2.5: a number is finite *when read as an IEEE-754 double*; 10**400 is not.
    (
        "val08-charge-integer-beyond-double",
        BASE,
        setter("line2.charge", big_integer()),
        structural("ITDD-VAL-08", "M79"),
    ),
    (
        "val08-charge-integer-just-beyond-double",
        BASE,
        setter("line2.charge", 2 * 10**308),
        structural("ITDD-VAL-08", "M79"),
    ),
    (
        "val08-units-before-charge-same-line",
        BASE,
        all_of(setter("line2.units", 0), setter("line2.charge", -1)),
        structural("ITDD-VAL-08", "M53"),
    ),
    (
        "val08-lower-line-charge-first",
        BASE,
        all_of(setter("line1.charge", -1), setter("line2.units", 0), REVERSED),
        structural("ITDD-VAL-08", "M79"),
    ),
    # ITDD-VAL-09: with diagnoses, every pointer an integer in 1..n; duplicates allowed.
    ("val09-pointer-zero", BASE, pointers(1, 0), structural("ITDD-VAL-09", "M76")),
    ("val09-pointer-true", BASE, pointers(1, True), structural("ITDD-VAL-09", "M76")),
    ("val09-pointer-float", BASE, pointers(2, 1.0), structural("ITDD-VAL-09", "M76")),
    ("val09-pointer-string", BASE, pointers(2, "1"), structural("ITDD-VAL-09", "M76")),
    (
        "val09-pointers-null",
        BASE,
        setter("line2.dx_pointers", None),
        structural("ITDD-VAL-09", "M76"),
    ),
    (
        "val09-pointers-absent",
        BASE,
        delete("line2.dx_pointers"),
        structural("ITDD-VAL-09", "M76"),
    ),
    ("val09-pointer-equals-count-ok", BASE, pointers(1, 2), Decided("approve")),
    (
        "val09-duplicate-pointers-ok",
        BASE,
        all_of(pointers(1, 1, 1), pointers(2, 2, 2)),
        Decided("approve"),
    ),
    (
        "val09-jw-line-included",
        BASE,
        all_of(JW_COPY, pointers(3)),
        structural("ITDD-VAL-09", "M76"),
    ),
    (
        "val09-no-diagnoses-dx01-decides",
        BASE,
        all_of(dx(), pointers(1, 7), pointers(2)),
        Gate("ITDD-DX-01", "CO", "16", ("MA130", "M76"), "A6"),
    ),
    # ITDD-VAL-10: first problem of each drug line (JW included), in the table's order.
    (
        "val10-ndc-hyphens",
        BASE,
        setter("drug2.ndc", "00641-6019-10"),
        structural("ITDD-VAL-10", "M119"),
    ),
    (
        "val10-ndc-integer",
        BASE,
        setter("drug2.ndc", 641601910),
        structural("ITDD-VAL-10", "M119"),
    ),
    (
        "val10-empty-drug-object",
        BASE,
        setter("line2.drug", {}),
        structural("ITDD-VAL-10", "M119"),
    ),
    (
        "val10-uom-lower",
        BASE,
        setter("drug2.ndc_unit_of_measure", "ml"),
        structural("ITDD-VAL-10", "N816"),
    ),
    (
        "val10-uom-null",
        BASE,
        setter("drug2.ndc_unit_of_measure", None),
        structural("ITDD-VAL-10", "N816"),
    ),
    (
        "val10-concentration-string",
        BASE,
        setter("drug2.concentration_mg_per_ml", "1.0"),
        structural("ITDD-VAL-10", "M123"),
    ),
    (
        "val10-concentration-true",
        BASE,
        setter("drug2.concentration_mg_per_ml", True),
        structural("ITDD-VAL-10", "M123"),
    ),
    (
        "val10-volume-negative",
        BASE,
        setter("drug2.volume_ml", -0.5),
        structural("ITDD-VAL-10", "M123"),
    ),
    (
        "val10-volume-10000-passes-val10",
        BASE,
        all_of(setter("drug2.volume_ml", 10000), setter("drug2.ndc_quantity", 10000)),
        Gate("ITDD-DRUG-06", "CO", "16", ("M53",)),
    ),
    (
        "val10-quantity-zero",
        BASE,
        setter("drug2.ndc_quantity", 0),
        structural("ITDD-VAL-10", "N815"),
    ),
    (
        "val10-quantity-string",
        BASE,
        setter("drug2.ndc_quantity", "0.5"),
        structural("ITDD-VAL-10", "N815"),
    ),
    (
        "val10-quantity-null",
        BASE,
        setter("drug2.ndc_quantity", None),
        structural("ITDD-VAL-10", "N815"),
    ),
    (
        "val10-quantity-r9-equal",
        BASE,
        setter("drug2.ndc_quantity", 0.5000000004),
        Decided("approve"),
    ),
    (
        "val10-quantity-r9-differs",
        BASE,
        setter("drug2.ndc_quantity", 0.500000001),
        structural("ITDD-VAL-10", "N815"),
    ),
    (
        "val10-quantity-ME-equals-dose",
        BASE,
        setter("drug2.ndc_unit_of_measure", "ME"),  # 1.0 mg/mL x 0.5 mL = 0.5 mg = quantity
        Decided("approve"),
    ),
    (
        "val10-quantity-UN-not-compared",
        BASE,
        all_of(setter("drug2.ndc_unit_of_measure", "UN"), setter("drug2.ndc_quantity", 7)),
        Decided("approve"),
    ),
    # §2.5: an integer literal beyond the double range is not a number: N815.
    (
        "val10-quantity-integer-beyond-double-UN",
        BASE,
        all_of(
            setter("drug2.ndc_unit_of_measure", "UN"),
            setter("drug2.ndc_quantity", big_integer()),
        ),
        structural("ITDD-VAL-10", "N815"),
    ),
    (
        "val10-quantity-integer-beyond-double-ML",
        BASE,
        setter("drug2.ndc_quantity", big_integer()),
        structural("ITDD-VAL-10", "N815"),
    ),
    (
        "val10-route-capital",
        BASE,
        setter("drug2.route", "Intrathecal"),
        structural("ITDD-VAL-10", "N349"),
    ),
    (
        "val10-mode-null",
        BASE,
        setter("drug2.delivery_mode", None),
        structural("ITDD-VAL-10", "N349"),
    ),
    (
        "val10-ndc-before-route",
        BASE,
        all_of(setter("drug2.ndc", "1"), setter("drug2.route", "iv")),
        structural("ITDD-VAL-10", "M119"),
    ),
    (
        "val10-lower-line-first",
        BASE,
        all_of(
            copy_line(2),
            setter("drug2.route", "iv"),
            setter("drug3.ndc", "1"),
            REVERSED,
        ),
        structural("ITDD-VAL-10", "N349"),
    ),
    (
        "val10-jw-line-included",
        BASE,
        all_of(JW_COPY, setter("drug3.ndc", "1")),
        structural("ITDD-VAL-10", "M119"),
    ),
    (
        "val10-preparation-and-admixture-not-validated",
        BASE,
        all_of(setter("drug2.preparation", 5), setter("drug2.admixture_group", 5)),
        Decided("approve"),
    ),
    (
        "val05-jw-line-date",
        BASE,
        all_of(JW_COPY, setter("line3.service_date", "2026-02-10 ")),
        structural("ITDD-VAL-05", "M52"),
    ),
]


@pytest.mark.parametrize(("base", "mutation", "expect"), probe_params(PROBES))
def test_claim_level_rule(base: str, mutation: Mutation, expect: Expectation) -> None:
    verify(run(base, mutation), expect)


def test_val_07_checks_every_line_before_val_08() -> None:
    record = run("ITDD-TC-006", all_of(setter("line1.units", 0), setter("line2.modifiers", ["x"])))
    assert record["rarc"] == ["MA130", "N823"]


def test_within_a_gate_lower_line_number_decides() -> None:
    mutate = all_of(setter("line1.units", 1.5), setter("line2.charge", "free"))
    assert run("ITDD-TC-006", mutate)["rarc"] == ["MA130", "M53"]
    lines_reversed = all_of(mutate, lambda raw: raw["claim"]["lines"].reverse())
    assert run("ITDD-TC-006", lines_reversed)["rarc"] == ["MA130", "M53"]


STRUCTURE_BREAKS: list[tuple[str, Mutation]] = [
    ("member-string", setter("claim.member", "TSTMBR000006")),
    ("provider-list", setter("claim.provider", [])),
    ("documentation-list", setter("claim.documentation", [])),
    ("drug-string", setter("line2.drug", "J2274")),
    ("lines-object", setter("claim.lines", {})),
    ("diagnosis-codes-string", setter(DX, "M96.1")),
    ("modifiers-string", setter("line2.modifiers", "JW")),
    ("dx-pointers-integer", setter("line2.dx_pointers", 1)),
    ("line-not-object", edit(lambda raw: raw["claim"]["lines"].append(None))),
    ("line-number-zero", setter("line2.line_number", 0)),
    ("line-number-float", setter("line2.line_number", 2.0)),
    ("line-number-true", setter("line1.line_number", True)),
    ("line-number-string", setter("line2.line_number", "2")),
    ("line-number-absent", delete("line2.line_number")),
    ("line-number-repeated", setter("line2.line_number", 1)),
    ("processing-date-invalid", setter("context.processing_date", "2026-02-30")),
    ("processing-date-absent", delete("context.processing_date")),
    ("eligibility-list", setter("context.eligibility", [])),
    ("coverage-start-not-iso", setter("eligibility.coverage_start", "2025/01/01")),
    ("coverage-end-empty", setter("eligibility.coverage_end", "")),
    (
        "plan-exclusions-string",
        setter("eligibility.plan_exclusions", "INTRASPINAL_DRUG_DELIVERY"),
    ),
    ("plan-exclusions-integers", setter("eligibility.plan_exclusions", [1])),
    ("prior-authorizations-object", setter("context.prior_authorizations", {})),
    (
        "pa-without-hcpcs",
        setter(
            "context.prior_authorizations",
            [
                {
                    "pa_number": "P",
                    "member_id": "M",
                    "status": "approved",
                    "procedure_code": "62327",
                    "indication_groups": [],
                    "provider_npi": "1999000015",
                }
            ],
        ),
    ),
    (
        "pa-bad-valid-to",
        setter(
            "context.prior_authorizations",
            [
                {
                    "pa_number": "P",
                    "member_id": "M",
                    "status": "approved",
                    "procedure_code": "62327",
                    "hcpcs": [],
                    "indication_groups": [],
                    "provider_npi": "1999000015",
                    "valid_to": "2026-13-01",
                }
            ],
        ),
    ),
    (
        "history-without-date",
        setter("context.claims_history", [{"agent": "morphine", "decision": "approve"}]),
    ),
    (
        "history-claim-id-integer",
        setter(
            "context.claims_history",
            [
                {
                    "claim_id": 5,
                    "service_date": "2026-01-01",
                    "agent": "morphine",
                    "decision": "approve",
                }
            ],
        ),
    ),
    ("adjudicated-ids-integers", setter("context.adjudicated_claim_ids", [6])),
    (
        "context-null",
        edit(lambda raw: raw.update(context=None)),
    ),
    ("claim-list", edit(lambda raw: raw.update(claim=[]))),
]


@pytest.mark.parametrize("mutation", [pytest.param(m, id=name) for name, m in STRUCTURE_BREAKS])
def test_structure_break_gets_no_decision(mutation: Mutation) -> None:
    # §E.3: "Such a request gets no decision from this policy."
    raw = request_of(BASE)
    mutation(raw)
    with pytest.raises(StructureError):
        parse_request(raw)


STRUCTURE_OK: list[tuple[str, Mutation, Expectation]] = [
    (
        "unknown-keys-ignored",
        edit(lambda raw: raw["claim"].update(extra={"x": 1})),
        Decided("approve"),
    ),
    (
        "documentation-null",
        setter("claim.documentation", None),
        Decided(
            "pend",
            rule_ids=(
                "ITDD-MN-01",
                "ITDD-MN-05",
                "ITDD-DOC-01",
                "ITDD-AGG-01",
                "ITDD-AGG-02",
            ),
        ),
    ),
    (
        "collections-null",
        all_of(
            setter("context.prior_authorizations", None),
            setter("context.claims_history", None),
            setter("context.adjudicated_claim_ids", None),
        ),
        Decided("approve"),
    ),
    (
        "plan-exclusions-unread-when-not-found",
        all_of(
            setter("eligibility.found", None),
            setter("eligibility.plan_exclusions", "x"),
        ),
        Gate("ITDD-ELIG-01", "PR", "31"),
    ),
    (
        "member-null-is-val02",
        setter("claim.member", None),
        structural("ITDD-VAL-02", "N382", "A6"),
    ),
    (
        "history-null-code-and-id",
        setter(
            "context.claims_history",
            [
                {
                    "claim_id": None,
                    "service_date": "2024-01-01",
                    "procedure_code": None,
                    "agent": "morphine",
                    "decision": "approve",
                }
            ],
        ),
        Decided("approve"),
    ),
]


@pytest.mark.parametrize(
    ("mutation", "expect"), [pytest.param(m, e, id=name) for name, m, e in STRUCTURE_OK]
)
def test_structure_holds_and_rules_decide(mutation: Mutation, expect: Expectation) -> None:
    # §E.3: "Every other problem with a value is decided by the rules of §5".
    verify(run(BASE, mutation), expect)
