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


def _strongest_denial(results: list[LineResult], policy: PolicyData) -> LineResult:
    """Highest CARC precedence (55 > 167 > … > 11); the lower line_number between equals."""
    rank = policy.precedence_rank
    unranked = len(rank)

    def key(result: LineResult) -> tuple[int, int]:
        assert result.adjustment is not None
        return rank.get(result.adjustment.carc, unranked), result.line_number

    return min(results, key=key)


def agg_01_catheter_line(
    view: ClaimView, line: LineData, drug_results: dict[int, LineResult]
) -> LineResult:
    """ITDD-AGG-01: a 62327 line follows the drug lines on its DOS (DRUG-01: at least one)."""
    line_dos = view.line_dos
    day = line_dos[line.line_number]
    own = [drug_results[d.line_number] for d in view.drug_lines if line_dos[d.line_number] == day]
    for result in own:
        if result.decision == "approve":
            return LineResult(line.line_number, "approve")
    pended = [r for r in own if r.decision == "pend"]
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
    decisions = {r.decision for r in results}
    if "pend" in decisions:
        pended = [r for r in results if r.decision == "pend"]
        return ClaimOutcome("pend", False, _pend_category(pended), None)
    if "approve" in decisions:
        return ClaimOutcome("approve", "deny" in decisions, "F1", None)
    strongest = _strongest_denial(catheter_results, policy)
    return ClaimOutcome("deny", False, "F2", strongest.adjustment)
