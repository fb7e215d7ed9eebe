"""A claim as the rules see it: lines in `line_number` order, sorted into the kinds of §2.4.

Built once per decision so that every rule reads the same view (and the hot path does the
sorting and classifying once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import attrgetter

from models.request_data import (
    AdjudicationRequest,
    ClaimData,
    ContextData,
    DocumentationData,
    LineData,
)
from policy.catalog import PolicyData
from policy.enrichment import indication_groups
from policy.tables import PolicyTables, tables_for

_line_number = attrgetter("line_number")


@dataclass(init=False)  # a hand-written __init__ is compiled (policy/rules/outcome.py)
class ClaimView:
    """§2.4 terms over one claim; dates are filled in once VAL-05 has passed."""

    claim: ClaimData
    context: ContextData
    policy: PolicyData
    tables: PolicyTables  # the policy's values the rules read on every claim
    documentation: DocumentationData | None
    diagnosis_codes: list[object]
    lines: list[LineData]
    catheter_lines: list[LineData]  # 62327 lines
    # JW lines excluded: a line with a drug that is not here is a JW line (engine._decide_lines)
    drug_lines: list[LineData]
    header_dos: date | None
    processing_date: date
    line_dos: dict[int, date]
    # Per claim diagnosis (by index): every group of Appendix A, and the ITDD groups only.
    groups_of: list[frozenset[str]]
    itdd_groups_of: list[frozenset[str]]
    # SAFE-01's DOS totals by (agent, route, DOS), summed once per claim (§5.5 step 9).
    dose_totals: dict[tuple[str, object, date], float]

    def __init__(
        self,
        request: AdjudicationRequest,
        policy: PolicyData,
        processing_date: date,
        header_dos: date | None,
    ) -> None:
        claim = request.claim
        tables = tables_for(policy)
        trigger = tables.trigger_procedure_code
        jw = tables.jw_modifier
        self.claim = claim
        self.dose_totals = {}
        self.context = request.context
        self.policy = policy
        self.tables = tables
        self.documentation = claim.documentation
        self.diagnosis_codes = claim.diagnosis_codes or []
        lines = claim.lines or []
        # Claims list their lines in order: the check costs less than sorting them again.
        self.lines = lines if _in_order(lines) else sorted(lines, key=_line_number)
        self.catheter_lines = []
        self.drug_lines = []
        for line in self.lines:
            if line.drug is not None:
                if jw not in (line.modifiers or ()):
                    self.drug_lines.append(line)
            elif line.procedure_code == trigger:
                self.catheter_lines.append(line)
        self.header_dos = header_dos
        self.processing_date = processing_date
        self.line_dos = {}
        self.groups_of = []
        self.itdd_groups_of = []

    def enrich_diagnoses(self) -> None:
        """Map each diagnosis to its groups; runs once DX-02 has made every code valid."""
        header_dos = self.header_dos
        assert header_dos is not None
        itdd = self.tables.itdd_groups
        policy = self.policy
        # A loop, not two comprehensions (each builds a function object under CPython 3.11).
        groups_of: list[frozenset[str]] = []
        itdd_groups_of: list[frozenset[str]] = []
        for code in self.diagnosis_codes:
            groups = indication_groups(code, header_dos, policy)
            groups_of.append(groups)
            itdd_groups_of.append(groups & itdd)
        self.groups_of = groups_of
        self.itdd_groups_of = itdd_groups_of

    def pointed_groups(self, line: LineData) -> frozenset[str]:
        """§2.4 pointed groups: the ITDD groups of the line's pointed diagnoses."""
        groups: frozenset[str] = frozenset()
        for pointer in line.dx_pointers or ():
            if type(pointer) is int:
                groups |= self.itdd_groups_of[pointer - 1]
        return groups

    def dos(self, line: LineData) -> date:
        """The line DOS; only called after VAL-05 guaranteed every line DOS is an ISO date."""
        return self.line_dos[line.line_number]


def _in_order(lines: list[LineData]) -> bool:
    """Ascending `line_number` (numbers are unique, §E.3)."""
    for index in range(1, len(lines)):
        if lines[index - 1].line_number > lines[index].line_number:
            return False
    return True
