"""Dead letters (contract: "Dead letters and poison messages").

A dead letter is the original message, key and value byte for byte, with exactly six headers
that say what was wrong and where it came from. Nothing else happens to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workers.codecs import EnvelopeError
from workers.logging_setup import get_logger
from workers.transactions import PartitionRevoked, log_revoked

if TYPE_CHECKING:
    from workers.app import Adjudicator

log = get_logger(__name__)

# The broker truncates nothing, but a header is no place for a novel.
MAX_ERROR_MESSAGE = 500


def dlq_headers(
    error: EnvelopeError, topic: str, partition: int, offset: int
) -> list[tuple[str, bytes]]:
    """The contract's headers, in the contract's order."""
    return [
        ("error.class", error.error_class.encode()),
        ("error.message", str(error)[:MAX_ERROR_MESSAGE].encode()),
        ("error.stage", error.stage.encode()),
        ("source.topic", topic.encode()),
        ("source.partition", str(partition).encode()),
        ("source.offset", str(offset).encode()),
    ]


def dead_letter(
    message: Any, error: EnvelopeError
) -> tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]:
    """(key, value, headers) of the dead letter for a faust `Message`."""
    headers = dlq_headers(error, message.topic, message.partition, message.offset)
    return message.key, message.value, headers


async def send_dead_letter(adj: Adjudicator, message: Any, error: EnvelopeError) -> bool:
    """Publish the dead letter in the event's transaction; False when the partition was
    revoked mid-event (nothing sent: the new owner dead-letters it)."""
    key, value, headers = dead_letter(message, error)
    try:
        async with adj.app.effects_guard:
            await adj.publisher.send(
                message.tp, adj.settings.topic_dlq, key=key, value=value, headers=headers
            )
    except PartitionRevoked:
        log_revoked(message)
        return False
    adj.metrics.dead_letters.labels(error.error_class).inc()
    log.warning(
        "dead letter",
        error_class=error.error_class,
        stage=error.stage,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
    )
    return True
