"""Probes of the claim-level part of policy-spec.md (§1, §2, §5.1–§5.4, §A, §E.3, §F).

Every probe takes a public case (TC-006 unless said otherwise: an approved Duramorph bolus
trial, diagnoses M96.1 and G89.29, line 1 = 62327, line 2 = J2274 on 2026-02-10), mutates it,
and states what the spec text literally gives: decision, CARC, RARC and rule_ids (plus the group
code and 277 category of a gate, and that every line carries a gate's denial, §6 last
paragraph). A failing probe is a divergence between the engine and the spec.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from models.request import StructureError, parse_request
from tests.unit.conftest import request_of
from tests.unit.policy.rulecases import (
    Mutation,
    Raw,
    add_line,
    all_dates,
    all_of,
    line,
    run,
    setter,
)

BASE = "ITDD-TC-006"
APPROVED = ("ITDD-MN-01", "ITDD-MN-05", "ITDD-AGG-01", "ITDD-AGG-02")
DAY2 = "2026-02-11"


# --- expectations --------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """A claim-level gate fired: one rule id, the claim and every line carry its denial."""

    rule_id: str
    group_code: str
    carc: str
    rarc: tuple[str, ...] = ()
    category: str = "F2"


@dataclass(frozen=True)
class Ignored:
    """SCOPE-01/02/04: disposition `ignore`, only the scope rule, no line decisions."""

    rule_id: str


@dataclass(frozen=True)
class Decided:
    """Evaluation went past the gates (§8.3 case 2)."""

    decision: str
    carc: str | None = None
    rarc: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = APPROVED
    partial: bool = False


Expectation = Gate | Ignored | Decided


def verify(record: Raw, expect: Expectation) -> None:
    got = (
        record["decision"],
        record["carc"],
        tuple(record["rarc"]),
        tuple(record["rule_ids"]),
    )
    if isinstance(expect, Gate):
        assert got == ("deny", expect.carc, expect.rarc, (expect.rule_id,))
        assert record["group_code"] == expect.group_code
        assert record["claim_status_category"] == expect.category
        assert record["x12_835_clp02"] == ("4" if expect.rule_id == "ITDD-ELIG-01" else "1")
        assert record["partial"] is False and record["pend"] is None
        assert record["informational_findings"] == []
        assert {
            (d["decision"], d["group_code"], d["carc"], tuple(d["rarc"]))
            for d in record["line_decisions"]
        } == {("deny", expect.group_code, expect.carc, expect.rarc)}
    elif isinstance(expect, Ignored):
        assert got == ("ignore", None, (), (expect.rule_id,))
        assert record["line_decisions"] == []
        assert record["claim_status_category"] is None and record["x12_835_clp02"] is None
    else:
        assert got == (expect.decision, expect.carc, expect.rarc, expect.rule_ids)
        assert record["partial"] is expect.partial


def structural(rule: str, rarc: str, category: str = "A7") -> Gate:
    """§5.1: structural denials carry MA130 first, then the specific RARC."""
    return Gate(rule, "CO", "16", ("MA130", rarc) if rarc else ("MA130",), category)


# --- mutations -----------------------------------------------------------------------------


def edit(fn: Callable[[Raw], Any]) -> Mutation:
    def mutate(raw: Raw) -> None:
        fn(raw)

    return mutate


def delete(path: str) -> Mutation:
    """`claim.x`, `member.x`, `lineN.x`, `drugN.x`, `context.x`, `eligibility.x`."""
    head, _, name = path.partition(".")

    def mutate(raw: Raw) -> None:
        target: Raw
        if head == "claim":
            target = raw["claim"]
        elif head == "member":
            target = raw["claim"]["member"]
        elif head == "context":
            target = raw["context"]
        elif head == "eligibility":
            target = raw["context"]["eligibility"]
        elif head.startswith("line"):
            target = line(raw, int(head[4:]))
        elif head.startswith("drug"):
            target = line(raw, int(head[4:]))["drug"]
        else:
            raise ValueError(head)
        del target[name]

    return mutate


def copy_line(number: int, **fields: Any) -> Mutation:
    """Append a copy of line `number` (its drug included) with a new line_number and `fields`."""

    def mutate(raw: Raw) -> None:
        new = copy.deepcopy(line(raw, number))
        new["line_number"] = 1 + max(item["line_number"] for item in raw["claim"]["lines"])
        new.update(fields)
        raw["claim"]["lines"].append(new)

    return mutate


def reverse_lines(raw: Raw) -> None:
    raw["claim"]["lines"].reverse()


REVERSED = edit(reverse_lines)
JW_COPY = copy_line(2, modifiers=["JW"])  # line 3: a JW line, a copy of the drug line
SECOND_DAY = all_of(
    add_line(procedure_code="62327", service_date=DAY2, dx_pointers=[1, 2]),  # line 3
    copy_line(2, service_date=DAY2),  # line 4
)
DX = "claim.diagnosis_codes"


def dx(*codes: str) -> Mutation:
    return setter(DX, list(codes))


def pointers(number: int, *values: object) -> Mutation:
    return setter(f"line{number}.dx_pointers", list(values))


def big_integer() -> int:
    """A JSON integer literal whose value overflows an IEEE-754 double (json.loads: an int)."""
    return 10**400


def decide_with(base: str, mutate: Mutation, version: str | None = None) -> Raw:
    return run(base, mutate, version)


# --- the probes: (id, spec reference, base, mutation, expectation) -------------------------

Probe = tuple[str, str, Mutation, Expectation]

PROBES: list[Probe] = [
    # §1.1 ITDD-SCOPE-01: exact match "62327", no trimming; SCOPE-01 runs before VAL.
    (
        "scope01-code-62322",
        BASE,
        setter("line1.procedure_code", "62322"),
        Ignored("ITDD-SCOPE-01"),
    ),
    (
        "scope01-trailing-space",
        BASE,
        setter("line1.procedure_code", "62327 "),
        Ignored("ITDD-SCOPE-01"),
    ),
    (
        "scope01-integer-code",
        BASE,
        setter("line1.procedure_code", 62327),
        Ignored("ITDD-SCOPE-01"),
    ),
    ("scope01-lines-null", BASE, setter("claim.lines", None), Ignored("ITDD-SCOPE-01")),
    ("scope01-lines-empty", BASE, setter("claim.lines", []), Ignored("ITDD-SCOPE-01")),
    ("scope01-lines-absent", BASE, delete("claim.lines"), Ignored("ITDD-SCOPE-01")),
    (
        "scope01-before-val01",
        BASE,
        all_of(setter("line1.procedure_code", "62322"), setter("claim.claim_id", "bad")),
        Ignored("ITDD-SCOPE-01"),
    ),
    # §1.1 "at least one line": a drug line billed 62327 keeps the claim in scope, and
    # VAL-07 then denies it M20 (a drug line's code must be HCPCS Level II).
    (
        "scope01-62327-only-on-drug-line",
        BASE,
        all_of(
            setter("line1.procedure_code", "62322"),
            setter("line2.procedure_code", "62327"),
        ),
        structural("ITDD-VAL-07", "M20"),
    ),
    # §1.3 ITDD-SCOPE-04: header DOS before 2025-01-01; runs after VAL-01…VAL-10, before DUP-01.
    (
        "scope04-header-2024-12-31",
        BASE,
        all_of(all_dates("2024-12-31"), setter("eligibility.coverage_start", None)),
        Ignored("ITDD-SCOPE-04"),
    ),
    (
        "scope04-boundary-2025-01-01-in-scope",
        BASE,
        all_dates("2025-01-01"),
        Decided("approve"),
    ),
    (
        "scope04-header-only-decides",
        BASE,
        setter("claim.service_date", "2024-12-31"),
        Ignored("ITDD-SCOPE-04"),
    ),
    (
        "scope04-line-dos-early-header-in-scope",
        BASE,
        all_of(
            setter("claim.service_date", "2025-01-01"),
            setter("line1.service_date", "2024-12-31"),
            setter("line2.service_date", "2024-12-31"),
        ),
        Gate("ITDD-ELIG-02", "PR", "26"),
    ),
    (
        "scope04-after-val04",
        BASE,
        all_of(all_dates("2024-12-31"), setter("provider.rendering_npi", "1999000016")),
        structural("ITDD-VAL-04", "N290"),
    ),
    (
        "scope04-after-val10",
        BASE,
        all_of(all_dates("2024-12-31"), setter("drug2.route", "iv")),
        structural("ITDD-VAL-10", "N349"),
    ),
    (
        "scope04-before-dup01",
        BASE,
        all_of(
            all_dates("2024-12-31"),
            setter("context.adjudicated_claim_ids", ["CLM-ITDD-0006"]),
        ),
        Ignored("ITDD-SCOPE-04"),
    ),
    # §1.2 ITDD-SCOPE-02: dx_pointers[0] of the first 62327 line (lowest line_number) only.
    ("scope02-g89.18-first", BASE, dx("G89.18", "M96.1"), Ignored("ITDD-SCOPE-02")),
    ("scope02-g89.11-first", BASE, dx("G89.11", "M96.1"), Ignored("ITDD-SCOPE-02")),
    ("scope02-g89.12-first", BASE, dx("G89.12", "M96.1"), Ignored("ITDD-SCOPE-02")),
    ("scope02-acute-second-pointer", BASE, dx("M96.1", "G89.18"), Decided("approve")),
    (
        "scope02-first-pointer-order-not-code-order",
        BASE,
        all_of(dx("G89.18", "M96.1"), pointers(1, 2, 1)),
        Decided("approve"),
    ),
    (
        "scope02-drug-line-pointer-not-looked-at",
        BASE,
        all_of(dx("M96.1", "G89.18"), pointers(2, 2)),
        Decided("deny", "11", (), ("ITDD-IND-01", "ITDD-AGG-01", "ITDD-AGG-02")),
    ),
    (
        "scope02-first-62327-by-line-number-ignores",
        BASE,
        all_of(
            dx("G89.18", "M96.1"),
            pointers(2, 2),
            SECOND_DAY,
            pointers(3, 2, 1),
            pointers(4, 2),
            REVERSED,
        ),
        Ignored("ITDD-SCOPE-02"),
    ),
    (
        "scope02-later-62327-not-looked-at",
        BASE,
        all_of(
            dx("G89.18", "M96.1"),
            pointers(1, 2, 1),
            pointers(2, 2),
            SECOND_DAY,
            pointers(3, 1, 2),
            pointers(4, 2),
            REVERSED,
        ),
        Decided("approve"),
    ),
    (
        "scope02-after-dx02",
        BASE,
        dx("G89.18", "G89.5"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "scope02-after-date01",
        BASE,
        all_of(dx("G89.18", "M96.1"), setter("context.processing_date", "2026-02-09")),
        Gate("ITDD-DATE-01", "CO", "110"),
    ),
    (
        "scope02-before-ben01",
        BASE,
        all_of(
            dx("G89.18", "M96.1"),
            setter("eligibility.plan_exclusions", ["INTRASPINAL_DRUG_DELIVERY"]),
        ),
        Ignored("ITDD-SCOPE-02"),
    ),
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
    # §5.2 ITDD-DUP-01.
    (
        "dup01-exact-id",
        BASE,
        setter("context.adjudicated_claim_ids", ["X", "CLM-ITDD-0006"]),
        Gate("ITDD-DUP-01", "OA", "18", ("N111",)),
    ),
    (
        "dup01-case-sensitive",
        BASE,
        setter("context.adjudicated_claim_ids", ["clm-itdd-0006"]),
        Decided("approve"),
    ),
    (
        "dup01-before-elig01",
        BASE,
        all_of(
            setter("context.adjudicated_claim_ids", ["CLM-ITDD-0006"]),
            setter("context.eligibility", None),
        ),
        Gate("ITDD-DUP-01", "OA", "18", ("N111",)),
    ),
    # ITDD-ELIG-01: only found: true means found (CLP02 4).
    (
        "elig01-absent",
        BASE,
        delete("context.eligibility"),
        Gate("ITDD-ELIG-01", "PR", "31"),
    ),
    (
        "elig01-found-false",
        BASE,
        setter("eligibility.found", False),
        Gate("ITDD-ELIG-01", "PR", "31"),
    ),
    (
        "elig01-found-one",
        BASE,
        setter("eligibility.found", 1),
        Gate("ITDD-ELIG-01", "PR", "31"),
    ),
    (
        "elig01-found-absent",
        BASE,
        delete("eligibility.found"),
        Gate("ITDD-ELIG-01", "PR", "31"),
    ),
    (
        "elig01-unread-fields-not-structure",
        BASE,
        all_of(
            setter("eligibility.found", False),
            setter("eligibility.coverage_start", "soon"),
        ),
        Gate("ITDD-ELIG-01", "PR", "31"),
    ),
    # ITDD-ELIG-03: dob after the header DOS (not the line DOS); runs before ELIG-02.
    (
        "elig03-dob-equals-header",
        BASE,
        setter("member.dob", "2026-02-10"),
        Decided("approve"),
    ),
    (
        "elig03-dob-day-after",
        BASE,
        setter("member.dob", "2026-02-11"),
        Gate("ITDD-ELIG-03", "CO", "14"),
    ),
    (
        "elig03-header-not-line",
        BASE,
        all_of(
            setter("member.dob", "2026-02-11"),
            setter("line1.service_date", "2026-02-12"),
            setter("line2.service_date", "2026-02-12"),
        ),
        Gate("ITDD-ELIG-03", "CO", "14"),
    ),
    (
        "elig03-line-before-dob-not-checked",
        BASE,
        all_of(
            setter("member.dob", "2026-02-11"),
            setter("claim.service_date", "2026-02-12"),
        ),
        Decided("approve"),
    ),
    (
        "elig03-before-elig02",
        BASE,
        all_of(
            setter("member.dob", "2026-02-11"),
            setter("eligibility.coverage_start", "2026-03-01"),
        ),
        Gate("ITDD-ELIG-03", "CO", "14"),
    ),
    # ITDD-ELIG-02: every line DOS (not the header); < start → 26, else > end → 27.
    (
        "elig02-line-on-start",
        BASE,
        setter("eligibility.coverage_start", "2026-02-10"),
        Decided("approve"),
    ),
    (
        "elig02-line-on-end",
        BASE,
        setter("eligibility.coverage_end", "2026-02-10"),
        Decided("approve"),
    ),
    (
        "elig02-header-before-start-not-checked",
        BASE,
        all_of(
            setter("claim.service_date", "2026-02-09"),
            setter("eligibility.coverage_start", "2026-02-10"),
        ),
        Decided("approve"),
    ),
    (
        "elig02-header-after-end-not-checked",
        BASE,
        all_of(
            setter("claim.service_date", "2026-02-11"),
            setter("eligibility.coverage_end", "2026-02-10"),
        ),
        Decided("approve"),
    ),
    (
        "elig02-bounds-absent",
        BASE,
        all_of(delete("eligibility.coverage_start"), delete("eligibility.coverage_end")),
        Decided("approve"),
    ),
    (
        "elig02-lower-line-decides",
        BASE,
        all_of(
            setter("eligibility.coverage_start", "2026-02-10"),
            setter("eligibility.coverage_end", "2026-02-10"),
            setter("line1.service_date", DAY2),
            setter("line2.service_date", "2026-02-09"),
            REVERSED,
        ),
        Gate("ITDD-ELIG-02", "PR", "27"),
    ),
    (
        "elig02-start-condition-first",
        BASE,
        all_of(
            setter("eligibility.coverage_start", "2026-03-01"),
            setter("eligibility.coverage_end", "2026-01-01"),
        ),
        Gate("ITDD-ELIG-02", "PR", "26"),
    ),
    (
        "elig02-other-line-counts",
        BASE,
        all_of(
            add_line(procedure_code="01996", service_date="2026-02-12"),
            setter("eligibility.coverage_end", DAY2),
        ),
        Gate("ITDD-ELIG-02", "PR", "27"),
    ),
    (
        "elig02-jw-line-counts",
        BASE,
        all_of(
            JW_COPY,
            setter("line3.service_date", DAY2),
            setter("eligibility.coverage_end", "2026-02-10"),
        ),
        Gate("ITDD-ELIG-02", "PR", "27"),
    ),
    # ITDD-DATE-01: header DOS or any line DOS after processing_date.
    (
        "date01-jw-line-counts",
        BASE,
        all_of(JW_COPY, setter("line3.service_date", "2026-03-03")),
        Gate("ITDD-DATE-01", "CO", "110"),
    ),
    (
        "val05-jw-line-date",
        BASE,
        all_of(JW_COPY, setter("line3.service_date", "2026-02-10 ")),
        structural("ITDD-VAL-05", "M52"),
    ),
    (
        "date01-equal-processing",
        BASE,
        setter("context.processing_date", "2026-02-10"),
        Decided("approve"),
    ),
    (
        "date01-header-only",
        BASE,
        all_of(setter("claim.service_date", "2026-03-03")),
        Gate("ITDD-DATE-01", "CO", "110"),
    ),
    (
        "date01-one-line",
        BASE,
        add_line(procedure_code="01996", service_date="2026-03-03"),
        Gate("ITDD-DATE-01", "CO", "110"),
    ),
    # §5.3 ITDD-DX-01 (A6).
    (
        "dx01-null",
        BASE,
        setter(DX, None),
        Gate("ITDD-DX-01", "CO", "16", ("MA130", "M76"), "A6"),
    ),
    (
        "dx01-absent",
        BASE,
        delete(DX),
        Gate("ITDD-DX-01", "CO", "16", ("MA130", "M76"), "A6"),
    ),
    # ITDD-DX-02: written form (§A.8) and existence → M76; header → M81; claim order.
    (
        "dx02-trailing-space",
        BASE,
        dx("M96.1 ", "G89.29"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-extra-digit",
        BASE,
        dx("M96.1", "G89.290"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-m96.9",
        BASE,
        dx("M96.1", "M96.9"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-lowercase-placeholder",
        BASE,
        dx("M96.1", "S06.0x0S"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-integer-code",
        BASE,
        setter(DX, ["M96.1", 961]),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-null-code",
        BASE,
        setter(DX, ["M96.1", None]),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-category-header",
        BASE,
        dx("M96.1", "C50"),
        Gate("ITDD-DX-02", "CO", "146", ("M81",)),
    ),
    (
        "dx02-7th-char-header",
        BASE,
        dx("M96.1", "S06.0X0"),
        Gate("ITDD-DX-02", "CO", "146", ("M81",)),
    ),
    (
        "dx02-g35-header-fy2026",
        BASE,
        dx("M96.1", "G35"),
        Gate("ITDD-DX-02", "CO", "146", ("M81",)),
    ),
    (
        "dx02-header-first",
        BASE,
        dx("M54.5", "G89.5"),
        Gate("ITDD-DX-02", "CO", "146", ("M81",)),
    ),
    (
        "dx02-unknown-first",
        BASE,
        dx("G89.5", "M54.5"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-unpointed-code-checked",
        BASE,
        dx("M96.1", "G89.29", "G89.5"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-g35.c1-absent-fy2025",
        BASE,
        all_of(all_dates("2025-09-30"), dx("M96.1", "G35.C1")),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-code-set-of-header-dos-fy2025",
        BASE,
        all_of(
            all_dates("2025-10-01"),
            setter("claim.service_date", "2025-09-30"),
            dx("M96.1", "G35"),
            pointers(2, 1),
        ),
        Decided("approve"),
    ),
    (
        "dx02-code-set-of-header-dos-fy2026",
        BASE,
        all_of(
            all_dates("2025-09-30"),
            setter("claim.service_date", "2025-10-01"),
            dx("M96.1", "G35"),
        ),
        Gate("ITDD-DX-02", "CO", "146", ("M81",)),
    ),
    # ITDD-BEN-01 (after SCOPE-02, before DX-03).
    (
        "ben01-among-others",
        BASE,
        setter("eligibility.plan_exclusions", ["X", "INTRASPINAL_DRUG_DELIVERY"]),
        Gate("ITDD-BEN-01", "CO", "96", ("N130",)),
    ),
    (
        "ben01-case-sensitive",
        BASE,
        setter("eligibility.plan_exclusions", ["intraspinal_drug_delivery"]),
        Decided("approve"),
    ),
    (
        "ben01-before-dx03",
        BASE,
        all_of(
            dx("J45.909", "I10"),
            setter("eligibility.plan_exclusions", ["INTRASPINAL_DRUG_DELIVERY"]),
        ),
        Gate("ITDD-BEN-01", "CO", "96", ("N130",)),
    ),
    (
        "ben01-after-dx02",
        BASE,
        all_of(
            dx("M96.1", "G89.5"),
            setter("eligibility.plan_exclusions", ["INTRASPINAL_DRUG_DELIVERY"]),
        ),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    # ITDD-DX-03: no claim diagnosis (pointed or not) in an ITDD group; ACUTE_PERIOP not counted.
    ("dx03-none", BASE, dx("J45.909", "I10"), Gate("ITDD-DX-03", "CO", "11")),
    (
        "dx03-acute-only-not-first",
        BASE,
        dx("J45.909", "G89.18"),
        Gate("ITDD-DX-03", "CO", "11"),
    ),
    (
        "dx03-unpointed-itdd-code-counts",
        BASE,
        all_of(dx("J45.909", "M96.1"), pointers(1, 1), pointers(2, 1)),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    # ITDD-DX-04: each 62327 line needs a pointed ITDD group (Appendix A mapping).
    (
        "dx04-acute-pointer-does-not-count",
        BASE,
        all_of(dx("J45.909", "G89.18", "M96.1"), pointers(1, 1, 2), pointers(2, 3)),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    (
        "dx04-symptom-group-counts",
        BASE,
        all_of(dx("M96.1", "R25.2"), pointers(1, 2), pointers(2, 1)),
        Decided("approve"),
    ),
    (
        "dx04-spinal-cord-sequela",
        BASE,
        all_of(dx("M96.1", "S14.101S"), pointers(1, 2), pointers(2, 1)),
        Decided("approve"),
    ),
    (
        "dx04-spinal-cord-not-sequela",
        BASE,
        all_of(dx("M96.1", "S24.104D"), pointers(1, 2), pointers(2, 1)),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    (
        "dx04-tbi-sequela",
        BASE,
        all_of(dx("M96.1", "S06.0X0S"), pointers(1, 2), pointers(2, 1)),
        Decided("approve"),
    ),
    (
        "dx04-tbi-initial-encounter",
        BASE,
        all_of(dx("M96.1", "S06.0X0A"), pointers(1, 2), pointers(2, 1)),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    (
        "dx04-any-c-code",
        BASE,
        all_of(dx("M96.1", "C4A.0"), pointers(1, 2), pointers(2, 1)),
        Decided("approve"),
    ),
    (
        "dx04-d-code-not-cancer",
        BASE,
        all_of(dx("M96.1", "D49.6"), pointers(1, 2), pointers(2, 1)),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    (
        "dx04-ms-fy2026-code",
        BASE,
        all_of(dx("M96.1", "G35.C1"), pointers(1, 2), pointers(2, 1)),
        Decided("approve"),
    ),
    (
        "dx04-g35-group-fy2025",
        BASE,
        all_of(all_dates("2025-09-30"), dx("M96.1", "G35"), pointers(1, 2), pointers(2, 1)),
        Decided("approve"),
    ),
    (
        "dx04-second-62327-line",
        BASE,
        all_of(
            dx("M96.1", "J45.909"),
            SECOND_DAY,
            pointers(3, 2),
            pointers(4, 1),
            pointers(2, 1),
        ),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    (
        "dx04-before-cod02",
        BASE,
        all_of(
            dx("M96.1", "J45.909"),
            pointers(1, 2),
            setter("claim.place_of_service", "11"),
        ),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    # §5.4 ITDD-COD-02.
    ("cod02-pos-19", BASE, setter("claim.place_of_service", "19"), Decided("approve")),
    ("cod02-pos-21", BASE, setter("claim.place_of_service", "21"), Decided("approve")),
    (
        "cod02-pos-24-v1.0",
        BASE,
        setter("claim.place_of_service", "24"),
        Gate("ITDD-COD-02", "CO", "58", ("N428",)),
    ),
    # ITDD-COD-03 (62327 lines only), then COD-04 across all 62327 lines.
    (
        "cod03-50",
        BASE,
        setter("line1.modifiers", ["50"]),
        Gate("ITDD-COD-03", "CO", "4", ("N823",)),
    ),
    (
        "cod03-RT-second",
        BASE,
        setter("line1.modifiers", ["59", "RT"]),
        Gate("ITDD-COD-03", "CO", "4", ("N823",)),
    ),
    (
        "cod03-drug-line-not-checked",
        BASE,
        setter("line2.modifiers", ["LT"]),
        Decided("approve"),
    ),
    (
        "cod03-second-62327-line",
        BASE,
        all_of(SECOND_DAY, setter("line3.modifiers", ["RT"])),
        Gate("ITDD-COD-03", "CO", "4", ("N823",)),
    ),
    (
        "cod03-before-cod04",
        BASE,
        all_of(SECOND_DAY, setter("line1.units", 2), setter("line3.modifiers", ["LT"])),
        Gate("ITDD-COD-03", "CO", "4", ("N823",)),
    ),
    ("cod04-two-days-ok", BASE, SECOND_DAY, Decided("approve")),
    (
        "cod04-same-dos",
        BASE,
        add_line(procedure_code="62327", dx_pointers=[1]),
        Gate("ITDD-COD-04", "CO", "16", ("N430",)),
    ),
    (
        "cod04-units-3",
        BASE,
        setter("line1.units", 3),
        Gate("ITDD-COD-04", "CO", "16", ("N430",)),
    ),
    (
        "cod04-before-drug01",
        BASE,
        add_line(procedure_code="62327", service_date=DAY2, units=2),
        Gate("ITDD-COD-04", "CO", "16", ("N430",)),
    ),
    # ITDD-DRUG-01: a drug line (JW excluded) on the 62327 line's DOS.
    (
        "drug01-only-jw-on-dos",
        BASE,
        all_of(JW_COPY, setter("line2.service_date", DAY2)),
        Gate("ITDD-DRUG-01", "CO", "16", ("N349",)),
    ),
    (
        "drug01-drugless-hcpcs-line-is-other",
        BASE,
        setter("line2.drug", None),
        Gate("ITDD-DRUG-01", "CO", "16", ("N349",)),
    ),
    (
        "drug01-second-62327-line",
        BASE,
        add_line(procedure_code="62327", service_date=DAY2),
        Gate("ITDD-DRUG-01", "CO", "16", ("N349",)),
    ),
    # ITDD-DRUG-02 … DRUG-06: every drug line (JW excluded), gate by gate.
    (
        "drug02-before-drug03-across-lines",
        BASE,
        all_of(copy_line(2, procedure_code="J2270"), setter("drug2.ndc", "12345678901")),
        Gate("ITDD-DRUG-02", "CO", "16", ("N657",)),
    ),
    (
        "drug02-jw-line-excluded",
        BASE,
        all_of(JW_COPY, setter("line3.procedure_code", "J2270")),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "drug02-j1170-not-in-b1-v1.0",
        BASE,
        setter("line2.procedure_code", "J1170"),
        Gate("ITDD-DRUG-02", "CO", "16", ("N657",)),
    ),
    (
        "drug03-hydromorphone-ndc-not-in-file-v1.0",
        BASE,
        setter("drug2.ndc", "63323085110"),
        Gate("ITDD-DRUG-03", "CO", "16", ("M119",)),
    ),
    (
        "drug03-jw-line-excluded",
        BASE,
        all_of(JW_COPY, setter("drug3.ndc", "12345678901")),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "drug04-oral-morphine-no-hcpcs",
        BASE,
        setter("drug2.ndc", "68094000162"),
        Gate("ITDD-DRUG-04", "CO", "16", ("N846",)),
    ),
    (
        "drug04-systemic-morphine-ndc-on-j2274",
        BASE,
        setter("drug2.ndc", "00409189101"),
        Gate("ITDD-DRUG-04", "CO", "16", ("N846",)),
    ),
    (
        "drug05-equal-strength-diluted-ok",
        BASE,
        setter("drug2.preparation", "diluted"),
        Decided("approve"),
    ),
    (
        "drug05-below-strength-Diluted-capital",
        BASE,
        all_of(
            setter("drug2.concentration_mg_per_ml", 0.5),
            setter("drug2.preparation", "Diluted"),
        ),
        Gate("ITDD-DRUG-05", "CO", "16", ("M123",)),
    ),
    (
        "drug05-below-strength-diluted-ok",
        BASE,
        all_of(
            setter("drug2.concentration_mg_per_ml", 0.5),
            setter("drug2.preparation", "diluted"),
        ),
        Decided("approve"),
    ),
    (
        "drug05-r9-equal-below",
        BASE,
        setter("drug2.concentration_mg_per_ml", 0.9999999996),
        Decided("approve"),
    ),
    (
        "drug05-r9-equal-above",
        BASE,
        setter("drug2.concentration_mg_per_ml", 1.0000000004),
        Decided("approve"),
    ),
    (
        "drug05-r9-above",
        BASE,
        setter("drug2.concentration_mg_per_ml", 1.000000001),
        Gate("ITDD-DRUG-05", "CO", "16", ("M123",)),
    ),
    (
        "drug05-jw-line-excluded",
        BASE,
        all_of(JW_COPY, setter("drug3.concentration_mg_per_ml", 5.0)),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "drug06-jw-line-excluded",
        BASE,
        all_of(JW_COPY, setter("line3.units", 7)),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "drug05-before-drug06-across-lines",
        BASE,
        all_of(copy_line(2, units=4), setter("drug2.concentration_mg_per_ml", 0.5)),
        Gate("ITDD-DRUG-05", "CO", "16", ("M123",)),
    ),
    # Appendix F / ITDD-COD-01: other lines only; deleted or unlisted codes deny the line.
    (
        "cod01-deleted-62310",
        BASE,
        add_line(procedure_code="62310"),
        Decided(
            "approve",
            rule_ids=(*APPROVED[:2], "ITDD-COD-01", *APPROVED[2:]),
            partial=True,
        ),
    ),
    (
        "cod01-unlisted-99201",
        BASE,
        add_line(procedure_code="99201"),
        Decided(
            "approve",
            rule_ids=(*APPROVED[:2], "ITDD-COD-01", *APPROVED[2:]),
            partial=True,
        ),
    ),
    (
        "cod01-62352-in-implant-range-but-unlisted",
        BASE,
        add_line(procedure_code="62352"),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-COD-01", *APPROVED[2:]), partial=True),
    ),
    (
        "cod01-listed-62350-not-reviewed",
        BASE,
        add_line(procedure_code="62350"),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "cod01-listed-99239-not-reviewed",
        BASE,
        add_line(procedure_code="99239"),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "cod01-imaging-other-day-not-reviewed",
        BASE,
        add_line(procedure_code="77012", service_date=DAY2),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "cod01-jw-line-never-checked",
        BASE,
        JW_COPY,
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
]


@pytest.mark.parametrize(
    ("base", "mutation", "expect"),
    [pytest.param(base, mutate, expect, id=name) for name, base, mutate, expect in PROBES],
)
def test_claim_level_rule(base: str, mutation: Mutation, expect: Expectation) -> None:
    verify(decide_with(base, mutation), expect)


# --- §1.6 version selection ----------------------------------------------------------------

VERSION_PROBES: list[tuple[str, Mutation, str | None, Expectation, str, str | None]] = [
    # (id, mutation, what-if version, expectation, policy_version, icd10cm)
    (
        "v-both-dates-on-2026-07-01",
        all_of(
            all_dates("2026-07-01"),
            setter("context.processing_date", "2026-07-01"),
            setter("claim.place_of_service", "24"),
        ),
        None,
        Decided("approve"),
        "ITDD-1.1.0",
        "FY2026",
    ),
    (
        "v-header-before-1.1.0",
        all_of(
            all_dates("2026-06-30"),
            setter("context.processing_date", "2026-07-15"),
            setter("claim.place_of_service", "24"),
        ),
        None,
        Gate("ITDD-COD-02", "CO", "58", ("N428",)),
        "ITDD-1.0.0",
        "FY2026",
    ),
    (
        "v-processing-before-1.1.0",
        all_of(all_dates("2026-07-01"), setter("context.processing_date", "2026-06-30")),
        None,
        Gate("ITDD-DATE-01", "CO", "110"),
        "ITDD-1.0.0",
        "FY2026",
    ),
    (
        "v-header-not-iso-processing-only",
        all_of(
            setter("claim.service_date", "2026-07-32"),
            setter("context.processing_date", "2026-08-01"),
        ),
        None,
        structural("ITDD-VAL-05", "M52"),
        "ITDD-1.1.0",
        None,
    ),
    (
        "v-header-not-iso-early-processing",
        all_of(
            setter("claim.service_date", "2026-7-10"),
            setter("context.processing_date", "2026-06-30"),
        ),
        None,
        structural("ITDD-VAL-05", "M52"),
        "ITDD-1.0.0",
        None,
    ),
    (
        "v-no-version-qualifies",
        all_of(
            all_dates("2024-12-31"),
            setter("context.processing_date", "2026-08-01"),
            setter("eligibility.coverage_start", None),
        ),
        None,
        Ignored("ITDD-SCOPE-04"),
        "ITDD-1.0.0",
        "FY2025",
    ),
    (
        "v-processing-before-any-version",
        setter("context.processing_date", "2024-12-31"),
        None,
        Gate("ITDD-DATE-01", "CO", "110"),
        "ITDD-1.0.0",
        "FY2026",
    ),
    (
        "v-what-if-1.1.0-on-early-claim",
        setter("claim.place_of_service", "24"),
        "1.1.0",
        Decided("approve"),
        "ITDD-1.1.0",
        "FY2026",
    ),
    (
        "v-what-if-1.0.0-on-late-claim",
        all_of(
            all_dates("2026-07-10"),
            setter("context.processing_date", "2026-07-20"),
            setter("claim.place_of_service", "24"),
        ),
        "1.0.0",
        Gate("ITDD-COD-02", "CO", "58", ("N428",)),
        "ITDD-1.0.0",
        "FY2026",
    ),
    (
        "v-what-if-1.1.0-scope04-unchanged",
        all_of(all_dates("2024-12-31"), setter("eligibility.coverage_start", None)),
        "1.1.0",
        Ignored("ITDD-SCOPE-04"),
        "ITDD-1.1.0",
        "FY2025",
    ),
]


@pytest.mark.parametrize(
    ("mutation", "version", "expect", "policy_version", "icd10cm"),
    [pytest.param(*probe[1:], id=probe[0]) for probe in VERSION_PROBES],
)
def test_version_selection(
    mutation: Mutation,
    version: str | None,
    expect: Expectation,
    policy_version: str,
    icd10cm: str | None,
) -> None:
    # §1.6: latest version whose first processing date <= processing_date and first header
    # DOS <= header DOS; header DOS not ISO: processing date only; none: 1.0.0. §8.1: the
    # record carries the deciding version; icd10cm is the code set of §A.8, null without DOS.
    record = decide_with(BASE, mutation, version)
    verify(record, expect)
    assert record["policy_version"] == policy_version
    assert record["reference_versions"]["icd10cm"] == icd10cm
    assert record["reference_versions"]["drug_file"] == (
        "2026-07" if policy_version == "ITDD-1.1.0" else "2026-01"
    )


# --- policy-changes-1.1.0: the gates that change ------------------------------------------

V11_PROBES: list[Probe] = [
    (
        "v11-pos-24-allowed",
        BASE,
        setter("claim.place_of_service", "24"),
        Decided("approve"),
    ),
    (
        "v11-pos-11-still-denied",
        BASE,
        setter("claim.place_of_service", "11"),
        Gate("ITDD-COD-02", "CO", "58", ("N428",)),
    ),
    (
        "v11-j1171-still-drug02",
        "ITDD-TC-062",
        setter("line2.procedure_code", "J1171"),
        Gate("ITDD-DRUG-02", "CO", "16", ("N657",)),
    ),
    (
        "v11-j7799-other-ndc-drug03",
        "ITDD-TC-063",
        setter("drug2.ndc", "12345678901"),
        Gate("ITDD-DRUG-03", "CO", "16", ("M119",)),
    ),
    (
        "v11-j7799-units-always-1",
        "ITDD-TC-063",
        setter("line2.units", 2),
        Gate("ITDD-DRUG-06", "CO", "16", ("M53",)),
    ),
    (
        "v11-j7799-strength-checked",
        "ITDD-TC-063",
        all_of(
            setter("drug2.concentration_mg_per_ml", 25.0),
            setter("drug2.volume_ml", 0.4),
            setter("drug2.ndc_quantity", 0.4),
        ),
        Gate("ITDD-DRUG-05", "CO", "16", ("M123",)),
    ),
    (
        "v11-j1170-units-per-4mg",
        "ITDD-TC-062",
        all_of(setter("drug2.concentration_mg_per_ml", 2.5)),
        Gate("ITDD-DRUG-06", "CO", "16", ("M53",)),
    ),
    (
        "v11-j1170-ei03",
        "ITDD-TC-062",
        lambda raw: None,
        Decided("deny", "55", ("N623",), ("ITDD-EI-03", "ITDD-AGG-01", "ITDD-AGG-02")),
    ),
]


@pytest.mark.parametrize(
    ("base", "mutation", "expect"),
    [pytest.param(base, mutate, expect, id=name) for name, base, mutate, expect in V11_PROBES],
)
def test_claim_level_rule_under_1_1_0(base: str, mutation: Mutation, expect: Expectation) -> None:
    verify(decide_with(base, mutation, "1.1.0"), expect)


# --- §6 last paragraph: a gate's denial on every line kind -----------------------------------


def test_gate_denial_reaches_jw_and_other_lines() -> None:
    # "every line of the claim — 62327 lines, drug lines, JW lines and other lines alike —
    # receives the same denial"; findings are [] after a gate (§8.1).
    mutate = all_of(
        JW_COPY,
        add_line(procedure_code="62319"),
        setter("claim.place_of_service", "11"),
    )
    record = decide_with(BASE, mutate)
    verify(record, Gate("ITDD-COD-02", "CO", "58", ("N428",)))
    assert [d["line_number"] for d in record["line_decisions"]] == [1, 2, 3, 4]


def test_elig01_denial_lines_and_clp02() -> None:
    # §5.2 ELIG-01: deny PR-31, 835 CLP02 = 4; every line PR-31.
    record = decide_with(BASE, all_of(JW_COPY, setter("context.eligibility", None)))
    verify(record, Gate("ITDD-ELIG-01", "PR", "31"))
    assert record["x12_835_clp02"] == "4"


def test_gate_line_decisions_in_line_number_order() -> None:
    # §8.2: one entry per claim line, in ascending line_number, whatever the array order.
    record = decide_with(BASE, all_of(JW_COPY, REVERSED, setter("claim.place_of_service", "11")))
    assert [d["line_number"] for d in record["line_decisions"]] == [1, 2, 3]


# --- Appendix E.3: structure ---------------------------------------------------------------

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
    verify(decide_with(BASE, mutation), expect)


def test_version_1_1_0_selected_for_hydromorphone() -> None:
    # policy-changes-1.1.0 §2: header DOS and processing date on/after 2026-07-01 → 1.1.0;
    # TC-062 then denies EI-03 (CO-55/N623) instead of DRUG-02 (§4 of the notice).
    mutate = all_of(all_dates("2026-07-01"), setter("context.processing_date", "2026-07-02"))
    record = decide_with("ITDD-TC-062", mutate)
    verify(
        record,
        Decided("deny", "55", ("N623",), ("ITDD-EI-03", "ITDD-AGG-01", "ITDD-AGG-02")),
    )
    assert record["policy_version"] == "ITDD-1.1.0"
