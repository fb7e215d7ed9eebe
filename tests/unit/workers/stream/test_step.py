"""The pure step of each hop: every path of one event, with plain values and no broker."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from models.envelope import EnvelopeError, decode_forwarded
from policy.member_history import MemberState
from tests.cases import load_cases
from workers.stream import step
from workers.stream.step import Destination

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


def adjudicate(case: dict[str, Any], state: MemberState, **kwargs: Any) -> step.Outcome:
    forwarded = decode_forwarded(envelope(case, kwargs.pop("event_id", "evt-1")))
    return step.adjudicate(forwarded, state, step.Tables(references_of(case), NOW, **kwargs))


def test_intake_forwards_the_original_bytes_keyed_by_member() -> None:
    value = envelope(SEED)
    outcome = step.intake(Record(value, key=b"CLM-ITDD-0001"))
    assert [(o.destination, o.key, o.value) for o in outcome.outputs] == [
        (Destination.FORWARD, b"m:" + SEED["claim"]["member"]["member_id"].encode(), value)
    ]
    assert outcome.dead_letter is None and outcome.state is None


def test_intake_dead_letters_with_exactly_the_contract_headers() -> None:
    outcome = step.intake(Record(b"{not json", key=b"k"))
    [dead] = outcome.outputs
    assert (dead.destination, dead.key, dead.value) == (Destination.DEAD_LETTER, b"k", b"{not json")
    assert [name for name, _ in dead.headers] == [
        "error.class",
        "error.message",
        "error.stage",
        "source.topic",
        "source.partition",
        "source.offset",
    ]
    values = dict(dead.headers)
    assert (values["error.class"], values["error.stage"]) == (b"JSONDecodeError", b"decode")
    assert (values["source.partition"], values["source.offset"]) == (b"2", b"41")


def test_dead_letter_message_is_cut_at_500_characters() -> None:
    error = EnvelopeError("JSONDecodeError", "decode", "x" * 2000)
    values = dict(step.dlq_headers(error, "claims.submitted.v1", 2, 41))
    assert len(values["error.message"]) == 500


def test_the_seed_is_decided_with_its_snapshot_and_recorded_in_the_state() -> None:
    state = MemberState()
    outcome = adjudicate(SEED, state)
    assert outcome.record is not None
    assert (outcome.record.decision, outcome.record.claim_status_category) == (
        SEED["expected"]["decision"],
        SEED["expected"]["claim_status_category"],
    )
    [decision] = outcome.outputs
    assert decision.destination is Destination.DECISION
    assert decision.key == SEED["claim"]["claim_id"].encode()
    headers = dict(decision.headers)
    assert headers["decision"] == outcome.record.decision.encode()
    assert headers["input.event_id"] == b"evt-1"
    assert orjson.loads(headers["enrichment.snapshot"])["processing_date"] == "2026-03-02"
    assert orjson.loads(decision.value or b"")["decided_at"] == "2026-03-02T14:03:00.000Z"
    assert outcome.state is state and state.seen("evt-1")


def test_a_redelivered_event_is_a_duplicate_with_no_output() -> None:
    state = MemberState()
    adjudicate(SEED, state)
    again = adjudicate(SEED, state)
    assert again.duplicate and again.outputs == [] and again.state is None


def test_an_out_of_scope_claim_publishes_and_records_nothing() -> None:
    ignored = next(case for case in CASES.values() if case["expected"]["decision"] == "ignore")
    state = MemberState()
    outcome = adjudicate(ignored, state)
    assert outcome.record is not None and outcome.record.decision == "ignore"
    assert outcome.outputs == [] and outcome.state is None and state.events == []


def test_fhir_bundle_is_published_beside_the_decision_when_asked() -> None:
    outcome = adjudicate(SEED, MemberState(), publish_fhir=True)
    destinations = [output.destination for output in outcome.outputs]
    assert destinations == [Destination.DECISION, Destination.FHIR]
    bundle = orjson.loads(outcome.outputs[1].value or b"")
    assert [entry["resource"]["resourceType"] for entry in bundle["entry"]] == [
        "ClaimResponse",
        "ExplanationOfBenefit",
    ]


def test_enrichment_failure_is_a_p2_internal_error_pend(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise LookupError("reference table unavailable")

    monkeypatch.setattr(step, "build_context", broken)
    outcome = adjudicate(SEED, MemberState())
    record = outcome.record
    assert record is not None and outcome.internal_error_stage == "enrichment"
    assert (record.decision, record.claim_status_category) == ("pend", "P2")
    assert record.pend is not None and record.pend.reasons == ["internal_error"]
    assert record.error is not None and record.error.error_class == "LookupError"
    # An internal error is published (a claim is never lost) but adds no history.
    assert [output.destination for output in outcome.outputs] == [Destination.DECISION]
    assert outcome.state is not None and outcome.state.history == []


def test_without_eligibility_the_member_is_not_found() -> None:
    forwarded = decode_forwarded(envelope(SEED))
    outcome = step.adjudicate(forwarded, MemberState(), step.Tables(References(), NOW))
    assert outcome.record is not None and outcome.record.rule_ids == ["ITDD-ELIG-01"]


def test_a_history_import_merges_into_the_member_state() -> None:
    item = {
        "claim_id": "OLD-1",
        "service_date": "2026-01-05",
        "procedure_code": "62327",
        "agent": "baclofen",
        "decision": "approve",
    }
    value = orjson.dumps({"claims_history": [item], "adjudicated_claim_ids": ["OLD-1"]})
    record = Record(value, headers=[("kind", b"history-import")])
    assert step.is_history_import(record)
    outcome = step.import_history(record, MemberState())
    assert outcome.imported and outcome.outputs == []
    assert outcome.state is not None
    assert (outcome.state.history, outcome.state.adjudicated) == ([item], ["OLD-1"])


def by_member(value: bytes, state: MemberState, refs: References, clock: float) -> step.Outcome:
    record = Record(
        value,
        topic="claims-by-member",
        headers=step.Origin(b"CLM-ITDD-0001", "claims.submitted.v1", 2, 41).headers(),
    )
    return step.by_member(record, state, step.Tables(refs, NOW), clock=clock, grace_seconds=2.0)


def test_a_claim_without_eligibility_is_parked_and_released_when_the_record_arrives() -> None:
    """Issue 18 item 2: the wait is the member's alone, kept in its state, not the worker's."""
    state = MemberState()
    read_at = NOW.timestamp()
    parked = by_member(envelope(SEED), state, References(), read_at)
    assert parked.parked and parked.outputs == [] and parked.state is state
    assert [entry["until"] for entry in state.parked] == [read_at + 2.0]
    # The member's next event queues behind it, whatever it is.
    second = by_member(envelope(SEED, "evt-2"), state, references_of(SEED), read_at + 0.1)
    assert second.parked and len(state.parked) == 2
    assert step.release(state, step.Tables(References(), NOW), clock=read_at + 1) is None
    released = step.release(state, step.Tables(references_of(SEED), NOW), clock=read_at + 1)
    assert released is not None and state.parked == []
    # In arrival order; the re-sent claim (a new event id) re-decides the pend it replaces.
    first, again = released.records
    assert (first.decision, again.decision) == ("pend", "pend")
    assert (first.supersedes, again.supersedes) == (None, first.decision_id)


def test_a_parked_claim_is_decided_when_its_grace_is_over_whatever_its_occurred_at() -> None:
    state = MemberState()
    future = orjson.loads(envelope(SEED))
    future["occurred_at"] = "9999-12-31T23:59:59-14:00"
    read_at = NOW.timestamp()
    by_member(orjson.dumps(future), state, References(), read_at)
    assert state.parked[0]["until"] == read_at + 2.0  # never the sender's clock
    released = step.release(state, step.Tables(References(), NOW), clock=read_at + 2.0)
    assert released is not None and released.record is not None
    assert released.record.rule_ids == ["ITDD-ELIG-01"]


def test_a_backlog_claim_past_its_grace_is_decided_without_parking() -> None:
    state = MemberState()
    outcome = by_member(envelope(SEED), state, References(), NOW.timestamp() + 60)
    assert not outcome.parked and outcome.record is not None
    assert outcome.record.rule_ids == ["ITDD-ELIG-01"]


def test_a_bad_forward_is_dead_lettered_with_the_original_key_and_coordinates() -> None:
    """Issue 18 item 3: never the member key or the internal topic."""
    outcome = by_member(b'{"not": "an envelope"}', MemberState(), References(), 0.0)
    [dead] = outcome.outputs
    assert dead.destination is Destination.DEAD_LETTER and dead.key == b"CLM-ITDD-0001"
    headers = dict(dead.headers)
    assert (headers["source.topic"], headers["source.partition"], headers["source.offset"]) == (
        b"claims.submitted.v1",
        b"2",
        b"41",
    )


def test_a_decision_too_large_for_its_topic_becomes_a_small_internal_error_pend() -> None:
    """Issue 18 item 1: a record that can never fit never loses its claim."""
    forwarded = decode_forwarded(envelope(SEED))
    tables = step.Tables(references_of(SEED), NOW, limits={Destination.DECISION: 1500})
    state = MemberState()
    outcome = step.adjudicate(forwarded, state, tables)
    [decision] = outcome.outputs
    record = orjson.loads(decision.value or b"")
    assert (record["decision"], record["claim_status_category"]) == ("pend", "P2")
    assert record["pend"]["reasons"] == ["internal_error"]
    assert record["error"]["error_class"] == "RecordTooLarge"
    assert decision.size <= 1500 and "enrichment.snapshot" not in dict(decision.headers)
    assert state.seen("evt-1") and state.pending == {}
    assert outcome.internal_error_stage == "publish"  # counted and logged as an internal error


def test_an_integer_beyond_64_bits_crosses_both_hops_as_that_integer() -> None:
    """§2.5 on the worker's path: hop 1 forwards the bytes, hop 2 decodes them exactly (orjson
    alone reads 1e20 as a float, a missing fact: P3 instead of the approval)."""
    case = CASES["ITDD-TC-006"]
    claim = copy.deepcopy(case["claim"])
    claim["documentation"]["conservative_therapy_failed_months"] = "@@MONTHS@@"
    raw = envelope({**case, "claim": claim}).replace(b'"@@MONTHS@@"', b"1" + b"0" * 20)
    [forward] = step.intake(Record(raw)).outputs
    assert forward.destination is Destination.FORWARD and forward.value == raw
    outcome = step.adjudicate(
        decode_forwarded(forward.value), MemberState(), step.Tables(references_of(case), NOW)
    )
    assert outcome.record is not None
    assert (outcome.record.decision, outcome.record.claim_status_category) == ("approve", "F1")


def test_notices_are_published_per_audience_when_a_plan_is_configured() -> None:
    from policy.downstream.notice import sample_plan_config

    forwarded = decode_forwarded(envelope(SEED))
    tables = step.Tables(references_of(SEED), NOW, notice_plan=sample_plan_config())
    outcome = step.adjudicate(forwarded, MemberState(), tables)
    decision, *notices = outcome.outputs
    assert decision.destination is Destination.DECISION
    assert [(n.destination, n.key, dict(n.headers)["audience"]) for n in notices] == [
        (Destination.NOTICE, b"CLM-ITDD-0001", b"member"),
        (Destination.NOTICE, b"CLM-ITDD-0001", b"provider"),
    ]
    member = orjson.loads(notices[0].value or b"")
    assert "April 16, 2026" in member["text"] and member["html"].startswith("<!DOCTYPE html>")
    assert "ITDD-DOC-01" not in member["text"]  # rule ids are for the provider's notice


def test_a_pend_past_its_deadline_by_the_known_business_date_is_finalized_at_once() -> None:
    """The calendar opened 2026-04-17 before the seed (processed for 2026-03-02) arrived: its
    records were due 2026-04-16, so it is denied CO-226 now, not at the next date (L.4 item 2)."""
    forwarded = decode_forwarded(envelope(SEED))
    tables = step.Tables(references_of(SEED), NOW, business_date="2026-04-17")
    outcome = step.adjudicate(forwarded, MemberState(), tables)
    pend, denial = outcome.records
    assert (pend.decision, denial.decision, denial.carc) == ("pend", "deny", "226")
    assert (denial.supersedes, denial.trigger) == (pend.decision_id, "documentation_deadline")
    assert denial.processing_date == "2026-04-17"
