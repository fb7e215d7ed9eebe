"""The two fields of a decision record that are not a function of its inputs (§8.1)."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime

from models.decision import DecisionRecord


def uuid7(now_ms: int | None = None) -> str:
    """RFC 9562 UUIDv7: 48-bit Unix milliseconds, version 7, 74 random bits (time-ordered)."""
    millis = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    value = (millis & ((1 << 48) - 1)) << 80
    value |= int.from_bytes(os.urandom(10), "big") & ((1 << 80) - 1)
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return str(uuid.UUID(int=value))


def stamp(record: DecisionRecord, now: datetime | None = None) -> DecisionRecord:
    """Give a record its `decision_id` and `decided_at` (UTC) at the moment it is produced."""
    moment = now or datetime.now(UTC)
    millis = int(moment.timestamp() * 1000)
    return record.model_copy(
        update={
            "decision_id": uuid7(millis),
            "decided_at": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
    )
