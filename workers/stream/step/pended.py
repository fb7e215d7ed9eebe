"""What decides a pended claim again (claim-lifecycle.md L.4): records received or a review
determination (`follow_up`), a prior authorization that changed or a documentation deadline
the business date passed (`reconcile`, as the sweep calls it). A follow-up that applies to no
pended claim is a dead letter."""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import Any

from models.decision import Trigger
from models.envelope import DocumentationReceived, EnvelopeError, ReviewCompleted
from policy import lifecycle
from policy.engine import internal_error_record
from policy.lifecycle import PendingClaim
from policy.member_history import MemberState, build_context
from workers.stream.step.intake import dead_letter
from workers.stream.step.outcome import Origin, Outcome, Tables
from workers.stream.step.publish import publish

LIFECYCLE_STAGE = "lifecycle"
REJECTIONS = {
    "ClaimNotPending": "claim_id: no pended claim of the member has this id",
    "ReviewNotRequested": "claim_id: the claim does not pend for clinical review",
}


def follow_up(
    event: DocumentationReceived | ReviewCompleted,
    origin: Callable[[], Origin],
    value: bytes | None,
    state: MemberState,
    tables: Tables,
) -> Outcome:
    """Records received or a review completed (L.4): the pended claim re-decided, or a dead
    letter when the event does not apply. An event dated past the claim's documentation
    deadline first finalizes the claim; records dated after the deadline never revive it.
    Where the event came from is read (`origin`) only if a dead letter needs it: 2 us."""
    if state.seen(event.event_id):
        return Outcome(duplicate=True)
    outcome = Outcome(state=state, occurred_at=event.occurred_at)
    pending = state.pending.get(event.claim_id)
    if pending is not None and pending.overdue(event.processing_date):
        outcome.extend(readjudicate(pending, state, tables, event.processing_date))
        pending = state.pending.get(event.claim_id)
    if isinstance(event, ReviewCompleted):
        rejection = lifecycle.review_rejection(pending)
        if rejection is not None:
            return _rejected(outcome, origin, value, rejection)
        assert pending is not None
        pending.clinical_reviews = lifecycle.merge_reviews(
            pending.clinical_reviews, event.reviews, event.processing_date
        )
        trigger: Trigger = "clinical_review_completed"
    else:
        if not lifecycle.documentation_applies(pending, event.processing_date):
            return _rejected(outcome, origin, value, "ClaimNotPending")
        assert pending is not None
        pending.claim = lifecycle.merge_documentation(pending.claim, event.documentation)
        trigger = "documentation_received"
    state.mark_seen(event.event_id)
    outcome.extend(
        readjudicate(pending, state, tables, event.processing_date, trigger, event=event)
    )
    return outcome


def reconcile(
    state: MemberState, tables: Tables, changed_pas: Container[str] | None = None
) -> Outcome | None:
    """What the tables and the business date now settle for the member's pended claims: a
    prior authorization that differs from the one a claim was decided with
    (`prior_authorization_updated`, only for numbers in `changed_pas`; None: every number,
    as when a partition is opened), a documentation deadline the business date passed
    (`documentation_deadline`). None when nothing changed. Fires at most once per change:
    the re-decided claim keeps the PA it saw and is no longer a pend for records."""
    outcome: Outcome | None = None
    business_date = tables.business_date
    for pending in list(state.pending.values()):
        step: Outcome | None = None
        if business_date is not None and pending.overdue(business_date):
            step = readjudicate(pending, state, tables, business_date)
        elif pending.waits_on_pa() and _pa_changed(pending, tables, changed_pas):
            date = max(pending.processing_date, business_date or "")
            step = readjudicate(pending, state, tables, date, "prior_authorization_updated")
        if step is not None:
            if outcome is None:
                outcome = Outcome(state=state)
            outcome.extend(step)
    return outcome


def _pa_changed(pending: PendingClaim, tables: Tables, changed_pas: Container[str] | None) -> bool:
    number = pending.pa_number
    if number is None or (changed_pas is not None and number not in changed_pas):
        return False
    return tables.references.prior_auths.get(number) != pending.prior_authorization


def readjudicate(
    pending: PendingClaim,
    state: MemberState,
    tables: Tables,
    processing_date: str,
    trigger: Trigger = lifecycle.DEADLINE_TRIGGER,
    *,
    event: DocumentationReceived | ReviewCompleted | None = None,
) -> Outcome:
    """The stored request decided again (L.4 item 2) and published."""
    context: dict[str, Any] | None = None
    try:
        context = lifecycle.lifecycle_context(
            build_context(pending.claim, processing_date, tables.references, state), pending
        )
    except Exception as error:  # noqa: BLE001 - a failed enrichment is a P2 pend, never lost
        record = internal_error_record(pending.claim, processing_date, error, context)
        record = lifecycle.superseding(record, pending, trigger)
        stage: str | None = "enrichment"
    else:
        record = lifecycle.readjudicate(pending, context, trigger)
        stage = "engine" if record.error is not None else None
    event_id = event.event_id if event is not None else f"{trigger}:{pending.decision_id}"
    outcome = publish(
        record,
        pending.claim,
        context,
        event_id=event_id,
        state=state,
        tables=tables,
        previous=pending,
    )
    outcome.internal_error_stage = stage or outcome.internal_error_stage
    outcome.triggers.append(trigger)
    return outcome


def _rejected(
    outcome: Outcome, origin: Callable[[], Origin], value: bytes | None, rejection: str
) -> Outcome:
    """An event that does not apply (L.4 item 3): no decision, a dead letter. A deadline
    denial the event's date caused just before is kept (it stands on its own)."""
    error = EnvelopeError(rejection, LIFECYCLE_STAGE, REJECTIONS[rejection])
    outcome.extend(dead_letter(origin(), value, error))
    return outcome
