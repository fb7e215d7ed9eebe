"""The two fields of a decision record that are not a function of its inputs (§8.1):
`decision_id`, a UUIDv7, and `decided_at`, UTC to the millisecond.

One formatting for every producer: the worker and `decide` stamp one record at a time, `replay`
a block of records at one moment, and the corpus generator draws the random bits from its seeded
generator (so a seed gives the same ids).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from models.construct import construct
from models.decision import DecisionRecord

RANDOM_BITS = 74


def uuid7_text(millis: int, bits: int) -> str:
    """RFC 9562 UUIDv7: 48-bit Unix milliseconds, version 7, variant 10, 74 random bits."""
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (bits >> 62 & 0xFFF) << 64
    value |= 0x2 << 62 | (bits & ((1 << 62) - 1))
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid7_random(millis: int) -> str:
    """A UUIDv7 of fresh randomness, `uuid7_text`'s layout written over the random bytes: no
    integer arithmetic, a third of its time (every decision is stamped, issue 20). The 74
    random bits are the 4 low bits of byte 0, byte 1, the 6 low bits of byte 2, bytes 3-9."""
    random = os.urandom(10)
    head = (millis & 0xFFFFFFFFFFFF).to_bytes(6, "big")
    mark = bytes((0x70 | random[0] & 0x0F, random[1], 0x80 | random[2] & 0x3F))
    h = (head + mark + random[3:]).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def decided_at_text(moment: datetime) -> str:
    """`decided_at`: ISO 8601, milliseconds, `Z` for UTC."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def decided_at_of_millis(millis: int) -> str:
    """`decided_at` of a moment given in Unix milliseconds."""
    return decided_at_text(datetime.fromtimestamp(millis / 1000, UTC))


def stamp(record: DecisionRecord, now: datetime | None = None) -> DecisionRecord:
    """Give a record its `decision_id` and `decided_at` (UTC) at the moment it is produced."""
    moment = now or datetime.now(UTC)
    # Every field given (the engine's records are built so), as `model_copy` would leave it
    # but without its copies of pydantic's bookkeeping: a third of the time.
    return construct(
        DecisionRecord,
        {
            **record.__dict__,
            "decision_id": uuid7_random(int(moment.timestamp() * 1000)),
            "decided_at": decided_at_text(moment),
        },
    )
