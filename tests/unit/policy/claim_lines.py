"""Claim lines for probes: §B.1 billing units, §B.2 products, drug and 62327 lines (§E.1)."""

from __future__ import annotations

import math
from typing import Any

from tests.unit.policy.rulecases import Raw

# §B.1 billing units in mg, and §B.2 products (NDC, HCPCS).
UNIT_MG = {
    "J2274": 10.0,
    "J0475": 10.0,
    "J0476": 0.05,
    "J2278": 0.001,
    "J0735": 1.0,
    "J3010": 0.1,
    "J0665": 0.5,
    "J1170": 4.0,
}
DURAMORPH = ("00641601910", "J2274")  # 1 mg/mL, bolus
MITIGO = ("66794016002", "J2274")  # 10 mg/mL, continuous
INFUMORPH = ("00641604001", "J2274")  # 25 mg/mL, continuous
GABLOFEN_50 = ("66794015101", "J0476")  # 0.05 mg/mL, bolus
GABLOFEN_2000 = ("66794015702", "J0475")  # 2 mg/mL, continuous
PRIALT = ("70720072010", "J2278")  # 0.1 mg/mL, continuous
CLONIDINE = ("39822200001", "J0735")  # 0.1 mg/mL, epidural continuous
FENTANYL = ("00409909422", "J3010")  # not labeled
HYDROMORPHONE = ("63323085110", "J1170")  # 1.1.0, not labeled
COMPOUNDED = ("99207000120", "J7799")  # 1.1.0, not labeled, one unit per line


def b3_units(code: str, concentration: float, volume: float) -> int:
    """§B.3: units = max(1, ceil(r9(dose_mg / unit_mg))); J7799: 1 (1.1.0 §3.4)."""
    if code == "J7799":
        return 1
    return max(1, math.ceil(round(concentration * volume / UNIT_MG[code], 9)))


def drug_line(  # noqa: PLR0917 - mirrors the drug fields of §E.1
    number: int,
    product: tuple[str, str],
    concentration: float,
    volume: float,
    route: str,
    mode: str,
    *,
    dos: str = "2026-02-10",
    pointers: list[int] | None = None,
    mix: Any = None,
    modifiers: list[str] | None = None,
    units: int | None = None,
) -> Raw:
    """A drug line; `units` default to §B.3's, `pointers` to the base claim's two diagnoses."""
    ndc, code = product
    return {
        "line_number": number,
        "service_date": dos,
        "procedure_code": code,
        "modifiers": modifiers or [],
        "units": b3_units(code, concentration, volume) if units is None else units,
        "charge": 10.0,
        "dx_pointers": pointers or [1, 2],
        "drug": {
            "ndc": ndc,
            "ndc_quantity": volume,
            "ndc_unit_of_measure": "ML",
            "concentration_mg_per_ml": concentration,
            "volume_ml": volume,
            "route": route,
            "delivery_mode": mode,
            "preparation": "diluted",
            "admixture_group": mix,
        },
    }


def catheter_line(number: int, dos: str, pointers: list[int] | None = None) -> Raw:
    return {
        "line_number": number,
        "service_date": dos,
        "procedure_code": "62327",
        "modifiers": [],
        "units": 1,
        "charge": 1450.0,
        "dx_pointers": pointers or [1, 2],
        "drug": None,
    }
