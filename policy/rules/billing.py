"""§5.4 procedure and drug-billing gates: ITDD-COD-02 … COD-04, DRUG-01 … DRUG-06.

Each gate checks every 62327 line or every drug line (JW excluded) before the next one runs.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from models.values import r9_compare
from policy.claim_view import ClaimView
from policy.enrichment import billing_units, dose_mg
from policy.rules.outcome import GateDenial, gate_denial


def cod_02_setting(view: ClaimView) -> GateDenial | None:
    """ITDD-COD-02: place of service must be an allowed setting (CO-58/N428)."""
    if view.claim.place_of_service in view.tables.allowed_places_of_service:
        return None
    return gate_denial(view.tables, "ITDD-COD-02")


def cod_03_bilateral(view: ClaimView) -> GateDenial | None:
    """ITDD-COD-03: a 62327 line carries a bilateral or side modifier (CO-4/N823)."""
    sided = view.tables.bilateral_modifiers
    for line in view.catheter_lines:
        for modifier in line.modifiers or ():
            if modifier in sided:
                return gate_denial(view.tables, "ITDD-COD-03")
    return None


def cod_04_catheter_units(view: ClaimView) -> GateDenial | None:
    """ITDD-COD-04: one unit per 62327 line, and one 62327 line per DOS (CO-16/N430)."""
    catheter_lines = view.catheter_lines
    per_dos = (
        Counter(view.dos(line) for line in catheter_lines) if len(catheter_lines) > 1 else None
    )
    for line in catheter_lines:
        if line.units != view.tables.catheter_units or (
            per_dos is not None and per_dos[view.dos(line)] > 1
        ):
            return gate_denial(view.tables, "ITDD-COD-04")
    return None


def drug_01_catheter_without_drug(view: ClaimView) -> GateDenial | None:
    """ITDD-DRUG-01: a 62327 line with no (non-JW) drug line on its DOS (CO-16/N349)."""
    line_dos = view.line_dos
    # A loop, not a set comprehension (a function object under CPython 3.11).
    drug_days: set[date] = set()
    for line in view.drug_lines:
        drug_days.add(line_dos[line.line_number])
    for line in view.catheter_lines:
        if line_dos[line.line_number] not in drug_days:
            return gate_denial(view.tables, "ITDD-DRUG-01")
    return None


def drug_02_accepted_hcpcs(view: ClaimView) -> GateDenial | None:
    """ITDD-DRUG-02: the drug code is not in §B.1 (e.g. J2270 systemic morphine; CO-16/N657)."""
    for line in view.drug_lines:
        if line.procedure_code not in view.tables.hcpcs:
            return gate_denial(view.tables, "ITDD-DRUG-02")
    return None


def drug_03_plan_drug_file(view: ClaimView) -> GateDenial | None:
    """ITDD-DRUG-03: the NDC is not in the plan drug file §B.2 (CO-16/M119). For a code that
    accepts only its own entries (1.1.0: J7799), an entry of another code is not either."""
    for line in view.drug_lines:
        assert line.drug is not None
        product = view.tables.product(line.drug.ndc)
        if product is None:
            return gate_denial(view.tables, "ITDD-DRUG-03")
        code = str(line.procedure_code)
        if view.tables.hcpcs[code].own_products_only and product.hcpcs != code:
            return gate_denial(view.tables, "ITDD-DRUG-03")
    return None


def drug_04_crosswalk(view: ClaimView) -> GateDenial | None:
    """ITDD-DRUG-04: the NDC's HCPCS differs from the billed code, or it has none (CO-16/N846)."""
    for line in view.drug_lines:
        assert line.drug is not None
        product = view.tables.product(line.drug.ndc)
        assert product is not None
        if product.hcpcs is None or product.hcpcs != line.procedure_code:
            return gate_denial(view.tables, "ITDD-DRUG-04")
    return None


def drug_05_concentration(view: ClaimView) -> GateDenial | None:
    """ITDD-DRUG-05: above the NDC strength, or below it without `diluted` (CO-16/M123)."""
    diluted = view.tables.diluted_preparation
    for line in view.drug_lines:
        drug = line.drug
        assert drug is not None and isinstance(drug.concentration_mg_per_ml, (int, float))
        product = view.tables.product(drug.ndc)
        assert product is not None
        order = r9_compare(drug.concentration_mg_per_ml, product.strength_mg_per_ml)
        if order > 0 or (order < 0 and drug.preparation != diluted):
            return gate_denial(view.tables, "ITDD-DRUG-05")
    return None


def drug_06_units(view: ClaimView) -> GateDenial | None:
    """ITDD-DRUG-06: billed units differ from §B.3 (CO-16/M53)."""
    for line in view.drug_lines:
        assert line.drug is not None
        hcpcs = view.tables.hcpcs[str(line.procedure_code)]
        if line.units != billing_units(hcpcs, dose_mg(line.drug)):
            return gate_denial(view.tables, "ITDD-DRUG-06")
    return None
