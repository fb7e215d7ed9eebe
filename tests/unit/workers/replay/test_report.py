"""The report files: report.json streams every entry, the pages escape and cut long lists."""

from __future__ import annotations

from pathlib import Path

import orjson

from workers.replay.render import render_html, render_text, write_reports
from workers.replay.report import ReplayReport
from workers.replay.work import CHANGED, ERROR, REPRODUCED, BlockResult, Outcome


def changed(line: int) -> Outcome:
    detail = {
        "line": line,
        "claim_id": f"<CLM-{line}>",
        "from": "deny CO-16/N657",
        "to": "approve",
        "rules_removed": ["ITDD-DRUG-02"],
        "rules_added": [],
        "fields": ["decision"],
        "original": {"decision": "deny"},
        "replayed": {"decision": "approve"},
    }
    return Outcome(CHANGED, line, b"", None, None, detail)


def report_with(count: int) -> ReplayReport:
    report = ReplayReport(what_if_version="1.1.0", source="in.jsonl", sink="out.jsonl")
    error = Outcome(
        ERROR,
        count + 1,
        b"",
        None,
        None,
        {"line": count + 1, "stage": "decode", "message": "not valid JSON"},
    )
    report.add(
        BlockResult(
            lines=count + 2,
            output=b"",
            counts={CHANGED: count, ERROR: 1, REPRODUCED: 1},
            notable=[changed(n) for n in range(1, count + 1)] + [error],
            records=[],
        )
    )
    return report


def test_report_json_lists_every_entry(tmp_path: Path) -> None:
    report = report_with(2500)
    write_reports(report, tmp_path)
    data = orjson.loads((tmp_path / "report.json").read_bytes())

    assert len(data["changed"]) == 2500 and data["changed"][-1]["line"] == 2500
    assert data["errors"] == [{"line": 2501, "stage": "decode", "message": "not valid JSON"}]
    assert data["transitions"] == [
        {
            "from": "deny CO-16/N657",
            "to": "approve",
            "claims": 2500,
            "by_rules": [{"rules_removed": ["ITDD-DRUG-02"], "rules_added": [], "claims": 2500}],
        }
    ]
    assert data["lines"] == 2502 and data["exit_status"] == 1


def test_pages_cut_long_lists_and_escape() -> None:
    report = report_with(300)
    text, page = render_text(report, limit=10), render_html(report, limit=10)

    assert "… and 290 more (report.json lists all)" in text
    assert "&lt;CLM-1&gt;" in page and "<CLM-1>" not in page
    assert page.count("<details>") == 10
