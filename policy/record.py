"""Building the §8 decision record from rule outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.construct import construct
from models.decision import (
    DecisionRecord,
    ErrorInfo,
    InformationalFinding,
    LineDecision,
    LineRules,
    PendBlock,
    ReferenceVersions,
)
from models.request_data import DocumentationData
from models.values import number
from policy.catalog import Adjustment, PolicyData
from policy.rules.outcome import LineResult


def relief(documentation: DocumentationData | None) -> float | int | None:
    """`trial_result_percent_relief`: copied for the implant policy when it is a number.

    Choice: §8.1 does not restrict it by outcome, so gate denials and `ignore` records carry it
    too (it describes the documentation, not the decision).
    """
    value = documentation.trial_result_percent_relief if documentation is not None else None
    return number(value)


# Every field of a DecisionRecord in §8 order, with the value `RecordHeader.record` leaves
# unless told otherwise (the lists are always replaced: each record has its own).
_RECORD_DEFAULTS: dict[str, Any] = {
    "decision_id": None,
    "claim_id": None,
    "policy_version": None,
    "reference_versions": None,
    "processing_date": None,
    "decided_at": None,
    # L.2: the engine decides a request; the worker that re-adjudicates sets both.
    "supersedes": None,
    "trigger": "claim_submitted",
    "decision": None,
    "partial": False,
    "claim_status_category": None,
    "group_code": None,
    "carc": None,
    "rarc": None,
    "x12_835_clp02": None,
    "rule_ids": None,
    "pend": None,
    "line_decisions": None,
    "line_rule_ids": None,
    "informational_findings": None,
    "trial_result_percent_relief": None,
    "input_digest": None,
    "error": None,
}


@dataclass(init=False)  # a hand-written __init__ is compiled (policy/rules/outcome.py)
class RecordHeader:
    """The fields every record of one decision shares, whatever the outcome."""

    claim_id: Any
    policy: PolicyData
    icd10cm: str | None
    processing_date: str
    relief: float | int | None
    digest: str

    def __init__(  # noqa: PLR0917 - keywords cost a class call ~1k instructions
        self,
        claim_id: Any,
        policy: PolicyData,
        icd10cm: str | None,
        processing_date: str,
        relief: float | int | None,
        digest: str,
    ) -> None:
        self.claim_id = claim_id
        self.policy = policy
        self.icd10cm = icd10cm
        self.processing_date = processing_date
        self.relief = relief
        self.digest = digest

    def record(
        self,
        decision: str,
        *,
        partial: bool = False,
        claim_status_category: str | None = None,
        group_code: str | None = None,
        carc: str | None = None,
        rarc: list[str] | None = None,
        x12_835_clp02: str | None = None,
        rule_ids: list[str] | None = None,
        pend: PendBlock | None = None,
        line_decisions: list[LineDecision] | None = None,
        line_rule_ids: list[LineRules] | None = None,
        informational_findings: list[InformationalFinding] | None = None,
        error: ErrorInfo | None = None,
    ) -> DecisionRecord:
        """A record with these outcome fields; the defaults are those of §8.1.

        Explicit keywords, not **fields: mypyc calls this natively only without **kwargs.
        """
        # A copy of the §8-ordered defaults with the fields set: building a dict of 24 keys
        # cost ~4k instructions more than copying one.
        values = _RECORD_DEFAULTS.copy()
        values["claim_id"] = self.claim_id
        values["policy_version"] = self.policy.label
        values["reference_versions"] = reference_versions(self.policy, self.icd10cm)
        values["processing_date"] = self.processing_date
        values["decision"] = decision
        values["partial"] = partial
        values["claim_status_category"] = claim_status_category
        values["group_code"] = group_code
        values["carc"] = carc
        values["rarc"] = [] if rarc is None else rarc
        values["x12_835_clp02"] = x12_835_clp02
        values["rule_ids"] = [] if rule_ids is None else rule_ids
        values["pend"] = pend
        values["line_decisions"] = [] if line_decisions is None else line_decisions
        values["line_rule_ids"] = [] if line_rule_ids is None else line_rule_ids
        values["informational_findings"] = (
            [] if informational_findings is None else informational_findings
        )
        values["trial_result_percent_relief"] = self.relief
        values["input_digest"] = self.digest
        values["error"] = error
        return construct(DecisionRecord, values)

    def ignore(self, rule_id: str) -> DecisionRecord:
        return self.record("ignore", rule_ids=[rule_id])

    def denial(
        self,
        rule_ids: list[str],
        adjustment: Adjustment,
        line_decisions: list[LineDecision],
        line_rule_ids: list[LineRules],
        informational_findings: list[InformationalFinding] | None = None,
    ) -> DecisionRecord:
        return self.record(
            "deny",
            claim_status_category=adjustment.category,
            group_code=adjustment.group_code,
            carc=adjustment.carc,
            rarc=list(adjustment.rarc),
            x12_835_clp02=adjustment.clp02,
            rule_ids=rule_ids,
            line_decisions=line_decisions,
            line_rule_ids=line_rule_ids,
            informational_findings=informational_findings,
        )


_REFERENCE_VERSIONS: dict[tuple[str, str | None], ReferenceVersions] = {}


def reference_versions(policy: PolicyData, icd10cm: str | None) -> ReferenceVersions:
    """Shared frozen instances: a handful of (policy, code set) pairs exist."""
    key = (policy.label, icd10cm)
    found = _REFERENCE_VERSIONS.get(key)
    if found is None:
        found = _REFERENCE_VERSIONS[key] = ReferenceVersions(
            icd10cm=icd10cm,
            drug_file=policy.reference_versions["drug_file"],
            ncci=policy.reference_versions.get("ncci", "n/a"),
        )
    return found


def line_decision(result: LineResult) -> LineDecision:
    failed, missing = result.criteria_failed or None, result.criteria_missing or None
    adjustment = result.adjustment
    if adjustment is not None:
        return denied_line(result.line_number, result.decision, adjustment, failed, missing)
    if failed is None and missing is None:
        return _shared_line(result.line_number, result.decision, None)
    return _new_line(result.line_number, result.decision, None, failed, missing)


def denied_line(
    line_number: int,
    decision: str,
    adjustment: Adjustment,
    criteria_failed: list[str] | None = None,
    criteria_missing: list[str] | None = None,
) -> LineDecision:
    """A line with an adjustment (a denial; §8.2)."""
    if criteria_failed is None and criteria_missing is None:
        return _shared_line(line_number, decision, adjustment)
    return _new_line(line_number, decision, adjustment, criteria_failed, criteria_missing)


# Line outcomes without criteria, by (line number, decision, adjustment): they repeat from claim
# to claim (lines 1..n, a few dozen adjustments) and a LineDecision is immutable, so one instance
# serves every record (each record's list is its own; `to_dict` copies the lists inside). The
# adjustment is kept with its entry, so the id in the key cannot be reused while it is cached.
_SHARED_LINES: dict[tuple[int, str, int], tuple[Adjustment | None, LineDecision]] = {}
_SHARED_LINES_LIMIT = 10_000


def _shared_line(line_number: int, decision: str, adjustment: Adjustment | None) -> LineDecision:
    key = (line_number, decision, id(adjustment))
    found = _SHARED_LINES.get(key)
    if found is not None:
        return found[1]
    if len(_SHARED_LINES) >= _SHARED_LINES_LIMIT:  # made-up line numbers
        _SHARED_LINES.clear()
    line = _new_line(line_number, decision, adjustment, None, None)
    _SHARED_LINES[key] = (adjustment, line)
    return line


def _new_line(
    line_number: int,
    decision: str,
    adjustment: Adjustment | None,
    criteria_failed: list[str] | None,
    criteria_missing: list[str] | None,
) -> LineDecision:
    return construct(
        LineDecision,
        {
            "line_number": line_number,
            "decision": decision,
            "group_code": None if adjustment is None else adjustment.group_code,
            "carc": None if adjustment is None else adjustment.carc,
            "rarc": [] if adjustment is None else list(adjustment.rarc),
            "criteria_failed": criteria_failed,
            "criteria_missing": criteria_missing,
        },
    )


# `line_rule_ids` entries by (line number, rule ids), shared like the line decisions above: the
# same rule lists recur on lines 1..n, and building an entry for every line cost the pure engine
# ~4 % per decision (a look-up, ~1 %).
_SHARED_RULES: dict[tuple[int, tuple[str, ...]], LineRules] = {}


def line_rules(line_number: int, rule_ids: list[str]) -> LineRules:
    """The `line_rule_ids` entry of a line these rules decided, in this order."""
    key = (line_number, tuple(rule_ids))
    found = _SHARED_RULES.get(key)
    if found is None:
        if len(_SHARED_RULES) >= _SHARED_LINES_LIMIT:  # made-up line numbers
            _SHARED_RULES.clear()
        found = _SHARED_RULES[key] = construct(
            LineRules, {"line_number": line_number, "rule_ids": list(rule_ids)}
        )
    return found


def pend_block(
    policy: PolicyData, category: str, reasons: set[str], missing: set[str]
) -> PendBlock:
    return construct(
        PendBlock,
        {
            "status_category": category,
            "reasons": sorted(reasons),
            "documentation_missing": sorted(missing),
            "followup": policy.pend_followup[category],
        },
    )


def error_info(error: BaseException) -> ErrorInfo:
    """What went wrong, without the claim's data (the message of our own exceptions)."""
    return ErrorInfo(error_class=type(error).__name__, message=str(error)[:500])
