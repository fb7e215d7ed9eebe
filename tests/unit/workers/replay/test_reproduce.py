"""Replay under the original versions: every decision reproduces byte for byte on every field
but decision_id/decided_at; anything else is an alarm (exit status 3), listed in the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tests.unit.workers.replay.helpers import (
    CASES_FILE,
    history_record,
    public_history,
    replay,
    write_lines,
)
from workers.replay.inputs import NO_REQUEST, NO_SNAPSHOT
from workers.replay.report import EXIT_ALARM, EXIT_INCOMPLETE, EXIT_OK


def test_public_cases_reproduce_from_their_full_records(tmp_path: Path) -> None:
    history = public_history()
    report, lines = replay(write_lines(tmp_path / "h.jsonl", history), tmp_path / "out.jsonl")

    assert report.counts["reproduced"] == 64
    assert report.exit_status == EXIT_OK and not report.alarm
    assert report.partial_originals == 0
    replayed = [orjson.loads(line) for line in lines]
    for original, new in zip(history, replayed, strict=True):
        assert new["decision_id"] != original["decision"]["decision_id"]  # a new record
        assert {k: v for k, v in new.items() if k not in ("decision_id", "decided_at")} == {
            k: v for k, v in original["decision"].items() if k not in ("decision_id", "decided_at")
        }


def test_public_case_file_reproduces_with_unchecked_fields_reported(tmp_path: Path) -> None:
    report, _ = replay(CASES_FILE, tmp_path / "out.jsonl")

    assert report.counts["reproduced"] == 64
    assert report.exit_status == EXIT_OK
    # `expected` has no provenance fields: they are reported as not checked, not as passed.
    assert {"policy_version", "input_digest", "reference_versions"} <= report.unchecked_fields
    assert report.summary()["partial_originals"] == 64


def tampered(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    history[5]["decision"]["carc"] = "96"  # TC-006 approve: a denial code slipped in
    history[7]["decision"]["input_digest"] = "0" * 64  # TC-008: other inputs than we have
    history[9]["decision"]["policy_version"] = "ITDD-1.1.0"  # TC-010: wrong version claimed
    return history


def test_tampered_records_are_reported_as_not_reproduced(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "h.jsonl", tampered(public_history()))
    report, lines = replay(path, tmp_path / "out.jsonl")

    assert report.counts["not_reproduced"] == 3
    assert report.counts["reproduced"] == 61
    assert report.alarm and report.exit_status == EXIT_ALARM
    entries = {e["line"]: e for e in report.entries("not_reproduced")}
    assert entries[6]["fields"] == ["carc"] and entries[6]["input_mismatch"] is False
    assert entries[8]["fields"] == ["input_digest"] and entries[8]["input_mismatch"] is True
    assert entries[10]["fields"] == ["policy_version"]
    assert entries[6]["original"]["carc"] == "96" and entries[6]["replayed"]["carc"] is None
    assert len(lines) == 64  # the replayed records are still written


def test_a_number_written_differently_is_a_difference(tmp_path: Path) -> None:
    """Byte for byte: 70 and 70.0 are equal in Python but not in the published JSON."""
    record = history_record("ITDD-TC-006")
    record["request"]["claim"]["documentation"]["trial_result_percent_relief"] = 70
    record = history_record_with(record)
    record["decision"]["trial_result_percent_relief"] = 70.0
    report, _ = replay(write_lines(tmp_path / "h.jsonl", [record]), tmp_path / "out.jsonl")

    assert report.counts["not_reproduced"] == 1
    assert next(report.entries("not_reproduced"))["fields"] == ["trial_result_percent_relief"]


def history_record_with(record: dict[str, Any]) -> dict[str, Any]:
    from models.request import parse_request
    from policy.engine import decide

    record["decision"] = decide(parse_request(record["request"])).to_dict()
    return record


def test_records_without_request_or_snapshot_are_reported_not_skipped(tmp_path: Path) -> None:
    full = history_record("ITDD-TC-002")
    bare_decision = full["decision"]
    no_snapshot = {
        "request": {"claim": full["request"]["claim"], "context": None},
        "decision": full["decision"],
    }
    path = write_lines(tmp_path / "h.jsonl", [full, bare_decision, no_snapshot])
    report, lines = replay(path, tmp_path / "out.jsonl")

    assert report.counts["reproduced"] == 1
    assert report.counts["not_replayable"] == 2
    assert report.exit_status == EXIT_INCOMPLETE
    reasons = {e["line"]: e["reason"] for e in report.entries("not_replayable")}
    assert reasons == {2: NO_REQUEST, 3: NO_SNAPSHOT}
    assert all(e["claim_id"] == "CLM-ITDD-0002" for e in report.entries("not_replayable"))
    assert orjson.loads(lines[2])["not_replayable"]["reason"] == NO_SNAPSHOT


def test_later_claims_replay_under_the_version_in_force_for_them(tmp_path: Path) -> None:
    """§1.6: a claim decided under 1.1.0 (DOS and processing on/after 2026-07-01) reproduces
    under 1.1.0 without naming a version."""
    record = history_record("ITDD-TC-061")
    request = record["request"]
    request["claim"]["service_date"] = "2026-07-15"
    for line in request["claim"]["lines"]:
        line["service_date"] = "2026-07-15"
    request["context"]["processing_date"] = "2026-07-20"
    record = history_record_with(record)
    assert record["decision"]["policy_version"] == "ITDD-1.1.0"

    report, _ = replay(write_lines(tmp_path / "h.jsonl", [record]), tmp_path / "out.jsonl")
    assert report.counts["reproduced"] == 1


def test_records_from_before_line_rule_ids_reproduce_with_the_field_unchecked(
    tmp_path: Path,
) -> None:
    history = public_history()
    for item in history:
        del item["decision"]["line_rule_ids"]
    report, lines = replay(write_lines(tmp_path / "h.jsonl", history), tmp_path / "out.jsonl")

    assert report.counts["reproduced"] == 64 and report.exit_status == EXIT_OK
    assert report.unchecked_fields == {"line_rule_ids"} and report.partial_originals == 64
    assert all("line_rule_ids" in orjson.loads(line) for line in lines)  # today's record


def test_line_rule_ids_are_compared_when_the_original_has_them(tmp_path: Path) -> None:
    record = history_record("ITDD-TC-023")
    # MN-05 of line 3 (baclofen) said to come from line 2 alone: the claim's rule_ids still agree.
    record["decision"]["line_rule_ids"][2]["rule_ids"] = ["ITDD-MN-03"]
    report, _ = replay(write_lines(tmp_path / "h.jsonl", [record]), tmp_path / "out.jsonl")

    assert report.counts["not_reproduced"] == 1 and report.exit_status == EXIT_ALARM
    entry = next(report.entries("not_reproduced"))
    assert entry["fields"] == ["line_rule_ids"]
    assert (entry["rules_removed"], entry["rules_added"]) == ([], [])
