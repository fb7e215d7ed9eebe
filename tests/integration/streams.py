"""Claim streams for the reliability and recovery tests: many claim events cycling through the
public cases, each with its own ids (and, when asked, its own member)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from models.request import parse_request
from policy.engine import decide
from workers.demo.driver import Record, case_feed, envelope, follow_up, produce
from workers.settings import Settings
from workers.stream.topics import ensure_topics


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
    cases: Sequence[Mapping[str, Any]],
    count: int,
    prefix: str = "GEN",
    distinct_members: bool = False,
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


# -- claims with a life (claim-lifecycle.md): each pends, is followed up and ends --------------

# What a follow-up is sent as: the lifecycle topics and the PA table.
DOCUMENTATION, REVIEWS, PRIOR_AUTH = "documentation", "reviews", "prior_auth"
# (kind, fields of the event or changes to the claim's PA record, processing_date)
FollowUpSpec = tuple[str, Mapping[str, Any], str]
Final = tuple[str, str | None, str]  # the last record's decision, carc and trigger


@dataclass(frozen=True)
class Lifecycle:
    """One kind of life: the public case a claim copies, the follow-ups sent (in order) once
    its first record is read, and its last record (a documentation pend with nothing received
    ends at the calendar's 2026-04-17)."""

    case_id: str
    follow_ups: tuple[FollowUpSpec, ...]
    final: Final
    rejected: int = 0  # follow-ups that do not apply: dead letters


def _facts(cases: Mapping[str, Mapping[str, Any]], case_id: str) -> dict[str, Any]:
    return {"documentation": dict(cases[case_id]["claim"]["documentation"])}


def _review(determination: str) -> dict[str, Any]:
    review = {"line_number": 2, "rule": "ITDD-SAFE-01", "reviewer_role": "pharmacist"}
    return {"reviews": [{**review, "determination": determination}]}


def lifecycles(cases: Sequence[Mapping[str, Any]]) -> tuple[Lifecycle, ...]:
    """Every trigger of L.4, in time and late (claim-lifecycle.md L.5 and beyond)."""
    by_id = {case["case_id"]: case for case in cases}
    seed, late, safe, baclofen, pa = (
        "ITDD-TC-001",
        "ITDD-TC-007",
        "ITDD-TC-014",
        "ITDD-TC-064",
        "ITDD-TC-027",
    )
    purpose = {"documentation": {"purpose": "idd_trial"}}
    return (
        Lifecycle(
            seed,
            ((DOCUMENTATION, _facts(by_id, "ITDD-TC-002"), "2026-03-20"),),
            ("approve", None, "documentation_received"),
        ),
        Lifecycle(
            seed,
            (
                (DOCUMENTATION, purpose, "2026-03-10"),
                (DOCUMENTATION, _facts(by_id, "ITDD-TC-002"), "2026-03-20"),
            ),
            ("approve", None, "documentation_received"),
        ),
        Lifecycle(
            seed,
            ((DOCUMENTATION, _facts(by_id, "ITDD-TC-003"), "2026-03-20"),),
            ("deny", "50", "documentation_received"),
        ),
        # In time (the deadline is 2026-04-16) even when it arrives after the deadline denial.
        Lifecycle(
            seed,
            ((DOCUMENTATION, _facts(by_id, "ITDD-TC-002"), "2026-04-15"),),
            ("approve", None, "documentation_received"),
        ),
        # Dated past the deadline: the claim is denied and the records are a dead letter.
        Lifecycle(
            late,
            ((DOCUMENTATION, _facts(by_id, "ITDD-TC-002"), "2026-04-20"),),
            ("deny", "226", "documentation_deadline"),
            rejected=1,
        ),
        Lifecycle(late, (), ("deny", "226", "documentation_deadline")),
        Lifecycle(
            safe,
            ((REVIEWS, _review("dose_appropriate"), "2026-03-05"),),
            ("approve", None, "clinical_review_completed"),
        ),
        Lifecycle(
            baclofen,
            ((REVIEWS, _review("dose_not_appropriate"), "2026-03-05"),),
            ("deny", "50", "clinical_review_completed"),
        ),
        Lifecycle(
            pa,
            ((PRIOR_AUTH, {"status": "approved"}, ""),),
            ("approve", None, "prior_authorization_updated"),
        ),
        Lifecycle("ITDD-TC-002", (), ("approve", None, "claim_submitted")),
    )


@dataclass(frozen=True)
class LifecycleClaim:
    """One claim of its own member (and PA number), the records that start it and the
    follow-ups that finish it, as (kind, record)."""

    claim_id: str
    submitted: Record
    eligibility: Record
    prior_auths: tuple[Record, ...]
    follow_ups: tuple[tuple[str, Record], ...]
    final: Final
    rejected: int


def lifecycle_stream(
    cases: Sequence[Mapping[str, Any]], count: int, prefix: str = "LC"
) -> list[LifecycleClaim]:
    """`count` claims cycling through `lifecycles`; claim n has member `<prefix>-M<n>` and,
    when its case has one, PA `<prefix>-PA<n>`, so that no two claims share history or a PA.
    The same `prefix` gives the same claims (and bytes) in every run."""
    by_id = {case["case_id"]: case for case in cases}
    kinds = lifecycles(cases)
    out: list[LifecycleClaim] = []
    for n in range(count):
        life = kinds[n % len(kinds)]
        case = by_id[life.case_id]
        claim_id, member_id = f"{prefix}-C{n:05d}", f"{prefix}-M{n:05d}"
        claim = {**case["claim"], "claim_id": claim_id}
        claim["member"] = {**claim["member"], "member_id": member_id}
        pas = [
            {**pa, "pa_number": f"{prefix}-PA{n:05d}", "member_id": member_id}
            for pa in case["context"]["prior_authorizations"]
        ]
        if pas:
            facts = {**claim["documentation"], "prior_auth_number": pas[0]["pa_number"]}
            claim["documentation"] = facts
        follow_ups: list[tuple[str, Record]] = []
        for number, (kind, fields, date) in enumerate(life.follow_ups):
            if kind == PRIOR_AUTH:
                changed = {**pas[0], **fields}
                follow_ups.append((kind, (changed["pa_number"].encode(), orjson.dumps(changed))))
                continue
            event_type = (
                "claim.documentation_received"
                if kind == DOCUMENTATION
                else "claim.clinical_review_completed"
            )
            event = follow_up(
                event_type,
                claim,
                f"{claim_id}-{kind}-{number}",
                date,
                f"{date}T09:00:00Z",
                **fields,
            )
            follow_ups.append((kind, event))
        eligibility = {"member_id": member_id, **case["context"]["eligibility"]}
        out.append(
            LifecycleClaim(
                claim_id,
                (
                    claim_id.encode(),
                    envelope(
                        claim,
                        f"{claim_id}-submitted",
                        case["context"]["processing_date"],
                        "2026-03-02T14:03:00Z",
                    ),
                ),
                (member_id.encode(), orjson.dumps(eligibility)),
                tuple((pa["pa_number"].encode(), orjson.dumps(pa)) for pa in pas),
                tuple(follow_ups),
                life.final,
                life.rejected,
            )
        )
    return out


def feed_references(bootstrap: str, settings: Settings, cases: list[dict[str, Any]]) -> None:
    asyncio.run(ensure_topics(settings))
    feed = case_feed(cases, "2026-03-02T14:03:00Z")
    asyncio.run(produce(bootstrap, settings.topic_eligibility, feed.eligibility))
    asyncio.run(produce(bootstrap, settings.topic_prior_auth, feed.prior_auths))


def assert_exactly_one_each(decisions: list[Any], expected: set[str]) -> None:
    counts = Counter(record.key.decode() for record in decisions)
    duplicated = sorted(claim_id for claim_id, n in counts.items() if n > 1)
    lost = sorted(expected - set(counts))
    unexpected = sorted(set(counts) - expected)
    assert (lost[:5], duplicated[:5], unexpected[:5]) == ([], [], [])
    assert len(decisions) == len(expected)
