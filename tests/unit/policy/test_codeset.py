"""policy/codeset.py: the ICD-10-CM code set of the header DOS (§A.8): fiscal year, billable or
header, and the written form of a code."""

from __future__ import annotations

from datetime import date

from policy.codeset import code_set_for
from policy.enrichment import indication_groups
from tests.unit.policy.spec_tables import DOS, FY25_LAST, FY26_FIRST, V100


def test_code_set_names_by_header_dos() -> None:
    # §A.8: "on or before 2025-09-30 (reference version FY2025)", "on or after 2025-10-01"
    # -> FY2026 (§8.1 icd10cm "FY2025" or "FY2026").
    assert code_set_for(FY25_LAST).name == "FY2025"
    assert code_set_for(FY26_FIRST).name == "FY2026"
    assert code_set_for(date(2025, 1, 1)).name == "FY2025"
    assert code_set_for(date(2026, 10, 1)).name == "FY2026"  # no FY2027 set in §A.8
    assert code_set_for(date(9999, 12, 31)).name == "FY2026"


STATUS_PROBES = [
    # (code, status FY2025 (DOS ≤ 2025-09-30), status FY2026 (DOS ≥ 2025-10-01))
    # §A.8 / §5.3: "G35 is billable for DOS up to 2025-09-30. From 2025-10-01 it is a
    # non-billable header"; FY2025: "every code beginning G35. does not exist".
    ("G35", "billable", "header"),
    ("G35.A", "unknown", "billable"),
    ("G35.B", "unknown", "header"),
    ("G35.B0", "unknown", "billable"),
    ("G35.B1", "unknown", "billable"),
    ("G35.B2", "unknown", "billable"),
    ("G35.C", "unknown", "header"),
    ("G35.C0", "unknown", "billable"),
    ("G35.C1", "unknown", "billable"),
    ("G35.C2", "unknown", "billable"),
    ("G35.D", "unknown", "billable"),
    ("G35.A0", "unknown", "unknown"),
    # §A.7 known invalid codes.
    ("M54.5", "header", "header"),
    ("G89.5", "unknown", "unknown"),
    ("M96.9", "unknown", "unknown"),
    # §A.8 written form: "Any other spelling (M961, m96.1, M96.1 ) is a code that does not
    # exist".
    ("M961", "unknown", "unknown"),
    ("m96.1", "unknown", "unknown"),
    ("M96.1 ", "unknown", "unknown"),
    (" M96.1", "unknown", "unknown"),
    ("M96.1\n", "unknown", "unknown"),
    ("g35", "unknown", "unknown"),
    ("S060X0S", "unknown", "unknown"),
    ("s06.0x0s", "unknown", "unknown"),
    ("S06.0x0S", "unknown", "unknown"),
    ("C50.9111", "unknown", "unknown"),
    ("C00-C96", "unknown", "unknown"),  # a tabular block name is not a code
    ("G80-G83", "unknown", "unknown"),
    ("M96.", "unknown", "unknown"),
    ("G35.", "unknown", "unknown"),
    ("S06.0X0s", "unknown", "unknown"),
    ("\u041c96.1", "unknown", "unknown"),  # Cyrillic capital Em, not ASCII M
    ("M\uff196.1", "unknown", "unknown"),  # full-width digit nine
    ("M96.1.", "unknown", "unknown"),
    ("M96.1", "billable", "billable"),
    ("M96", "header", "header"),
    ("M96.10", "unknown", "unknown"),
    # billable vs header in the FY2026 tabular ("billable when it has no children").
    ("G89.3", "billable", "billable"),
    ("G89", "header", "header"),
    ("G89.1", "header", "header"),
    ("G89.2", "header", "header"),
    ("M51.36", "header", "header"),
    ("M51.360", "billable", "billable"),
    ("M47.81", "header", "header"),
    ("M48.06", "header", "header"),
    ("I69.35", "header", "header"),
    ("G82.2", "header", "header"),
    ("G82.5", "header", "header"),
    ("G81.1", "header", "header"),
    ("R25", "header", "header"),
    ("R52", "billable", "billable"),
    ("C61", "billable", "billable"),
    ("C50", "header", "header"),
    ("C50.9", "header", "header"),
    ("C50.911", "billable", "billable"),
    ("C7A", "header", "header"),
    ("C7A.00", "billable", "billable"),
    ("C4A.9", "billable", "billable"),
    ("C80", "header", "header"),
    ("C80.1", "billable", "billable"),
    # 7th characters (§A.3, §A.4): sequela codes exist; the 6-character stem is a header.
    ("S06.0X0S", "billable", "billable"),
    ("S06.0X0A", "billable", "billable"),
    ("S06.0X0", "header", "header"),
    ("S06.0X", "header", "header"),
    ("S06", "header", "header"),
    ("S06.A0XS", "billable", "billable"),
    ("S06.A0X", "unknown", "unknown"),
    ("S24.104S", "billable", "billable"),
    ("S24.104", "header", "header"),
    ("S14.10XS", "unknown", "unknown"),
    ("S34.1", "header", "header"),
    # §A.8 "No other difference is applied in this version": a code new in FY2026 other than
    # G35.x is treated as existing for a FY2025 DOS too (see the report's questions).
    ("E11.A", "billable", "billable"),
]


def test_code_status_by_fiscal_year() -> None:
    wrong = []
    for code, fy25, fy26 in STATUS_PROBES:
        got = tuple(code_set_for(d).status(code) for d in (FY25_LAST, FY26_FIRST, DOS))
        if got != (fy25, fy26, fy26):
            wrong.append((code, got, "spec:", (fy25, fy26, fy26)))
    assert wrong == []


def test_non_string_code_does_not_exist() -> None:
    # §5.3 DX-02: "the code is not a string in the written form of §A.8 … → M76".
    for code in (None, 42, 96.1, ["M96.1"], {"code": "M96.1"}, True):
        assert code_set_for(DOS).status(code) == "unknown"
        assert indication_groups(code, DOS, V100) == frozenset()
