"""What a hop of the step reads and returns: the consumed message, the tables beside the
member's state, the outputs with their destinations, the outcome of one event, and where an
event came from (for its dead letter)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from models.decision import DecisionRecord, Trigger
from models.envelope import EnvelopeError
from policy.downstream.notice import PlanConfig
from policy.member_history import MemberState, References

Headers = list[tuple[str, bytes]]

# The by-member topic's headers. `kind` says what a record is when it is not a claim.
KIND_HEADER = "kind"
HISTORY_IMPORT = b"history-import"
DOCUMENTATION = b"documentation"
REVIEW = b"review"
# Hop 1 carries where an event came from, so that a dead letter of hop 2 names the original key
# and the coordinates of the topic it arrived on, never the internal topic or a member key.
ORIGIN_HEADER = "origin"
ORIGIN_KEY_HEADER = "origin.key"
# What a record costs the broker beyond its key, value and headers (batch and record framing).
RECORD_OVERHEAD = 256


class Inbound(Protocol):
    """What the step reads of a consumed message (aiokafka's ConsumerRecord has these)."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...

    @property
    def key(self) -> bytes | None: ...

    @property
    def value(self) -> bytes | None: ...

    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


class Destination(Enum):
    """Where an output goes; the runtime maps each to a topic of the settings."""

    FORWARD = "by-member"
    DECISION = "decisions"
    FHIR = "fhir"
    NOTICE = "notices"
    DEAD_LETTER = "dlq"


@dataclass(frozen=True)
class Output:
    destination: Destination
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)

    @property
    def size(self) -> int:
        """The bytes the broker counts against the topic's `max.message.bytes` (at most)."""
        headers = sum(len(name) + len(value) for name, value in self.headers)
        return len(self.key or b"") + len(self.value or b"") + headers + RECORD_OVERHEAD


@dataclass
class Outcome:
    """What one event (or one release or reconcile of a member) produced. `state` is the
    member's new state (None: unchanged)."""

    outputs: list[Output] = field(default_factory=list)
    state: MemberState | None = None
    records: list[DecisionRecord] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)  # of the re-adjudications
    dead_letter: EnvelopeError | None = None
    duplicate: bool = False
    imported: bool = False
    parked: bool = False
    internal_error_stage: str | None = None
    occurred_at: float | None = None
    event_date: str | None = None  # the decided event's processing_date (a business date seen)
    finished_days: list[int] = field(default_factory=list)  # business days to a final record

    @property
    def record(self) -> DecisionRecord | None:
        """The last record made (the one that stands for its claim)."""
        return self.records[-1] if self.records else None

    def extend(self, other: Outcome) -> None:
        self.outputs.extend(other.outputs)
        self.records.extend(other.records)
        self.triggers.extend(other.triggers)
        self.finished_days.extend(other.finished_days)
        self.internal_error_stage = other.internal_error_stage or self.internal_error_stage
        self.event_date = other.event_date or self.event_date
        self.dead_letter = other.dead_letter or self.dead_letter
        self.duplicate = self.duplicate or other.duplicate
        self.parked = self.parked or other.parked


@dataclass(frozen=True)
class Tables:
    """What hop 2 reads besides the member's state: the reference tables, the latest business
    date known (the calendar's, or a later event date of the partition), the moment that
    stamps records, and where outputs go (their size limits, learnt from the broker)."""

    references: References
    now: datetime
    business_date: str | None = None
    publish_fhir: bool = False
    # The plan's configuration for member notices; None: no notices are published.
    notice_plan: PlanConfig | None = None
    limits: Mapping[Destination, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Origin:
    """The original key and coordinates of an event, for its dead letter."""

    key: bytes | None
    topic: str
    partition: int
    offset: int

    @classmethod
    def of(cls, message: Inbound) -> Origin:
        """Where the message came from: the origin headers hop 1 wrote, else the message."""
        headers = dict(message.headers or ())
        origin = headers.get(ORIGIN_HEADER)
        if origin is not None:
            topic, partition, offset = origin.decode().rsplit(":", 2)
            return cls(headers.get(ORIGIN_KEY_HEADER), topic, int(partition), int(offset))
        return cls(message.key, message.topic, message.partition, message.offset)

    def headers(self) -> Headers:
        where = f"{self.topic}:{self.partition}:{self.offset}".encode()
        headers = [(ORIGIN_HEADER, where)]
        if self.key is not None:
            headers.append((ORIGIN_KEY_HEADER, self.key))
        return headers

    def to_json(self) -> list[Any]:
        key = self.key.decode("utf-8", "replace") if self.key is not None else None
        return [key, self.topic, self.partition, self.offset]

    @classmethod
    def from_json(cls, data: list[Any]) -> Origin:
        key, topic, partition, offset = data
        return cls(key.encode() if key is not None else None, topic, partition, offset)
