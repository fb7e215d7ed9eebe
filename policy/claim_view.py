"""A claim as the rules see it: lines in `line_number` order, sorted into the kinds of §2.4.

Built once per decision so that every rule reads the same view (and the hot path does the
sorting and classifying once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter

from models.request import AdjudicationRequest, Claim, Context, Documentation, Line
from models.values import iso_date
from policy.catalog import PolicyData
from policy.enrichment import indication_groups

_line_number = attrgetter("line_number")


@dataclass(slots=True)
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
    line_dos: dict[int, date] = field(default_factory=dict)
    # Per claim diagnosis (by index): every group of Appendix A, and the ITDD groups only.
    groups_of: list[frozenset[str]] = field(default_factory=list)
    itdd_groups_of: list[frozenset[str]] = field(default_factory=list)

    @classmethod
    def build(cls, request: AdjudicationRequest, policy: PolicyData) -> ClaimView:
        claim = request.claim
        trigger = policy.scope.trigger_procedure_code
        jw = policy.scope.jw_modifier
        lines = sorted(claim.lines or (), key=_line_number)
        catheter: list[Line] = []
        drugs: list[Line] = []
        jw_lines: list[Line] = []
        others: list[Line] = []
        for line in lines:
            if line.drug is not None:
                (jw_lines if jw in (line.modifiers or ()) else drugs).append(line)
            elif line.procedure_code == trigger:
                catheter.append(line)
            else:
                others.append(line)
        processing_date = iso_date(request.context.processing_date)
        assert processing_date is not None  # §E.3: checked by the request model
        return cls(
            claim=claim,
            context=request.context,
            policy=policy,
            lines=lines,
            catheter_lines=catheter,
            drug_lines=drugs,
            jw_lines=jw_lines,
            other_lines=others,
            header_dos=iso_date(claim.service_date),
            processing_date=processing_date,
        )

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
        return frozenset().union(
            *(self.itdd_groups_of[p - 1] for p in line.dx_pointers or [] if type(p) is int)
        )

    @property
    def documentation(self) -> Documentation | None:
        return self.claim.documentation

    @property
    def diagnosis_codes(self) -> list[object]:
        return list(self.claim.diagnosis_codes or [])

    def dos(self, line: Line) -> date:
        """The line DOS; only called after VAL-05 guaranteed every line DOS is an ISO date."""
        return self.line_dos[line.line_number]
