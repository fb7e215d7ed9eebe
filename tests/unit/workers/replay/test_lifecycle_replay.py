"""Replay of claims' whole lives (claim-lifecycle.md): each record the worker's step published
re-decided from a file of events with the same digests, `supersedes` compared by position in
the claim's chain, `trigger` compared as a field, and a what-if's FINAL outcomes."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from tests.unit.workers.replay.helpers import write_lines
from tests.unit.workers.replay.lifecycle import Life, case, facts, replay_events
from workers.replay.compare import link_holds
from workers.replay.render import render_text
from workers.replay.report import EXIT_ALARM, EXIT_INCOMPLETE, EXIT_OK

STAMPS = ("decision_id", "decided_at", "supersedes")


def seed_approved() -> Life:
    """L.5 row 1: the seed pends P3; TC-002's records arrive on 2026-03-20; approve."""
    seed = case("ITDD-TC-001")
    life = Life.of(seed)
    life.submit(seed)
    life.document(seed, facts("ITDD-TC-002"), "2026-03-20")
    return life


def assert_chain(records: list[dict[str, Any]]) -> None:
    """Each record of the claim supersedes the one before it; the first supersedes nothing."""
    assert records[0]["supersedes"] is None
    for earlier, later in itertools.pairwise(records):
        assert later["supersedes"] == earlier["decision_id"]


def test_the_seed_pended_then_approved_replays_with_equal_digests(tmp_path: Path) -> None:
    life = seed_approved()
    assert [r["decision"] for r in life.records] == ["pend", "approve"]

    report, replayed = replay_events(life.write(tmp_path / "events.jsonl"), tmp_path / "o.jsonl")

    assert report.counts["reproduced"] == 2 and report.exit_status == EXIT_OK
    assert [r["input_digest"] for r in replayed] == [r["input_digest"] for r in life.records]
    assert [r["trigger"] for r in replayed] == ["claim_submitted", "documentation_received"]
    for original, new in zip(life.records, replayed, strict=True):
        assert {k: v for k, v in new.items() if k not in STAMPS} == {
            k: v for k, v in original.items() if k not in STAMPS
        }
    assert_chain(replayed)
    assert replayed[1]["decision_id"] != life.records[1]["decision_id"]  # a new run's ids


def test_every_trigger_of_a_life_replays(tmp_path: Path) -> None:
    """L.5 rows 3, 5 and 6 (records again, the deadline, late records that were in time), a
    PA update and a clinical review: every record reproduces, each chain links in order."""
    seed, pa_pend, outlier = case("ITDD-TC-001"), case("ITDD-TC-027"), case("ITDD-TC-064")
    life = Life.of(seed, pa_pend, outlier)
    for given in (seed, pa_pend, outlier):
        life.submit(given)
    life.document(seed, {"purpose": "idd_trial"}, "2026-03-10")
    life.review(outlier, "dose_appropriate", "2026-03-11")
    [pa] = pa_pend["context"]["prior_authorizations"]
    life.update_pa({**pa, "status": "approved"})
    life.open_date("2026-04-17")
    life.document(seed, facts("ITDD-TC-002"), "2026-04-15")
    triggers = [(r["claim_id"], r["trigger"], r["decision"]) for r in life.records]
    assert triggers[3:] == [
        ("CLM-ITDD-0001", "documentation_received", "pend"),
        ("CLM-ITDD-0064", "clinical_review_completed", "approve"),
        ("CLM-ITDD-0027", "prior_authorization_updated", "approve"),
        ("CLM-ITDD-0001", "documentation_deadline", "deny"),
        ("CLM-ITDD-0001", "documentation_received", "approve"),
    ]

    report, replayed = replay_events(life.write(tmp_path / "events.jsonl"), tmp_path / "o.jsonl")

    assert report.counts["reproduced"] == len(life.records) == 8
    assert report.exit_status == EXIT_OK
    assert [r["input_digest"] for r in replayed] == [r["input_digest"] for r in life.records]
    assert_chain([r for r in replayed if r["claim_id"] == "CLM-ITDD-0001"])
    assert_chain([r for r in replayed if r["claim_id"] == "CLM-ITDD-0027"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("supersedes", "0190f000-0000-7000-8000-000000000000"),
        ("trigger", "prior_authorization_updated"),
    ],
)
def test_a_broken_link_or_another_trigger_does_not_reproduce(
    tmp_path: Path, field: str, value: str
) -> None:
    life = seed_approved()
    life.events[-1]["record"][field] = value  # the approval, as published

    report, _ = replay_events(life.write(tmp_path / "events.jsonl"), tmp_path / "o.jsonl")

    assert report.counts["not_reproduced"] == 1 and report.exit_status == EXIT_ALARM
    [entry] = report.entries("not_reproduced")
    assert entry["fields"] == [field]


def test_link_holds_by_position() -> None:
    assert link_holds({"supersedes": None}, None)
    assert link_holds({"supersedes": "a"}, "a")
    assert not link_holds({"supersedes": "b"}, "a")
    assert not link_holds({"supersedes": None}, "a")
    assert link_holds({}, "a")  # a partial original: unchecked, not contradicted


def test_a_re_adjudication_without_its_earlier_records_is_not_replayable(tmp_path: Path) -> None:
    life = seed_approved()
    pend_line = next(i for i, e in enumerate(life.events) if "record" in e)
    del life.events[pend_line]

    report, _ = replay_events(life.write(tmp_path / "events.jsonl"), tmp_path / "o.jsonl")

    assert report.counts["not_replayable"] == 1 and report.exit_status == EXIT_INCOMPLETE
    [entry] = report.entries("not_replayable")
    assert "earlier records are not in the replayed range" in entry["reason"]


def test_lines_of_an_events_file_that_are_no_event_are_reported(tmp_path: Path) -> None:
    life = seed_approved()
    path = write_lines(tmp_path / "events.jsonl", [*life.events, {"what": "else"}, b"{oops"])

    from workers.replay.events_file import export_events

    stats = export_events(str(path), tmp_path / "history.jsonl")
    assert (stats.decisions, stats.unreadable) == (2, 2)


def test_what_if_reports_changes_of_final_outcomes(tmp_path: Path) -> None:
    """1.0.0 → 1.1.0: TC-064 pends P2 (SAFE-01) under 1.0.0 and not under 1.1.0 (its dose is
    not above 1.1.0's threshold). Reviewed "dose appropriate", its last record approves under
    both, only without SAFE-01 under 1.1.0: the final outcome is the approval's, not the pend's.
    Reviewed "not appropriate" (a copy for another member), its last record denies CO-50 under
    1.0.0 and approves under 1.1.0. TC-061, a claim of one record, changes as before."""
    approved, denied, single = case("ITDD-TC-064"), case("ITDD-TC-064"), case("ITDD-TC-061")
    denied["claim"]["claim_id"] = "CLM-ITDD-0064-B"
    denied["claim"]["member"]["member_id"] = "TSTMBR000640"  # no FREQ-01 from TC-064's history
    life = Life.of(approved, denied, single)
    for given in (approved, denied, single):
        life.submit(given)
    life.review(approved, "dose_appropriate", "2026-03-11")
    life.review(denied, "dose_not_appropriate", "2026-03-11")
    assert [r["decision"] for r in life.records] == ["pend", "pend", "deny", "approve", "deny"]

    report, _ = replay_events(
        life.write(tmp_path / "events.jsonl"), tmp_path / "o.jsonl", version="1.1.0"
    )

    assert report.counts["changed"] == 5  # every record
    finals = {
        e["claim_id"]: (e["from"], e["to"], e["rules_removed"])
        for e in report.entries("final_changed")
    }
    assert finals == {
        "CLM-ITDD-0061": ("deny CO-58/N428", "approve", ["ITDD-COD-02"]),
        "CLM-ITDD-0064": ("approve", "approve", ["ITDD-SAFE-01"]),
        "CLM-ITDD-0064-B": ("deny CO-50/N661", "approve", ["ITDD-SAFE-01"]),
    }
    summary = report.summary()["final_outcomes"]
    assert summary["claims_changed"] == 3
    assert {"from": "deny CO-50/N661", "to": "approve", "claims": 1} in summary["transitions"]
    assert "Final outcomes the what-if changes" in render_text(report)


def test_the_command_replays_a_file_of_events(tmp_path: Path) -> None:
    from workers.cli import main

    path = seed_approved().write(tmp_path / "events.jsonl")
    out = tmp_path / "o.jsonl"
    assert main(["replay", str(path), "--events", "--out", str(out), "--quiet"]) == EXIT_OK
    assert len(out.read_bytes().splitlines()) == 2
    assert main(["replay", str(path), "--events", "--from-topic", "--quiet"]) == 2
