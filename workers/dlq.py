"""Dead letters (contract: "Dead letters and poison messages").

A dead letter is the original message, key and value byte for byte, with exactly six headers
that say what was wrong and where it came from. Nothing else happens to it.
"""

from __future__ import annotations

from typing import Any

from workers.codecs import EnvelopeError

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
