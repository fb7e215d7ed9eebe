"""policy/enrichment.py: the Appendix A indication groups of a code (against a literal reading of
§A over the neighbouring tabular), §B.3 billing units and the §B.2 product lookup."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import simple_icd_10_cm as icd

from policy.codeset import code_set_for
from policy.enrichment import billing_units, indication_groups, product_for
from tests.unit.policy.spec_tables import (
    A1,
    A3,
    A3_MS_FY26,
    A3_SCI_PREFIXES,
    A5,
    A6,
    AP,
    CA,
    DOS,
    FY25_LAST,
    FY26_FIRST,
    NC,
    SE,
    SY,
    TBI,
    V100,
    V110,
    VERSIONS,
)

GROUP_PROBES: list[tuple[str, date, frozenset[str]]] = [
    # --- §A.1 PAIN_NONCANCER: every listed code, and neighbours that are not listed.
    *[(code, DOS, frozenset({NC})) for code in sorted(A1)],
    *[(code, FY25_LAST, frozenset({NC})) for code in sorted(A1)],
    ("M54.40", DOS, frozenset()),  # lumbago with sciatica, unspecified side: not listed
    ("M54.18", DOS, frozenset()),
    ("M54.15", DOS, frozenset()),
    ("M51.15", DOS, frozenset()),
    ("M51.26", DOS, frozenset()),
    ("M48.07", DOS, frozenset()),
    ("M48.061", DOS, frozenset({NC})),
    ("M47.818", DOS, frozenset()),
    ("M47.815", DOS, frozenset()),
    ("M54.9", DOS, frozenset()),
    ("M54.89", DOS, frozenset()),
    ("G54.1", DOS, frozenset()),
    ("R52", DOS, frozenset()),
    ("M51.360", DOS, frozenset()),
    ("T85.840S", DOS, frozenset()),
    # --- §A.2 PAIN_CANCER: "G89.3, and any code beginning with C".
    ("G89.3", DOS, frozenset({CA})),
    ("C61", DOS, frozenset({CA})),
    ("C79.51", DOS, frozenset({CA})),
    ("C50.911", DOS, frozenset({CA})),
    ("C00.0", DOS, frozenset({CA})),
    ("C7A.00", DOS, frozenset({CA})),
    ("C4A.9", DOS, frozenset({CA})),
    ("C80.1", DOS, frozenset({CA})),
    ("C91.00", DOS, frozenset({CA})),
    ("C96.9", DOS, frozenset({CA})),
    ("C61", FY25_LAST, frozenset({CA})),
    ("D49.9", DOS, frozenset()),  # neoplasm of unspecified behaviour: not a C-code
    ("D03.9", DOS, frozenset()),
    ("Z85.3", DOS, frozenset()),
    ("c61", DOS, frozenset()),  # not the written form
    # --- §A.3 SPASTICITY_ETIOLOGY, listed codes and neighbours.
    *[(code, DOS, frozenset({SE})) for code in sorted(A3)],
    ("G80.3", DOS, frozenset()),
    ("G80.4", DOS, frozenset()),
    ("G80.9", DOS, frozenset()),
    ("G81.00", DOS, frozenset()),
    ("G81.90", DOS, frozenset()),
    ("G83.4", DOS, frozenset()),
    ("G11.3", DOS, frozenset()),
    ("G25.81", DOS, frozenset()),
    ("I69.331", DOS, frozenset()),
    ("I69.361", DOS, frozenset()),
    ("I69.051", DOS, frozenset()),
    ("I69.151", DOS, frozenset()),
    ("I69.851", DOS, frozenset()),
    # MS by header DOS (§A.3 two MS rows).
    *[(code, FY26_FIRST, frozenset({SE})) for code in sorted(A3_MS_FY26)],
    *[(code, FY25_LAST, frozenset()) for code in sorted(A3_MS_FY26)],  # do not exist
    ("G35", FY25_LAST, frozenset({SE})),
    ("G35", date(2025, 1, 1), frozenset({SE})),
    # SCI sequela patterns: "8 characters …, beginning S14.1, S24.1 or S34.1 and ending S".
    ("S14.101S", DOS, frozenset({SE})),
    ("S14.109S", DOS, frozenset({SE})),
    ("S14.159S", DOS, frozenset({SE})),
    ("S24.104S", DOS, frozenset({SE})),
    ("S24.159S", DOS, frozenset({SE})),
    ("S34.101S", DOS, frozenset({SE})),
    ("S34.114S", DOS, frozenset({SE})),
    ("S34.139S", DOS, frozenset({SE})),
    ("S24.104S", FY25_LAST, frozenset({SE})),
    ("S14.101A", DOS, frozenset()),
    ("S14.101D", DOS, frozenset()),
    ("S24.104A", DOS, frozenset()),
    ("S34.139D", DOS, frozenset()),
    ("S14.0XXS", DOS, frozenset()),
    ("S14.2XXS", DOS, frozenset()),
    ("S24.0XXS", DOS, frozenset()),
    ("S34.01XS", DOS, frozenset()),
    ("S34.3XXS", DOS, frozenset()),
    # --- §A.4 SPASTICITY_ETIOLOGY_TBI: "S06.xxxxS: 8 characters …, beginning S06., ending S".
    ("S06.0X0S", DOS, frozenset({TBI})),
    ("S06.2X9S", DOS, frozenset({TBI})),
    ("S06.9X9S", DOS, frozenset({TBI})),
    ("S06.1X5S", DOS, frozenset({TBI})),
    ("S06.A0XS", DOS, frozenset({TBI})),
    ("S06.A1XS", DOS, frozenset({TBI})),
    ("S06.2X9S", FY25_LAST, frozenset({TBI})),
    ("S06.0X0A", DOS, frozenset()),
    ("S06.2X9D", DOS, frozenset()),
    ("S09.90XS", DOS, frozenset()),
    # --- §A.5 SPASTICITY_SYMPTOM.
    ("R25.2", DOS, frozenset({SY})),
    ("R25.1", DOS, frozenset()),
    ("R25.8", DOS, frozenset()),
    ("M62.830", DOS, frozenset()),
    ("M62.838", DOS, frozenset()),
    # --- §A.6 ACUTE_PERIOP.
    ("G89.11", DOS, frozenset({AP})),
    ("G89.12", DOS, frozenset({AP})),
    ("G89.18", DOS, frozenset({AP})),
    ("G89.11", FY25_LAST, frozenset({AP})),
    # --- a code that does not exist for the header DOS belongs to no group (§A: "A code is in
    # a group when it is a valid code (DX-02)").
    ("G35.C1", FY25_LAST, frozenset()),
    ("M961", DOS, frozenset()),
    ("m96.1", DOS, frozenset()),
    ("r25.2", DOS, frozenset()),
    ("S06.0x0S", DOS, frozenset()),
    ("G89.5", DOS, frozenset()),
    ("C50.9111", DOS, frozenset()),
]


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_indication_groups(policy: Any) -> None:
    wrong = [
        (code, day.isoformat(), sorted(got), "spec:", sorted(groups))
        for code, day, groups in GROUP_PROBES
        if (got := indication_groups(code, day, policy)) != groups
    ]
    assert wrong == []


def _spec_status(code: str, day: date) -> str:
    """§A.8 read literally, on the FY2026 tabular of simple-icd-10-cm."""
    if not re.fullmatch(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", code):
        return "unknown"
    if day <= FY25_LAST:
        if code == "G35":
            return "billable"
        if code.startswith("G35."):
            return "unknown"
    if not icd.is_valid_item(code):
        return "unknown"
    return "billable" if icd.is_leaf(code) else "header"


def _spec_groups(code: str, day: date) -> frozenset[str]:
    """§A.1–§A.6 read literally, for a billable code."""
    groups = set()
    if code in A1:
        groups.add(NC)
    if code == "G89.3" or code.startswith("C"):
        groups.add(CA)
    if (
        code in A3
        or (day >= FY26_FIRST and code in A3_MS_FY26)
        or (day <= FY25_LAST and code == "G35")
        or (len(code) == 8 and code.endswith("S") and code.startswith(A3_SCI_PREFIXES))
    ):
        groups.add(SE)
    if len(code) == 8 and code.startswith("S06.") and code.endswith("S"):
        groups.add(TBI)
    if code in A5:
        groups.add(SY)
    if code in A6:
        groups.add(AP)
    return frozenset(groups)


# The categories that Appendix A names or borders.
_SWEEP_CATEGORIES = frozenset(
    {
        *("M96", "G89", "M54", "M51", "M48", "M47", "G54", "G80", "G35", "G81", "G82", "G83"),
        *("G04", "G11", "G25", "I69", "S14", "S24", "S34", "S06", "S09", "R25", "R52", "M62"),
        *("C79", "C7A", "C4A", "C50", "C61", "C91", "D49", "Z85", "T85"),
    }
)


def test_sweep_neighbouring_categories_against_literal_appendix_a() -> None:
    # Every code of the tabular in those categories (≈3,000 codes, 7th-character codes
    # included), on both sides of the §A.8 boundary: status per §A.8 and groups per §A.1–§A.6
    # for billable codes (one version suffices: 1.1.0 changes no §A table,
    # test_catalog.py::test_a_group_code_lists).
    codes = [c for cat in sorted(_SWEEP_CATEGORIES) for c in (cat, *icd.get_descendants(cat))]
    assert len(codes) > 2500
    wrong = []
    for day in (FY25_LAST, FY26_FIRST):
        code_set = code_set_for(day)
        for code in codes:
            status = _spec_status(code, day)
            if code_set.status(code) != status:
                wrong.append((day, code, "status", code_set.status(code), status))
            elif status == "billable":
                expected = _spec_groups(code, day)
                got = indication_groups(code, day, V100)
                if got != expected:
                    wrong.append((day, code, "groups", sorted(got), sorted(expected)))
    assert wrong == []


B3_CASES = [
    # §B.3 worked examples and boundaries per billing unit of §B.1.
    ("J2274", 1.0, 1),
    ("J2274", 25.0, 3),
    ("J2274", 10.0, 1),
    ("J2274", 10.00000001, 2),
    ("J2274", 10.0000000001, 1),  # r9
    ("J0476", 0.1, 2),
    ("J0476", 0.05 * 3, 3),  # "3, not 4"
    ("J0476", 0.05, 1),
    ("J0475", 0.9, 1),
    ("J0475", 20.0, 2),
    ("J2278", 0.0024, 3),
    ("J2278", 0.001, 1),
    ("J2278", 0.1 * 0.02, 2),
    ("J0735", 0.3, 1),
    ("J0735", 1.5, 2),
    ("J0665", 5.0, 10),
    ("J0665", 0.25, 1),
    ("J3010", 0.1, 1),
    ("J3010", 0.05 * 3, 2),
    # policy-changes-1.1.0 §3.4: J1170 per 4 mg ("0.5 mg/mL × 4 mL = 2 mg → 1 unit"),
    # J7799 "1 for each line, whatever the dose".
    ("J1170", 2.0, 1),
    ("J1170", 4.0, 1),
    ("J1170", 5.0, 2),
    ("J7799", 8.0, 1),
    ("J7799", 400.0, 1),
]


def test_b3_billing_units() -> None:
    # §B.3 units = max(1, ceil(r9(dose_mg ÷ unit_mg))); 1.1.0 §3.4.
    wrong = []
    for code, dose, units in B3_CASES:
        for policy in VERSIONS:
            if code in policy.drugs.hcpcs:
                got = billing_units(policy.drugs.hcpcs[code], dose)
                if got != units:
                    wrong.append((policy.version, code, dose, got, "spec:", units))
    assert wrong == []


def test_product_lookup_is_exact() -> None:
    # §5.1 VAL-10 / §B.2: NDC-11 strings, compared exactly.
    assert product_for("66794016002", V100) is not None
    assert product_for("66794-0160-02", V100) is None
    assert product_for(66794016002, V100) is None
    assert product_for("63323085110", V100) is None
    assert product_for("63323085110", V110) is not None
