"""The record serialised from its fields (models/record_data.py) is what pydantic dumps, in §8
key order, with a line's criteria lists only when not empty (§8.2)."""

from __future__ import annotations

from typing import Any

from models.decision import DecisionRecord, ErrorInfo
from models.request import parse_request
from policy.engine import decide, internal_error_record
from tests.unit.conftest import CASES, request_of


def dumped(record: DecisionRecord) -> dict[str, Any]:
    expected = record.model_dump()
    for line in expected["line_decisions"]:
        for name in ("criteria_failed", "criteria_missing"):
            if not line[name]:
                del line[name]
    return expected


def test_every_public_record_serialises_as_pydantic_dumps_it() -> None:
    records = [decide(parse_request(request_of(case_id))) for case_id in sorted(CASES)]
    for record in records:
        got = record.to_dict()
        assert got == dumped(record)
        assert list(got) == list(DecisionRecord.model_fields)
    assert any(r.pend is not None for r in records)
    assert any(r.informational_findings for r in records)
    assert any(
        "criteria_missing" in line for r in records for line in r.to_dict()["line_decisions"]
    )


def test_a_copied_record_serialises_its_new_fields_and_an_error() -> None:
    record = decide(parse_request(request_of("ITDD-TC-006")))
    copied = record.model_copy(
        update={"decision_id": "d-2", "error": ErrorInfo(error_class="E", message="m")}
    )
    got = copied.to_dict()
    assert got["decision_id"] == "d-2" and got["error"] == {"error_class": "E", "message": "m"}
    assert got == dumped(copied)
    got["rule_ids"].append("changed")  # the caller owns what it gets back
    assert "changed" not in copied.rule_ids
    # The engine's records share their fields set; a copy gets its own.
    assert record.model_fields_set == set(DecisionRecord.model_fields)
    assert copied.model_fields_set is not record.model_fields_set


def test_a_stored_record_from_before_line_rule_ids_reads_as_none_recorded() -> None:
    stored = decide(parse_request(request_of("ITDD-TC-023"))).to_dict()
    assert list(stored)[list(stored).index("line_decisions") + 1] == "line_rule_ids"
    del stored["line_rule_ids"]
    read = DecisionRecord.model_validate(stored)
    assert read.line_rule_ids == []
    assert read.to_dict() == {**stored, "line_rule_ids": []}


def test_an_internal_error_record_names_no_rule_for_any_line() -> None:
    request = request_of("ITDD-TC-006")
    record = internal_error_record(request["claim"], "2026-03-02", TypeError("x"), None)
    assert (record.rule_ids, record.line_decisions, record.line_rule_ids) == ([], [], [])


def test_records_share_line_rule_entries_but_never_the_lists_they_give() -> None:
    first, second = (decide(parse_request(request_of("ITDD-TC-001"))) for _ in range(2))
    assert first.line_rule_ids[1] is second.line_rule_ids[1]  # one immutable entry
    first.to_dict()["line_rule_ids"][1]["rule_ids"].append("changed")
    assert second.to_dict()["line_rule_ids"][1]["rule_ids"][-1] == "ITDD-DOC-01"
