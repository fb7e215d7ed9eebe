"""Joining published decisions with their claim envelopes (no broker), and topic ranges."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from tests.unit.workers.replay.helpers import history_record
from workers.replay.inputs import read_input
from workers.replay.join import (
    BAD_DECISION,
    EVENT_ID_HEADER,
    NO_ENVELOPE,
    NO_SNAPSHOT,
    SNAPSHOT_HEADER,
    EnvelopeIndex,
    PublishedDecision,
    decode_envelope,
    join,
)
from workers.replay.topic_range import RangeError, build_range, parse_time


def envelope(claim: dict[str, Any], event_id: str, processing_date: str) -> bytes:
    return orjson.dumps(
        {
            "event_id": event_id,
            "event_type": "claim.submitted",
            "schema_version": 1,
            "occurred_at": "2026-03-02T14:03:00Z",
            "processing_date": processing_date,
            "claim": claim,
        }
    )


def message(record: Any, headers: list[tuple[str, bytes]], offset: int = 7) -> PublishedDecision:
    value = record if isinstance(record, bytes) else orjson.dumps(record)
    return PublishedDecision.from_message(
        SimpleNamespace(
            topic="decisions",
            partition=1,
            offset=offset,
            timestamp=2_000,
            value=value,
            headers=headers,
        )
    )


@pytest.fixture
def case() -> dict[str, Any]:
    return history_record("ITDD-TC-002")


def index_of(*envelopes: tuple[bytes, int]) -> EnvelopeIndex:
    index = EnvelopeIndex()
    for value, timestamp in envelopes:
        decoded = decode_envelope(value, timestamp)
        assert decoded is not None
        index.add(decoded)
    return index


def test_snapshot_and_event_id_headers_make_a_replayable_line(case: dict[str, Any]) -> None:
    claim, context = case["request"]["claim"], case["request"]["context"]
    index = index_of((envelope(claim, "evt-1", "2026-03-02"), 1_000))
    decision = message(
        case["decision"], [(SNAPSHOT_HEADER, orjson.dumps(context)), (EVENT_ID_HEADER, b"evt-1")]
    )
    line = join(decision, index)

    assert line["request"] == {"claim": claim, "context": context}
    assert line["source"] == {"topic": "decisions", "partition": 1, "offset": 7, "timestamp": 2_000}
    assert read_input(line).not_replayable is None


def test_without_event_id_the_digest_picks_the_resubmission(case: dict[str, Any]) -> None:
    claim, context = case["request"]["claim"], case["request"]["context"]
    changed = {**claim, "place_of_service": "11"}  # same claim id, other content
    index = index_of(
        (envelope(claim, "evt-1", "2026-03-02"), 1_000),
        (envelope(changed, "evt-2", "2026-03-02"), 1_500),
    )
    line = join(message(case["decision"], [(SNAPSHOT_HEADER, orjson.dumps(context))]), index)
    assert line["request"]["claim"] == claim


def test_missing_snapshot_envelope_or_record_is_a_reported_problem(
    case: dict[str, Any],
) -> None:
    claim = case["request"]["claim"]
    index = index_of((envelope(claim, "evt-1", "2026-03-02"), 1_000))

    no_snapshot = join(message(case["decision"], []), index)
    assert no_snapshot["problem"] == NO_SNAPSHOT
    assert read_input(no_snapshot).not_replayable == f"not replayable ({NO_SNAPSHOT})"
    assert join(message(case["decision"], []), EnvelopeIndex())["problem"] == NO_ENVELOPE
    assert join(message(b"{not json", []), index)["problem"] == BAD_DECISION


def test_dead_letters_are_not_envelopes() -> None:
    assert decode_envelope(b"\xff garbage", 0) is None
    assert decode_envelope(b'{"claim": [1]}', 0) is None


def test_topic_ranges() -> None:
    assert parse_time("2026-03-02") == parse_time("2026-03-02T00:00:00Z") == 1772409600000
    assert parse_time("1772409600000") == 1772409600000
    assert build_range(None, None, ["0:5-10,1:3-"]).offsets == {0: (5, 10), 1: (3, None)}
    assert build_range("2026-03-02", None, None).since_ms == 1772409600000
    for since, until, offsets in [
        ("x", None, None),
        (None, None, None),
        ("2026-03-02", None, ["0:1-2"]),
        ("2026-03-03", "2026-03-02", None),
        (None, None, ["0:1-2", "0:3-"]),
    ]:
        with pytest.raises(RangeError):
            build_range(since, until, offsets)
