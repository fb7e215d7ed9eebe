"""§6 aggregation: ITDD-AGG-01 (each 62327 line) and ITDD-AGG-02 (the claim)."""

from __future__ import annotations

from dataclasses import dataclass

from models.request_data import LineData
from policy.catalog import Adjustment, PolicyData
from policy.claim_view import ClaimView
from policy.rules.outcome import LineResult, PendCategory


def _pend_category(results: list[LineResult]) -> PendCategory:
    for result in results:
        if result.pend_category == "P2":
            return "P2"
    return "P3"


# Loops, not comprehensions or min(key=...): under CPython 3.11 each comprehension and key
# function builds a function object (~1k instructions), more than a claim's lines cost to visit.


def _strongest_denial(results: list[LineResult], policy: PolicyData) -> LineResult:
    """Highest CARC precedence (55 > 167 > … > 11); the lower line_number between equals."""
    rank = policy.precedence_rank
    unranked = len(rank)
    strongest = results[0]
    strongest_key = (unranked + 1, 0)
    for result in results:
        assert result.adjustment is not None
        key = (rank.get(result.adjustment.carc, unranked), result.line_number)
        if key < strongest_key:
            strongest, strongest_key = result, key
    return strongest


def agg_01_catheter_line(
    view: ClaimView, line: LineData, drug_results: dict[int, LineResult]
) -> LineResult:
    """ITDD-AGG-01: a 62327 line follows the drug lines on its DOS (DRUG-01: at least one)."""
    line_dos = view.line_dos
    day = line_dos[line.line_number]
    own: list[LineResult] = []
    pended: list[LineResult] = []
    for drug_line in view.drug_lines:
        if line_dos[drug_line.line_number] == day:
            result = drug_results[drug_line.line_number]
            if result.decision == "approve":
                return LineResult(line.line_number, "approve")
            own.append(result)
            if result.decision == "pend":
                pended.append(result)
    if pended:
        return LineResult(line.line_number, "pend", pend_category=_pend_category(pended))
    strongest = _strongest_denial(own, view.policy)
    return LineResult(line.line_number, "deny", strongest.adjustment)


@dataclass(init=False)  # a hand-written __init__ is compiled (policy/rules/outcome.py)
class ClaimOutcome:
    decision: str
    partial: bool
    category: str
    adjustment: Adjustment | None

    def __init__(
        self, decision: str, partial: bool, category: str, adjustment: Adjustment | None
    ) -> None:
        self.decision = decision
        self.partial = partial
        self.category = category
        self.adjustment = adjustment


def agg_02_claim(
    results: list[LineResult], catheter_results: list[LineResult], policy: PolicyData
) -> ClaimOutcome:
    """ITDD-AGG-02: not-reviewed lines excluded; any pend, else any approve, else deny."""
    pended: list[LineResult] = []
    approved = denied = False
    for result in results:
        decision = result.decision
        if decision == "pend":
            pended.append(result)
        elif decision == "approve":
            approved = True
        elif decision == "deny":
            denied = True
    if pended:
        return ClaimOutcome("pend", False, _pend_category(pended), None)
    if approved:
        return ClaimOutcome("approve", denied, "F1", None)
    strongest = _strongest_denial(catheter_results, policy)
    return ClaimOutcome("deny", False, "F2", strongest.adjustment)
