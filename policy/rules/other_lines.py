"""§5.5 other lines and JW lines: ITDD-SCOPE-03, COD-01, BUN-01 (line outcomes only)."""

from __future__ import annotations

from models.request import Line
from policy.claim_view import ClaimView
from policy.rules.outcome import LineResult


def _not_reviewed(line: Line) -> LineResult:
    """ITDD-SCOPE-03: governed by another policy (pumps, refills, E/M) or discarded drug (JW)."""
    return LineResult(line.line_number, "not_reviewed", rule_ids=["ITDD-SCOPE-03"])


def decide_jw_line(line: Line) -> LineResult:
    return _not_reviewed(line)


def decide_other_line(view: ClaimView, line: Line) -> LineResult:
    """The first row of the §5.5 table that applies decides the line."""
    policy = view.policy
    code = line.procedure_code
    if code in policy.active_codes.deleted_codes or code not in policy.active_codes.codes:
        # ITDD-COD-01: deleted (62310/62311/62318/62319) or not in the Appendix F list.
        # Choice: a HCPCS code on a line without a `drug` object is an other line (§2.4) and,
        # not being in Appendix F, is denied here rather than treated as a drug.
        return LineResult(
            line.line_number, "deny", policy.outcome("ITDD-COD-01"), rule_ids=["ITDD-COD-01"]
        )
    catheter_days = {view.dos(catheter) for catheter in view.catheter_lines}
    if code in policy.bundled_imaging_codes and view.dos(line) in catheter_days:
        # ITDD-BUN-01: imaging guidance is part of 62327 on the same DOS.
        return LineResult(
            line.line_number, "deny", policy.outcome("ITDD-BUN-01"), rule_ids=["ITDD-BUN-01"]
        )
    return _not_reviewed(line)
