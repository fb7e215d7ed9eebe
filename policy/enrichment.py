"""Enrichment: what the reference data says about a claim's diagnoses and drugs.

Diagnoses: validity in the ICD-10-CM code set of the header DOS and the indication groups of
Appendix A. Drugs: NDC -> plan drug file product, HCPCS crosswalk, dose and billing units
(Appendix B.3). Pure functions of (value, policy data); no I/O.
"""

from __future__ import annotations

from datetime import date

from models.request_data import DrugData
from models.values import ceil_r9
from policy.catalog import Hcpcs, PolicyData, Product
from policy.codeset import code_set_for
from policy.tables import tables_for

_GROUP_CACHE: dict[tuple[str, str, date], frozenset[str]] = {}
_GROUP_CACHE_LIMIT = 100_000


def indication_groups(code: object, header_dos: date, policy: PolicyData) -> frozenset[str]:
    """Every Appendix A group (ACUTE_PERIOP included) a valid diagnosis code belongs to.

    Memoised: a claim stream repeats a few hundred codes and dates, and policy data is immutable.
    """
    if type(code) is not str:
        return frozenset()
    key = (policy.label, code, header_dos)
    groups = _GROUP_CACHE.get(key)
    if groups is None:
        if len(_GROUP_CACHE) >= _GROUP_CACHE_LIMIT:
            _GROUP_CACHE.clear()
        groups = _GROUP_CACHE[key] = _groups(code, header_dos, policy)
    return groups


def _groups(code: str, header_dos: date, policy: PolicyData) -> frozenset[str]:
    if code_set_for(header_dos).status(code) == "unknown":
        return frozenset()
    return frozenset(
        name
        for name, members in policy.diagnosis_groups.members.items()
        if members.contains(code, header_dos)
    )


def dose_mg(drug: DrugData) -> float:
    """concentration x volume in double precision (§B.3); VAL-10 guarantees both are numbers."""
    concentration = drug.concentration_mg_per_ml
    volume = drug.volume_ml
    assert isinstance(concentration, (int, float)) and isinstance(volume, (int, float))
    return float(concentration) * float(volume)


def billing_units(hcpcs: Hcpcs, dose: float) -> int:
    """§B.3 units: max(1, ceil(r9(dose / unit))); a per-line code (J7799) is always its count."""
    if hcpcs.units_per_line is not None:
        return hcpcs.units_per_line
    assert hcpcs.billing_unit_mg is not None
    return max(1, ceil_r9(dose / hcpcs.billing_unit_mg))


def product_for(ndc: object, policy: PolicyData) -> Product | None:
    return tables_for(policy).product(ndc)
