"""Hop 1: what arrives from outside (a claim, records received, a review, a business date) is
validated and forwarded re-keyed by member, so that a member's claims, follow-ups and history
meet in one partition; anything else is a dead letter, with the contract's headers. Hop 2 and
the sweep write their dead letters here too."""

from __future__ import annotations

from collections.abc import Callable

from models.envelope import (
    DocumentationReceived,
    EnvelopeError,
    ReviewCompleted,
    decode_business_date,
    decode_envelope,
    follow_up_routing_key,
    member_routing_key,
)
from workers.stream.step.outcome import (
    DOCUMENTATION,
    KIND_HEADER,
    REVIEW,
    Destination,
    Headers,
    Inbound,
    Origin,
    Outcome,
    Output,
)

# The broker truncates nothing, but a header is no place for a novel.
MAX_ERROR_MESSAGE = 500


def intake(message: Inbound, limit: int | None = None) -> Outcome:
    """A valid claim envelope is forwarded re-keyed by member (the bytes unchanged); anything
    else is a dead letter."""
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
