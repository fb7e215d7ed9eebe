"""Whatever intake (hop 1) accepts, adjudication (hop 2) reads: issue 18 item 3 (claims and
records received).

Intake forwards the original bytes; the by-member topic's decoder must accept every one of them
and read the same instant, or a valid claim becomes a dead letter one hop late.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from models import json_codec
from models.envelope import (
    EnvelopeError,
    _epoch_seconds,
    decode_documentation,
    decode_envelope,
    decode_forwarded,
    decode_forwarded_documentation,
    epoch_seconds,
    member_routing_key,
)

BASE: dict[str, Any] = {
    "event_id": "evt-1",
    "event_type": "claim.submitted",
    "schema_version": 1,
    "occurred_at": "2026-03-02T14:03:00Z",
    "processing_date": "2026-03-02",
    "claim": {"claim_id": "CLM-1", "member": {"member_id": "TSTMBR000001"}},
}
SEED_INSTANT = datetime(2026, 3, 2, 14, 3, tzinfo=UTC).timestamp()


def _claim(**changes: Any) -> dict[str, Any]:
    return {**BASE["claim"], **changes}


# (label, envelope bytes, the instant both hops must read)
TRICKY_BUT_VALID: list[tuple[str, bytes, float]] = [
    ("zulu", orjson.dumps(BASE), SEED_INSTANT),
    (
        "lower-case t and z",
        orjson.dumps({**BASE, "occurred_at": "2026-03-02t14:03:00z"}),
        SEED_INSTANT,
    ),
    (
        "positive offset",
        orjson.dumps({**BASE, "occurred_at": "2026-03-02T15:33:00+01:30"}),
        SEED_INSTANT,
    ),
    (
        "negative offset",
        orjson.dumps({**BASE, "occurred_at": "2026-03-02T09:03:00-05:00"}),
        SEED_INSTANT,
    ),
    (
        "-00:00 (UTC, local offset unknown)",
        orjson.dumps({**BASE, "occurred_at": "2026-03-02T14:03:00-00:00"}),
        SEED_INSTANT,
    ),
    (
        "milliseconds",
        orjson.dumps({**BASE, "occurred_at": "2026-03-02T14:03:00.250Z"}),
        SEED_INSTANT + 0.25,
    ),
    (
        "nanoseconds, cut to micro",
        orjson.dumps({**BASE, "occurred_at": "2026-03-02T14:03:00.123456789+00:00"}),
        SEED_INSTANT + 0.123456,
    ),
    (
        "one fraction digit",
        orjson.dumps({**BASE, "occurred_at": "2026-03-02T14:03:00.5Z"}),
        SEED_INSTANT + 0.5,
    ),
    (
        "the last instant, far east",
        orjson.dumps({**BASE, "occurred_at": "9999-12-31T23:59:59-14:00"}),
        253402351199.0,
    ),
    (
        "the first year, +23:59",
        orjson.dumps({**BASE, "occurred_at": "0001-01-01T00:00:00+23:59"}),
        -62135683140.0,
    ),
    ("leap day", orjson.dumps({**BASE, "occurred_at": "2028-02-29T00:00:00Z"}), 1835395200.0),
    (
        "integer beyond 64 bits in the claim",
        json.dumps({**BASE, "claim": _claim(charge=123456789012345678901234567890)}).encode(),
        SEED_INSTANT,
    ),
    (
        "integer beyond the double range",
        json.dumps({**BASE, "claim": _claim(units=10**400)}).encode(),
        SEED_INSTANT,
    ),
    (
        "unicode, escaped and raw",
        json.dumps({**BASE, "event_id": "évt-\u2603-😀", "claim": _claim(note="Zoë ✓")}).encode(),
        SEED_INSTANT,
    ),
    (
        "unicode raw UTF-8",
        json.dumps({**BASE, "claim": _claim(note="Ωμέγα 𝄞")}, ensure_ascii=False).encode(),
        SEED_INSTANT,
    ),
    ("empty event id", orjson.dumps({**BASE, "event_id": ""}), SEED_INSTANT),
    ("unknown keys", orjson.dumps({**BASE, "trace": {"id": 1}, "schema": None}), SEED_INSTANT),
    ("key order and spaces", b" { " + orjson.dumps(dict(reversed(BASE.items())))[1:], SEED_INSTANT),
    (
        "empty claim (VAL-* rules decide it)",
        orjson.dumps({**BASE, "claim": {}}),
        SEED_INSTANT,
    ),
]


@pytest.mark.parametrize(
    ("value", "instant"),
    [pytest.param(value, instant, id=label) for label, value, instant in TRICKY_BUT_VALID],
)
def test_what_intake_accepts_adjudication_reads_alike(value: bytes, instant: float) -> None:
    envelope = decode_envelope(value)
    forwarded = decode_forwarded(value)
    assert envelope.occurred_at == forwarded.occurred_at == pytest.approx(instant, abs=1e-6)
    assert (forwarded.event_id, forwarded.processing_date) == (
        envelope.event_id,
        envelope.processing_date,
    )
    assert forwarded.claim == envelope.claim == json_codec.loads(value)["claim"]
    member_routing_key(envelope)  # the key intake forwards it under


@pytest.mark.parametrize(
    ("occurred_at", "reason"),
    [
        (1772460180, "must be an RFC 3339 date-time string, not a JSON number"),
        (1772460180.5, "must be an RFC 3339 date-time string, not a JSON number"),
        ("1772460180", "not an RFC 3339 date-time"),
        ("1772460180000", "not an RFC 3339 date-time"),
        (None, "must be an RFC 3339 date-time string, not a JSON null"),
        (True, "must be an RFC 3339 date-time string, not a JSON boolean"),
        ("2026-03-02T14:03:00", "has no UTC offset"),
        ("2026-03-02T14:03:00.5", "has no UTC offset"),
        ("2026-03-02", "not an RFC 3339 date-time"),
        ("2026-03-02T14:03Z", "not an RFC 3339 date-time"),
        ("2026-03-02 14:03:00Z", "not an RFC 3339 date-time"),
        ("2026-03-02T14:03:00+0100", "not an RFC 3339 date-time"),
        ("2026-03-02T14:03:00+01", "not an RFC 3339 date-time"),
        ("20260302T140300Z", "not an RFC 3339 date-time"),
        ("2026-03-02T14:03:00Z ", "not an RFC 3339 date-time"),
        ("２０２６-03-02T14:03:00Z", "not an RFC 3339 date-time"),  # full-width digits
        ("2026-02-30T14:03:00Z", "not a real calendar date and time"),
        ("2026-03-02T24:00:00Z", "not a real calendar date and time"),
        ("2026-12-31T23:59:60Z", "not a real calendar date and time"),
        ("2026-03-02T14:03:00+24:00", "has a UTC offset outside"),
        ("2026-03-02T14:03:00+01:60", "has a UTC offset outside"),
    ],
)
def test_occurred_at_is_an_rfc3339_instant_or_a_dead_letter_at_intake(
    occurred_at: object, reason: str
) -> None:
    value = orjson.dumps({**BASE, "occurred_at": occurred_at})
    with pytest.raises(EnvelopeError) as caught:
        decode_envelope(value)
    assert (caught.value.error_class, caught.value.stage) == ("ValidationError", "envelope")
    message = str(caught.value)
    assert message.startswith(f"occurred_at: {reason}")
    assert "\n" not in message
    assert str(occurred_at) not in message.removeprefix(f"occurred_at: {reason}")
    # The by-member topic refuses it too: the two hops parse it with one function.
    with pytest.raises(ValueError, match=reason):
        epoch_seconds(occurred_at)
    with pytest.raises(EnvelopeError):
        decode_forwarded(value)


# Records received take the same two hops: intake validates the event, the by-member topic reads
# it trusted (decode_forwarded_documentation). Every event intake accepts is read the same.
DOCUMENTATION: dict[str, Any] = {
    "event_id": "DOC-1",
    "event_type": "claim.documentation_received",
    "schema_version": 1,
    "occurred_at": "2026-03-20T09:00:00+01:00",
    "processing_date": "2026-03-20",
    "claim_id": "CLM-1",
    "member_id": "TSTMBR000001",
    "documentation": {"purpose": "idd_trial", "trial_result_percent_relief": 55},
}


def _records(**changes: Any) -> dict[str, Any]:
    return {**DOCUMENTATION, **changes}


RECORDS_TRICKY_BUT_VALID: list[tuple[str, bytes]] = [
    ("as sent", orjson.dumps(DOCUMENTATION)),
    ("nanoseconds, lower case", orjson.dumps(_records(occurred_at="2026-03-20t08:00:00.1234567z"))),
    ("empty documentation", orjson.dumps(_records(documentation={}))),
    (
        "nulls, unknown keys and wrong types inside (the policy judges them)",
        orjson.dumps(_records(documentation={"purpose": None, "x": [1], "psych_eval_done": "y"})),
    ),
    (
        "integer beyond 64 bits inside",
        json.dumps(_records(documentation={"life_expectancy_months": 10**30})).encode(),
    ),
    ("unicode ids", json.dumps(_records(event_id="dóc-😀", claim_id="CLM-Ω")).encode()),
    ("unknown keys", orjson.dumps(_records(trace={"id": 1}, reviews=None))),
]


@pytest.mark.parametrize(
    "value", [pytest.param(value, id=label) for label, value in RECORDS_TRICKY_BUT_VALID]
)
def test_records_intake_accepts_are_read_alike_by_member(value: bytes) -> None:
    assert decode_forwarded_documentation(value) == decode_documentation(value)


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"{not json",
        b"[]",
        orjson.dumps(_records(documentation=[])),
        orjson.dumps(_records(member_id=None)),
        orjson.dumps({k: v for k, v in DOCUMENTATION.items() if k != "claim_id"}),
        orjson.dumps(_records(occurred_at="2026-03-20")),
    ],
)
def test_what_intake_did_not_forward_is_a_dead_letter_by_member(value: bytes | None) -> None:
    with pytest.raises(EnvelopeError) as caught:
        decode_forwarded_documentation(value)
    assert (caught.value.error_class, caught.value.stage) == ("InvalidForward", "by-member")


def _date_time_texts(count: int) -> list[str]:
    """Date-times near and beyond every bound: days past a month's end, hours, minutes and
    seconds one too many, fractions of 1 to 9 digits, offsets up to +24:60, t and z in both
    cases; a seeded draw, so a failure repeats."""
    draw = random.Random(20).choice
    texts = []
    for _ in range(count):
        fraction = draw(["", ".", ".5", ".123", ".999999", ".9999995", ".000000001", ".1234567"])
        offset = draw(["Z", "z", "+00:00", "-00:00", "+05:30", "-14:00", "+23:59", "-23:59"])
        offset = draw([offset, f"+{draw(['00', '23', '24', '99'])}:{draw(['00', '59', '60'])}"])
        texts.append(
            f"{draw(['0001', '1970', '2026', '2028', '9999'])}-{draw(['01', '02', '12', '13'])}"
            f"-{draw(['01', '28', '29', '30', '31', '32'])}{draw(['T', 't'])}"
            f"{draw(['00', '23', '24'])}:{draw(['00', '59', '60'])}:{draw(['00', '59', '60'])}"
            f"{fraction}{offset}"
        )
    return texts


def test_the_fast_reading_of_occurred_at_agrees_with_the_reading_by_hand() -> None:
    for text in _date_time_texts(5000):
        try:
            expected: float | str = _epoch_seconds(text)
        except ValueError as error:
            expected = str(error)
        try:
            got: float | str = epoch_seconds(text)
        except ValueError as error:
            got = str(error)
        assert got == expected, text
