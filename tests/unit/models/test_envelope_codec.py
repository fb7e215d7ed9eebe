"""Envelope decoding: what is a dead letter, and what its headers say."""

from __future__ import annotations

import orjson
import pytest

from models.envelope import EnvelopeError, decode_envelope, decode_forwarded, member_routing_key

GOOD = {
    "event_id": "evt-1",
    "event_type": "claim.submitted",
    "schema_version": 1,
    "occurred_at": "2026-03-02T14:03:00Z",
    "processing_date": "2026-03-02",
    "claim": {"claim_id": "CLM-1", "member": {"member_id": "TSTMBR000001"}},
}


def test_valid_envelope_decodes() -> None:
    envelope = decode_envelope(orjson.dumps(GOOD))
    assert envelope.event_id == "evt-1"
    assert member_routing_key(envelope) == b"m:TSTMBR000001"


@pytest.mark.parametrize(
    ("value", "error_class", "stage"),
    [
        (None, "EmptyValue", "decode"),
        (b"{not json", "JSONDecodeError", "decode"),
        (b"\xff\xfe", "JSONDecodeError", "decode"),
        (b'"a string"', "NotAnObject", "envelope"),
        (orjson.dumps({**GOOD, "schema_version": 2}), "ValidationError", "envelope"),
        (orjson.dumps({**GOOD, "schema_version": 1.0}), "ValidationError", "envelope"),
        (orjson.dumps({**GOOD, "schema_version": True}), "ValidationError", "envelope"),
        (orjson.dumps({**GOOD, "event_type": "claim.updated"}), "ValidationError", "envelope"),
        (orjson.dumps({**GOOD, "processing_date": "20260302"}), "ValidationError", "envelope"),
        (
            orjson.dumps({**GOOD, "occurred_at": "2026-03-02T14:03:00"}),
            "ValidationError",
            "envelope",
        ),
        (
            orjson.dumps({k: v for k, v in GOOD.items() if k != "claim"}),
            "ValidationError",
            "envelope",
        ),
    ],
)
def test_invalid_envelopes_are_dead_letters(
    value: bytes | None, error_class: str, stage: str
) -> None:
    with pytest.raises(EnvelopeError) as caught:
        decode_envelope(value)
    assert (caught.value.error_class, caught.value.stage) == (error_class, stage)


def test_validation_message_never_quotes_the_input() -> None:
    bad = {**GOOD, "event_id": {"member_id": "TSTMBR000001"}}
    with pytest.raises(EnvelopeError) as caught:
        decode_envelope(orjson.dumps(bad))
    assert "TSTMBR000001" not in str(caught.value)
    assert str(caught.value).startswith("event_id:")


@pytest.mark.parametrize("version", ["1", "TSTMBR000001", 1.0, None])
def test_schema_version_message_names_the_field_not_the_value(version: object) -> None:
    with pytest.raises(EnvelopeError) as caught:
        decode_envelope(orjson.dumps({**GOOD, "schema_version": version}))
    message = str(caught.value)
    assert message.startswith("schema_version: must be the integer 1, not a JSON")
    assert repr(version) not in message and "TSTMBR" not in message


@pytest.mark.parametrize(
    ("claim", "key"),
    [
        ({"member": {"member_id": ""}, "claim_id": "CLM-1"}, b"c:CLM-1"),
        ({"member": None, "claim_id": 7}, b"e:evt-1"),
        ({"member": {"member_id": 42}, "claim_id": "CLM-2"}, b"c:CLM-2"),
    ],
)
def test_routing_key_falls_back_when_member_id_is_unusable(
    claim: dict[str, object], key: bytes
) -> None:
    envelope = decode_envelope(orjson.dumps({**GOOD, "claim": claim}))
    assert member_routing_key(envelope) == key


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"junk",
        b"[]",
        orjson.dumps({**GOOD, "occurred_at": "yesterday"}),
        orjson.dumps({k: v for k, v in GOOD.items() if k != "event_id"}),
    ],
)
def test_by_member_topic_rejects_what_intake_did_not_forward(value: bytes | None) -> None:
    with pytest.raises(EnvelopeError) as caught:
        decode_forwarded(value)
    assert caught.value.stage == "by-member"
    assert decode_forwarded(orjson.dumps(GOOD)).event_id == "evt-1"
