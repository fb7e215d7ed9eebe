"""§5.1 structural validation, ITDD-VAL-01 … VAL-10 (deny CO-16, 277 A6/A7).

Each gate checks its items in order (header before lines, lines by `line_number`) and the
conditions of an item in the order the spec writes them; the first hit names the RARC (§2.6).
The gates read the policy's values from `view.tables` and loop by hand: in the pure-Python
engine a generator in `any()` costs more than the test it runs.
"""

from __future__ import annotations

import re
from functools import lru_cache

from models.request_data import DrugData, LineData
from models.values import iso_date, number, r9_compare
from policy.claim_view import ClaimView
from policy.rules.outcome import GateDenial, gate_denial
from policy.tables import PolicyTables

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
    if _matches(view.tables.claim_id, view.claim.claim_id):
        return None
    return gate_denial(view.tables, "ITDD-VAL-01")


def val_02_member(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-02: a member object with a non-empty string member_id."""
    member = view.claim.member
    if member is not None and type(member.member_id) is str and member.member_id:
        return None
    return gate_denial(view.tables, "ITDD-VAL-02")


def val_03_dob_sex(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-03: dob is an ISO date (N329), else sex is F, M or U (MA39)."""
    member = view.claim.member
    assert member is not None  # VAL-02 passed
    if iso_date(member.dob) is None:
        return gate_denial(view.tables, "ITDD-VAL-03/dob")
    sex = member.sex
    if type(sex) is not str or sex not in view.tables.sexes:
        return gate_denial(view.tables, "ITDD-VAL-03/sex")
    return None


def val_04_rendering_npi(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-04: rendering NPI passes the Luhn check; billing_npi is not checked."""
    provider = view.claim.provider
    npi = provider.rendering_npi if provider is not None else None
    if npi_is_valid(npi, view.tables.npi_luhn_prefix):
        return None
    return gate_denial(view.tables, "ITDD-VAL-04")


def val_05_dates(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-05: header and every line service_date are ISO dates; records the line DOS."""
    if view.header_dos is None:
        return gate_denial(view.tables, "ITDD-VAL-05")
    line_dos = view.line_dos
    for line in view.lines:
        dos = iso_date(line.service_date)
        if dos is None:
            return gate_denial(view.tables, "ITDD-VAL-05")
        line_dos[line.line_number] = dos
    return None


def val_06_place_of_service(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-06: place_of_service is exactly two ASCII digits."""
    if view.tables.place_of_service.matches(view.claim.place_of_service):
        return None
    return gate_denial(view.tables, "ITDD-VAL-06")


def _code_problem(tables: PolicyTables, line: LineData) -> str | None:
    code = line.procedure_code
    if line.drug is not None:
        if not tables.drug_procedure_code.matches(code):
            return "ITDD-VAL-07/drug_code"
    else:
        for syntax in tables.other_procedure_codes:
            if syntax.matches(code):
                break
        else:
            return "ITDD-VAL-07/other_code"
    modifiers = line.modifiers
    if modifiers:
        modifier = tables.modifier
        for value in modifiers:
            if not modifier.matches(value):
                return "ITDD-VAL-07/modifier"
    return None


def val_07_codes_and_modifiers(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-07: per line, the code's syntax (M20 drug / M51 other), then modifiers (N823)."""
    tables = view.tables
    for line in view.lines:
        problem = _code_problem(tables, line)
        if problem is not None:
            return gate_denial(tables, problem)
    return None


def val_08_units_and_charge(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-08: per line, units an integer >= 1 (M53), else charge a number >= 0 (M79)."""
    for line in view.lines:
        units = line.units
        if not (type(units) is int and units >= 1):  # §2.5 integer: never a bool
            return gate_denial(view.tables, "ITDD-VAL-08/units")
        charge = number(line.charge)
        if charge is None or charge < 0:
            return gate_denial(view.tables, "ITDD-VAL-08/charge")
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
        if not pointers:
            return gate_denial(view.tables, "ITDD-VAL-09")
        for pointer in pointers:
            if not (type(pointer) is int and 1 <= pointer <= count):
                return gate_denial(view.tables, "ITDD-VAL-09")
    return None


def _drug_problem(tables: PolicyTables, drug: DrugData) -> str | None:
    if not tables.ndc.matches(drug.ndc):
        return "ITDD-VAL-10/ndc"
    unit = drug.ndc_unit_of_measure
    if type(unit) is not str or unit not in tables.ndc_units_of_measure:
        return "ITDD-VAL-10/unit_of_measure"
    concentration, volume = number(drug.concentration_mg_per_ml), number(drug.volume_ml)
    most = tables.max_concentration_or_volume
    if not (
        concentration is not None
        and 0 < concentration <= most
        and volume is not None
        and 0 < volume <= most
    ):
        return "ITDD-VAL-10/amount"
    quantity = number(drug.ndc_quantity)
    if quantity is None or quantity <= 0:
        return "ITDD-VAL-10/quantity"
    if unit == "ML" and r9_compare(quantity, volume) != 0:
        return "ITDD-VAL-10/quantity"
    if unit == "ME" and r9_compare(quantity, float(concentration) * float(volume)) != 0:
        return "ITDD-VAL-10/quantity"
    route, mode = drug.route, drug.delivery_mode
    if not (type(route) is str and route in tables.routes) or not (
        type(mode) is str and mode in tables.delivery_modes
    ):
        return "ITDD-VAL-10/route_mode"
    return None


def val_10_drug_fields(view: ClaimView) -> GateDenial | None:
    """ITDD-VAL-10: drug-line fields, JW lines included, first problem of the first line."""
    tables = view.tables
    for line in view.lines:
        drug = line.drug
        if drug is None:
            continue
        problem = _drug_problem(tables, drug)
        if problem is not None:
            return gate_denial(tables, problem)
    return None
