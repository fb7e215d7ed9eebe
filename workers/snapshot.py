"""The enrichment snapshot (§E.2) of one claim, from the reference tables and member state."""

from __future__ import annotations

from typing import Any

from workers.member_state import MemberState
from workers.reference import ReferenceTables

ELIGIBILITY_FIELDS = ("coverage_start", "coverage_end", "plan_exclusions")


def member_id_of(claim: dict[str, Any]) -> str | None:
    """The claim's member id when it is a usable key (a non-empty string)."""
    member = claim.get("member")
    member_id = member.get("member_id") if isinstance(member, dict) else None
    return member_id if isinstance(member_id, str) and member_id else None


def eligibility_snapshot(record: dict[str, Any] | None) -> dict[str, Any]:
    """§E.2 eligibility: a record on the topic means found (unless it says `found: false`)."""
    if record is None:
        return {"found": False}
    snapshot: dict[str, Any] = {"found": record.get("found", True)}
    for name in ELIGIBILITY_FIELDS:
        if name in record:
            snapshot[name] = record[name]
    return snapshot


def build_context(
    claim: dict[str, Any], processing_date: str, refs: ReferenceTables, state: MemberState
) -> dict[str, Any]:
    """The snapshot handed to the engine with the claim."""
    member_id = member_id_of(claim)
    documentation = claim.get("documentation")
    pa_number = documentation.get("prior_auth_number") if isinstance(documentation, dict) else None
    # §5.6: only the PA the claim names is looked up; the engine checks it is the member's.
    pa = refs.prior_auths.get(pa_number) if isinstance(pa_number, str) else None
    history, adjudicated = state.snapshot_for(claim.get("claim_id"))
    return {
        "processing_date": processing_date,
        "eligibility": eligibility_snapshot(
            refs.eligibility.get(member_id) if member_id is not None else None
        ),
        "prior_authorizations": [pa] if pa is not None else [],
        "claims_history": history,
        "adjudicated_claim_ids": adjudicated,
    }
