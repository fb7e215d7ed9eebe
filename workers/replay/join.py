"""Joining a published decision with the claim envelope it decided, without Kafka (pure).

A decision record carries its claim id, processing date and `input_digest`, but not the claim and
not the enrichment snapshot. The claim comes from the input topic's envelope; the snapshot can
only come from the worker, as the header `enrichment.snapshot` (the context JSON exactly as the
engine saw it). `input.event_id` names the envelope; without it the envelope is found by claim id
and processing date, and among several candidates (a resubmission) the one whose digest with the
snapshot equals `input_digest`, else the latest one before the decision.

A decision whose snapshot or envelope is missing becomes a history line with `problem` set, and
the replay reports it as not replayable: it is never dropped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from models.json_codec import JSONDecodeError, loads
from policy.digest import input_digest

# Headers the worker should add to each decision record (see the replay command's docstring).
SNAPSHOT_HEADER = "enrichment.snapshot"
EVENT_ID_HEADER = "input.event_id"

NO_SNAPSHOT = "no snapshot: the decision record has no enrichment.snapshot header"
NO_ENVELOPE = "no claim envelope in the input topic range for this decision"
BAD_DECISION = "the decision record is not a JSON object"


@dataclass(frozen=True, slots=True)
class Envelope:
    event_id: str | None
    claim_id: Any
    processing_date: Any
    timestamp: int
    claim: Any


@dataclass
class EnvelopeIndex:
    """The envelopes the decisions of the range ask for, by event id and by claim id."""

    by_event: dict[str, Envelope] = field(default_factory=dict)
    by_claim: dict[str, list[Envelope]] = field(default_factory=lambda: defaultdict(list))

    def add(self, envelope: Envelope) -> None:
        if envelope.event_id is not None:
            self.by_event[envelope.event_id] = envelope
        if isinstance(envelope.claim_id, str):
            self.by_claim[envelope.claim_id].append(envelope)


def decode_envelope(value: bytes | None, timestamp: int) -> Envelope | None:
    """The fields the join needs; None for a value that is no envelope (a dead letter)."""
    try:
        data = loads(value or b"")
    except JSONDecodeError:
        return None
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


def join(decision: PublishedDecision, index: EnvelopeIndex) -> dict[str, Any]:
    """The history line (workers/replay/inputs.py format) for one published decision."""
    line: dict[str, Any] = {"request": None, "decision": decision.record, "source": decision.source}
    if decision.record is None:
        line["problem"] = BAD_DECISION
        return line
    envelope = find_envelope(decision, index)
    if envelope is None:
        line["problem"] = NO_ENVELOPE
        return line
    line["request"] = {"claim": envelope.claim, "context": decision.snapshot}
    if decision.snapshot is None:
        line["problem"] = NO_SNAPSHOT
    return line


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
