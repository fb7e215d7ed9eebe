"""Building the §8 decision record from rule outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.construct import construct
from models.decision import (
    DecisionRecord,
    ErrorInfo,
    LineDecision,
    PendBlock,
    ReferenceVersions,
)
from models.request import Documentation
from models.values import is_number
from policy.catalog import Adjustment, PolicyData
from policy.rules.outcome import LineResult


def relief(documentation: Documentation | None) -> float | int | None:
    """`trial_result_percent_relief`: copied for the implant policy when it is a number.

    Choice: §8.1 does not restrict it by outcome, so gate denials and `ignore` records carry it
    too (it describes the documentation, not the decision).
    """
    value = documentation.trial_result_percent_relief if documentation is not None else None
    return value if is_number(value) and isinstance(value, int | float) else None


@dataclass(init=False)  # a hand-written __init__ is compiled (policy/rules/outcome.py)
class RecordHeader:
    """The fields every record of one decision shares, whatever the outcome."""

    claim_id: Any
    policy: PolicyData
    icd10cm: str | None
    processing_date: str
    relief: float | int | None
    digest: str

    def __init__(
        self,
        *,
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

    def record(self, **fields: Any) -> DecisionRecord:
        """A record with these outcome fields; the defaults are those of §8.1."""
        values: dict[str, Any] = {
            "decision_id": None,
            "claim_id": self.claim_id,
            "policy_version": self.policy.label,
            "reference_versions": reference_versions(self.policy, self.icd10cm),
            "processing_date": self.processing_date,
            "decided_at": None,
            "decision": None,
            "partial": False,
            "claim_status_category": None,
            "group_code": None,
            "carc": None,
            "rarc": [],
            "x12_835_clp02": None,
            "rule_ids": [],
            "pend": None,
            "line_decisions": [],
            "informational_findings": [],
            "trial_result_percent_relief": self.relief,
            "input_digest": self.digest,
            "error": None,
        }
        values.update(fields)
        return construct(DecisionRecord, values)

    def ignore(self, rule_id: str) -> DecisionRecord:
        return self.record(decision="ignore", rule_ids=[rule_id])

    def denial(
        self, rule_ids: list[str], adjustment: Adjustment, clp02: str, **fields: Any
    ) -> DecisionRecord:
        return self.record(
            decision="deny",
            claim_status_category=adjustment.category,
            group_code=adjustment.group_code,
            carc=adjustment.carc,
            rarc=list(adjustment.rarc),
            x12_835_clp02=clp02,
            rule_ids=rule_ids,
            **fields,
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
    adjustment = result.adjustment
    return construct(
        LineDecision,
        {
            "line_number": result.line_number,
            "decision": result.decision,
            "group_code": adjustment.group_code if adjustment else None,
            "carc": adjustment.carc if adjustment else None,
            "rarc": list(adjustment.rarc) if adjustment else [],
            "criteria_failed": result.criteria_failed or None,
            "criteria_missing": result.criteria_missing or None,
        },
    )


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
