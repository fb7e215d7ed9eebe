"""A range of a Kafka topic to replay: by record timestamps, or by offsets per partition.

Parsed from the command line before anything connects, so a typo fails fast with a message.
Timestamps: `--since` inclusive, `--until` exclusive; offsets: `P:START-END`, END exclusive and
optional (up to the end of the partition as it is when the replay starts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

_OFFSETS = re.compile(r"(\d+):(\d+)-(\d*)")


class RangeError(ValueError):
    """A topic range the replay cannot use."""


@dataclass(frozen=True)
class TopicRange:
    since_ms: int | None = None
    until_ms: int | None = None
    # partition -> (first offset, end offset exclusive or None = current end)
    offsets: dict[int, tuple[int, int | None]] = field(default_factory=dict)

    @property
    def by_offsets(self) -> bool:
        return bool(self.offsets)

    def describe(self) -> str:
        if self.by_offsets:
            return ", ".join(
                f"{p}:{start}-{'' if end is None else end}"
                for p, (start, end) in sorted(self.offsets.items())
            )
        return f"[{_iso(self.since_ms)}, {_iso(self.until_ms)})"


def parse_time(text: str) -> int:
    """Epoch milliseconds from ISO 8601 (`2026-03-02`, `2026-03-02T14:00:00Z`) or a number."""
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise RangeError(f"not a timestamp: {text!r} (ISO 8601 or epoch ms)") from None
        moment = datetime(day.year, day.month, day.day)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def parse_offsets(specs: list[str]) -> dict[int, tuple[int, int | None]]:
    offsets: dict[int, tuple[int, int | None]] = {}
    for spec in specs:
        for part in spec.split(","):
            match = _OFFSETS.fullmatch(part.strip())
            if match is None:
                raise RangeError(f"not an offset range: {part!r} (PARTITION:START-END)")
            partition, start = int(match[1]), int(match[2])
            end = int(match[3]) if match[3] else None
            if end is not None and end < start:
                raise RangeError(f"offset range {part!r} ends before it starts")
            if partition in offsets:
                raise RangeError(f"partition {partition} is given twice")
            offsets[partition] = (start, end)
    return offsets


def build_range(since: str | None, until: str | None, offsets: list[str] | None) -> TopicRange:
    """Exactly one kind of range: timestamps (since and/or until) or offsets."""
    if offsets and (since or until):
        raise RangeError("give either --since/--until or --offsets, not both")
    if offsets:
        return TopicRange(offsets=parse_offsets(offsets))
    if since is None and until is None:
        raise RangeError("a topic replay needs a range: --since/--until or --offsets")
    since_ms = parse_time(since) if since else None
    until_ms = parse_time(until) if until else None
    if since_ms is not None and until_ms is not None and until_ms <= since_ms:
        raise RangeError("--until must be after --since")
    return TopicRange(since_ms=since_ms, until_ms=until_ms)


def _iso(millis: int | None) -> str:
    if millis is None:
        return "…"
    return datetime.fromtimestamp(millis / 1000, UTC).isoformat().replace("+00:00", "Z")
