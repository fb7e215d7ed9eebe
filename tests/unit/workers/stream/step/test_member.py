"""Hop 2 (workers/stream/step/member.py): a member's claim decided with its state, a duplicate,
an out-of-scope claim, an internal error, a history import, a claim parked for its member's
eligibility and released, a bad forward dead-lettered with its origin; and, with no follow-up,
the worker's first record of every public case is offline `decide`'s."""

from __future__ import annotations

import orjson
import pytest

from models.decision import DecisionRecord
from models.envelope import decode_forwarded
from policy.member_history import MemberState
from tests.unit.workers.stream.step.messages import (
    CASES,
    NOW,
    SEED,
    Record,
    References,
    adjudicate,
    envelope,
    references_of,
)
from tests.unit.workers.stream.step.partition import Worker
from workers.jsonl import RawLine
from workers.offline.adjudicate import adjudicate_line
from workers.stream.step import member
from workers.stream.step.outcome import Destination, Origin, Outcome, Tables


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


def test_enrichment_failure_is_a_p2_internal_error_pend(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise LookupError("reference table unavailable")

    monkeypatch.setattr(member, "build_context", broken)
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
    outcome = member.adjudicate(forwarded, MemberState(), Tables(References(), NOW))
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
    assert member.is_history_import(record)
    outcome = member.import_history(record, MemberState())
    assert outcome.imported and outcome.outputs == []
    assert outcome.state is not None
    assert (outcome.state.history, outcome.state.adjudicated) == ([item], ["OLD-1"])


def by_member(value: bytes, state: MemberState, refs: References, clock: float) -> Outcome:
    record = Record(
        value,
        topic="claims-by-member",
        headers=Origin(b"CLM-ITDD-0001", "claims.submitted.v1", 2, 41).headers(),
    )
    return member.by_member(record, state, Tables(refs, NOW), clock=clock, grace_seconds=2.0)


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
    assert member.release(state, Tables(References(), NOW), clock=read_at + 1) is None
    released = member.release(state, Tables(references_of(SEED), NOW), clock=read_at + 1)
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
    released = member.release(state, Tables(References(), NOW), clock=read_at + 2.0)
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


def test_a_pend_past_its_deadline_by_the_known_business_date_is_finalized_at_once() -> None:
    """The calendar opened 2026-04-17 before the seed (processed for 2026-03-02) arrived: its
    records were due 2026-04-16, so it is denied CO-226 now, not at the next date (L.4 item 2)."""
    forwarded = decode_forwarded(envelope(SEED))
    tables = Tables(references_of(SEED), NOW, business_date="2026-04-17")
    outcome = member.adjudicate(forwarded, MemberState(), tables)
    pend, denial = outcome.records
    assert (pend.decision, denial.decision, denial.carc) == ("pend", "deny", "226")
    assert (denial.supersedes, denial.trigger) == (pend.decision_id, "documentation_deadline")
    assert denial.processing_date == "2026-04-17"


# -- with no follow-up, the worker's records are offline `decide`'s -----------------------------


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_a_first_record_is_the_offline_decision_byte_for_byte(case_id: str) -> None:
    case = CASES[case_id]
    worker = Worker.of(case)
    # The eligibility topic's record as the case has it, `found: false` ones too (TC-054).
    member_id = case["claim"]["member"]["member_id"]
    worker.references.eligibility[member_id] = case["context"]["eligibility"]
    history = {
        "claims_history": case["context"]["claims_history"],
        "adjudicated_claim_ids": case["context"]["adjudicated_claim_ids"],
    }
    worker.import_history(case, history)
    outcome = worker.submit(case)
    [record] = outcome.records
    offline = adjudicate_line(
        RawLine(1, orjson.dumps({"claim": case["claim"], "context": case["context"]}))
    )
    assert isinstance(offline, DecisionRecord)
    unstamped = record.model_copy(update={"decision_id": None, "decided_at": None})
    assert unstamped.to_json() == offline.to_json()
    assert (record.supersedes, record.trigger) == (None, "claim_submitted")
