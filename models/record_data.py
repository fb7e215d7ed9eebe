"""The decision record (§8) as JSON-ready data, in §8 key order, read from the models' fields.

models/decision.py's `to_dict` methods call these with each model's `__dict__`: an attribute
read on a pydantic model goes through its `__getattr__` hook, and this module is compiled by
mypyc with the engine (a plain function over dicts), so a record costs a few dict reads to
serialise. Lists are copied: the caller may change what it gets back.
"""

from __future__ import annotations

from typing import Any


def record_dict(fields: dict[str, Any]) -> dict[str, Any]:
    """DecisionRecord (criteria lists of a line only when present).

    A copy of the fields, nested parts replaced: pydantic keeps a model's `__dict__` in field
    order, the §8 order (the engine builds it in that order too), and a dict copies faster
    than it is built key by key.
    """
    out = dict(fields)
    versions: dict[str, Any] = fields["reference_versions"].__dict__
    out["reference_versions"] = {
        "icd10cm": versions["icd10cm"],
        "drug_file": versions["drug_file"],
        "ncci": versions["ncci"],
    }
    out["rarc"] = list(fields["rarc"])
    out["rule_ids"] = list(fields["rule_ids"])
    pend = fields["pend"]
    if pend is not None:
        out["pend"] = pend_dict(pend.__dict__)
    # Loops, not comprehensions: under CPython 3.11 each builds a function object (~1k
    # instructions), more than most records' lists hold.
    lines: list[dict[str, Any]] = []
    for line in fields["line_decisions"]:
        lines.append(line_dict(line.__dict__))
    out["line_decisions"] = lines
    rules: list[dict[str, Any]] = []
    for entry in fields["line_rule_ids"]:
        rules.append(line_rules_dict(entry.__dict__))
    out["line_rule_ids"] = rules
    findings: list[dict[str, Any]] = []
    for finding in fields["informational_findings"]:
        findings.append(finding_dict(finding.__dict__))
    out["informational_findings"] = findings
    error = fields["error"]
    if error is not None:
        out["error"] = error_dict(error.__dict__)
    return out


def line_dict(fields: dict[str, Any]) -> dict[str, Any]:
    """LineDecision (§8.2): criteria lists only when not empty."""
    out = dict(fields)
    out["rarc"] = list(fields["rarc"])
    failed = fields["criteria_failed"]
    if failed:
        out["criteria_failed"] = list(failed)
    else:
        del out["criteria_failed"]
    missing = fields["criteria_missing"]
    if missing:
        out["criteria_missing"] = list(missing)
    else:
        del out["criteria_missing"]
    return out


def line_rules_dict(fields: dict[str, Any]) -> dict[str, Any]:
    """LineRules, as `model_dump` gives it."""
    return {"line_number": fields["line_number"], "rule_ids": list(fields["rule_ids"])}


def pend_dict(fields: dict[str, Any]) -> dict[str, Any]:
    """PendBlock (§8.4), as `model_dump` gives it."""
    return {
        "status_category": fields["status_category"],
        "reasons": list(fields["reasons"]),
        "documentation_missing": list(fields["documentation_missing"]),
        "followup": fields["followup"],
    }


def finding_dict(fields: dict[str, Any]) -> dict[str, Any]:
    """InformationalFinding (§8.5), as `model_dump` gives it."""
    return {
        "line_number": fields["line_number"],
        "rule": fields["rule"],
        "indication_group": fields["indication_group"],
        "agent": fields["agent"],
        "note": fields["note"],
    }


def error_dict(fields: dict[str, Any]) -> dict[str, Any]:
    """ErrorInfo, as `model_dump` gives it."""
    return {"error_class": fields["error_class"], "message": fields["message"]}
