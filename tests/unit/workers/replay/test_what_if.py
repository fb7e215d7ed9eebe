"""What-if 1.0.0 → 1.1.0 over the public cases: exactly the four changes of
policy-changes-1.1.0.md §4, with both decisions and the rules that changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.unit.workers.replay.helpers import CASES_FILE, public_history, replay, write_lines
from workers.replay.render import render_html, render_text, write_reports

# policy-changes-1.1.0.md §4, as (from, to) -> [(rules removed, rules added, claims)]
EXPECTED_TRANSITIONS = {
    ("deny CO-16/N657", "deny CO-55/N623"): [
        (["ITDD-DRUG-02"], ["ITDD-EI-03", "ITDD-AGG-01", "ITDD-AGG-02"], 2)
    ],
    ("deny CO-58/N428", "approve"): [
        (["ITDD-COD-02"], ["ITDD-MN-01", "ITDD-MN-05", "ITDD-AGG-01", "ITDD-AGG-02"], 1)
    ],
    ("pend P2", "approve"): [(["ITDD-SAFE-01"], [], 1)],
}
CHANGED_CLAIMS = {
    "CLM-ITDD-0061": ("deny CO-58/N428", "approve"),
    "CLM-ITDD-0062": ("deny CO-16/N657", "deny CO-55/N623"),
    "CLM-ITDD-0063": ("deny CO-16/N657", "deny CO-55/N623"),
    "CLM-ITDD-0064": ("pend P2", "approve"),
}


@pytest.fixture(scope="module")
def history_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lines(tmp_path_factory.mktemp("what-if") / "history.jsonl", public_history())


def transitions(report_json: dict[str, Any]) -> dict[tuple[str, str], Any]:
    return {
        (row["from"], row["to"]): [
            (sub["rules_removed"], sub["rules_added"], sub["claims"]) for sub in row["by_rules"]
        ]
        for row in report_json["transitions"]
    }


def test_what_if_reports_exactly_the_four_changes_of_the_notice(
    history_file: Path, tmp_path: Path
) -> None:
    report, _ = replay(history_file, tmp_path / "out.jsonl", version="1.1.0", processes=2)
    write_reports(report, tmp_path / "report")
    data = orjson.loads((tmp_path / "report" / "report.json").read_bytes())

    assert data["mode"] == "what-if"
    assert data["counts"]["changed"] == 4
    assert data["counts"]["unchanged"] == 60
    assert data["alarm"] is False and data["exit_status"] == 0
    assert transitions(data) == EXPECTED_TRANSITIONS
    assert {c["claim_id"]: (c["from"], c["to"]) for c in data["changed"]} == CHANGED_CLAIMS


def test_changed_claims_carry_both_decisions(history_file: Path, tmp_path: Path) -> None:
    report, _ = replay(history_file, tmp_path / "out.jsonl", version="1.1.0")
    changed = {entry["claim_id"]: entry for entry in report.entries("changed")}

    tc061 = changed["CLM-ITDD-0061"]
    assert tc061["original"]["policy_version"] == "ITDD-1.0.0"
    assert tc061["original"]["rule_ids"] == ["ITDD-COD-02"]
    assert tc061["replayed"]["policy_version"] == "ITDD-1.1.0"
    assert tc061["replayed"]["rule_ids"] == [
        "ITDD-MN-01",
        "ITDD-MN-05",
        "ITDD-AGG-01",
        "ITDD-AGG-02",
    ]
    tc062 = changed["CLM-ITDD-0062"]["replayed"]
    assert {(ld["carc"], tuple(ld["rarc"])) for ld in tc062["line_decisions"]} == {
        ("55", ("N623",))
    }
    assert changed["CLM-ITDD-0064"]["fields"][:2] == ["decision", "claim_status_category"]
    # policy_version and reference_versions differ for every claim: not a change of outcome.
    assert all("policy_version" not in entry["fields"] for entry in changed.values())


def test_what_if_over_the_case_file_with_partial_originals(tmp_path: Path) -> None:
    report, lines = replay(CASES_FILE, tmp_path / "out.jsonl", version="ITDD-1.1.0")

    assert report.counts["changed"] == 4 and report.counts["unchanged"] == 60
    assert {(r["from"], r["to"]) for r in report.transition_rows()} == set(EXPECTED_TRANSITIONS)
    assert report.partial_originals == 64
    assert len(lines) == 64
    assert all(orjson.loads(line)["policy_version"] == "ITDD-1.1.0" for line in lines)


def test_line_rule_ids_change_with_the_rules_and_are_unchecked_on_older_records(
    tmp_path: Path,
) -> None:
    history = public_history()
    report, _ = replay(write_lines(tmp_path / "new.jsonl", history), tmp_path / "a.jsonl", "1.1.0")
    changed = {e["claim_id"]: e["fields"] for e in report.entries("changed")}
    # TC-064: SAFE-01 no longer pends the baclofen line (line 2).
    assert "line_rule_ids" in changed["CLM-ITDD-0064"]

    for item in history:
        del item["decision"]["line_rule_ids"]
    report, _ = replay(write_lines(tmp_path / "old.jsonl", history), tmp_path / "b.jsonl", "1.1.0")
    assert report.counts["changed"] == 4 and report.counts["unchanged"] == 60
    assert all("line_rule_ids" not in e["fields"] for e in report.entries("changed"))
    assert report.unchecked_fields == {"line_rule_ids"}


def test_requests_without_originals_are_compared_with_the_version_in_force(
    tmp_path: Path,
) -> None:
    requests = [
        {"claim": r["request"]["claim"], "context": r["request"]["context"]}
        for r in public_history()
    ]
    report, _ = replay(
        write_lines(tmp_path / "requests.jsonl", requests), tmp_path / "o.jsonl", version="1.1.0"
    )

    assert report.counts["changed"] == 4
    assert {e["baseline"] for e in report.entries("changed")} == {"recomputed"}


def test_text_and_html_show_the_transitions(history_file: Path, tmp_path: Path) -> None:
    report, _ = replay(history_file, tmp_path / "out.jsonl", version="1.1.0")
    text = render_text(report)
    page = render_html(report)

    assert "What-if under ITDD-1.1.0" in text
    assert "deny CO-16/N657 → deny CO-55/N623" in text
    assert "-ITDD-DRUG-02 +ITDD-EI-03 +ITDD-AGG-01 +ITDD-AGG-02" in text
    assert "line 62  CLM-ITDD-0062" in text
    assert page.startswith("<!doctype html>")
    assert "<td>deny CO-58/N428</td>" in page and "CLM-ITDD-0064" in page
