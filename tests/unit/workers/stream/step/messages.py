"""What the step's tests feed it: the public cases as claim envelopes, a consumed record, the
reference tables as the worker holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from models.envelope import decode_forwarded
from policy.member_history import MemberState
from tests.cases import load_cases
from workers.stream.step import member
from workers.stream.step.outcome import Outcome, Tables

CASES = {case["case_id"]: case for case in load_cases()}
SEED = CASES["ITDD-TC-001"]
NOW = datetime(2026, 3, 2, 14, 3, tzinfo=UTC)


@dataclass
class Record:
    value: bytes | None
    key: bytes | None = b"m:TSTMBR000001"
    topic: str = "claims.submitted.v1"
    partition: int = 2
    offset: int = 41
    headers: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class References:
    eligibility: dict[str, dict[str, Any]] = field(default_factory=dict)
    prior_auths: dict[str, dict[str, Any]] = field(default_factory=dict)


def envelope(case: dict[str, Any], event_id: str = "evt-1") -> bytes:
    return orjson.dumps(
        {
            "event_id": event_id,
            "event_type": "claim.submitted",
            "schema_version": 1,
            "occurred_at": "2026-03-02T14:03:00Z",
            "processing_date": case["context"]["processing_date"],
            "claim": case["claim"],
        }
    )


def references_of(case: dict[str, Any]) -> References:
    """The case's eligibility and PAs as the reference tables would hold them."""
    context = case["context"]
    member_id = case["claim"]["member"]["member_id"]
    refs = References()
    if context["eligibility"].get("found"):
        refs.eligibility[member_id] = context["eligibility"]
    for pa in context.get("prior_authorizations", ()):
        refs.prior_auths[pa["pa_number"]] = pa
    return refs


def adjudicate(case: dict[str, Any], state: MemberState, **kwargs: Any) -> Outcome:
    forwarded = decode_forwarded(envelope(case, kwargs.pop("event_id", "evt-1")))
    return member.adjudicate(forwarded, state, Tables(references_of(case), NOW, **kwargs))
