"""What a rule returns: an outcome value, never an exception or a mutation (§5, §6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from models.decision import InformationalFinding
from policy.catalog import Adjustment, PolicyData


@dataclass(frozen=True, slots=True)
class Ignore:
    """SCOPE-01/02/04: the claim is outside the policy; no decision is published."""

    rule_id: str


@dataclass(frozen=True, slots=True)
class GateDenial:
    """A claim-level gate fired: the claim and every line get this denial (§6, last paragraph)."""

    rule_id: str
    adjustment: Adjustment


GateResult = Ignore | GateDenial | None

PendCategory = Literal["P2", "P3"]


@dataclass(slots=True)
class LineResult:
    """The outcome of one line (§5.5) with what it contributes to `rule_ids` (§8.3)."""

    line_number: int
    decision: Literal["approve", "deny", "pend", "not_reviewed"]
    adjustment: Adjustment | None = None
    pend_category: PendCategory | None = None
    pend_reason: str | None = None
    rule_ids: list[str] = field(default_factory=list)
    criteria_failed: list[str] = field(default_factory=list)
    criteria_missing: list[str] = field(default_factory=list)
    findings: list[InformationalFinding] = field(default_factory=list)


def gate_denial(policy: PolicyData, key: str) -> GateDenial:
    """The denial of a gate; `key` is the rule id, or "rule id/condition" where §5 gives
    several RARCs for one rule (the first condition that holds picks it, §2.6)."""
    return GateDenial(key.split("/", maxsplit=1)[0], policy.outcome(key))
