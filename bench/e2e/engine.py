"""The one place the benchmark touches the project's internals: the worker's pure step.

Every peer (raw pipeline, Quix app) calls per record exactly what the worker's hops call
(workers/stream/hops.py): `intake` for a claim and `intake_follow_up` for records received
(hop 1, workers/stream/step/intake.py), `by_member` with the member's state and a `Tables` of
the reference data (hop 2, workers/stream/step/member.py). So a ratio between peers compares
pipelines, not engines, and a change of the step is measured in every peer at once. What is
left here is what a pipeline supplies around the step: a consumed record as the step reads it,
the tables of the moment, where each output goes, and the member state as bytes or text.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from models.envelope import decode_documentation
from policy.member_history import MemberState
from workers.stream.step.intake import intake, intake_follow_up
from workers.stream.step.member import by_member
from workers.stream.step.outcome import Destination, Inbound, Outcome, Output, Tables

from .config import MAX_MESSAGE_BYTES, PeerConfig

__all__ = [
    "Destination",
    "Engine",
    "Inbound",
    "MemberState",
    "Message",
    "Outcome",
    "Output",
    "routes",
    "state_from_text",
    "state_to_text",
]

JsonRecord = dict[str, Any]
# As the bench runs the worker (peers/worker.py): every member's eligibility is on its topic
# before any claim, so no claim is parked for it, in any peer.
GRACE_SECONDS = 0.0
# The limits the worker would learn for the bench's topics (bench/e2e/topics.py): the by-member
# and decision topics take MAX_MESSAGE_BYTES.
LIMITS = {Destination.FORWARD: MAX_MESSAGE_BYTES, Destination.DECISION: MAX_MESSAGE_BYTES}


@dataclass(frozen=True, slots=True)
class Message:
    """A consumed record as the step reads it (`Inbound`), for pipelines whose records are
    not aiokafka's (Quix hands the value, key and headers; the coordinates come from its
    message context)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()


@dataclass(frozen=True)
class References:
    """Eligibility by member id and prior authorizations by number (what a snapshot reads)."""

    eligibility: Mapping[str, JsonRecord]
    prior_auths: Mapping[str, JsonRecord]


class Engine:
    """The worker's two hops over one peer's reference data; `limits` are the byte limits of
    the topics the outputs go to, which the worker learns from the broker."""

    def __init__(
        self,
        eligibility: Mapping[str, JsonRecord],
        prior_auths: Mapping[str, JsonRecord],
        limits: Mapping[Destination, int] = LIMITS,
    ) -> None:
        self._references = References(eligibility, prior_auths)
        self._limits = dict(limits)
        self._forward_limit = self._limits.get(Destination.FORWARD)

    def intake(self, message: Inbound) -> Outcome:
        """Hop 1 of a claim: forwarded re-keyed by member, or a dead letter."""
        return intake(message, self._forward_limit)

    def intake_documentation(self, message: Inbound) -> Outcome:
        """Hop 1 of records received: forwarded to the member of the pended claim."""
        return intake_follow_up(message, decode_documentation, self._forward_limit)

    def by_member(self, message: Inbound, state: MemberState) -> Outcome:
        """Hop 2: `state` (changed in place) and the outputs; `Outcome.state` is not None when
        the member's state is to be written."""
        # As the worker's hop (hops.py `_tables`) as the bench runs it: the moment that stamps
        # the record, no FHIR or notice topic; no business date, which only the worker's sweep
        # reads (the bench sends no PA update or calendar event to sweep for).
        tables = Tables(references=self._references, now=datetime.now(UTC), limits=self._limits)
        return by_member(message, state, tables, clock=time.time(), grace_seconds=GRACE_SECONDS)


def routes(config: PeerConfig) -> dict[Destination, str]:
    """The topic of each destination the step writes to (the worker's `destinations`)."""
    return {
        Destination.FORWARD: config.by_member,
        Destination.DECISION: config.decisions,
        Destination.DEAD_LETTER: config.dlq,
    }


def state_to_text(state: MemberState) -> str:
    """The member state's bytes as text, for stores that serialise values as JSON (Quix)."""
    return state.encode().decode()


def state_from_text(text: str | None) -> MemberState:
    return MemberState.decode(text.encode() if text else None)
