"""UUIDv7 text from a time and random bits: one formatting routine for replay stamps and the
corpus generator (which draws the bits from its seeded generator, so a seed gives the same ids).
"""

from __future__ import annotations

import os

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
