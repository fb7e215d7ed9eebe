"""A pended claim's life (claim-lifecycle.md, addendum L): what is kept of it, and how each
follow-up re-decides it.

Pure functions over plain data, like the member history beside it: the stream worker keeps a
`PendingClaim` per pended claim in the member's state (the same exactly-once transaction as the
records) and calls `readjudicate` when records arrive, a reviewer decides, a prior authorization
changes or the business date passes the documentation deadline. Nothing here reads a clock: the
business date is always handed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from models.construct import construct
from models.decision import DecisionRecord, Trigger
from models.request import Documentation, parse_request
from models.values import iso_date
from policy.catalog import load_policy, normalise_version
from policy.engine import decide_or_pend, internal_error_record

DOCUMENTATION_REQUESTED = "documentation_requested"
CLINICAL_REVIEW = "clinical_review_dose_outlier"
PRIOR_AUTHORIZATION_PENDING = "prior_authorization_pending"
DEADLINE_TRIGGER: Trigger = "documentation_deadline"
# Appendix C: the facts a documentation event may supply; any other key is ignored (L.3).
DOCUMENTATION_FACTS = frozenset(Documentation.model_fields)

Rejection = Literal["ClaimNotPending", "ReviewNotRequested"]


@dataclass
class PendingClaim:
    """What the worker keeps of a claim whose latest record is a pend (L.4 item 1).

    A claim finalized by the documentation deadline is kept too (`decision` "deny"): records
    dated on or before the deadline that arrive after the denial still re-adjudicate it (L.4
    item 3), so the outcome does not depend on arrival order.
    """

    claim: dict[str, Any]  # the request's claim, documentation merged as received
    decision_id: str  # the latest record, the one a re-adjudication supersedes
    decision: str  # "pend", or "deny" after the documentation deadline
    reasons: list[str]  # the latest pend's reasons
    processing_date: str  # of the latest record
    first_processing_date: str  # of the claim's first record (time-to-final figures)
    policy_version: str  # the version that decided the first record (L.4 item 2)
    documentation_requested_on: str | None = None
    clinical_reviews: list[dict[str, Any]] = field(default_factory=list)
    # The PA record in the latest snapshot: an update fires only when the table's differs.
    prior_authorization: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The fields as they are, not copied: the member state encodes them at once
        (`MemberState.encode`). `dataclasses.asdict` deep-copied the whole claim of every
        pended claim on every state write: 5 % of the worker's CPU in `bench.e2e` (issue 20)."""
        return dict(vars(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PendingClaim:
        return cls(**data)

    @property
    def is_pending(self) -> bool:
        return self.decision == "pend"

    @property
    def pa_number(self) -> str | None:
        documentation = self.claim.get("documentation")
        number = documentation.get("prior_auth_number") if isinstance(documentation, dict) else None
        return number if isinstance(number, str) else None

    def deadline(self) -> date | None:
        """The last day records may arrive (requested on + 45 days), when records were asked."""
        requested = iso_date(self.documentation_requested_on)
        if requested is None:
            return None
        days = load_policy(normalise_version(self.policy_version)).documentation_request_days
        return requested + timedelta(days=days)

    def overdue(self, business_date: str) -> bool:
        """A pend for records whose deadline `business_date` has passed (L.4 item 2)."""
        deadline = self.deadline()
        known = iso_date(business_date)
        return (
            self.is_pending
            and DOCUMENTATION_REQUESTED in self.reasons
            and deadline is not None
            and known is not None
            and known > deadline
        )

    def waits_on_pa(self) -> bool:
        return self.is_pending and PRIOR_AUTHORIZATION_PENDING in self.reasons


def track(
    previous: PendingClaim | None,
    claim: dict[str, Any],
    record: DecisionRecord,
    context: dict[str, Any] | None,
) -> PendingClaim | None:
    """What is kept of the claim after `record` (None: nothing, the claim is final)."""
    deadline_denial = record.decision == "deny" and record.trigger == DEADLINE_TRIGGER
    if record.decision != "pend" and not deadline_denial:
        return None
    assert record.decision_id is not None, "track stamped records only"
    reasons: list[str] = list(record.pend.reasons) if record.pend is not None else []
    requested_on = previous.documentation_requested_on if previous is not None else None
    if requested_on is None and DOCUMENTATION_REQUESTED in reasons:
        requested_on = record.processing_date  # the earliest record that pended under DOC-01
    pas = (context or {}).get("prior_authorizations") or []
    return PendingClaim(
        claim=claim,
        decision_id=record.decision_id,
        decision=record.decision,
        reasons=reasons,
        processing_date=record.processing_date or "",
        first_processing_date=(
            previous.first_processing_date if previous is not None else record.processing_date or ""
        ),
        policy_version=(previous.policy_version if previous is not None else record.policy_version),
        documentation_requested_on=requested_on,
        clinical_reviews=list(previous.clinical_reviews) if previous is not None else [],
        prior_authorization=pas[0] if pas and isinstance(pas[0], dict) else None,
    )


def merge_documentation(claim: dict[str, Any], documentation: dict[str, Any]) -> dict[str, Any]:
    """The claim with the received facts (L.3): an absent or null key supplies nothing, any
    other value replaces the claim's fact, keys Appendix C does not name are ignored."""
    facts = claim.get("documentation")
    merged = dict(facts) if isinstance(facts, dict) else {}
    for name, value in documentation.items():
        if name in DOCUMENTATION_FACTS and value is not None:
            merged[name] = value
    return {**claim, "documentation": merged}


def merge_reviews(
    reviews: list[dict[str, Any]], received: tuple[dict[str, Any], ...], reviewed_on: str
) -> list[dict[str, Any]]:
    """The accumulated determinations: a later one for the same line and rule replaces the
    earlier one (L.3); `reviewed_on` is the event's processing date."""
    merged = list(reviews)
    for review in received:
        entry = {**review, "reviewed_on": reviewed_on}
        same = (entry["line_number"], entry["rule"])
        merged = [r for r in merged if (r["line_number"], r["rule"]) != same]
        merged.append(entry)
    return merged


def review_rejection(pending: PendingClaim | None) -> Rejection | None:
    """Why a clinical review does not apply to the claim (None: it does)."""
    if pending is None or not pending.is_pending:
        return "ClaimNotPending"
    if CLINICAL_REVIEW not in pending.reasons:
        return "ReviewNotRequested"
    return None


def documentation_applies(pending: PendingClaim | None, processing_date: str) -> bool:
    """Any pending claim accepts records; a claim the deadline denied accepts records dated on
    or before the deadline (they were in time, the worker learned of them late: L.4 item 3)."""
    if pending is None:
        return False
    if pending.is_pending:
        return True
    deadline = pending.deadline()
    dated = iso_date(processing_date)
    return deadline is not None and dated is not None and dated <= deadline


def lifecycle_context(context: dict[str, Any], pending: PendingClaim) -> dict[str, Any]:
    """The rebuilt snapshot (L.4 item 2): the claim's own earlier decisions left out (§8.6,
    its id too, or its own deadline denial would make it a DUP-01), the two L.1 fields as
    accumulated (absent rather than null when there is nothing, as on a first decision)."""
    claim_id = pending.claim.get("claim_id")
    context = {
        **context,
        "adjudicated_claim_ids": [
            known for known in context.get("adjudicated_claim_ids", ()) if known != claim_id
        ],
    }
    if pending.documentation_requested_on is not None:
        context["documentation_requested_on"] = pending.documentation_requested_on
    if pending.clinical_reviews:
        context["clinical_reviews"] = list(pending.clinical_reviews)
    return context


def readjudicate(
    pending: PendingClaim, context: dict[str, Any], trigger: Trigger
) -> DecisionRecord:
    """Decide the stored request again under the version of its first record, with
    `supersedes` and `trigger` set (L.2). `context` is the snapshot as it is now
    (`lifecycle_context`), its processing_date the trigger's."""
    try:
        request = parse_request({"claim": pending.claim, "context": context}, strict_json=True)
    except Exception as error:  # noqa: BLE001 - a stored request the model refuses: never lost
        record = internal_error_record(
            pending.claim, context.get("processing_date"), error, context
        )
    else:
        record = decide_or_pend(request, normalise_version(pending.policy_version))
    return superseding(record, pending, trigger)


def superseding(record: DecisionRecord, pending: PendingClaim, trigger: Trigger) -> DecisionRecord:
    """The record with `supersedes` (the pended claim's latest record) and `trigger` (L.2).
    Every field is given (the engine builds its records so): `construct`, not `model_copy`,
    whose copies of pydantic's bookkeeping double the cost (24k against 11k instructions a
    follow-up: issue 20)."""
    values = {**record.__dict__, "supersedes": pending.decision_id, "trigger": trigger}
    return construct(DecisionRecord, values)


# [weekday of a date][n]: the weekdays among the n days after it (n < 7), so that every final
# record counts its business days without a loop over them (3.0 -> 0.5 us: issue 20).
_WEEKDAYS_AFTER = tuple(
    tuple(sum((weekday + offset) % 7 < 5 for offset in range(1, extra + 1)) for extra in range(7))
    for weekday in range(7)
)


def business_days_between(first: str, last: str) -> int | None:
    """Weekdays from `first` to `last` (first excluded): the CMS-style figure of how long a
    claim took. Choice: the plan's holidays are not known to the worker, so only Saturdays
    and Sundays are left out."""
    start, end = iso_date(first), iso_date(last)
    if start is None or end is None or end < start:
        return None
    weeks, extra = divmod((end - start).days, 7)
    return weeks * 5 + _WEEKDAYS_AFTER[start.weekday()][extra]
