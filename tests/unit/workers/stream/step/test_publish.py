"""What a decision becomes (workers/stream/step/publish.py): the FHIR bundle and the notices
beside the record, a record too large for its topic replaced by a small internal-error pend."""

from __future__ import annotations

import orjson

from models.envelope import decode_forwarded
from policy.member_history import MemberState
from tests.unit.workers.stream.step.messages import (
    NOW,
    SEED,
    adjudicate,
    envelope,
    references_of,
)
from workers.stream.step import member as hop2
from workers.stream.step.outcome import Destination, Tables


def test_fhir_bundle_is_published_beside_the_decision_when_asked() -> None:
    outcome = adjudicate(SEED, MemberState(), publish_fhir=True)
    destinations = [output.destination for output in outcome.outputs]
    assert destinations == [Destination.DECISION, Destination.FHIR]
    bundle = orjson.loads(outcome.outputs[1].value or b"")
    assert [entry["resource"]["resourceType"] for entry in bundle["entry"]] == [
        "ClaimResponse",
        "ExplanationOfBenefit",
    ]


def test_a_decision_too_large_for_its_topic_becomes_a_small_internal_error_pend() -> None:
    """Issue 18 item 1: a record that can never fit never loses its claim."""
    forwarded = decode_forwarded(envelope(SEED))
    tables = Tables(references_of(SEED), NOW, limits={Destination.DECISION: 1500})
    state = MemberState()
    outcome = hop2.adjudicate(forwarded, state, tables)
    [decision] = outcome.outputs
    record = orjson.loads(decision.value or b"")
    assert (record["decision"], record["claim_status_category"]) == ("pend", "P2")
    assert record["pend"]["reasons"] == ["internal_error"]
    assert record["error"]["error_class"] == "RecordTooLarge"
    assert decision.size <= 1500 and "enrichment.snapshot" not in dict(decision.headers)
    assert state.seen("evt-1") and state.pending == {}
    assert outcome.internal_error_stage == "publish"  # counted and logged as an internal error


def test_notices_are_published_per_audience_when_a_plan_is_configured() -> None:
    from policy.downstream.notice import sample_plan_config

    forwarded = decode_forwarded(envelope(SEED))
    tables = Tables(references_of(SEED), NOW, notice_plan=sample_plan_config())
    outcome = hop2.adjudicate(forwarded, MemberState(), tables)
    decision, *notices = outcome.outputs
    assert decision.destination is Destination.DECISION
    assert [(n.destination, n.key, dict(n.headers)["audience"]) for n in notices] == [
        (Destination.NOTICE, b"CLM-ITDD-0001", b"member"),
        (Destination.NOTICE, b"CLM-ITDD-0001", b"provider"),
    ]
    member = orjson.loads(notices[0].value or b"")
    assert "April 16, 2026" in member["text"] and member["html"].startswith("<!DOCTYPE html>")
    assert "ITDD-DOC-01" not in member["text"]  # rule ids are for the provider's notice
