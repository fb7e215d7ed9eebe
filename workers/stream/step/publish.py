"""What a decision becomes: the record stamped, with the headers an auditor replays it from,
sized against its topic (a small internal-error pend when it can never fit), the member's
history and pended claims updated, and the optional FHIR bundle and notices beside it."""

from __future__ import annotations

from typing import Any

from models import json_codec
from models.decision import DecisionRecord
from models.envelope import claim_key
from policy import lifecycle
from policy.downstream.fhir_claim_response import claim_response
from policy.downstream.fhir_common import bundle
from policy.downstream.fhir_eob import explanation_of_benefit
from policy.downstream.notice import AUDIENCES, build_notice
from policy.downstream.notice.writers import write_html, write_text
from policy.engine import internal_error_record
from policy.lifecycle import PendingClaim
from policy.member_history import MemberState
from workers.stamp import stamp
from workers.stream.step.outcome import Destination, Headers, Outcome, Output, Tables


def publish(
    decided: DecisionRecord,
    claim: dict[str, Any],
    context: dict[str, Any] | None,
    *,
    event_id: str,
    state: MemberState,
    tables: Tables,
    previous: PendingClaim | None,
) -> Outcome:
    """The record stamped, sized and sent; the member's history and pended claims updated."""
    record = stamp(decided, tables.now)
    key = claim_key(claim, event_id)
    output = Output(
        Destination.DECISION, key, record.to_json(), decision_headers(record, event_id, context)
    )
    limit = tables.limits.get(Destination.DECISION)
    too_large = limit is not None and output.size > limit
    if too_large:
        record, output = _too_large(record, claim, context, output, tables)
    outcome = Outcome(
        records=[record], outputs=[output], internal_error_stage="publish" if too_large else None
    )
    state.record(claim, record)
    claim_id = record.claim_id
    if isinstance(claim_id, str):
        kept = lifecycle.track(previous, claim, record, context) if record.error is None else None
        if kept is not None:
            state.pending[claim_id] = kept
        else:
            state.pending.pop(claim_id, None)
        # A deadline denial is final too, though kept (L.4 item 3); an internal error is not.
        if previous is not None and previous.is_pending and record.decision != "pend":
            days = lifecycle.business_days_between(
                previous.first_processing_date, record.processing_date or ""
            )
            outcome.finished_days.extend([] if days is None else [days])
    if tables.publish_fhir:
        fhir = Output(
            Destination.FHIR,
            key,
            fhir_bundle(record, claim, context),
            [("decision", record.decision.encode())],
        )
        fhir_limit = tables.limits.get(Destination.FHIR)
        # The decision is what the contract promises; a FHIR copy too big for its topic is left
        # out (the decision record says everything it would).
        if fhir_limit is None or fhir.size <= fhir_limit:
            outcome.outputs.append(fhir)
    if tables.notice_plan is not None:
        outcome.outputs.extend(notice_outputs(record, claim, context, key, tables))
    return outcome


def decision_headers(
    record: DecisionRecord, event_id: str, context: dict[str, Any] | None
) -> Headers:
    """`decision` for consumers that filter without decoding; the input event and the
    enrichment snapshot the engine saw, so that an auditor can replay the decision from the
    topics alone (workers/replay/join.py reads them)."""
    headers = [("decision", record.decision.encode()), ("input.event_id", event_id.encode())]
    if context is not None:
        headers.append(("enrichment.snapshot", json_codec.dumps(context)))
    return headers


def fhir_bundle(
    record: DecisionRecord, claim: dict[str, Any], context: dict[str, Any] | None
) -> bytes:
    """The decision as FHIR R4 (ClaimResponse + ExplanationOfBenefit in a collection Bundle),
    rendered from the same record and request as the decision itself."""
    decision = record.to_dict()
    request = {"claim": claim, "context": context}
    return json_codec.dumps(
        bundle([claim_response(decision, request), explanation_of_benefit(decision, request)])
    )


def notice_outputs(
    record: DecisionRecord,
    claim: dict[str, Any],
    context: dict[str, Any] | None,
    key: bytes,
    tables: Tables,
) -> list[Output]:
    """The decision's notices, one record per audience ({"text", "html"}), for the systems that
    mail members and serve providers. A notice too big for its topic is left out, as FHIR is."""
    decision, request = record.to_dict(), {"claim": claim, "context": context or {}}
    limit = tables.limits.get(Destination.NOTICE)
    outputs = []
    for audience in AUDIENCES:
        notice = build_notice(decision, request, audience, tables.notice_plan)
        value = json_codec.dumps({"text": write_text(notice), "html": write_html(notice)})
        headers = [("audience", audience.encode()), ("decision", record.decision.encode())]
        output = Output(Destination.NOTICE, key, value, headers)
        if limit is None or output.size <= limit:
            outputs.append(output)
    return outputs


class RecordTooLarge(Exception):
    """A decision record larger than the decision topic accepts."""


def _too_large(
    record: DecisionRecord,
    claim: dict[str, Any],
    context: dict[str, Any] | None,
    output: Output,
    tables: Tables,
) -> tuple[DecisionRecord, Output]:
    """A record that can never fit is replaced by a small P2 `internal_error` pend naming the
    sizes, so the claim is decided, visible and can be re-run, never lost in a failed send.

    Choice: a pend rather than a dead letter at hop 1. The envelope is valid and the contract
    reads a failure to produce a claim's decision as an internal error; a real claim never gets
    here (an 837P carries at most 50 service lines, an 837I 999: far below the limit). The
    snapshot header is left out: it is what makes such a record big.
    """
    limit = tables.limits[Destination.DECISION]
    error = RecordTooLarge(
        f"decision record of {output.size} bytes is larger than the {limit} bytes its topic accepts"
    )
    small = internal_error_record(claim, record.processing_date, error, context)
    small = stamp(
        small.model_copy(update={"supersedes": record.supersedes, "trigger": record.trigger}),
        tables.now,
    )
    # The input event's id stays; the snapshot header, what makes such a record big, goes.
    headers = [(name, value) for name, value in output.headers if name != "enrichment.snapshot"]
    headers[0] = ("decision", small.decision.encode())
    return small, Output(Destination.DECISION, output.key, small.to_json(), headers)
