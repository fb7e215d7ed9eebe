"""Joining a published decision with the events it decided, without Kafka (pure).

A decision record carries its claim id, processing date and `input_digest`, but not the claim and
not the enrichment snapshot. The snapshot can only come from the worker, as the header
`enrichment.snapshot` (the context JSON exactly as the engine saw it, the L.1 fields of a
re-adjudication included). `input.event_id` names the event that caused the record, and so its
trigger: a claim envelope of the input topic (`claim_submitted`), a documentation or review
event (their topics), or `<trigger>:<superseded decision_id>` for what the worker decided from
its own state (a prior-authorization update, the documentation deadline). The claim of a
re-adjudication is rebuilt by following the claim's chain (workers/replay/chains.py). Without
`input.event_id` (records older than the header) the envelope is found by claim id and
processing date, and among several candidates (a resubmission) the one whose digest with the
snapshot equals `input_digest`, else the latest one before the decision.

A decision whose snapshot or event is missing becomes a history line with `problem` set, and
the replay reports it as not replayable: it is never dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

from models.decision import Trigger
from models.json_codec import JSONDecodeError, loads
from policy.digest import input_digest
from workers.replay.chains import DOCUMENTATION, REVIEW, STATE_TRIGGERS, SUBMITTED, Chains

# Headers the worker should add to each decision record (see the replay command's docstring).
SNAPSHOT_HEADER = "enrichment.snapshot"
EVENT_ID_HEADER = "input.event_id"

NO_SNAPSHOT = "no snapshot: the decision record has no enrichment.snapshot header"
NO_ENVELOPE = "no event in the input topics' range caused this decision (input.event_id)"
BAD_DECISION = "the decision record is not a JSON object"


@dataclass(frozen=True, slots=True)
class Envelope:
    event_id: str | None
    claim_id: Any
    processing_date: Any
    timestamp: int
    claim: Any


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A documentation or review event, as far as the join needs it (L.3)."""

    event_id: str
    trigger: Trigger
    documentation: dict[str, Any] | None = None


@dataclass
class EnvelopeIndex:
    """The events the decisions of the range ask for: envelopes by event id and by claim id,
    follow-ups by event id."""

    by_event: dict[str, Envelope] = field(default_factory=dict)
    by_claim: dict[str, list[Envelope]] = field(default_factory=lambda: defaultdict(list))
    follow_ups: dict[str, FollowUp] = field(default_factory=dict)

    def add(self, envelope: Envelope) -> None:
        if envelope.event_id is not None:
            self.by_event[envelope.event_id] = envelope
        if isinstance(envelope.claim_id, str):
            self.by_claim[envelope.claim_id].append(envelope)

    def add_follow_up(self, event: FollowUp) -> None:
        self.follow_ups[event.event_id] = event

    def take(
        self,
        value: bytes | None,
        timestamp: int,
        wanted_events: Container[str] | None = None,
        wanted_claims: Container[str] = (),
    ) -> bool:
        """Index an input event (claim envelope or follow-up) when a decision asks for it
        (`wanted_events` None: every one); whether it was kept."""
        try:
            data = loads(value or b"")
        except JSONDecodeError:
            return False
        return self.take_value(data, timestamp, wanted_events, wanted_claims)

    def take_value(
        self,
        data: Any,
        timestamp: int,
        wanted_events: Container[str] | None = None,
        wanted_claims: Container[str] = (),
    ) -> bool:
        """`take` for a decoded value."""
        envelope = envelope_of(data, timestamp)
        if envelope is not None:
            keep = (
                wanted_events is None
                or envelope.event_id in wanted_events
                or envelope.claim_id in wanted_claims
            )
            if keep:
                self.add(envelope)
            return keep
        follow_up = follow_up_of(data)
        if follow_up is None or (
            wanted_events is not None and follow_up.event_id not in wanted_events
        ):
            return False
        self.add_follow_up(follow_up)
        return True


def decode_envelope(value: bytes | None, timestamp: int) -> Envelope | None:
    """The fields the join needs; None for a value that is no envelope (a dead letter)."""
    try:
        data = loads(value or b"")
    except JSONDecodeError:
        return None
    return envelope_of(data, timestamp)


def envelope_of(data: Any, timestamp: int) -> Envelope | None:
    if not isinstance(data, dict) or not isinstance(data.get("claim"), dict):
        return None
    event_id = data.get("event_id")
    return Envelope(
        event_id if isinstance(event_id, str) else None,
        data["claim"].get("claim_id"),
        data.get("processing_date"),
        timestamp,
        data["claim"],
    )


FOLLOW_UP_TYPES: dict[str, Trigger] = {
    "claim.documentation_received": DOCUMENTATION,
    "claim.clinical_review_completed": REVIEW,
}


def follow_up_of(data: Any) -> FollowUp | None:
    """The event id (and documentation) of a follow-up event; None for anything else. Only
    events that caused a decision are ever looked up, so a loose reading is enough."""
    if not isinstance(data, dict) or not isinstance(data.get("event_id"), str):
        return None
    trigger = FOLLOW_UP_TYPES.get(str(data.get("event_type")))
    if trigger is None:
        return None
    documentation = data.get("documentation")
    return FollowUp(
        data["event_id"], trigger, documentation if isinstance(documentation, dict) else None
    )


@dataclass(frozen=True, slots=True)
class PublishedDecision:
    """One record of the decisions topic, decoded as far as the join needs."""

    source: dict[str, Any]
    timestamp: int
    record: dict[str, Any] | None
    snapshot: Any = None
    event_id: str | None = None

    @classmethod
    def from_message(cls, message: Any) -> PublishedDecision:
        """From a consumer record (topic, partition, offset, timestamp, value, headers)."""
        named = dict(message.headers or ())
        try:
            record = loads(message.value or b"")
        except JSONDecodeError:
            record = None
        snapshot = None
        if SNAPSHOT_HEADER in named:
            try:
                snapshot = loads(named[SNAPSHOT_HEADER])
            except JSONDecodeError:
                snapshot = None
        event_id = named.get(EVENT_ID_HEADER)
        return cls(
            {
                "topic": message.topic,
                "partition": message.partition,
                "offset": message.offset,
                "timestamp": message.timestamp,
            },
            message.timestamp,
            record if isinstance(record, dict) else None,
            snapshot,
            event_id.decode("utf-8", "replace") if event_id is not None else None,
        )

    @property
    def claim_id(self) -> Any:
        return None if self.record is None else self.record.get("claim_id")


class Joiner:
    """History lines (workers/replay/inputs.py format) for published decisions given in
    publication order, numbered as the lines of the file they are written to (a link names
    the line of the record it supersedes)."""

    def __init__(self, index: EnvelopeIndex) -> None:
        self.index = index
        self.lines = 0
        self._chains = Chains()

    def join(self, decision: PublishedDecision) -> dict[str, Any]:
        self.lines += 1
        line: dict[str, Any] = {
            "request": None,
            "decision": decision.record,
            "source": decision.source,
        }
        if decision.record is None:
            line["problem"] = BAD_DECISION
            return line
        trigger, envelope, follow_up = self._cause(decision)
        if trigger is None:
            self._chains.forget(decision.record)
            line["problem"] = NO_ENVELOPE
            return line
        claim, link, problem = self._chains.follow(
            decision.record,
            self.lines,
            trigger,
            claim=None if envelope is None else envelope.claim,
            documentation=None if follow_up is None else follow_up.documentation,
        )
        line["chain"] = link.to_json()
        if problem is not None:
            line["problem"] = problem
            return line
        line["request"] = {"claim": claim, "context": decision.snapshot}
        if decision.snapshot is None:
            line["problem"] = NO_SNAPSHOT
        return line

    def unreadable(self, source: dict[str, Any], problem: str) -> dict[str, Any]:
        """The line of something that is no decision (an events file's bad line)."""
        self.lines += 1
        return {"request": None, "decision": None, "source": source, "problem": problem}

    def _cause(
        self, decision: PublishedDecision
    ) -> tuple[Trigger | None, Envelope | None, FollowUp | None]:
        """The trigger the record's event stands for, and the event itself."""
        event_id = decision.event_id
        if event_id is None or event_id in self.index.by_event:
            envelope = find_envelope(decision, self.index)
            return (None if envelope is None else SUBMITTED), envelope, None
        follow_up = self.index.follow_ups.get(event_id)
        if follow_up is not None:
            return follow_up.trigger, None, follow_up
        prefix, _, _ = event_id.partition(":")
        return STATE_TRIGGERS.get(prefix), None, None


def join(decision: PublishedDecision, index: EnvelopeIndex) -> dict[str, Any]:
    """The history line of one decision on its own (no earlier records of its claim)."""
    return Joiner(index).join(decision)


def find_envelope(decision: PublishedDecision, index: EnvelopeIndex) -> Envelope | None:
    if decision.event_id is not None:
        return index.by_event.get(decision.event_id)
    record = decision.record or {}
    claim_id = record.get("claim_id")
    if not isinstance(claim_id, str):
        return None
    candidates = [
        e
        for e in index.by_claim.get(claim_id, [])
        if e.processing_date == record.get("processing_date")
    ]
    if not candidates:
        return None
    if decision.snapshot is not None:
        wanted = record.get("input_digest")
        for envelope in candidates:
            if input_digest(envelope.claim, decision.snapshot) == wanted:
                return envelope
    before = [e for e in candidates if e.timestamp <= decision.timestamp] or candidates
    return max(before, key=lambda e: e.timestamp)
