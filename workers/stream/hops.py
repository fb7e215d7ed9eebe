"""The two hops of the worker, between Kafka records and the pure step (workers/stream/step.py).

Hop 1 reads the claim topic and forwards each valid envelope re-keyed by member; hop 2 reads the
by-member topic, where a member's claims and history meet, and decides. Only what needs the
event loop is here (waiting for the reference tables and for a late eligibility record) and
what operators see (metrics, log lines without PHI).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aiokafka import ConsumerRecord

from models.envelope import EnvelopeError, decode_forwarded
from policy.member_history import MemberState
from workers.logging_setup import get_logger
from workers.settings import Settings
from workers.stream import step
from workers.stream.eos.changelog import State
from workers.stream.metrics import Metrics
from workers.stream.reference import ReferenceTables
from workers.stream.step import Outcome

log = get_logger(__name__)


class Hops:
    """Hop 1 (`intake`) and hop 2 (`adjudicate`), and the observer of their outcomes."""

    def __init__(self, settings: Settings, references: ReferenceTables, metrics: Metrics) -> None:
        self._settings = settings
        self._references = references
        self._metrics = metrics

    async def intake(self, record: ConsumerRecord[Any, Any], state: State) -> Outcome:
        return step.intake(record)

    async def adjudicate(self, record: ConsumerRecord[Any, Any], state: State) -> Outcome:
        member = member_state_of(state, record.key)
        if step.is_history_import(record):
            return step.import_history(record, member)
        try:
            envelope = decode_forwarded(record.value)
        except EnvelopeError as error:
            return step.dead_letter(record, error)
        references = self._references
        # Deciding before eligibility and PAs are loaded would deny claims ELIG-01 by mistake.
        await references.loaded.wait()
        waits = step.eligibility_deadline(
            envelope, references, self._settings.eligibility_grace_seconds
        )
        if waits is not None:
            await self._wait_for_eligibility(*waits, claim_id=envelope.claim.get("claim_id"))
        return step.adjudicate(
            envelope,
            member,
            references,
            now=datetime.now(UTC),
            publish_fhir=self._settings.topic_fhir is not None,
        )

    async def _wait_for_eligibility(self, member_id: str, deadline: float, claim_id: Any) -> None:
        remaining = deadline - time.time()
        if remaining <= 0:
            return
        started = time.monotonic()
        found = await self._references.wait_for_eligibility(member_id, remaining)
        log.info(
            "waited for eligibility",
            claim_id=claim_id if isinstance(claim_id, str) else None,
            waited_ms=round((time.monotonic() - started) * 1000),
            found=found,
        )

    def observe(self, record: ConsumerRecord[Any, Any], outcome: Outcome) -> None:
        """Metrics and log lines of one event (ids and outcomes only, never PHI)."""
        metrics = self._metrics
        where = {"topic": record.topic, "partition": record.partition, "offset": record.offset}
        if outcome.dead_letter is not None:
            error = outcome.dead_letter
            metrics.dead_letters.labels(error.error_class).inc()
            log.warning("dead letter", error_class=error.error_class, stage=error.stage, **where)
        elif outcome.duplicate:
            metrics.duplicates.inc()
            log.info("duplicate event skipped", **where)
        elif outcome.imported:
            log.info("history imported", **where)
        if outcome.internal_error_stage is not None:
            metrics.internal_errors.inc()
            stage = outcome.internal_error_stage
            log.error(
                "enrichment failed" if stage == "enrichment" else "engine failed",
                stage=outcome.internal_error_stage,
                claim_id=_claim_id(outcome),
                **where,
            )
        record_ = outcome.record
        if record_ is None:
            return
        if record_.decision == "ignore":
            metrics.ignored.inc()
            log.info("claim out of scope", claim_id=_claim_id(outcome), rule_ids=record_.rule_ids)
            return
        metrics.decisions.labels(record_.decision).inc()
        for rule_id in record_.rule_ids:
            metrics.rules.labels(rule_id).inc()
        if outcome.occurred_at is not None:
            metrics.latency.observe(max(0.0, time.time() - outcome.occurred_at))


def member_state_of(state: State, key: bytes | None) -> MemberState:
    """The member's state (a fresh one for a new member); the step changes it in place."""
    if key is None:
        return MemberState()
    found = state.get(key)
    return found if found is not None else MemberState()


def _claim_id(outcome: Outcome) -> str | None:
    claim_id = outcome.record.claim_id if outcome.record is not None else None
    return claim_id if isinstance(claim_id, str) else None
