"""A member's own decided history, and the enrichment snapshot (§E.2) built from it.

The state behind FREQ-01, DUP-01 and event de-duplication, one value per member (key of the
worker's by-member topic), updated in the same Kafka transaction as the decision it records, so
the next claim of the member always sees it:

- `history`: one item per drug line (JW excluded) of the member's decided ITDD claims, in the
  §E.2 shape, replaced as a whole when the same claim is decided again (a pend, then the
  approval after records arrived);
- `adjudicated`: ids of claims with a published approve or deny (§3, DUP-01);
- `events`: the last event ids decided for the member, so a redelivered or re-sent event is
  not decided twice (an event always lands on its member's partition);
- `pending`: per claim id, what is kept of a pended claim until a follow-up finalizes it
  (policy/lifecycle.py, claim-lifecycle.md L.4 item 1);
- `parked`: events waiting for the member's eligibility record, in arrival order (the
  claim-before-eligibility race: workers/stream/step/member.py), so no other member waits with them.

Which drug lines count as history and what a snapshot holds are policy knowledge, so they live
here; pure functions over plain data, the stream worker does the I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from models import json_codec
from models.decision import DecisionRecord
from models.envelope import member_id_of
from models.values import iso_date
from policy.catalog import load_policy, normalise_version
from policy.lifecycle import PendingClaim

# Enough to recognise any realistic redelivery or re-send; a member has few claims.
MAX_EVENT_IDS = 1000
DUP_RULE = "ITDD-DUP-01"
ELIGIBILITY_FIELDS = ("coverage_start", "coverage_end", "plan_exclusions")


class References(Protocol):
    """Reference data a snapshot reads: eligibility by member id, prior auths by number."""

    @property
    def eligibility(self) -> Mapping[str, dict[str, Any]]: ...

    @property
    def prior_auths(self) -> Mapping[str, dict[str, Any]]: ...


@dataclass
class MemberState:
    history: list[dict[str, Any]] = field(default_factory=list)
    adjudicated: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    pending: dict[str, PendingClaim] = field(default_factory=dict)
    parked: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def decode(cls, value: bytes | None) -> MemberState:
        if not value:
            return cls()
        data = json_codec.loads(value)
        return cls(
            history=list(data.get("history", ())),
            adjudicated=list(data.get("adjudicated", ())),
            events=list(data.get("events", ())),
            pending={
                claim_id: PendingClaim.from_json(kept)
                for claim_id, kept in (data.get("pending") or {}).items()
            },
            parked=list(data.get("parked", ())),
        )

    def encode(self) -> bytes:
        data: dict[str, Any] = {
            "history": self.history,
            "adjudicated": self.adjudicated,
            "events": self.events,
        }
        # Written only when there is something, so a member without a lifecycle keeps the
        # state bytes of earlier versions.
        if self.pending:
            data["pending"] = {claim_id: kept.to_json() for claim_id, kept in self.pending.items()}
        if self.parked:
            data["parked"] = self.parked
        return json_codec.dumps(data)

    @property
    def waiting(self) -> bool:
        """Something of this member waits for a follow-up, a date or its eligibility."""
        return bool(self.pending or self.parked)

    def seen(self, event_id: str) -> bool:
        return event_id in self.events

    def mark_seen(self, event_id: str) -> None:
        self.events.append(event_id)
        del self.events[:-MAX_EVENT_IDS]

    def snapshot_for(self, claim_id: object) -> tuple[list[dict[str, Any]], list[str]]:
        """(claims_history, adjudicated_claim_ids) for a claim's enrichment snapshot.

        The claim's own earlier items are left out of the history (§8.6: a claim is never an
        earlier trial of itself); its id stays in the adjudicated ids, so a re-submission of
        an approved or denied claim is DUP-01.
        """
        history = [item for item in self.history if item.get("claim_id") != claim_id]
        return history, list(self.adjudicated)

    def record(self, claim: dict[str, Any], record: DecisionRecord) -> bool:
        """Add a published decision; False when it adds nothing (DUP-01, internal error)."""
        if record.decision == "ignore" or record.error is not None:
            return False
        if DUP_RULE in record.rule_ids:
            return False  # the claim's first decision stays the one on record
        claim_id = record.claim_id
        if not isinstance(claim_id, str):
            return False
        items = history_items(claim, record)
        self.history = [item for item in self.history if item.get("claim_id") != claim_id]
        self.history.extend(items)
        if record.decision in ("approve", "deny") and claim_id not in self.adjudicated:
            self.adjudicated.append(claim_id)
        return True

    def merge_import(self, imported: dict[str, Any]) -> None:
        """Load decisions made before the worker existed (a history-import record)."""
        for item in imported.get("claims_history") or ():
            if isinstance(item, dict) and item not in self.history:
                self.history.append(item)
        for claim_id in imported.get("adjudicated_claim_ids") or ():
            if isinstance(claim_id, str) and claim_id not in self.adjudicated:
                self.adjudicated.append(claim_id)


def history_items(claim: dict[str, Any], record: DecisionRecord) -> list[dict[str, Any]]:
    """§E.2 items for the drug lines of a decided claim: DOS, agent name and line decision."""
    agents = load_policy(normalise_version(record.policy_version)).drugs.hcpcs
    outcome = {line.line_number: line.decision for line in record.line_decisions}
    items: list[dict[str, Any]] = []
    lines = claim.get("lines")
    for line in sorted(
        (line for line in lines or () if isinstance(line, dict)),
        key=lambda line: line.get("line_number") or 0,
    ):
        modifiers = line.get("modifiers")
        if not isinstance(line.get("drug"), dict):
            continue
        if isinstance(modifiers, list) and "JW" in modifiers:
            continue
        code = line.get("procedure_code")
        hcpcs = agents.get(code) if isinstance(code, str) else None
        number = line.get("line_number")
        decision = outcome.get(number) if isinstance(number, int) else None
        service_date = line.get("service_date")
        if hcpcs is None or decision not in ("approve", "deny", "pend"):
            continue
        if iso_date(service_date) is None:
            continue
        items.append(
            {
                "claim_id": record.claim_id,
                "service_date": service_date,
                "procedure_code": "62327",
                "agent": hcpcs.agent,
                "decision": decision,
            }
        )
    return items


def eligibility_snapshot(record: dict[str, Any] | None) -> dict[str, Any]:
    """§E.2 eligibility: a record on the topic means found (unless it says `found: false`)."""
    if record is None:
        return {"found": False}
    snapshot: dict[str, Any] = {"found": record.get("found", True)}
    for name in ELIGIBILITY_FIELDS:
        if name in record:
            snapshot[name] = record[name]
    return snapshot


def build_context(
    claim: dict[str, Any], processing_date: str, refs: References, state: MemberState
) -> dict[str, Any]:
    """The snapshot handed to the engine with the claim."""
    member_id = member_id_of(claim)
    documentation = claim.get("documentation")
    pa_number = documentation.get("prior_auth_number") if isinstance(documentation, dict) else None
    # §5.6: only the PA the claim names is looked up; the engine checks it is the member's.
    pa = refs.prior_auths.get(pa_number) if isinstance(pa_number, str) else None
    history, adjudicated = state.snapshot_for(claim.get("claim_id"))
    return {
        "processing_date": processing_date,
        "eligibility": eligibility_snapshot(
            refs.eligibility.get(member_id) if member_id is not None else None
        ),
        "prior_authorizations": [pa] if pa is not None else [],
        "claims_history": history,
        "adjudicated_claim_ids": adjudicated,
    }
