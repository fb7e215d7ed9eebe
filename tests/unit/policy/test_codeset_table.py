"""The ICD-10-CM tabular the engine ships (policy/data/icd10cm-fy2026.txt.gz) is exactly what
simple-icd-10-cm 1.5 knows: every code in its written form, billable (a leaf) or a header.

The engine reads the compact table instead of importing simple-icd-10-cm, whose import parses the
whole XML tabular (≈ 4 s): every worker start, and so every restart gap, paid for it. Regenerate
after upgrading simple-icd-10-cm: `python -m tests.unit.policy.test_codeset_table`.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path
from types import ModuleType

from policy.codeset import TABLE, WRITTEN_FORM, tabular

SHIPPED = Path(__file__).resolve().parents[3] / "policy" / "data" / TABLE


@cache
def library() -> ModuleType:
    """simple-icd-10-cm, imported when a test runs, not when tests are collected: its import
    parses the XML tabular (≈ 4 s), which every parallel test process would pay."""
    import simple_icd_10_cm

    return simple_icd_10_cm


def build_table() -> bytes:
    """One code a line in simple-icd-10-cm's order, a header (not a leaf) marked with `*`."""
    icd = library()
    lines = [
        code if icd.is_leaf(code) else f"{code}*"
        for code in icd.get_all_codes(True)
        if WRITTEN_FORM.fullmatch(code)
    ]
    return ("\n".join(lines) + "\n").encode()


def test_the_shipped_table_is_simple_icd_10_cm_s() -> None:
    with gzip.open(SHIPPED) as shipped:
        assert shipped.read() == build_table(), "regenerate the table (module docstring)"


def test_the_table_says_billable_or_header_as_simple_icd_10_cm_does() -> None:
    table, icd = tabular(), library()
    for code in ("M96.1", "R25.2", "G35", "G35.A", "M96", "C79.49", "Z99.89"):
        expected = icd.is_leaf(code) if icd.is_valid_item(code) else None
        assert table.get(code) == expected, code


if __name__ == "__main__":
    # mtime 0: the same codes give the same bytes.
    SHIPPED.write_bytes(gzip.compress(build_table(), mtime=0))
    print(f"wrote {SHIPPED}")
