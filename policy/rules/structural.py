"""§5.1 structural validation, ITDD-VAL-01 … VAL-10 (deny CO-16, 277 A6/A7).

Each gate checks its items in order (header before lines, lines by `line_number`) and the
conditions of an item in the order the spec writes them; the first hit names the RARC (§2.6).
"""

from __future__ import annotations

import re
from functools import lru_cache

from models.request import Line
from models.values import is_integer, is_number, iso_date, r9_compare
from policy.claim_view import ClaimView
from policy.rules.outcome import GateDenial, gate_denial

_TEN_DIGITS = re.compile(r"[0-9]{10}")


def _matches(pattern: re.Pattern[str], value: object) -> bool:
    return type(value) is str and pattern.fullmatch(value) is not None


def npi_is_valid(value: object, prefix: str) -> bool:
    """10 ASCII digits passing the Luhn check over the card-issuer prefix 80840 (VAL-04)."""
    if type(value) is not str:
        return False
    return _luhn_npi(value, prefix)


@lru_cache(maxsize=65536)  # a plan sees a bounded set of rendering providers
def _luhn_npi(value: str, prefix: str) -> bool:
    if not _TEN_DIGITS.fullmatch(value):
        return False
    digits = [int(c) for c in prefix + value]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if position % 2 == 1 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def val_01_claim_id(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-01: claim_id is a string matching the claim-id pattern as a whole."""
    if _matches(view.policy.validation.claim_id, view.claim.claim_id):
        return None
    return gate_denial(view.policy, "ITDD-VAL-01")


def val_02_member(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-02: a member object with a non-empty string member_id."""
    member = view.claim.member
    if member is not None and type(member.member_id) is str and member.member_id:
        return None
    return gate_denial(view.policy, "ITDD-VAL-02")


def val_03_dob_sex(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-03: dob is an ISO date (N329), else sex is F, M or U (MA39)."""
    member = view.claim.member
    assert member is not None  # VAL-02 passed
    if iso_date(member.dob) is None:
        return gate_denial(view.policy, "ITDD-VAL-03/dob")
    if type(member.sex) is not str or member.sex not in view.policy.validation.sexes:
        return gate_denial(view.policy, "ITDD-VAL-03/sex")
    return None


def val_04_rendering_npi(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-04: rendering NPI passes the Luhn check; billing_npi is not checked."""
    provider = view.claim.provider
    npi = provider.rendering_npi if provider is not None else None
    if npi_is_valid(npi, view.policy.validation.npi_luhn_prefix):
        return None
    return gate_denial(view.policy, "ITDD-VAL-04")


def val_05_dates(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-05: header and every line service_date are ISO dates; records the line DOS."""
    if view.header_dos is None:
        return gate_denial(view.policy, "ITDD-VAL-05")
    for line in view.lines:
        line_dos = iso_date(line.service_date)
        if line_dos is None:
            return gate_denial(view.policy, "ITDD-VAL-05")
        view.line_dos[line.line_number] = line_dos
    return None


def val_06_place_of_service(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-06: place_of_service is exactly two ASCII digits."""
    if _matches(view.policy.validation.place_of_service, view.claim.place_of_service):
        return None
    return gate_denial(view.policy, "ITDD-VAL-06")


def _code_problem(view: ClaimView, line: Line) -> str | None:
    rules = view.policy.validation
    code = line.procedure_code
    if line.drug is not None:
        if not _matches(rules.drug_procedure_code, code):
            return "ITDD-VAL-07/drug_code"
    elif not any(_matches(p, code) for p in rules.other_procedure_codes):
        return "ITDD-VAL-07/other_code"
    modifiers = line.modifiers
    if modifiers and any(not _matches(rules.modifier, m) for m in modifiers):
        return "ITDD-VAL-07/modifier"
    return None


def val_07_codes_and_modifiers(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-07: per line, the code's syntax (M20 drug / M51 other), then modifiers (N823)."""
    for line in view.lines:
        problem = _code_problem(view, line)
        if problem:
            return gate_denial(view.policy, problem)
    return None


def val_08_units_and_charge(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-08: per line, units an integer >= 1 (M53), else charge a number >= 0 (M79)."""
    for line in view.lines:
        units = line.units
        if not (is_integer(units) and isinstance(units, int) and units >= 1):
            return gate_denial(view.policy, "ITDD-VAL-08/units")
        charge = line.charge
        if not (is_number(charge) and isinstance(charge, int | float) and charge >= 0):
            return gate_denial(view.policy, "ITDD-VAL-08/charge")
    return None


def val_09_pointers(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-09: with diagnoses on the claim, every line points to 1..n (no codes: DX-01).

    Choice: "diagnosis codes" are the items of the array, whatever their value, as DX-01 reads
    it ("absent, null or empty"): `[null]` is one code, so a line pointing nowhere is VAL-09
    (M76, A7) and a line pointing to it reaches DX-02, which denies the item as unknown.
    """
    count = len(view.diagnosis_codes)
    if count == 0:
        return None
    for line in view.lines:
        pointers = line.dx_pointers
        if not pointers or any(not (type(p) is int and 1 <= p <= count) for p in pointers):
            return gate_denial(view.policy, "ITDD-VAL-09")
    return None


def _drug_problem(view: ClaimView, line: Line) -> str | None:
    rules = view.policy.validation
    drug = line.drug
    assert drug is not None
    if not _matches(rules.ndc, drug.ndc):
        return "ITDD-VAL-10/ndc"
    unit = drug.ndc_unit_of_measure
    if type(unit) is not str or unit not in rules.ndc_units_of_measure:
        return "ITDD-VAL-10/unit_of_measure"
    concentration, volume = drug.concentration_mg_per_ml, drug.volume_ml
    for amount in (concentration, volume):
        if not (
            is_number(amount)
            and isinstance(amount, int | float)
            and 0 < amount <= rules.max_concentration_or_volume
        ):
            return "ITDD-VAL-10/amount"
    assert isinstance(concentration, int | float) and isinstance(volume, int | float)
    quantity = drug.ndc_quantity
    if not (is_number(quantity) and isinstance(quantity, int | float) and quantity > 0):
        return "ITDD-VAL-10/quantity"
    if unit == "ML" and r9_compare(quantity, volume) != 0:
        return "ITDD-VAL-10/quantity"
    if unit == "ME" and r9_compare(quantity, float(concentration) * float(volume)) != 0:
        return "ITDD-VAL-10/quantity"
    route, mode = drug.route, drug.delivery_mode
    if not (type(route) is str and route in rules.routes) or not (
        type(mode) is str and mode in rules.delivery_modes
    ):
        return "ITDD-VAL-10/route_mode"
    return None


def val_10_drug_fields(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-10: drug-line fields, JW lines included, first problem of the first line."""
    for line in view.lines:
        if line.drug is None:
            continue
        problem = _drug_problem(view, line)
        if problem:
            return gate_denial(view.policy, problem)
    return None
