"""The stamp of a decision record: a UUIDv7 of the moment, and the moment to the millisecond."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from models.request import parse_request
from policy.engine import decide
from tests.unit.conftest import request_of
from workers.stamp import stamp, uuid7_random, uuid7_text

MILLIS = 1_765_000_123_456


def test_uuid7_random_is_a_version_7_id_of_its_millisecond() -> None:
    ids = [uuid.UUID(uuid7_random(MILLIS)) for _ in range(200)]
    assert {i.version for i in ids} == {7}
    assert {i.variant for i in ids} == {uuid.RFC_4122}
    assert {i.int >> 80 for i in ids} == {MILLIS}
    assert len(set(ids)) == 200


def test_uuid7_random_has_uuid7_texts_layout() -> None:
    """The same 74 random bits placed by both: only where the bits come from differs."""
    random = bytes(range(1, 11))
    bits = (random[0] & 0x0F) << 70 | random[1] << 62 | (random[2] & 0x3F) << 56
    bits |= int.from_bytes(random[3:], "big")
    head = MILLIS.to_bytes(6, "big")
    mark = bytes((0x70 | random[0] & 0x0F, random[1], 0x80 | random[2] & 0x3F))
    assert str(uuid.UUID(bytes=head + mark + random[3:])) == uuid7_text(MILLIS, bits)


def test_stamp_sets_only_the_two_stamps() -> None:
    record = decide(parse_request(request_of("ITDD-TC-001")))
    moment = datetime.fromtimestamp(MILLIS / 1000, UTC)
    stamped = stamp(record, moment)
    assert stamped.decided_at == "2025-12-06T05:48:43.456Z"
    assert uuid.UUID(stamped.decision_id or "").int >> 80 == MILLIS
    assert stamped.model_dump(exclude={"decision_id", "decided_at"}) == record.model_dump(
        exclude={"decision_id", "decided_at"}
    )
    assert stamped.model_fields_set == set(type(record).model_fields)
