"""Replay of history whose claims hold integers beyond 64 bits (§2.5): decoded as the integers
they are, they reproduce the records decided from json.loads-decoded requests, and the records,
the report and its HTML page carry them (orjson cannot write them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.request import parse_request
from policy.engine import decide
from tests.unit.conftest import request_of
from tests.unit.workers.replay.helpers import replay
from workers.replay.render import write_reports
from workers.stamp import stamp


def history_with(mutate: Any) -> dict[str, Any]:
    request = request_of("ITDD-TC-006")
    mutate(request)
    return {"request": request, "decision": stamp(decide(parse_request(request))).to_dict()}


def months(request: dict[str, Any]) -> None:
    request["claim"]["documentation"]["conservative_therapy_failed_months"] = 10**20


def line_number(request: dict[str, Any]) -> None:
    request["claim"]["lines"][1]["line_number"] = 2**64


def claim_id(request: dict[str, Any]) -> None:
    request["claim"]["claim_id"] = 2**70  # VAL-01 denies it; the record copies it


def test_history_with_long_integers_reproduces(tmp_path: Path) -> None:
    history = [history_with(change) for change in (months, line_number, claim_id)]
    source = tmp_path / "h.jsonl"
    source.write_text("".join(json.dumps(item) + "\n" for item in history))  # exact integers
    report, lines = replay(source, tmp_path / "out.jsonl")

    assert report.counts["reproduced"] == 3, report.summary()
    replayed = [json.loads(line) for line in lines]
    assert [r["decision"] for r in replayed] == ["approve", "approve", "deny"]
    assert replayed[1]["line_decisions"][1]["line_number"] == 2**64
    assert replayed[2]["claim_id"] == 2**70


def test_the_report_carries_long_integers(tmp_path: Path) -> None:
    item = history_with(claim_id)
    item["decision"]["carc"] = "0"  # a difference, so that the report lists both records
    source = tmp_path / "h.jsonl"
    source.write_text(json.dumps(item) + "\n")
    report, _ = replay(source, tmp_path / "out.jsonl")

    assert report.counts["not_reproduced"] == 1
    [entry] = report.entries("not_reproduced")
    assert entry["claim_id"] == 2**70 and entry["original"]["claim_id"] == 2**70
    write_reports(report, tmp_path / "report")
    assert (
        json.loads((tmp_path / "report" / "report.json").read_text())["not_reproduced"][0][
            "replayed"
        ]["claim_id"]
        == 2**70
    )
    assert str(2**70) in (tmp_path / "report" / "report.html").read_text()
