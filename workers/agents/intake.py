"""Agent A: `claims.submitted.v1` → dead letter, or the by-member topic.

Claims arrive keyed by claim_id; a member's history must be read and written in one place, so
every valid envelope is re-keyed by member id (the original bytes unchanged) and decided by the
adjudication agent that owns that member's partition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workers.codecs import EnvelopeError, decode_envelope, member_routing_key
from workers.dlq import send_dead_letter
from workers.logging_setup import get_logger
from workers.transactions import PartitionRevoked, log_revoked

if TYPE_CHECKING:
    from workers.app import Adjudicator

log = get_logger(__name__)


def register(adj: Adjudicator) -> None:
    """Register the intake agent on the app."""

    @adj.app.agent(adj.submitted, name="claims-adjudicator.intake")
    async def intake(stream: Any) -> None:
        async for _ in stream:
            message = stream.current_event.message
            if adj.app.processed_before(message):
                continue
            if await route_submission(adj, message):
                adj.app.mark_processed(message)


async def route_submission(adj: Adjudicator, message: Any) -> bool:
    """Validate one submitted message and forward it, or dead-letter it; False when the
    partition was revoked mid-event (nothing sent, the new owner processes it)."""
    try:
        envelope = decode_envelope(message.value)
    except EnvelopeError as error:
        return await send_dead_letter(adj, message, error)
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
        return False
    return True
