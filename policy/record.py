"""Building the §8 decision record from rule outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.decision import (
    FOLLOWUP_P2,
    FOLLOWUP_P3,
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
    """`trial_result_percent_relief`: copied for the implant policy when it is a number."""
    value = documentation.trial_result_percent_relief if documentation is not None else None
    return value if is_number(value) and isinstance(value, int | float) else None


@dataclass(frozen=True, slots=True)
class RecordHeader:
    """The fields every record of one decision shares, whatever the outcome."""

    claim_id: Any
    policy: PolicyData
    icd10cm: str | None
    processing_date: str
    relief: float | int | None
    digest: str

    def record(self, **fields: Any) -> DecisionRecord:
        """A record with these outcome fields; the defaults are those of §8.1."""
        values: dict[str, Any] = {
            "decision_id": None,
            "decided_at": None,
            "claim_id": self.claim_id,
            "policy_version": self.policy.label,
            "reference_versions": ReferenceVersions.model_construct(
                icd10cm=self.icd10cm,
                drug_file=self.policy.reference_versions["drug_file"],
                ncci=self.policy.reference_versions.get("ncci", "n/a"),
            ),
            "processing_date": self.processing_date,
            "partial": False,
            "claim_status_category": None,
            "group_code": None,
            "carc": None,
            "rarc": [],
            "x12_835_clp02": None,
            "pend": None,
            "line_decisions": [],
            "informational_findings": [],
            "trial_result_percent_relief": self.relief,
            "input_digest": self.digest,
            "error": None,
        }
        values.update(fields)
        return DecisionRecord.model_construct(**values)

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


def line_decision(result: LineResult) -> LineDecision:
    adjustment = result.adjustment
    return LineDecision.model_construct(
        line_number=result.line_number,
        decision=result.decision,
        group_code=adjustment.group_code if adjustment else None,
        carc=adjustment.carc if adjustment else None,
        rarc=list(adjustment.rarc) if adjustment else [],
        criteria_failed=result.criteria_failed or None,
        criteria_missing=result.criteria_missing or None,
    )


def pend_block(category: str, reasons: set[str], missing: set[str]) -> PendBlock:
    return PendBlock.model_construct(
        status_category=category,
        reasons=sorted(reasons),
        documentation_missing=sorted(missing),
        followup=FOLLOWUP_P3 if category == "P3" else FOLLOWUP_P2,
    )


def error_info(error: BaseException) -> ErrorInfo:
    """What went wrong, without the claim's data (the message of our own exceptions)."""
    return ErrorInfo.model_construct(error_class=type(error).__name__, message=str(error)[:500])
