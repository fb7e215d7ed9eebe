"""The decision record of policy-spec §8: what the worker publishes and `decide` prints.

The record is data: frozen models built once by the engine (with `models.construct`, the engine
already guarantees the shapes) and serialised in the key order of §8 so that two runs on the same
inputs give byte-identical output apart from `decision_id` and `decided_at`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from models.json_codec import dumps
from models.record_data import finding_dict, line_dict, line_rules_dict, pend_dict, record_dict

Decision = Literal["approve", "deny", "pend", "ignore"]
LineOutcome = Literal["approve", "deny", "pend", "not_reviewed"]
StatusCategory = Literal["F1", "F2", "A6", "A7", "P2", "P3"]
PendReason = Literal[
    "prior_authorization_pending",
    "clinical_review_dose_outlier",
    "documentation_requested",
    "internal_error",
]
# claim-lifecycle.md L.2: why a record was made. A claim's first record is `claim_submitted`;
# every later one re-adjudicates the claim after one of the four follow-ups.
Trigger = Literal[
    "claim_submitted",
    "documentation_received",
    "documentation_deadline",
    "prior_authorization_updated",
    "clinical_review_completed",
]

FINDING_NOTE = (
    "E/I for this indication; not payment-determinative because another pointed indication "
    "is covered"
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReferenceVersions(_Frozen):
    icd10cm: str | None
    drug_file: str
    ncci: str = "n/a"


class PendBlock(_Frozen):
    """§8.4: why the claim waits and what the provider must send."""

    status_category: Literal["P2", "P3"]
    reasons: list[PendReason]
    documentation_missing: list[str]
    followup: str

    def to_dict(self) -> dict[str, Any]:
        return pend_dict(self.__dict__)


class LineDecision(_Frozen):
    """§8.2: one entry per claim line; criteria lists only when not empty."""

    line_number: int
    decision: LineOutcome
    group_code: str | None = None
    carc: str | None = None
    rarc: list[str] = Field(default_factory=list)
    criteria_failed: list[str] | None = None
    criteria_missing: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return line_dict(self.__dict__)


class LineRules(_Frozen):
    """Which rules decided one line (`line_rule_ids`), so that a notice can name them without
    deciding the claim again: a drug line's §8.3 contribution in step order, `ITDD-AGG-01` for
    a 62327 line, the deciding rule of a JW or other line, the gate after a claim-level denial."""

    line_number: int
    rule_ids: list[str]

    def to_dict(self) -> dict[str, Any]:
        return line_rules_dict(self.__dict__)


class InformationalFinding(_Frozen):
    """§8.5: an E/I indication on a line that is paid (or decided) for another indication."""

    line_number: int
    rule: str
    indication_group: str
    agent: str
    note: str = FINDING_NOTE

    def to_dict(self) -> dict[str, Any]:
        return finding_dict(self.__dict__)


class ErrorInfo(_Frozen):
    """Recorded on an `internal_error` pend so the failure can be traced and the claim re-run."""

    error_class: str
    message: str


class DecisionRecord(_Frozen):
    """§8: the published decision. Field order is the serialisation order."""

    decision_id: str | None = None
    claim_id: JsonValue
    policy_version: str
    reference_versions: ReferenceVersions
    processing_date: str | None
    decided_at: str | None = None
    # L.2: the `decision_id` of the claim's record this one replaces (None on its first record).
    supersedes: str | None = None
    trigger: Trigger = "claim_submitted"
    decision: Decision
    partial: bool = False
    claim_status_category: StatusCategory | None
    group_code: str | None = None
    carc: str | None = None
    rarc: list[str] = Field(default_factory=list)
    x12_835_clp02: str | None = None
    rule_ids: list[str]
    pend: PendBlock | None = None
    line_decisions: list[LineDecision] = Field(default_factory=list)
    # Not in §8: one entry per line decision, in the same order. A field of its own rather than
    # a `rule_ids` key inside each `line_decisions[]` entry: §8.2 fixes the fields of a line
    # decision and conformance compares `line_decisions[]` entry by entry (policy-spec App. E,
    # "Fields of expected"), so a key inside an entry would break every conformance check; a
    # top-level field is outside the compared fields. A record published before it has none:
    # read as `[]`.
    line_rule_ids: list[LineRules] = Field(default_factory=list)
    informational_findings: list[InformationalFinding] = Field(default_factory=list)
    trial_result_percent_relief: float | int | None = None
    input_digest: str
    error: ErrorInfo | None = None

    def to_json(self) -> bytes:
        """Compact JSON bytes, an integer beyond 64 bits copied from a claim (a `claim_id` that
        VAL-01 denies, a `line_number`) included."""
        return dumps(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data in §8 key order (criteria lists only when present)."""
        return record_dict(self.__dict__)
