"""Which rules decided each line, for the provider notice.

The record lists the claim's rules (§8.3), not each line's. Until the engine reports them per
line (issue 19: the lead decides; what it would need is a `rule_ids` list on each
`line_decisions[]` entry, the list `LineResult.rule_ids` already holds, plus AGG-01 on catheter
lines), this module re-runs the engine's own line rules on the request under the record's
version (pure and deterministic) and keeps a line's rules only where they reproduce that line's
recorded decision; otherwise the notice refers to the claim's rules, which it always quotes. The
input digest proves that the request is the one the record decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models.request import StructureError, parse_request
from models.values import iso_date
from policy.catalog import PolicyData
from policy.claim_view import ClaimView
from policy.engine import AGGREGATION_RULE_IDS
from policy.record import line_decision
from policy.rules.aggregation import agg_01_catheter_line
from policy.rules.drug_lines import decide_drug_line
from policy.rules.other_lines import decide_jw_line, decide_other_line
from policy.rules.outcome import LineResult


def line_rules(
    request: Mapping[str, Any], policy: PolicyData, decided: list[Mapping[str, Any]]
) -> dict[int, list[str]]:
    """Each line's §8.3 contribution, from the engine's own line rules re-run on the request;
    a line whose re-run does not give its recorded decision is left out."""
    try:
        results = _rerun_lines(request, policy)
    except Exception:  # noqa: BLE001 - engine defects are internal_error records; explain none
        return {}
    out: dict[int, list[str]] = {}
    for entry in decided:
        number = entry.get("line_number")
        if not isinstance(number, int) or number not in results:
            continue
        result, rules = results[number]
        if line_decision(result).to_dict() == dict(entry):
            out[number] = rules
    return out


def _rerun_lines(
    request: Mapping[str, Any], policy: PolicyData
) -> dict[int, tuple[LineResult, list[str]]]:
    """§5.5 and AGG-01 for every line, as `policy.engine` runs them once the gates passed."""
    try:
        parsed = parse_request(dict(request))
    except StructureError:
        return {}
    processing = iso_date(parsed.context.processing_date)
    header = iso_date(parsed.claim.service_date)
    if processing is None or header is None:
        return {}
    view = ClaimView(parsed, policy, processing, header)
    for line in view.lines:
        dos = iso_date(line.service_date)
        if dos is None:
            return {}
        view.line_dos[line.line_number] = dos
    view.enrich_diagnoses()
    drug = {line.line_number: decide_drug_line(view, line) for line in view.drug_lines}
    out = {number: (result, list(result.rule_ids)) for number, result in drug.items()}
    for line in view.catheter_lines:
        result = agg_01_catheter_line(view, line, drug)
        out[line.line_number] = (result, [AGGREGATION_RULE_IDS[0]])
    for line in view.jw_lines:
        result = decide_jw_line(line)
        out[line.line_number] = (result, list(result.rule_ids))
    for line in view.other_lines:
        result = decide_other_line(view, line)
        out[line.line_number] = (result, list(result.rule_ids))
    return out
