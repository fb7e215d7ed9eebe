"""The two fields of a decision record that are not a function of its inputs (§8.1):
`decision_id`, a UUIDv7, and `decided_at`, UTC to the millisecond.

One formatting for every producer: the worker and `decide` stamp one record at a time, `replay`
a block of records at one moment, and the corpus generator draws the random bits from its seeded
generator (so a seed gives the same ids).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from models.decision import DecisionRecord

RANDOM_BITS = 74


def uuid7_text(millis: int, bits: int) -> str:
    """RFC 9562 UUIDv7: 48-bit Unix milliseconds, version 7, variant 10, 74 random bits."""
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (bits >> 62 & 0xFFF) << 64
    value |= 0x2 << 62 | (bits & ((1 << 62) - 1))
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid7_batch(millis: int, count: int) -> list[str]:
    """`count` ids for one moment, with one system call for all their randomness."""
    pool = os.urandom(10 * count)
    return [
        uuid7_text(millis, int.from_bytes(pool[i : i + 10], "big") >> 6)
        for i in range(0, 10 * count, 10)
    ]


def decided_at_text(moment: datetime) -> str:
    """`decided_at`: ISO 8601, milliseconds, `Z` for UTC."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def decided_at_of_millis(millis: int) -> str:
    """`decided_at` of a moment given in Unix milliseconds."""
    return decided_at_text(datetime.fromtimestamp(millis / 1000, UTC))


def stamps(count: int, now: datetime | None = None) -> tuple[list[str], str]:
    """(`count` decision ids, the decided_at they share) for records produced at one moment."""
    moment = now or datetime.now(UTC)
    return uuid7_batch(int(moment.timestamp() * 1000), count), decided_at_text(moment)


def stamp(record: DecisionRecord, now: datetime | None = None) -> DecisionRecord:
    """Give a record its `decision_id` and `decided_at` (UTC) at the moment it is produced."""
    (decision_id,), decided_at = stamps(1, now)
    return record.model_copy(update={"decision_id": decision_id, "decided_at": decided_at})
