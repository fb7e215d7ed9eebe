"""The lifecycle events of claim-lifecycle.md L.3: what decodes, and what is a dead letter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from models.envelope import (
    BusinessDateOpened,
    DocumentationReceived,
    DocumentationReceivedEnvelope,
    EnvelopeError,
    ReviewCompleted,
    decode_business_date,
    decode_documentation,
    decode_review,
    follow_up_routing_key,
)

COMMON: dict[str, Any] = {
    "event_id": "evt-9",
    "schema_version": 1,
    "occurred_at": "2026-03-20T09:00:00+01:00",
    "processing_date": "2026-03-20",
}
REVIEW = {
    "line_number": 2,
    "rule": "ITDD-SAFE-01",
    "determination": "dose_appropriate",
    "reviewer_role": "pharmacist",
}
DOCUMENTATION: dict[str, Any] = {
    **COMMON,
    "event_type": "claim.documentation_received",
    "claim_id": "CLM-1",
    "member_id": "TSTMBR000001",
    # Values are the policy's to judge: a wrong type or an unknown key is not a dead letter.
    "documentation": {"purpose": "idd_trial", "trial_months": "three", "unknown": [1]},
}
REVIEWS: dict[str, Any] = {
    **COMMON,
    "event_type": "claim.clinical_review_completed",
    "claim_id": "CLM-1",
    "member_id": "TSTMBR000001",
    "reviews": [REVIEW, {**REVIEW, "line_number": 1, "determination": "dose_not_appropriate"}],
}
CALENDAR: dict[str, Any] = {**COMMON, "event_type": "business_date.opened"}
OCCURRED = datetime(2026, 3, 20, 8, tzinfo=UTC).timestamp()

Decoder = Callable[[bytes | None], object]
EVENTS: list[tuple[str, dict[str, Any], Decoder]] = [
    ("documentation", DOCUMENTATION, decode_documentation),
    ("review", REVIEWS, decode_review),
    ("calendar", CALENDAR, decode_business_date),
]


def test_documentation_received_decodes() -> None:
    event = decode_documentation(orjson.dumps(DOCUMENTATION))
    assert event == DocumentationReceived(
        "evt-9", OCCURRED, "2026-03-20", "CLM-1", "TSTMBR000001", DOCUMENTATION["documentation"]
    )
    assert follow_up_routing_key(event) == b"m:TSTMBR000001"


def test_review_completed_keeps_exactly_the_four_keys_in_order() -> None:
    extra = {**REVIEW, "reviewed_on": "2026-01-01", "note": "x"}
    event = decode_review(orjson.dumps({**REVIEWS, "reviews": [extra, REVIEWS["reviews"][1]]}))
    assert isinstance(event, ReviewCompleted)
    assert event.reviews == (REVIEW, REVIEWS["reviews"][1])
    assert follow_up_routing_key(event) == b"m:TSTMBR000001"


# Records received that are valid however odd: the plain reading (decode_documentation's fast
# path) and the model must read each alike.
DOCUMENTATION_ODD_BUT_VALID: list[tuple[str, dict[str, Any]]] = [
    ("as sent", DOCUMENTATION),
    ("unknown keys", {**DOCUMENTATION, "trace": [1], "reviews": None}),
    ("empty documentation", {**DOCUMENTATION, "documentation": {}}),
    ("empty event id", {**DOCUMENTATION, "event_id": ""}),
    ("unicode ids", {**DOCUMENTATION, "claim_id": "CLM-Ω", "member_id": "😀"}),
    (
        "fraction and offset",
        {**DOCUMENTATION, "occurred_at": "2026-03-20t09:00:00.123456789-05:30"},
    ),
    ("leap day", {**DOCUMENTATION, "processing_date": "2028-02-29"}),
]


@pytest.mark.parametrize(
    "event", [pytest.param(event, id=label) for label, event in DOCUMENTATION_ODD_BUT_VALID]
)
def test_records_received_are_read_as_the_model_reads_them(event: dict[str, Any]) -> None:
    model = DocumentationReceivedEnvelope.model_validate(event)
    assert decode_documentation(orjson.dumps(event)) == DocumentationReceived(
        model.event_id,
        model.occurred_at,
        model.processing_date,
        model.claim_id,
        model.member_id,
        model.documentation,
    )


def test_business_date_opened_decodes() -> None:
    event = decode_business_date(orjson.dumps(CALENDAR))
    assert event == BusinessDateOpened("evt-9", OCCURRED, "2026-03-20")


def _without(event: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != key}


def _doc(**changes: Any) -> dict[str, Any]:
    return {**DOCUMENTATION, **changes}


def _reviews(*reviews: Any) -> dict[str, Any]:
    return {**REVIEWS, "reviews": list(reviews)}


def _line(**changes: Any) -> dict[str, Any]:
    return {**REVIEW, **changes}


def _every_event(
    label: str, field: str, value: Any
) -> list[tuple[str, dict[str, Any], Decoder, str]]:
    return [
        (f"{name}: {label}", {**event, field: value}, decode, field)
        for name, event, decode in EVENTS
    ]


# (label, event, decoder, the first field the message names)
BROKEN: list[tuple[str, dict[str, Any], Decoder, str]] = [
    *[
        (f"{name}: no {key}", _without(event, key), decode, key)
        for name, event, decode in EVENTS
        for key in ("event_id", "event_type", "schema_version", "occurred_at", "processing_date")
    ],
    *_every_event("schema_version 2", "schema_version", 2),
    *_every_event("schema_version 1.0", "schema_version", 1.0),
    *_every_event("schema_version true", "schema_version", True),
    *_every_event("schema_version '1'", "schema_version", "1"),
    *_every_event("epoch occurred_at", "occurred_at", 1774000800),
    *_every_event("naive occurred_at", "occurred_at", "2026-03-20T09:00:00"),
    *_every_event("processing_date", "processing_date", "2026-3-20"),
    *_every_event("processing_date not a day", "processing_date", "2026-02-30"),
    *_every_event("leap second", "occurred_at", "2026-12-31T23:59:60Z"),
    *_every_event("event_id a number", "event_id", 9),
    # Each topic's decoder takes its own event type only.
    ("documentation as review", DOCUMENTATION, decode_review, "event_type"),
    ("review as documentation", REVIEWS, decode_documentation, "event_type"),
    (
        "claim on the calendar",
        {**CALENDAR, "event_type": "claim.submitted"},
        decode_business_date,
        "event_type",
    ),
    (
        "documentation: no claim_id",
        _without(DOCUMENTATION, "claim_id"),
        decode_documentation,
        "claim_id",
    ),
    ("documentation: empty claim_id", _doc(claim_id=""), decode_documentation, "claim_id"),
    ("documentation: numeric claim_id", _doc(claim_id=7), decode_documentation, "claim_id"),
    ("documentation: empty member_id", _doc(member_id=""), decode_documentation, "member_id"),
    ("documentation: null member_id", _doc(member_id=None), decode_documentation, "member_id"),
    ("documentation: array", _doc(documentation=[]), decode_documentation, "documentation"),
    ("documentation: null", _doc(documentation=None), decode_documentation, "documentation"),
    (
        "documentation: absent",
        _without(DOCUMENTATION, "documentation"),
        decode_documentation,
        "documentation",
    ),
    ("review: no member_id", _without(REVIEWS, "member_id"), decode_review, "member_id"),
    ("review: empty reviews", _reviews(), decode_review, "reviews"),
    ("review: reviews an object", {**REVIEWS, "reviews": REVIEW}, decode_review, "reviews"),
    ("review: line 0", _reviews(_line(line_number=0)), decode_review, "reviews.0.line_number"),
    (
        "review: line true",
        _reviews(_line(line_number=True)),
        decode_review,
        "reviews.0.line_number",
    ),
    ("review: line 1.0", _reviews(_line(line_number=1.0)), decode_review, "reviews.0.line_number"),
    ("review: line '1'", _reviews(_line(line_number="1")), decode_review, "reviews.0.line_number"),
    ("review: other rule", _reviews(_line(rule="ITDD-DOC-01")), decode_review, "reviews.0.rule"),
    (
        "review: determination",
        _reviews(REVIEW, _line(determination="approved")),
        decode_review,
        "reviews.1.determination",
    ),
    (
        "review: role",
        _reviews(_line(reviewer_role="nurse")),
        decode_review,
        "reviews.0.reviewer_role",
    ),
    (
        "review: no role",
        _reviews(_without(REVIEW, "reviewer_role")),
        decode_review,
        "reviews.0.reviewer_role",
    ),
    ("review: entry not an object", _reviews("dose_appropriate"), decode_review, "reviews.0"),
]


@pytest.mark.parametrize(
    ("event", "decode", "field"),
    [pytest.param(event, decode, field, id=label) for label, event, decode, field in BROKEN],
)
def test_a_broken_event_is_a_dead_letter_naming_the_field(
    event: dict[str, Any], decode: Decoder, field: str
) -> None:
    with pytest.raises(EnvelopeError) as caught:
        decode(orjson.dumps(event))
    assert (caught.value.error_class, caught.value.stage) == ("ValidationError", "envelope")
    message = str(caught.value)
    assert message.startswith(f"{field}: "), message
    assert "\n" not in message
    for secret in ("TSTMBR000001", "CLM-1", "idd_trial", "nurse", "approved"):
        assert secret not in message, message


@pytest.mark.parametrize(
    ("event_type", "message"),
    [
        ("claim.documentation_received", "event_type: Input should be 'business_date.opened'"),
        ("business_date.closed", "event_type: Input should be 'business_date.opened'"),
    ],
)
def test_an_unknown_event_type_says_which_one_the_topic_takes(
    event_type: str, message: str
) -> None:
    with pytest.raises(EnvelopeError, match=f"^{message}$"):
        decode_business_date(orjson.dumps({**CALENDAR, "event_type": event_type}))


def test_an_unknown_schema_version_says_what_version_is_read() -> None:
    with pytest.raises(EnvelopeError, match=r"^schema_version: Input should be 1$"):
        decode_review(orjson.dumps({**REVIEWS, "schema_version": 2}))


@pytest.mark.parametrize("name_event_decode", EVENTS, ids=[name for name, _, _ in EVENTS])
@pytest.mark.parametrize(
    ("value", "error_class", "stage"),
    [
        (None, "EmptyValue", "decode"),
        (b"{not json", "JSONDecodeError", "decode"),
        (b"\xff\xfe", "JSONDecodeError", "decode"),
        (b"[]", "NotAnObject", "envelope"),
        (b'"business_date.opened"', "NotAnObject", "envelope"),
    ],
)
def test_what_is_no_event_at_all(
    name_event_decode: tuple[str, dict[str, Any], Decoder],
    value: bytes | None,
    error_class: str,
    stage: str,
) -> None:
    decode = name_event_decode[2]
    with pytest.raises(EnvelopeError) as caught:
        decode(value)
    assert (caught.value.error_class, caught.value.stage) == (error_class, stage)


@pytest.mark.parametrize("name_event_decode", EVENTS, ids=[name for name, _, _ in EVENTS])
def test_unknown_keys_are_ignored(name_event_decode: tuple[str, dict[str, Any], Decoder]) -> None:
    _, event, decode = name_event_decode
    assert decode(orjson.dumps({**event, "producer": {"name": "um"}})) == decode(
        orjson.dumps(event)
    )
