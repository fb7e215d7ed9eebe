"""§5.5 other lines and JW lines: ITDD-SCOPE-03, COD-01, BUN-01 (line outcomes only)."""

from __future__ import annotations

from models.request_data import LineData
from policy.claim_view import ClaimView
from policy.rules.outcome import LineResult


def _not_reviewed(line: LineData) -> LineResult:
    """ITDD-SCOPE-03: governed by another policy (pumps, refills, E/M) or discarded drug (JW)."""
    return LineResult(line.line_number, "not_reviewed", rule_ids=["ITDD-SCOPE-03"])


def decide_jw_line(line: LineData) -> LineResult:
    return _not_reviewed(line)


def decide_other_line(view: ClaimView, line: LineData) -> LineResult:
    """The first row of the §5.5 table that applies decides the line."""
    policy = view.policy
    code = line.procedure_code
    if code in policy.active_codes.deleted_codes or code not in policy.active_codes.codes:
        # ITDD-COD-01: deleted (62310/62311/62318/62319) or not in the Appendix F list.
        # Choice: a HCPCS code on a line without a `drug` object is an other line (§2.4) and,
        # not being in Appendix F, is denied here rather than treated as a drug.
        return LineResult(
            line.line_number, "deny", view.tables.outcomes["ITDD-COD-01"], rule_ids=["ITDD-COD-01"]
        )
    if code in policy.bundled_imaging_codes:
        line_dos = view.line_dos
        day = line_dos[line.line_number]
        for catheter in view.catheter_lines:
            if line_dos[catheter.line_number] == day:
                # ITDD-BUN-01: imaging guidance is part of 62327 on the same DOS.
                adjustment = view.tables.outcomes["ITDD-BUN-01"]
                return LineResult(line.line_number, "deny", adjustment, rule_ids=["ITDD-BUN-01"])
    return _not_reviewed(line)
