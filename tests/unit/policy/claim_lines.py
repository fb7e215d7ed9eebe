"""Claims and claim lines for probes: §B.1 billing units, §B.2 products, drug and 62327 lines
(§E.1), and TC-006 or another public case rebuilt around one diagnosis list or one product."""

from __future__ import annotations

import math
from typing import Any

from tests.unit.conftest import decide_raw, request_of
from tests.unit.policy.rulecases import Raw, drug, line
from tests.unit.policy.spec_tables import B1, B1_ADDED_110, B2, B2_ADDED_110, B2_LABELS, IT

# §B.2 products (NDC, HCPCS).
DURAMORPH = ("00641601910", "J2274")  # 1 mg/mL, bolus
MITIGO = ("66794016002", "J2274")  # 10 mg/mL, continuous
INFUMORPH = ("00641604001", "J2274")  # 25 mg/mL, continuous
GABLOFEN_50 = ("66794015101", "J0476")  # 0.05 mg/mL, bolus
GABLOFEN_2000 = ("66794015702", "J0475")  # 2 mg/mL, continuous
PRIALT = ("70720072010", "J2278")  # 0.1 mg/mL, continuous
CLONIDINE = ("39822200001", "J0735")  # 0.1 mg/mL, epidural continuous
FENTANYL = ("00409909422", "J3010")  # not labeled
COMPOUNDED = ("99207000120", "J7799")  # 1.1.0, not labeled, one unit per line


def b3_units(code: str, concentration: float, volume: float) -> int:
    """§B.3: units = max(1, ceil(r9(dose_mg / unit_mg))); J7799: 1 (1.1.0 §3.4)."""
    unit = {**B1, **B1_ADDED_110}[code][1]
    if unit is None:
        return 1
    return max(1, math.ceil(round(concentration * volume / unit, 9)))


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


def decide_with_dx(
    base: str,
    codes: list[Any],
    pointers: list[int] | None = None,
    version: str | None = None,
    mutate: Any = None,
) -> Raw:
    """`base` with these diagnosis codes, every line pointing to them (or to `pointers`)."""
    raw = request_of(base)
    raw["claim"]["diagnosis_codes"] = codes
    for item in raw["claim"]["lines"]:
        item["dx_pointers"] = list(pointers or range(1, len(codes) + 1))
    if mutate is not None:
        mutate(raw)
    return decide_raw(raw, version)


def set_drug(
    raw: Raw,
    number: int,
    *,
    ndc: str,
    code: str,
    concentration: float,
    volume: float,
    route: str,
    mode: str,
    preparation: str | None = None,
) -> None:
    """Line `number` becomes this product, outside any admixture, with §B.3 units."""
    target = line(raw, number)
    target["procedure_code"] = code
    d = drug(raw, number)
    d.update(
        ndc=ndc,
        ndc_quantity=volume,
        ndc_unit_of_measure="ML",
        concentration_mg_per_ml=concentration,
        volume_ml=volume,
        route=route,
        delivery_mode=mode,
        preparation=preparation,
        admixture_group=None,
    )
    billed = code in B1 or code in B1_ADDED_110
    target["units"] = b3_units(code, concentration, volume) if billed else 1


# Volumes that keep every product under the Appendix D thresholds.
_VOLUME = {
    "00641601910": 1.0,
    "66794016002": 0.5,
    "00641604001": 0.2,
    "66794015101": 1.0,
    "66794015702": 0.2,
    "70720072010": 0.02,
    "39822200001": 3.0,
    "00409909422": 2.0,
    "31722027531": 2.0,
    "00409189101": 1.0,
    "68094000162": 1.0,
    "63323085110": 0.2,
    "99207000120": 0.4,
}


def labeled_route_mode(ndc: str) -> tuple[str, str]:
    label = B2_LABELS.get(ndc)
    if label is None:
        return IT, "continuous"
    return sorted(label[0])[0], sorted(label[1])[0]


def drug_claim(product: str, code: str, version: str | None = None, **overrides: Any) -> Raw:
    """TC-006 (complete non-cancer pain documentation) with line 2 replaced by this product
    (its strength, a volume under Appendix D, its labeled route and mode, §B.3 units)."""
    raw = request_of("ITDD-TC-006")
    strength = {**B2, **B2_ADDED_110}[product][2]
    route, mode = labeled_route_mode(product)
    fields: dict[str, Any] = {
        "ndc": product,
        "code": code,
        "concentration": strength,
        "volume": _VOLUME[product],
        "route": route,
        "mode": mode,
    }
    fields.update(overrides)
    set_drug(raw, 2, **fields)
    return decide_raw(raw, version)
