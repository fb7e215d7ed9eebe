"""ICD-10-CM code sets by header date of service (policy-spec Appendix A.8).

The base is the FY2026 tabular of simple-icd-10-cm 1.5, shipped as a compact table
(`data/icd10cm-fy2026.txt.gz`: one code a line, a header marked `*`; a unit test proves it equal
to the library's), because importing the library parses its whole XML tabular (≈ 4 s at every
worker start). Earlier fiscal years are that base plus the differences listed in
`data/icd10cm-fiscal-years.json`, so a diagnosis is judged with the code set in force on the
claim's header DOS (G35: billable up to 2025-09-30, a header after).
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Literal

WRITTEN_FORM = re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", re.ASCII)

Status = Literal["billable", "header", "unknown"]
TABLE = "icd10cm-fy2026.txt.gz"


_STATUS_CACHE_LIMIT = 100_000


@dataclass(frozen=True)
class FiscalYear:
    name: str
    header_dos_from: date | None
    header_dos_to: date | None
    billable: frozenset[str]
    nonexistent_prefixes: tuple[str, ...]
    # Status by code as written: a claim stream repeats a few hundred codes (bounded all the
    # same, against a stream of made-up codes).
    _statuses: dict[str, Status] = field(default_factory=dict, compare=False, repr=False)

    def covers(self, header_dos: date) -> bool:
        return (self.header_dos_from is None or header_dos >= self.header_dos_from) and (
            self.header_dos_to is None or header_dos <= self.header_dos_to
        )

    def status(self, code: object) -> Status:
        """billable / header / unknown for a code as written on the claim."""
        if type(code) is not str:
            return "unknown"
        found = self._statuses.get(code)
        if found is None:
            if len(self._statuses) >= _STATUS_CACHE_LIMIT:
                self._statuses.clear()
            found = self._statuses[code] = self._classify(code)
        return found

    def _classify(self, code: str) -> Status:
        if not WRITTEN_FORM.fullmatch(code):
            return "unknown"
        if code in self.billable:
            return "billable"
        if code.startswith(self.nonexistent_prefixes):
            return "unknown"
        billable = tabular().get(code)
        if billable is None:
            return "unknown"
        return "billable" if billable else "header"


@lru_cache(maxsize=1)
def tabular() -> dict[str, bool]:
    """The base tabular: code as written -> billable (a leaf; False for a header)."""
    text = gzip.decompress(resources.files("policy.data").joinpath(TABLE).read_bytes())
    return {
        line[:-1] if line.endswith("*") else line: not line.endswith("*")
        for line in text.decode("ascii").splitlines()
    }


def _optional_date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


@lru_cache(maxsize=1)
def fiscal_years() -> tuple[FiscalYear, ...]:
    raw = json.loads(
        resources.files("policy.data").joinpath("icd10cm-fiscal-years.json").read_text("utf-8")
    )
    return tuple(
        FiscalYear(
            name=item["name"],
            header_dos_from=_optional_date(item.get("header_dos_from")),
            header_dos_to=_optional_date(item.get("header_dos_to")),
            billable=frozenset(item["billable"]),
            nonexistent_prefixes=tuple(item["nonexistent_prefixes"]),
        )
        for item in raw["fiscal_years"]
    )


# Code sets by header DOS: looked up two or three times per claim, over a few hundred dates.
_BY_DOS: dict[date, FiscalYear] = {}


def code_set_for(header_dos: date) -> FiscalYear:
    """The code set of A.8 for a header DOS (every date falls in exactly one entry)."""
    found = _BY_DOS.get(header_dos)
    if found is not None:
        return found
    for fiscal_year in fiscal_years():
        if fiscal_year.covers(header_dos):
            if len(_BY_DOS) >= _STATUS_CACHE_LIMIT:
                _BY_DOS.clear()
            _BY_DOS[header_dos] = fiscal_year
            return fiscal_year
    raise LookupError(f"no ICD-10-CM code set covers {header_dos}")
