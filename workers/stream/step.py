"""One event in, its outcome out: what each hop of the worker does, with no Kafka in it.

The stream runtime (workers/stream/runtime/) reads a message, hands it here with the member's
state, sends the outputs, writes the new state and commits the offset, all in one transaction.
Nothing here awaits, sends or reads a clock it was not given, so every path (dead letter,
duplicate, out of scope, history import, internal error, every lifecycle trigger and rejection,
an event parked for its member's eligibility) is a unit test with plain values.

Hop 1 (`intake`, `intake_follow_up`, `intake_calendar`) validates what arrives from outside and
forwards it re-keyed by member; hop 2 (`by_member`) decides with the member's state; `release`
and `reconcile` act on what waits in a member's state when time passes or a reference table
changes (a parked claim's eligibility, a prior authorization, the business date).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from models import json_codec
from models.decision import DecisionRecord, Trigger
from models.envelope import (
    DocumentationReceived,
    EnvelopeError,
    Forwarded,
    ReviewCompleted,
    claim_key,
    decode_business_date,
    decode_documentation,
    decode_envelope,
    decode_forwarded,
    decode_review,
    follow_up_routing_key,
    member_id_of,
    member_routing_key,
)
from models.request import parse_request
from policy import lifecycle
from policy.downstream.fhir_claim_response import claim_response
from policy.downstream.fhir_common import bundle
from policy.downstream.fhir_eob import explanation_of_benefit
from policy.downstream.notice import AUDIENCES, PlanConfig, build_notice
from policy.downstream.notice.writers import write_html, write_text
from policy.engine import decide_or_pend, internal_error_record
from policy.lifecycle import PendingClaim
from policy.member_history import MemberState, References, build_context
from workers.stamp import stamp

Headers = list[tuple[str, bytes]]

KIND_HEADER = "kind"
HISTORY_IMPORT = b"history-import"
DOCUMENTATION = b"documentation"
REVIEW = b"review"
# Hop 1 carries where an event came from, so that a dead letter of hop 2 names the original key
# and the coordinates of the topic it arrived on, never the internal topic or a member key.
ORIGIN_HEADER = "origin"
ORIGIN_KEY_HEADER = "origin.key"
# The broker truncates nothing, but a header is no place for a novel.
MAX_ERROR_MESSAGE = 500
# What a record costs the broker beyond its key, value and headers (batch and record framing).
RECORD_OVERHEAD = 256
LIFECYCLE_STAGE = "lifecycle"


class Inbound(Protocol):
    """What the step reads of a consumed message (aiokafka's ConsumerRecord has these)."""

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
    NOTICE = "notices"
    DEAD_LETTER = "dlq"


@dataclass(frozen=True)
class Output:
    destination: Destination
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)

    @property
    def size(self) -> int:
        """The bytes the broker counts against the topic's `max.message.bytes` (at most)."""
        headers = sum(len(name) + len(value) for name, value in self.headers)
        return len(self.key or b"") + len(self.value or b"") + headers + RECORD_OVERHEAD


@dataclass
class Outcome:
    """What one event (or one release or reconcile of a member) produced. `state` is the
    member's new state (None: unchanged)."""

    outputs: list[Output] = field(default_factory=list)
    state: MemberState | None = None
    records: list[DecisionRecord] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)  # of the re-adjudications
    dead_letter: EnvelopeError | None = None
    duplicate: bool = False
    imported: bool = False
    parked: bool = False
    internal_error_stage: str | None = None
    occurred_at: float | None = None
    event_date: str | None = None  # the decided event's processing_date (a business date seen)
    finished_days: list[int] = field(default_factory=list)  # business days to a final record

    @property
    def record(self) -> DecisionRecord | None:
        """The last record made (the one that stands for its claim)."""
        return self.records[-1] if self.records else None

    def extend(self, other: Outcome) -> None:
        self.outputs.extend(other.outputs)
        self.records.extend(other.records)
        self.triggers.extend(other.triggers)
        self.finished_days.extend(other.finished_days)
        self.internal_error_stage = other.internal_error_stage or self.internal_error_stage
        self.event_date = other.event_date or self.event_date
        self.dead_letter = other.dead_letter or self.dead_letter
        self.duplicate = self.duplicate or other.duplicate
        self.parked = self.parked or other.parked


@dataclass(frozen=True)
class Tables:
    """What hop 2 reads besides the member's state: the reference tables, the latest business
    date known (the calendar's, or a later event date of the partition), the moment that
    stamps records, and where outputs go (their size limits, learnt from the broker)."""

    references: References
    now: datetime
    business_date: str | None = None
    publish_fhir: bool = False
    # The plan's configuration for member notices; None: no notices are published.
    notice_plan: PlanConfig | None = None
    limits: Mapping[Destination, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Origin:
    """The original key and coordinates of an event, for its dead letter."""

    key: bytes | None
    topic: str
    partition: int
    offset: int

    @classmethod
    def of(cls, message: Inbound) -> Origin:
        """Where the message came from: the origin headers hop 1 wrote, else the message."""
        headers = dict(message.headers or ())
        origin = headers.get(ORIGIN_HEADER)
        if origin is not None:
            topic, partition, offset = origin.decode().rsplit(":", 2)
            return cls(headers.get(ORIGIN_KEY_HEADER), topic, int(partition), int(offset))
        return cls(message.key, message.topic, message.partition, message.offset)

    def headers(self) -> Headers:
        where = f"{self.topic}:{self.partition}:{self.offset}".encode()
        headers = [(ORIGIN_HEADER, where)]
        if self.key is not None:
            headers.append((ORIGIN_KEY_HEADER, self.key))
        return headers

    def to_json(self) -> list[Any]:
        key = self.key.decode("utf-8", "replace") if self.key is not None else None
        return [key, self.topic, self.partition, self.offset]

    @classmethod
    def from_json(cls, data: list[Any]) -> Origin:
        key, topic, partition, offset = data
        return cls(key.encode() if key is not None else None, topic, partition, offset)


# -- hop 1 ------------------------------------------------------------------------------------


def intake(message: Inbound, limit: int | None = None) -> Outcome:
    """A valid claim envelope is forwarded re-keyed by member (the bytes unchanged), so that a
    member's claims, follow-ups and history meet in one partition; anything else is a dead
    letter."""
    try:
        envelope = decode_envelope(message.value)
    except EnvelopeError as error:
        return dead_letter(Origin.of(message), message.value, error)
    return _forward(message, member_routing_key(envelope), [], limit)


def intake_follow_up(
    message: Inbound,
    decode: Callable[[bytes | None], DocumentationReceived | ReviewCompleted],
    limit: int | None = None,
) -> Outcome:
    """Records received or a review determination: forwarded to the member's partition, where
    the pended claim is kept."""
    try:
        event = decode(message.value)
    except EnvelopeError as error:
        return dead_letter(Origin.of(message), message.value, error)
    kind = DOCUMENTATION if isinstance(event, DocumentationReceived) else REVIEW
    return _forward(message, follow_up_routing_key(event), [(KIND_HEADER, kind)], limit)


def intake_calendar(message: Inbound) -> Outcome:
    """A business date: validated here (a bad one is a dead letter, once, by the worker that owns
    the calendar partition); every worker's reference tables apply the good ones."""
    try:
        decode_business_date(message.value)
    except EnvelopeError as error:
        return dead_letter(Origin.of(message), message.value, error)
    return Outcome()


def _forward(message: Inbound, key: bytes, headers: Headers, limit: int | None) -> Outcome:
    """The event re-keyed, or a dead letter when the internal topic could not take it (a topic
    created before its headroom: a send that would fail forever)."""
    origin = Origin.of(message)
    output = Output(Destination.FORWARD, key, message.value, headers + origin.headers())
    if limit is not None and output.size > limit:
        error = EnvelopeError(
            "RecordTooLarge",
            "envelope",
            f"message of {output.size} bytes does not fit the by-member topic ({limit} bytes)",
        )
        return dead_letter(origin, message.value, error)
    return Outcome(outputs=[output])


# -- hop 2 ------------------------------------------------------------------------------------


def is_history_import(message: Inbound) -> bool:
    return (KIND_HEADER, HISTORY_IMPORT) in (message.headers or ())


def import_history(message: Inbound, state: MemberState) -> Outcome:
    """Decisions made before the worker existed, published on the by-member topic."""
    imported = json_codec.loads(message.value or b"{}")
    if isinstance(imported, dict):
        state.merge_import(imported)
    return Outcome(state=state, imported=True)


def by_member(
    message: Inbound, state: MemberState, tables: Tables, *, clock: float, grace_seconds: float
) -> Outcome:
    """Hop 2: one message of the by-member topic. A claim whose member has no eligibility record
    yet is parked in the member's state (and so is everything of that member behind it) until
    the record arrives or the grace is over (`release`); nothing else waits with it."""
    if is_history_import(message):
        return import_history(message, state)
    if state.parked:
        state.parked.append(_park_entry(message, clock))
        return Outcome(state=state, parked=True)
    try:
        event = _decode_by_member(message)
    except EnvelopeError as error:
        return dead_letter(Origin.of(message), message.value, error)
    if isinstance(event, Forwarded) and _waits_for_eligibility(event, tables):
        # The grace counts from when the worker first read the claim (or from `occurred_at`
        # when that is earlier: a backlog never waits), never from a sender's future clock.
        until = min(clock, event.occurred_at) + grace_seconds
        if until > clock:
            state.parked.append({**_park_entry(message, clock), "until": until})
            return Outcome(state=state, parked=True)
    return _handle(event, Origin.of(message), message.value, state, tables)


def release(state: MemberState, tables: Tables, *, clock: float) -> Outcome | None:
    """The member's parked events, in order, from the first whose wait is over; None when the
    first still waits."""
    outcome: Outcome | None = None
    while state.parked:
        head = state.parked[0]
        value = head["value"].encode()
        origin = Origin.from_json(head["origin"])
        try:
            event = _decode_kind(head["kind"].encode(), value)
        except EnvelopeError as error:  # validated by hop 1: only a corrupt state gets here
            step = dead_letter(origin, value, error)
        else:
            waiting = isinstance(event, Forwarded) and _waits_for_eligibility(event, tables)
            if waiting and head.get("until", 0.0) > clock:
                break
            step = _handle(event, origin, value, state, tables)
        state.parked.pop(0)
        if outcome is None:
            outcome = Outcome(state=state)
        outcome.extend(step)
    return outcome


def _park_entry(message: Inbound, clock: float) -> dict[str, Any]:
    headers = dict(message.headers or ())
    return {
        "kind": headers.get(KIND_HEADER, b"claim").decode(),
        "value": (message.value or b"").decode("utf-8", "replace"),
        "origin": Origin.of(message).to_json(),
        "read_at": clock,
    }


def _decode_by_member(message: Inbound) -> Forwarded | DocumentationReceived | ReviewCompleted:
    headers = dict(message.headers or ())
    return _decode_kind(headers.get(KIND_HEADER, b"claim"), message.value)


def _decode_kind(
    kind: bytes, value: bytes | None
) -> Forwarded | DocumentationReceived | ReviewCompleted:
    if kind == DOCUMENTATION:
        return decode_documentation(value)
    if kind == REVIEW:
        return decode_review(value)
    return decode_forwarded(value)


def _waits_for_eligibility(envelope: Forwarded, tables: Tables) -> bool:
    member_id = member_id_of(envelope.claim)
    return member_id is not None and member_id not in tables.references.eligibility


def _handle(
    event: Forwarded | DocumentationReceived | ReviewCompleted,
    origin: Origin,
    value: bytes | None,
    state: MemberState,
    tables: Tables,
) -> Outcome:
    if isinstance(event, Forwarded):
        outcome = adjudicate(event, state, tables)
    else:
        outcome = follow_up(event, origin, value, state, tables)
    outcome.event_date = event.processing_date
    return outcome


def adjudicate(envelope: Forwarded, state: MemberState, tables: Tables) -> Outcome:
    """A submitted claim to its decision, the member's new state and the outputs
    (`adjudicate_event` of the design)."""
    event_id = envelope.event_id
    if state.seen(event_id):
        return Outcome(duplicate=True)
    claim = envelope.claim
    decided, context, stage = decide(claim, envelope.processing_date, tables.references, state)
    claim_id = claim.get("claim_id")
    previous = state.pending.get(claim_id) if isinstance(claim_id, str) else None
    if previous is not None:
        # A re-submission of a pended claim replaces its pend: the record says which one.
        decided = decided.model_copy(update={"supersedes": previous.decision_id})
    outcome = Outcome(internal_error_stage=stage, occurred_at=envelope.occurred_at)
    if decided.decision == "ignore":
        # Nothing is published for an out-of-scope claim, so there is nothing to de-duplicate.
        outcome.records.append(decided)
        return outcome
    state.mark_seen(event_id)
    outcome.extend(
        _publish(
            decided,
            claim,
            context,
            event_id=event_id,
            state=state,
            tables=tables,
            previous=previous,
        )
    )
    # A pend for records whose deadline the known business date already passed is finalized
    # now: the sweep reconciles only when the date moves (L.4 item 2; item 5: the same last
    # record whether the calendar came before or after the claim).
    kept = state.pending.get(claim_id) if isinstance(claim_id, str) else None
    if kept is not None and tables.business_date and kept.overdue(tables.business_date):
        outcome.extend(_readjudicate(kept, state, tables, tables.business_date))
    outcome.state = state
    return outcome


def follow_up(
    event: DocumentationReceived | ReviewCompleted,
    origin: Origin,
    value: bytes | None,
    state: MemberState,
    tables: Tables,
) -> Outcome:
    """Records received or a review completed (L.4): the pended claim re-decided, or a dead
    letter when the event does not apply. An event dated past the claim's documentation
    deadline first finalizes the claim; records dated after the deadline never revive it."""
    if state.seen(event.event_id):
        return Outcome(duplicate=True)
    outcome = Outcome(state=state, occurred_at=event.occurred_at)
    pending = state.pending.get(event.claim_id)
    if pending is not None and pending.overdue(event.processing_date):
        outcome.extend(_readjudicate(pending, state, tables, event.processing_date))
        pending = state.pending.get(event.claim_id)
    if isinstance(event, ReviewCompleted):
        rejection = lifecycle.review_rejection(pending)
        if rejection is not None:
            return _rejected(outcome, origin, value, rejection)
        assert pending is not None
        pending.clinical_reviews = lifecycle.merge_reviews(
            pending.clinical_reviews, event.reviews, event.processing_date
        )
        trigger: Trigger = "clinical_review_completed"
    else:
        if not lifecycle.documentation_applies(pending, event.processing_date):
            return _rejected(outcome, origin, value, "ClaimNotPending")
        assert pending is not None
        pending.claim = lifecycle.merge_documentation(pending.claim, event.documentation)
        trigger = "documentation_received"
    state.mark_seen(event.event_id)
    outcome.extend(
        _readjudicate(pending, state, tables, event.processing_date, trigger, event=event)
    )
    return outcome


def reconcile(
    state: MemberState, tables: Tables, changed_pas: Container[str] | None = None
) -> Outcome | None:
    """What the tables and the business date now settle for the member's pended claims: a
    prior authorization that differs from the one a claim was decided with
    (`prior_authorization_updated`, only for numbers in `changed_pas`; None: every number,
    as when a partition is opened), a documentation deadline the business date passed
    (`documentation_deadline`). None when nothing changed. Fires at most once per change:
    the re-decided claim keeps the PA it saw and is no longer a pend for records."""
    outcome: Outcome | None = None
    business_date = tables.business_date
    for pending in list(state.pending.values()):
        step: Outcome | None = None
        if business_date is not None and pending.overdue(business_date):
            step = _readjudicate(pending, state, tables, business_date)
        elif pending.waits_on_pa() and _pa_changed(pending, tables, changed_pas):
            date = max(pending.processing_date, business_date or "")
            step = _readjudicate(pending, state, tables, date, "prior_authorization_updated")
        if step is not None:
            if outcome is None:
                outcome = Outcome(state=state)
            outcome.extend(step)
    return outcome


def _pa_changed(pending: PendingClaim, tables: Tables, changed_pas: Container[str] | None) -> bool:
    number = pending.pa_number
    if number is None or (changed_pas is not None and number not in changed_pas):
        return False
    return tables.references.prior_auths.get(number) != pending.prior_authorization


def _readjudicate(
    pending: PendingClaim,
    state: MemberState,
    tables: Tables,
    processing_date: str,
    trigger: Trigger = lifecycle.DEADLINE_TRIGGER,
    *,
    event: DocumentationReceived | ReviewCompleted | None = None,
) -> Outcome:
    """The stored request decided again (L.4 item 2) and published."""
    context: dict[str, Any] | None = None
    try:
        context = lifecycle.lifecycle_context(
            build_context(pending.claim, processing_date, tables.references, state), pending
        )
    except Exception as error:  # noqa: BLE001 - a failed enrichment is a P2 pend, never lost
        record = internal_error_record(pending.claim, processing_date, error, context)
        record = record.model_copy(update={"supersedes": pending.decision_id, "trigger": trigger})
        stage: str | None = "enrichment"
    else:
        record = lifecycle.readjudicate(pending, context, trigger)
        stage = "engine" if record.error is not None else None
    event_id = event.event_id if event is not None else f"{trigger}:{pending.decision_id}"
    outcome = _publish(
        record,
        pending.claim,
        context,
        event_id=event_id,
        state=state,
        tables=tables,
        previous=pending,
    )
    outcome.internal_error_stage = stage or outcome.internal_error_stage
    outcome.triggers.append(trigger)
    return outcome


def _publish(
    decided: DecisionRecord,
    claim: dict[str, Any],
    context: dict[str, Any] | None,
    *,
    event_id: str,
    state: MemberState,
    tables: Tables,
    previous: PendingClaim | None,
) -> Outcome:
    """The record stamped, sized and sent; the member's history and pended claims updated."""
    record = stamp(decided, tables.now)
    key = claim_key(claim, event_id)
    output = Output(
        Destination.DECISION, key, record.to_json(), decision_headers(record, event_id, context)
    )
    limit = tables.limits.get(Destination.DECISION)
    too_large = limit is not None and output.size > limit
    if too_large:
        record, output = _too_large(record, claim, context, output, tables)
    outcome = Outcome(
        records=[record], outputs=[output], internal_error_stage="publish" if too_large else None
    )
    state.record(claim, record)
    claim_id = record.claim_id
    if isinstance(claim_id, str):
        kept = lifecycle.track(previous, claim, record, context) if record.error is None else None
        if kept is not None:
            state.pending[claim_id] = kept
        else:
            state.pending.pop(claim_id, None)
        # A deadline denial is final too, though kept (L.4 item 3); an internal error is not.
        if previous is not None and previous.is_pending and record.decision != "pend":
            days = lifecycle.business_days_between(
                previous.first_processing_date, record.processing_date or ""
            )
            outcome.finished_days.extend([] if days is None else [days])
    if tables.publish_fhir:
        fhir = Output(
            Destination.FHIR,
            key,
            fhir_bundle(record, claim, context),
            [("decision", record.decision.encode())],
        )
        fhir_limit = tables.limits.get(Destination.FHIR)
        # The decision is what the contract promises; a FHIR copy too big for its topic is left
        # out (the decision record says everything it would).
        if fhir_limit is None or fhir.size <= fhir_limit:
            outcome.outputs.append(fhir)
    if tables.notice_plan is not None:
        outcome.outputs.extend(notice_outputs(record, claim, context, key, tables))
    return outcome


def notice_outputs(
    record: DecisionRecord,
    claim: dict[str, Any],
    context: dict[str, Any] | None,
    key: bytes,
    tables: Tables,
) -> list[Output]:
    """The decision's notices, one record per audience ({"text", "html"}), for the systems that
    mail members and serve providers. A notice too big for its topic is left out, as FHIR is."""
    decision, request = record.to_dict(), {"claim": claim, "context": context or {}}
    limit = tables.limits.get(Destination.NOTICE)
    outputs = []
    for audience in AUDIENCES:
        notice = build_notice(decision, request, audience, tables.notice_plan)
        value = json_codec.dumps({"text": write_text(notice), "html": write_html(notice)})
        headers = [("audience", audience.encode()), ("decision", record.decision.encode())]
        output = Output(Destination.NOTICE, key, value, headers)
        if limit is None or output.size <= limit:
            outputs.append(output)
    return outputs


class RecordTooLarge(Exception):
    """A decision record larger than the decision topic accepts."""


def _too_large(
    record: DecisionRecord,
    claim: dict[str, Any],
    context: dict[str, Any] | None,
    output: Output,
    tables: Tables,
) -> tuple[DecisionRecord, Output]:
    """A record that can never fit is replaced by a small P2 `internal_error` pend naming the
    sizes, so the claim is decided, visible and can be re-run, never lost in a failed send.

    Choice: a pend rather than a dead letter at hop 1. The envelope is valid and the contract
    reads a failure to produce a claim's decision as an internal error; a real claim never gets
    here (an 837P carries at most 50 service lines, an 837I 999: far below the limit). The
    snapshot header is left out: it is what makes such a record big.
    """
    limit = tables.limits[Destination.DECISION]
    error = RecordTooLarge(
        f"decision record of {output.size} bytes is larger than the {limit} bytes its topic accepts"
    )
    small = internal_error_record(claim, record.processing_date, error, context)
    small = stamp(
        small.model_copy(update={"supersedes": record.supersedes, "trigger": record.trigger}),
        tables.now,
    )
    # The input event's id stays; the snapshot header, what makes such a record big, goes.
    headers = [(name, value) for name, value in output.headers if name != "enrichment.snapshot"]
    headers[0] = ("decision", small.decision.encode())
    return small, Output(Destination.DECISION, output.key, small.to_json(), headers)


REJECTIONS = {
    "ClaimNotPending": "claim_id: no pended claim of the member has this id",
    "ReviewNotRequested": "claim_id: the claim does not pend for clinical review",
}


def _rejected(outcome: Outcome, origin: Origin, value: bytes | None, rejection: str) -> Outcome:
    """An event that does not apply (L.4 item 3): no decision, a dead letter. A deadline
    denial the event's date caused just before is kept (it stands on its own)."""
    error = EnvelopeError(rejection, LIFECYCLE_STAGE, REJECTIONS[rejection])
    outcome.extend(dead_letter(origin, value, error))
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
    except Exception as error:  # noqa: BLE001 - a failed enrichment is a P2 pend, never lost
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


def dead_letter(origin: Origin, value: bytes | None, error: EnvelopeError) -> Outcome:
    """The original key and value byte for byte, with the contract's six headers naming the
    topic the event arrived on."""
    output = Output(
        Destination.DEAD_LETTER,
        origin.key,
        value,
        dlq_headers(error, origin.topic, origin.partition, origin.offset),
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
