"""`claims-adjudicator render`: history records or decisions joined to requests, one rendering
per input, bad lines reported by number while the rest is rendered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from models.request import parse_request
from policy.engine import decide
from tests.cases import load_cases
from workers.cli import main


@pytest.fixture(scope="module")
def history() -> list[dict[str, Any]]:
    """Every public case as a history record {"request", "decision"}."""
    out = []
    for case in load_cases():
        request = {"claim": case["claim"], "context": case["context"]}
        out.append({"request": request, "decision": decide(parse_request(request)).to_dict()})
    return out


def write_lines(path: Path, values: list[Any], *, extra: tuple[bytes, ...] = ()) -> Path:
    path.write_bytes(b"".join(orjson.dumps(v) + b"\n" for v in values) + b"".join(extra))
    return path


def test_notices_one_per_history_record_and_bad_lines_by_number(
    history: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "h.jsonl", history, extra=(b"{not json\n", b"[1]\n"))
    assert main(["render", "--to", "notice-text", str(source)]) == 1
    out, err = capsys.readouterr()
    assert out.count("NOTICE OF DECISION ON A CLAIM") == len(history)
    bad = len(history) + 1
    assert f"line {bad}: not valid JSON" in err
    assert f"line {bad + 1}: not a JSON object" in err


def test_decisions_joined_to_requests_by_claim_id(
    history: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decisions = write_lines(tmp_path / "d.jsonl", [h["decision"] for h in history])
    cases = Path(__file__).resolve().parents[4] / "samples" / "cases.jsonl"
    out_dir = tmp_path / "notices"
    args = ["--to", "notice-html", str(decisions), "--requests", str(cases)]
    code = main(["render", *args, "--out-dir", str(out_dir)])
    assert code == 0, capsys.readouterr().err
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == sorted(f"{h['decision']['claim_id']}.html" for h in history)
    seed = (out_dir / "CLM-ITDD-0001.html").read_text()
    assert seed.startswith("<!DOCTYPE html>") and "ITDD-EI-01" in seed


def test_several_html_notices_need_an_out_dir(
    history: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "h.jsonl", history[:2])
    assert main(["render", "--to", "notice-html", str(source)]) == 2
    assert "--out-dir" in capsys.readouterr().err


def test_a_decision_without_its_request_is_reported(
    history: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = write_lines(tmp_path / "r.jsonl", [history[0]["request"]])
    decisions = write_lines(tmp_path / "d.jsonl", [h["decision"] for h in history[:2]])
    code = main(["render", "--to", "notice-text", str(decisions), "--requests", str(requests)])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.count("NOTICE OF DECISION ON A CLAIM") == 1
    missing = history[1]["decision"]["claim_id"]
    assert f"line 2: no request with claim_id {missing!r}" in err


def test_a_request_that_is_not_the_decided_one_is_refused_by_line(
    history: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    swapped = {"request": history[1]["request"], "decision": history[0]["decision"]}
    source = write_lines(tmp_path / "h.jsonl", [swapped, history[2]])
    assert main(["render", "--to", "notice-text", str(source)]) == 1
    out, err = capsys.readouterr()
    assert out.count("NOTICE OF DECISION ON A CLAIM") == 1
    assert "line 1: cannot render" in err


@pytest.mark.parametrize("fmt", ["fhir-claimresponse", "fhir-eob"])
def test_fhir_bundle_or_ndjson(
    fmt: str, history: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "h.jsonl", history)
    assert main(["render", "--to", fmt, str(source)]) == 0
    bundle = json.loads(capsys.readouterr().out)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    decided = [h for h in history if h["decision"]["decision"] != "ignore"]
    assert len(bundle["entry"]) == len(decided) < len(history)  # out of scope: not rendered
    assert main(["render", "--to", fmt, "--ndjson", str(source)]) == 0
    lines = capsys.readouterr().out.splitlines()
    kind = "ClaimResponse" if fmt == "fhir-claimresponse" else "ExplanationOfBenefit"
    assert [json.loads(line)["resourceType"] for line in lines] == [kind] * len(decided)


def test_x12_one_interchange_one_transaction_per_claim(
    history: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "h.jsonl", history)
    assert main(["render", "--to", "x12-277", str(source)]) == 0
    segments = [s.strip() for s in capsys.readouterr().out.split("~") if s.strip()]
    assert [s[:3] for s in segments].count("ISA") == 1
    decided = [h for h in history if h["decision"]["decision"] != "ignore"]
    assert sum(1 for s in segments if s.startswith("ST*277*")) == len(decided)
