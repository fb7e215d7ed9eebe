"""Agent A: `claims.submitted.v1` → dead letter, or the by-member topic.

Claims arrive keyed by claim_id; a member's history must be read and written in one place, so
every valid envelope is re-keyed by member id (the original bytes unchanged) and decided by the
adjudication agent that owns that member's partition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workers.codecs import EnvelopeError, decode_envelope, member_routing_key
from workers.dlq import dead_letter
from workers.logging_setup import get_logger
from workers.transactions import PartitionRevoked

if TYPE_CHECKING:
    from workers.app import Adjudicator

log = get_logger(__name__)


def register(adj: Adjudicator) -> None:
    """Register the intake agent on the app."""

    @adj.app.agent(adj.submitted, name="claims-adjudicator.intake")
    async def intake(stream: Any) -> None:
        async for _ in stream:
            await route_submission(adj, stream.current_event.message)


async def route_submission(adj: Adjudicator, message: Any) -> None:
    """Validate one submitted message and forward it, or dead-letter it."""
    try:
        envelope = decode_envelope(message.value)
    except EnvelopeError as error:
        key, value, headers = dead_letter(message, error)
        try:
            async with adj.app.effects_guard:
                await adj.publisher.send(
                    message.tp, adj.settings.topic_dlq, key=key, value=value, headers=headers
                )
        except PartitionRevoked:
            log_revoked(message)
            return
        adj.metrics.dead_letters.labels(error.error_class).inc()
        log.warning(
            "dead letter",
            error_class=error.error_class,
            stage=error.stage,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
        )
        return
    try:
        async with adj.app.effects_guard:
            await adj.publisher.send(
                message.tp,
                adj.settings.topic_by_member,
                key=member_routing_key(envelope),
                value=message.value,
            )
    except PartitionRevoked:
        log_revoked(message)


def log_revoked(message: Any) -> None:
    """The new owner of the partition processes the event; nothing was committed here."""
    log.info(
        "partition revoked mid-event",
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
    )
