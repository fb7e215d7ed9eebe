"""Claim streams for the reliability and recovery tests: many claim events cycling through the
public cases, each with its own ids (and, when asked, its own member)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from models.request import parse_request
from policy.engine import decide
from workers.demo.driver import Record, envelope


@dataclass(frozen=True)
class StreamClaim:
    """One generated claim event and whether the worker must publish a decision for it."""

    claim_id: str
    event_id: str
    claim: Mapping[str, Any]
    processing_date: str
    decided: bool
    # The member's eligibility record when the claim has a member of its own (distinct_members).
    eligibility: Record | None = None

    def record(self, occurred_at: str | None = None) -> Record:
        """(key, envelope) stamped `occurred_at` (default: now)."""
        stamp = occurred_at or datetime.now(UTC).isoformat()
        return self.claim_id.encode(), envelope(
            self.claim, self.event_id, self.processing_date, stamp
        )


def claim_stream(
    cases: list[Mapping[str, Any]], count: int, prefix: str = "GEN", distinct_members: bool = False
) -> list[StreamClaim]:
    """`count` claim events cycling through the cases, each with its own claim and event id.

    With `distinct_members` every claim also gets a member of its own (and that member's
    eligibility record), as in production where a member has a handful of claims; otherwise
    the cases' 64 members accumulate long histories.

    Whether a claim is published (not `ignore`) is settled by the scope gates, which read
    neither history nor adjudicated ids, so the offline engine on the case's snapshot says it.
    """
    published: dict[int, bool] = {}
    out: list[StreamClaim] = []
    for n in range(count):
        index = n % len(cases)
        case = cases[index]
        claim_id = f"{prefix}-{n:07d}"
        claim: dict[str, Any] = {**case["claim"], "claim_id": claim_id}
        context = {**case["context"], "claims_history": [], "adjudicated_claim_ids": []}
        eligibility: Record | None = None
        member = claim.get("member")
        if distinct_members and isinstance(member, dict) and member.get("member_id"):
            member_id = f"{prefix}-M{n:07d}"
            claim["member"] = {**member, "member_id": member_id}
            if isinstance(context.get("eligibility"), dict):
                record = {"member_id": member_id, **context["eligibility"]}
                eligibility = (member_id.encode(), orjson.dumps(record))
        if index not in published:
            decision = decide(parse_request({"claim": claim, "context": context}))
            published[index] = decision.decision != "ignore"
        out.append(
            StreamClaim(
                claim_id,
                f"{prefix}-evt-{n:07d}",
                claim,
                context["processing_date"],
                published[index],
                eligibility,
            )
        )
    return out
