"""Agent B: the by-member topic → decision on `claims.decisions.v1`.

A partition of the by-member topic holds all claims of its members, so the member's state
(history, adjudicated ids, decided event ids) is read and written here only, in the same
transaction as the decision. Body: decode → snapshot → engine → encode → send.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from aiokafka.partitioner import murmur2

from models.decision import DecisionRecord
from models.request import parse_request
from policy.downstream.fhir_claim_response import claim_response
from policy.downstream.fhir_common import bundle
from policy.downstream.fhir_eob import explanation_of_benefit
from policy.engine import decide_or_pend, internal_error_record
from workers.codecs import EnvelopeError, claim_key, encode_decision
from workers.dlq import send_dead_letter
from workers.logging_setup import get_logger
from workers.member_state import MemberState
from workers.snapshot import build_context, member_id_of
from workers.stamp import stamp
from workers.transactions import PartitionRevoked, log_revoked

if TYPE_CHECKING:
    from workers.app import Adjudicator

log = get_logger(__name__)

KIND_HEADER = "kind"
HISTORY_IMPORT = b"history-import"


def register(adj: Adjudicator) -> None:
    """Register the adjudication agent, and forget the state of partitions that move away."""
    owned: set[int] = set()

    async def on_assigned(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        assigned = args[0] if args else kwargs["assigned"]
        now = {tp.partition for tp in assigned if tp.topic == adj.settings.topic_by_member}
        forget_partitions(adj, owned - now)
        owned.clear()
        owned.update(now)

    adj.app.on_partitions_assigned.connect(on_assigned)

    @adj.app.agent(adj.by_member, name="claims-adjudicator.adjudicate")
    async def adjudicate(stream: Any) -> None:
        # Deciding before eligibility and PAs are loaded would deny claims ELIG-01 by mistake.
        await adj.references.loaded.wait()
        async for _ in stream:
            message = stream.current_event.message
            if adj.app.processed_before(message):
                continue
            if await handle(adj, message):
                adj.app.mark_processed(message)


async def handle(adj: Adjudicator, message: Any) -> bool:
    """One message of the by-member topic: a claim envelope or a history import. False when
    the partition was revoked mid-event (nothing sent, the new owner processes it)."""
    if (KIND_HEADER, HISTORY_IMPORT) in (message.headers or ()):
        return await _apply_import(adj, message)
    try:
        envelope = decode_forwarded(message.value)
    except EnvelopeError as error:
        return await send_dead_letter(adj, message, error)
    event_id: str = envelope["event_id"]
    state = MemberState.decode(adj.members.data.get(message.key))
    if state.seen(event_id):
        adj.metrics.duplicates.inc()
        log.info("duplicate event skipped", event_id=event_id, partition=message.partition)
        return True
    claim: dict[str, Any] = envelope["claim"]
    occurred_at = datetime.fromisoformat(envelope["occurred_at"]).timestamp()
    await _wait_for_eligibility(adj, claim, occurred_at)
    decided, context = decide(adj, claim, envelope["processing_date"], state)
    record = stamp(decided)
    if record.decision == "ignore":
        # Nothing is published for an out-of-scope claim, so there is nothing to de-duplicate.
        adj.metrics.ignored.inc()
        log.info("claim out of scope", event_id=event_id, rule_ids=record.rule_ids)
        return True
    state.mark_seen(event_id)
    state.record(claim, record)
    try:
        async with adj.app.effects_guard:
            await adj.publisher.send(
                message.tp,
                adj.settings.topic_decisions,
                key=claim_key(claim, event_id),
                value=encode_decision(record),
                headers=decision_headers(record, event_id, context),
            )
            if adj.settings.topic_fhir is not None:
                await adj.publisher.send(
                    message.tp,
                    adj.settings.topic_fhir,
                    key=claim_key(claim, event_id),
                    value=fhir_bundle(record, claim, context),
                    headers=[("decision", record.decision.encode())],
                )
            await _save_state(adj, message, state)
    except PartitionRevoked:
        log_revoked(message)
        return False
    _count(adj, record, occurred_at)
    return True


def decode_forwarded(value: bytes | None) -> dict[str, Any]:
    """An envelope the intake agent validated; anything else written to the by-member topic
    (it is a topic like any other) is a dead letter, not a crashed agent."""
    try:
        envelope = orjson.loads(value) if value is not None else None
        if (
            isinstance(envelope, dict)
            and isinstance(envelope.get("event_id"), str)
            and isinstance(envelope.get("claim"), dict)
            and isinstance(envelope.get("processing_date"), str)
        ):
            datetime.fromisoformat(envelope["occurred_at"])
            return envelope
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        pass
    raise EnvelopeError("InvalidForward", "by-member", "not an envelope validated by intake")


def fhir_bundle(
    record: DecisionRecord, claim: dict[str, Any], context: dict[str, Any] | None
) -> bytes:
    """The decision as FHIR R4 (ClaimResponse + ExplanationOfBenefit in a collection Bundle),
    rendered from the same record and request as the decision itself."""
    decision = record.to_dict()
    request = {"claim": claim, "context": context}
    return orjson.dumps(
        bundle([claim_response(decision, request), explanation_of_benefit(decision, request)])
    )


def decision_headers(
    record: DecisionRecord, event_id: str, context: dict[str, Any] | None
) -> list[tuple[str, bytes]]:
    """`decision` for consumers that filter without decoding; the input event and the
    enrichment snapshot the engine saw, so that an auditor can replay the decision from the
    topics alone (workers/replay/join.py reads them)."""
    headers = [("decision", record.decision.encode()), ("input.event_id", event_id.encode())]
    if context is not None:
        headers.append(("enrichment.snapshot", orjson.dumps(context)))
    return headers


def decide(
    adj: Adjudicator, claim: dict[str, Any], processing_date: str, state: MemberState
) -> tuple[DecisionRecord, dict[str, Any] | None]:
    """The engine's record and the snapshot it decided on; an enrichment failure becomes a P2
    internal_error pend."""
    context: dict[str, Any] | None = None
    try:
        context = build_context(claim, processing_date, adj.references, state)
        # The envelope was decoded by orjson: no NaN or Infinity, so the digest's fast path holds.
        request = parse_request({"claim": claim, "context": context}, strict_json=True)
    except Exception as error:  # a claim is pended, never lost or retried forever
        adj.metrics.internal_errors.inc()
        log.exception("enrichment failed", claim_id=_loggable_id(claim), stage="enrichment")
        return internal_error_record(claim, processing_date, error, context), context
    record = decide_or_pend(request)
    if record.error is not None:
        adj.metrics.internal_errors.inc()
        log.error(
            "engine failed",
            claim_id=_loggable_id(claim),
            stage="engine",
            error_class=record.error.error_class,
        )
    return record, context


async def _wait_for_eligibility(
    adj: Adjudicator, claim: dict[str, Any], occurred_at: float
) -> None:
    """The claim-before-eligibility race: wait until occurred_at + grace, then decide anyway."""
    member_id = member_id_of(claim)
    if member_id is None or member_id in adj.references.eligibility:
        return
    remaining = occurred_at + adj.settings.eligibility_grace_seconds - time.time()
    if remaining > 0:
        started = time.monotonic()
        found = await adj.references.wait_for_eligibility(member_id, remaining)
        log.info(
            "waited for eligibility",
            claim_id=_loggable_id(claim),
            waited_ms=round((time.monotonic() - started) * 1000),
            found=found,
        )


async def _save_state(adj: Adjudicator, message: Any, state: MemberState) -> None:
    """Write the member's state to its changelog (same partition, same transaction), then to
    the table: memory never runs ahead of what the transaction carries."""
    value = state.encode()
    await adj.publisher.send(
        message.tp,
        adj.members.changelog_topic.get_topic_name(),
        key=message.key,
        value=value,
        partition=message.partition,
    )
    adj.members.data[message.key] = value


async def _apply_import(adj: Adjudicator, message: Any) -> bool:
    state = MemberState.decode(adj.members.data.get(message.key))
    state.merge_import(orjson.loads(message.value))
    try:
        async with adj.app.effects_guard:
            await _save_state(adj, message, state)
    except PartitionRevoked:
        log_revoked(message)
        return False
    log.info("history imported", partition=message.partition, offset=message.offset)
    return True


def forget_partitions(adj: Adjudicator, partitions: set[int]) -> None:
    """Drop the in-memory state of partitions this worker no longer owns.

    The memory store keeps keys of revoked partitions; if such a partition comes back, faust
    replays its changelog from the start, which restores every committed key but cannot remove
    a key written only in a transaction that was aborted when the partition moved.
    """
    if not partitions:
        return
    count = adj.settings.partitions
    store = adj.members.data
    stale = [key for key in list(store.keys()) if key_partition(key, count) in partitions]
    for key in stale:
        del store[key]
    log.info("state of revoked partitions dropped", partitions=sorted(partitions), count=len(stale))


def key_partition(key: bytes, partitions: int) -> int:
    """The partition the default (murmur2) partitioner gives `key`, as producers do."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


def _count(adj: Adjudicator, record: DecisionRecord, occurred_at: float) -> None:
    metrics = adj.metrics
    metrics.decisions.labels(record.decision).inc()
    for rule_id in record.rule_ids:
        metrics.rules.labels(rule_id).inc()
    metrics.latency.observe(max(0.0, time.time() - occurred_at))


def _loggable_id(claim: dict[str, Any]) -> str | None:
    claim_id = claim.get("claim_id")
    return claim_id if isinstance(claim_id, str) else None
