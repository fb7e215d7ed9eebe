"""Member state: what a decision adds to history and adjudicated ids (§3, §E.2, §8.6)."""

from __future__ import annotations

from typing import Any

from models.request import parse_request
from policy.engine import decide
from policy.member_history import MAX_EVENT_IDS, MemberState
from tests.cases import load_cases

CASES = {case["case_id"]: case for case in load_cases()}


def decided(case_id: str, **context: Any) -> tuple[dict[str, Any], Any]:
    case = CASES[case_id]
    record = decide(
        parse_request({"claim": case["claim"], "context": {**case["context"], **context}})
    )
    return case["claim"], record


def test_approved_claim_adds_drug_line_items_and_its_id() -> None:
    claim, record = decided("ITDD-TC-002")
    assert record.decision == "approve"
    state = MemberState()
    assert state.record(claim, record)
    assert state.adjudicated == [claim["claim_id"]]
    assert state.history == [
        {
            "claim_id": claim["claim_id"],
            "service_date": "2026-02-10",
            "procedure_code": "62327",
            "agent": "morphine",
            "decision": "approve",
        }
    ]


def test_pend_adds_history_but_no_adjudicated_id() -> None:
    claim, record = decided("ITDD-TC-001")
    state = MemberState()
    state.record(claim, record)
    assert state.adjudicated == []
    assert [item["decision"] for item in state.history] == ["pend"]


def test_redecided_claim_replaces_its_items_and_never_sees_itself() -> None:
    claim, pend = decided("ITDD-TC-001")
    state = MemberState()
    state.record(claim, pend)
    history, _ = state.snapshot_for(claim["claim_id"])
    assert history == []  # §8.6: its own earlier items are left out
    _, approve = decided("ITDD-TC-002")
    state.record(claim, approve.model_copy(update={"claim_id": claim["claim_id"]}))
    assert [item["decision"] for item in state.history] == ["approve"]


def test_dup_and_internal_error_records_add_nothing() -> None:
    claim, record = decided("ITDD-TC-052")
    assert record.rule_ids == ["ITDD-DUP-01"]
    state = MemberState()
    assert not state.record(claim, record)
    assert (state.history, state.adjudicated) == ([], [])


def test_history_import_and_event_window_round_trip() -> None:
    state = MemberState()
    item = CASES["ITDD-TC-015"]["context"]["claims_history"][0]
    state.merge_import({"claims_history": [item, item], "adjudicated_claim_ids": ["CLM-X"]})
    for n in range(MAX_EVENT_IDS + 5):
        state.mark_seen(f"evt-{n}")
    again = MemberState.decode(state.encode())
    assert again.history == [item] and again.adjudicated == ["CLM-X"]
    assert again.seen(f"evt-{MAX_EVENT_IDS + 4}") and not again.seen("evt-0")
    assert len(again.events) == MAX_EVENT_IDS
