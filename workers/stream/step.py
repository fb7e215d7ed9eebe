"""One event in, its outcome out: what each hop of the worker does, with no Kafka in it.

The stream runtime (workers/stream/eos/) reads a record, hands it here with the member's state,
sends the outputs, writes the new state and commits the offset, all in one transaction. Nothing
here awaits, sends or reads a clock it was not given, so every path (dead letter, duplicate,
out of scope, history import, internal error) is a unit test with plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from models import json_codec
from models.decision import DecisionRecord
from models.envelope import (
    EnvelopeError,
    Forwarded,
    claim_key,
    decode_envelope,
    member_id_of,
    member_routing_key,
)
from models.request import parse_request
from policy.downstream.fhir_claim_response import claim_response
from policy.downstream.fhir_common import bundle
from policy.downstream.fhir_eob import explanation_of_benefit
from policy.engine import decide_or_pend, internal_error_record
from policy.member_history import MemberState, References, build_context
from workers.stamp import stamp

Headers = list[tuple[str, bytes]]

KIND_HEADER = "kind"
HISTORY_IMPORT = b"history-import"
# The broker truncates nothing, but a header is no place for a novel.
MAX_ERROR_MESSAGE = 500


class Inbound(Protocol):
    """What the step reads of a consumed record (aiokafka's ConsumerRecord has these)."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes | None: ...

    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


class Destination(Enum):
    """Where an output goes; the runtime maps each to a topic of the settings."""

    FORWARD = "by-member"
    DECISION = "decisions"
    FHIR = "fhir"
    DEAD_LETTER = "dlq"


@dataclass(frozen=True)
class Output:
    destination: Destination
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)


@dataclass
class Outcome:
    """What one event produced. `state` is the member's new state (None: unchanged)."""

    outputs: list[Output] = field(default_factory=list)
    state: MemberState | None = None
    record: DecisionRecord | None = None
    dead_letter: EnvelopeError | None = None
    duplicate: bool = False
    imported: bool = False
    internal_error_stage: str | None = None
    occurred_at: float | None = None


def intake(message: Inbound) -> Outcome:
    """Hop 1: a valid envelope is forwarded re-keyed by member (the bytes unchanged), so that a
    member's claims and history meet in one partition; anything else is a dead letter."""
    try:
        envelope = decode_envelope(message.value)
    except EnvelopeError as error:
        return dead_letter(message, error)
    forward = Output(Destination.FORWARD, member_routing_key(envelope), message.value)
    return Outcome(outputs=[forward])


def is_history_import(message: Inbound) -> bool:
    return (KIND_HEADER, HISTORY_IMPORT) in (message.headers or ())


def import_history(message: Inbound, state: MemberState) -> Outcome:
    """Decisions made before the worker existed, published on the by-member topic."""
    imported = json_codec.loads(message.value or b"{}")
    if isinstance(imported, dict):
        state.merge_import(imported)
    return Outcome(state=state, imported=True)


def eligibility_deadline(
    envelope: Forwarded, references: References, grace_seconds: float
) -> tuple[str, float] | None:
    """(member id, epoch seconds) until which a claim waits for its member's eligibility record
    (the claim-before-eligibility race), or None when it need not wait. Counted from the event's
    `occurred_at`, so a backlog or a replay never waits."""
    member_id = member_id_of(envelope.claim)
    if member_id is None or member_id in references.eligibility:
        return None
    return member_id, envelope.occurred_at + grace_seconds


def adjudicate(
    envelope: Forwarded,
    state: MemberState,
    references: References,
    *,
    now: datetime,
    publish_fhir: bool,
) -> Outcome:
    """Hop 2: a claim of the by-member topic to its decision, the member's new state and the
    outputs (`adjudicate_event` of the design)."""
    event_id = envelope.event_id
    if state.seen(event_id):
        return Outcome(duplicate=True)
    claim = envelope.claim
    decided, context, stage = decide(claim, envelope.processing_date, references, state)
    record = stamp(decided, now)
    outcome = Outcome(record=record, internal_error_stage=stage, occurred_at=envelope.occurred_at)
    if record.decision == "ignore":
        # Nothing is published for an out-of-scope claim, so there is nothing to de-duplicate.
        return outcome
    state.mark_seen(event_id)
    state.record(claim, record)
    key = claim_key(claim, event_id)
    outcome.outputs.append(
        Output(
            Destination.DECISION,
            key,
            record.to_json(),
            decision_headers(record, event_id, context),
        )
    )
    if publish_fhir:
        outcome.outputs.append(
            Output(
                Destination.FHIR,
                key,
                fhir_bundle(record, claim, context),
                [("decision", record.decision.encode())],
            )
        )
    outcome.state = state
    return outcome


def decide(
    claim: dict[str, Any], processing_date: str, references: References, state: MemberState
) -> tuple[DecisionRecord, dict[str, Any] | None, str | None]:
    """The engine's record, the snapshot it decided on, and the stage that failed (None when
    nothing did): an enrichment or engine failure is a P2 internal_error pend, never a lost
    or retried-forever claim."""
    context: dict[str, Any] | None = None
    try:
        context = build_context(claim, processing_date, references, state)
        # The envelope was decoded by json_codec (no NaN or Infinity, integers exact), so the
        # digest's fast path holds.
        request = parse_request({"claim": claim, "context": context}, strict_json=True)
    except Exception as error:
        return internal_error_record(claim, processing_date, error, context), context, "enrichment"
    record = decide_or_pend(request)
    return record, context, ("engine" if record.error is not None else None)


def decision_headers(
    record: DecisionRecord, event_id: str, context: dict[str, Any] | None
) -> Headers:
    """`decision` for consumers that filter without decoding; the input event and the
    enrichment snapshot the engine saw, so that an auditor can replay the decision from the
    topics alone (workers/replay/join.py reads them)."""
    headers = [("decision", record.decision.encode()), ("input.event_id", event_id.encode())]
    if context is not None:
        headers.append(("enrichment.snapshot", json_codec.dumps(context)))
    return headers


def fhir_bundle(
    record: DecisionRecord, claim: dict[str, Any], context: dict[str, Any] | None
) -> bytes:
    """The decision as FHIR R4 (ClaimResponse + ExplanationOfBenefit in a collection Bundle),
    rendered from the same record and request as the decision itself."""
    decision = record.to_dict()
    request = {"claim": claim, "context": context}
    return json_codec.dumps(
        bundle([claim_response(decision, request), explanation_of_benefit(decision, request)])
    )


def dead_letter(message: Inbound, error: EnvelopeError) -> Outcome:
    """The original key and value byte for byte, with the contract's six headers."""
    output = Output(
        Destination.DEAD_LETTER,
        message.key,
        message.value,
        dlq_headers(error, message.topic, message.partition, message.offset),
    )
    return Outcome(outputs=[output], dead_letter=error)


def dlq_headers(error: EnvelopeError, topic: str, partition: int, offset: int) -> Headers:
    """The contract's headers, in the contract's order."""
    return [
        ("error.class", error.error_class.encode()),
        ("error.message", str(error)[:MAX_ERROR_MESSAGE].encode()),
        ("error.stage", error.stage.encode()),
        ("source.topic", topic.encode()),
        ("source.partition", str(partition).encode()),
        ("source.offset", str(offset).encode()),
    ]
