"""Hop 2: one message of the by-member topic, decided with the member's state.

A claim is decided (`adjudicate`) and its record published; a follow-up re-decides the pended
claim it names (workers/stream/step/pended.py); a history import merges into the state. A
claim whose member has no eligibility record yet is parked in the member's state (and so is
everything of that member behind it) until the record arrives or the grace is over (`release`);
nothing else waits with it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from models import json_codec
from models.decision import DecisionRecord
from models.envelope import (
    DocumentationReceived,
    EnvelopeError,
    Forwarded,
    ReviewCompleted,
    decode_forwarded,
    decode_forwarded_documentation,
    decode_review,
    member_id_of,
)
from models.request import parse_request
from policy.engine import decide_or_pend, internal_error_record
from policy.member_history import MemberState, References, build_context
from workers.stream.step.intake import dead_letter
from workers.stream.step.outcome import (
    DOCUMENTATION,
    HISTORY_IMPORT,
    KIND_HEADER,
    REVIEW,
    Inbound,
    Origin,
    Outcome,
    Tables,
)
from workers.stream.step.pended import follow_up, readjudicate
from workers.stream.step.publish import publish

Event = Forwarded | DocumentationReceived | ReviewCompleted


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
    """Hop 2: a history import, a parked event, a dead letter, or the event decided."""
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
    # Where the event came from is read from its headers only if a dead letter needs it.
    return _handle(event, partial(Origin.of, message), message.value, state, tables)


def release(state: MemberState, tables: Tables, *, clock: float) -> Outcome | None:
    """The member's parked events, in order, from the first whose wait is over; None when the
    first still waits."""
    outcome: Outcome | None = None
    while state.parked:
        head = state.parked[0]
        value = head["value"].encode()
        origin = partial(Origin.from_json, head["origin"])
        try:
            event = _decode_kind(head["kind"].encode(), value)
        except EnvelopeError as error:  # validated by hop 1: only a corrupt state gets here
            step = dead_letter(origin(), value, error)
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


def _decode_by_member(message: Inbound) -> Event:
    headers = dict(message.headers or ())
    return _decode_kind(headers.get(KIND_HEADER, b"claim"), message.value)


def _decode_kind(kind: bytes, value: bytes | None) -> Event:
    if kind == DOCUMENTATION:
        return decode_forwarded_documentation(value)
    if kind == REVIEW:
        return decode_review(value)
    return decode_forwarded(value)


def _waits_for_eligibility(envelope: Forwarded, tables: Tables) -> bool:
    member_id = member_id_of(envelope.claim)
    return member_id is not None and member_id not in tables.references.eligibility


def _handle(
    event: Event,
    origin: Callable[[], Origin],
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
        publish(
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
        outcome.extend(readjudicate(kept, state, tables, tables.business_date))
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
    except Exception as error:  # noqa: BLE001 - a failed enrichment is a P2 pend, never lost
        return internal_error_record(claim, processing_date, error, context), context, "enrichment"
    record = decide_or_pend(request)
    return record, context, ("engine" if record.error is not None else None)
