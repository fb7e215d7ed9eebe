"""Bad input never stops a replay: each bad line is reported with its number and the rest is
replayed; mistakes in the command itself fail before anything runs (exit status 2)."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from tests.unit.workers.replay.helpers import public_history, replay, write_lines
from workers.cli import main
from workers.replay.report import EXIT_INCOMPLETE


def corrupt_history(tmp_path: Path) -> Path:
    lines: list[object] = list(public_history()[:6])
    lines.insert(2, b'{"request": {"claim": {"claim_id": "CLM-ITDD-0003", "lin')  # cut short
    lines.insert(4, b"")  # blank: skipped, but counted for the line numbers
    lines.insert(5, {"request": {"claim": [1, 2], "context": {"processing_date": "2026-03-02"}}})
    lines.insert(7, [1, 2, 3])
    return write_lines(tmp_path / "corrupt.jsonl", lines)


def test_corrupt_lines_are_reported_by_number_and_the_rest_is_replayed(tmp_path: Path) -> None:
    report, lines = replay(corrupt_history(tmp_path), tmp_path / "out.jsonl", processes=2)

    assert report.counts["reproduced"] == 6
    assert report.counts["error"] == 3
    assert report.exit_status == EXIT_INCOMPLETE
    errors = [(e["line"], e["stage"]) for e in report.entries("errors")]
    assert errors == [(3, "decode"), (6, "structure"), (8, "format")]
    # One output line per non-blank input line, in input order.
    outputs = [orjson.loads(line) for line in lines]
    assert [(o.get("error") or {}).get("line") for o in outputs] == [
        None,
        None,
        3,
        None,
        6,
        None,
        8,
        None,
        None,
    ]


def test_gzip_input(tmp_path: Path) -> None:
    plain = write_lines(tmp_path / "h.jsonl", public_history()[:5])
    packed = tmp_path / "h.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    report, lines = replay(packed, tmp_path / "out.jsonl.gz")

    assert report.counts["reproduced"] == 5
    assert len(gzip.decompress((tmp_path / "out.jsonl.gz").read_bytes()).splitlines()) == 5
    assert lines  # compressed bytes were written


def test_cli_replay_writes_reports_and_returns_the_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = corrupt_history(tmp_path)
    status = main(
        [
            "replay",
            str(source),
            "--out",
            str(tmp_path / "out.jsonl"),
            "--quiet",
            "--report-dir",
            str(tmp_path / "report"),
            "--processes",
            "1",
        ]
    )

    assert status == EXIT_INCOMPLETE
    assert {p.name for p in (tmp_path / "report").iterdir()} == {
        "report.json",
        "report.html",
        "report.txt",
    }
    stderr = capsys.readouterr().err
    assert "line 3: decode: not valid JSON" in stderr
    assert "6 reproduced" in stderr


def test_unknown_policy_version_fails_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_lines(tmp_path / "h.jsonl", public_history()[:1])
    out = tmp_path / "out.jsonl"
    status = main(["replay", str(source), "--out", str(out), "--policy-version", "9.9.9"])

    assert status == 2
    assert "unknown ITDD policy version '9.9.9'" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["replay", "--out-topic", "claims.decisions.v1", "IN"], "refusing to publish"),
        (
            [
                "replay",
                "--out-topic",
                "claims.decisions.v1",
                "--force-production-topic",
                "--policy-version",
                "1.1.0",
                "IN",
            ],
            "what-if records",
        ),
        (["replay", "missing.jsonl"], "cannot read missing.jsonl"),
        (["replay"], "give either a FILE or --from-topic"),
        (["replay", "--from-topic", "--offsets", "0:5-1"], "ends before it starts"),
        (["replay", "--from-topic"], "needs a range"),
    ],
)
def test_usage_errors_fail_before_anything_runs(
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_lines(tmp_path / "IN", public_history()[:1])
    assert main(argv) == 2
    assert message in capsys.readouterr().err
