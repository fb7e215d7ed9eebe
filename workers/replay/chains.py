"""A claim's chain of records (claim-lifecycle.md L.2), followed in publication order (pure).

Replay re-decides each published record from its own `enrichment.snapshot` header: the request
is the claim as the worker held it when it made that record, plus the snapshot. A claim's first
record (and a resubmission) decided the claim of its envelope; every later record re-decided the
stored claim with the documentation received so far merged in (`merge_documentation`, in the
order the records were made), under the policy version of the chain's first record (L.4 item 2).
`Chains` keeps, per claim whose latest record can still be superseded (a pend, or a denial by
the documentation deadline, as the worker's `PendingClaim`), that claim and where its latest
record is, so each record gets its request and its place in the chain.

What a history line carries of it is a `ChainLink`: the trigger (derived from the event that
caused the record, never copied from the record), the version to decide under, and the line and
`decision_id` of the record it supersedes when that record is in the same replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.decision import Trigger
from policy.lifecycle import DEADLINE_TRIGGER, merge_documentation

SUBMITTED: Trigger = "claim_submitted"
DOCUMENTATION: Trigger = "documentation_received"
REVIEW: Trigger = "clinical_review_completed"
# Follow-ups the worker makes from its own state: `input.event_id` is `<trigger>:<superseded>`.
PA_TRIGGER: Trigger = "prior_authorization_updated"
STATE_TRIGGERS: dict[str, Trigger] = {DEADLINE_TRIGGER: DEADLINE_TRIGGER, PA_TRIGGER: PA_TRIGGER}
TRIGGERS: dict[str, Trigger] = {SUBMITTED: SUBMITTED, DOCUMENTATION: DOCUMENTATION, REVIEW: REVIEW}
TRIGGERS.update(STATE_TRIGGERS)

EARLIER_OUT_OF_RANGE = (
    "the claim's earlier records are not in the replayed range (widen --since or the offsets)"
)


@dataclass(frozen=True, slots=True)
class ChainLink:
    """How a line's record is re-decided and where it sits in its claim's chain."""

    trigger: Trigger
    policy_version: str | None = None  # None: the version in force (§1.6), a claim's first
    previous_line: int | None = None  # None: the superseded record is not in this replay
    previous_decision_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "policy_version": self.policy_version,
            "previous_line": self.previous_line,
            "previous_decision_id": self.previous_decision_id,
        }

    @classmethod
    def from_json(cls, data: Any) -> ChainLink | None:
        """The link of a history line; None when the line has none (or an unusable one)."""
        named = data.get("trigger") if isinstance(data, dict) else None
        trigger = TRIGGERS.get(named) if isinstance(named, str) else None
        if trigger is None:
            return None
        previous = data.get("previous_line")
        version = data.get("policy_version")
        decision_id = data.get("previous_decision_id")
        return cls(
            trigger,
            version if isinstance(version, str) else None,
            previous if isinstance(previous, int) and not isinstance(previous, bool) else None,
            decision_id if isinstance(decision_id, str) else None,
        )


@dataclass(slots=True)
class _Open:
    """A claim whose latest record may still be superseded."""

    claim: dict[str, Any]
    line: int
    decision_id: str | None
    policy_version: str | None


class Chains:
    """The open chains of the records seen so far (memory: one entry per pending claim)."""

    def __init__(self) -> None:
        self._open: dict[str, _Open] = {}

    def follow(
        self,
        record: dict[str, Any],
        line: int,
        trigger: Trigger,
        *,
        claim: dict[str, Any] | None = None,
        documentation: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any] | None, ChainLink, str | None]:
        """(the claim the record decided, its link, why it cannot be replayed or None).

        `claim` is the envelope's claim for a submitted claim; `documentation` the facts of a
        documentation event. The chain moves on with the original record whatever the replay
        finds, since the originals are what later records superseded.
        """
        claim_id = record.get("claim_id")
        chain = self._open.get(claim_id) if isinstance(claim_id, str) else None
        problem = None
        if trigger == SUBMITTED:
            version = None
        elif chain is None:
            claim, version, problem = None, None, EARLIER_OUT_OF_RANGE
        else:
            claim, version = chain.claim, chain.policy_version
            if trigger == DOCUMENTATION:
                claim = merge_documentation(claim, documentation or {})
        link = ChainLink(
            trigger,
            version,
            None if chain is None else chain.line,
            None if chain is None else chain.decision_id,
        )
        if isinstance(claim_id, str):
            self._move_on(claim_id, record, line, claim, chain)
        return claim, link, problem

    def forget(self, record: dict[str, Any]) -> None:
        """A record whose cause is unknown: its claim's later records cannot be rebuilt."""
        claim_id = record.get("claim_id")
        if isinstance(claim_id, str):
            self._open.pop(claim_id, None)

    def _move_on(
        self,
        claim_id: str,
        record: dict[str, Any],
        line: int,
        claim: dict[str, Any] | None,
        chain: _Open | None,
    ) -> None:
        supersedable = record.get("decision") == "pend" or (
            record.get("decision") == "deny" and record.get("trigger") == DEADLINE_TRIGGER
        )
        if not supersedable or claim is None:
            self._open.pop(claim_id, None)
            return
        # The version of the chain's first record, a resubmission's too (lifecycle.track).
        first_version = record.get("policy_version") if chain is None else chain.policy_version
        decision_id = record.get("decision_id")
        self._open[claim_id] = _Open(
            claim,
            line,
            decision_id if isinstance(decision_id, str) else None,
            first_version if isinstance(first_version, str) else None,
        )
