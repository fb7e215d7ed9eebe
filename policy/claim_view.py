"""A claim as the rules see it: lines in `line_number` order, sorted into the kinds of §2.4.

Built once per decision so that every rule reads the same view (and the hot path does the
sorting and classifying once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from operator import attrgetter

from models.request import AdjudicationRequest, Claim, Context, Documentation, Line
from policy.catalog import PolicyData
from policy.enrichment import indication_groups

_line_number = attrgetter("line_number")


@dataclass(init=False)  # a hand-written __init__ is compiled (policy/rules/outcome.py)
class ClaimView:
    """§2.4 terms over one claim; dates are filled in once VAL-05 has passed."""

    claim: Claim
    context: Context
    policy: PolicyData
    lines: list[Line]
    catheter_lines: list[Line]  # 62327 lines
    drug_lines: list[Line]  # JW lines excluded
    jw_lines: list[Line]
    other_lines: list[Line]
    header_dos: date | None
    processing_date: date
    line_dos: dict[int, date]
    # Per claim diagnosis (by index): every group of Appendix A, and the ITDD groups only.
    groups_of: list[frozenset[str]]
    itdd_groups_of: list[frozenset[str]]

    def __init__(
        self,
        request: AdjudicationRequest,
        policy: PolicyData,
        processing_date: date,
        header_dos: date | None,
    ) -> None:
        claim = request.claim
        trigger = policy.scope.trigger_procedure_code
        jw = policy.scope.jw_modifier
        self.claim = claim
        self.context = request.context
        self.policy = policy
        self.lines = sorted(claim.lines or (), key=_line_number)
        self.catheter_lines = []
        self.drug_lines = []
        self.jw_lines = []
        self.other_lines = []
        for line in self.lines:
            if line.drug is not None:
                (self.jw_lines if jw in (line.modifiers or ()) else self.drug_lines).append(line)
            elif line.procedure_code == trigger:
                self.catheter_lines.append(line)
            else:
                self.other_lines.append(line)
        self.header_dos = header_dos
        self.processing_date = processing_date
        self.line_dos = {}
        self.groups_of = []
        self.itdd_groups_of = []

    def enrich_diagnoses(self) -> None:
        """Map each diagnosis to its groups; runs once DX-02 has made every code valid."""
        assert self.header_dos is not None
        itdd = frozenset(self.policy.diagnosis_groups.itdd_groups)
        self.groups_of = [
            indication_groups(code, self.header_dos, self.policy) for code in self.diagnosis_codes
        ]
        self.itdd_groups_of = [groups & itdd for groups in self.groups_of]

    def pointed_groups(self, line: Line) -> frozenset[str]:
        """§2.4 pointed groups: the ITDD groups of the line's pointed diagnoses."""
        groups: frozenset[str] = frozenset()
        for pointer in line.dx_pointers or ():
            if type(pointer) is int:
                groups |= self.itdd_groups_of[pointer - 1]
        return groups

    @property
    def documentation(self) -> Documentation | None:
        return self.claim.documentation

    @property
    def diagnosis_codes(self) -> list[object]:
        return list(self.claim.diagnosis_codes or [])

    def dos(self, line: Line) -> date:
        """The line DOS; only called after VAL-05 guaranteed every line DOS is an ISO date."""
        return self.line_dos[line.line_number]
