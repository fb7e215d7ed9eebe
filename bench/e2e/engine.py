"""The one place the benchmark touches the project's internals: the worker's per-claim work.

Every peer (raw pipeline, Quix app) runs exactly what the worker's two agents run per message —
hop 1: decode and validate the envelope, re-key by member; hop 2: member state, enrichment
snapshot, engine, stamp, encode, headers — so a rename inside workers/ or policy/ is a fix
in this file only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from models.envelope import (
    EnvelopeError,
    claim_key,
    decode_envelope,
    decode_forwarded,
    member_routing_key,
)
from models.request import parse_request
from policy.engine import decide_or_pend
from policy.member_history import MemberState, build_context
from workers.stamp import stamp

__all__ = ["Decision", "Engine", "MemberState", "decode_state", "encode_state"]

JsonRecord = dict[str, Any]


@dataclass(frozen=True)
class References:
    """Eligibility by member id and prior authorizations by number (what a snapshot reads)."""

    eligibility: Mapping[str, JsonRecord]
    prior_auths: Mapping[str, JsonRecord]


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision ready to publish: key (claim id), value (the record) and headers."""

    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def decode_state(value: bytes | None) -> MemberState:
    return MemberState.decode(value)


def encode_state(state: MemberState) -> bytes:
    return state.encode()


def state_to_json(state: MemberState) -> JsonRecord:
    """The member state as plain JSON data (for stores that serialise values themselves)."""
    return {"history": state.history, "adjudicated": state.adjudicated, "events": state.events}


def state_from_json(data: Mapping[str, Any] | None) -> MemberState:
    if not data:
        return MemberState()
    return MemberState(
        history=list(data.get("history", ())),
        adjudicated=list(data.get("adjudicated", ())),
        events=list(data.get("events", ())),
    )


class Engine:
    """Hop 1 and hop 2 of the worker as plain functions over bytes and a member state."""

    def __init__(
        self, eligibility: Mapping[str, JsonRecord], prior_auths: Mapping[str, JsonRecord]
    ) -> None:
        self._refs = References(eligibility, prior_auths)

    @staticmethod
    def route(value: bytes | None) -> bytes | None:
        """Hop 1: the by-member key of a valid envelope; None for a dead letter."""
        try:
            return member_routing_key(decode_envelope(value))
        except EnvelopeError:
            return None

    def adjudicate(self, value: bytes | None, state: MemberState) -> Decision | None:
        """Hop 2: decide a forwarded envelope and record it in `state` (mutated).

        None when nothing is published: a duplicate event, an out-of-scope claim (`ignore`),
        or bytes that are not a forwarded envelope.
        """
        try:
            envelope = decode_forwarded(value)
        except EnvelopeError:
            return None
        event_id = envelope.event_id
        if state.seen(event_id):
            return None
        claim = envelope.claim
        processing_date = envelope.processing_date
        context = build_context(claim, processing_date, self._refs, state)
        request = parse_request({"claim": claim, "context": context}, strict_json=True)
        record = stamp(decide_or_pend(request))
        if record.decision == "ignore":
            return None
        state.mark_seen(event_id)
        state.record(claim, record)
        headers = [
            ("decision", record.decision.encode()),
            ("input.event_id", event_id.encode()),
            ("enrichment.snapshot", orjson.dumps(context)),
        ]
        return Decision(claim_key(claim, event_id), record.to_json(), headers)
