"""What a rule returns: an outcome value, never an exception or a mutation (§5, §6).

The classes built once or more per decision write their `__init__` by hand (`init=False`):
mypyc compiles a hand-written `__init__`, while the one `dataclass` generates stays interpreted
and was the largest single cost of the compiled engine (setup.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from models.decision import InformationalFinding
from policy.catalog import Adjustment
from policy.tables import PolicyTables


@dataclass(init=False)
class Ignore:
    """SCOPE-01/02/04: the claim is outside the policy; no decision is published."""

    rule_id: str

    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id


@dataclass(init=False)
class GateDenial:
    """A claim-level gate fired: the claim and every line get this denial (§6, last paragraph)."""

    rule_id: str
    adjustment: Adjustment

    def __init__(self, rule_id: str, adjustment: Adjustment) -> None:
        self.rule_id = rule_id
        self.adjustment = adjustment


GateResult = Ignore | GateDenial | None

PendCategory = Literal["P2", "P3"]


LineDecisionKind = Literal["approve", "deny", "pend", "not_reviewed"]


@dataclass(init=False)
class LineResult:
    """The outcome of one line (§5.5) with what it contributes to `rule_ids` (§8.3)."""

    line_number: int
    decision: LineDecisionKind
    adjustment: Adjustment | None
    pend_category: PendCategory | None
    pend_reason: str | None
    rule_ids: list[str]
    criteria_failed: list[str]
    criteria_missing: list[str]
    findings: list[InformationalFinding]

    def __init__(
        self,
        line_number: int,
        decision: LineDecisionKind,
        adjustment: Adjustment | None = None,
        pend_category: PendCategory | None = None,
        rule_ids: list[str] | None = None,
    ) -> None:
        self.line_number = line_number
        self.decision = decision
        self.adjustment = adjustment
        self.pend_category = pend_category
        self.pend_reason = None
        self.rule_ids = [] if rule_ids is None else rule_ids
        self.criteria_failed = []
        self.criteria_missing = []
        self.findings = []


# Gate denials by (version, key): immutable values, built once.
_GATE_DENIALS: dict[tuple[str, str], GateDenial] = {}


def gate_denial(tables: PolicyTables, key: str) -> GateDenial:
    """The denial of a gate; `key` is the rule id, or "rule id/condition" where §5 gives
    several RARCs for one rule (the first condition that holds picks it, §2.6)."""
    cache_key = (tables.label, key)
    found = _GATE_DENIALS.get(cache_key)
    if found is None:
        found = _GATE_DENIALS[cache_key] = GateDenial(
            key.split("/", maxsplit=1)[0], tables.outcomes[key]
        )
    return found
