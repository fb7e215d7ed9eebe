"""`claims-adjudicator render` never crashes (issue 21, item 6): each failure is one line naming
the file or option, exit 1 (2 for a bad option); an empty input writes nothing; a closed pipe
ends quietly; notices are written 0600."""

from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path

import orjson
import pytest

from tests.unit.conftest import decide_raw, request_of
from workers.cli import main


def _history(path: Path, copies: int = 1) -> Path:
    request = request_of("ITDD-TC-001")
    line = orjson.dumps({"request": request, "decision": decide_raw(request)})
    path.write_bytes(b"\n".join([line] * copies) + b"\n")
    return path


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_a_missing_input_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.jsonl"
    assert main(["render", "--to", "notice-text", str(missing)]) == 1
    assert _one_line(capsys) == (f"claims-adjudicator render: {missing}: No such file or directory")


def test_a_corrupt_gz(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corrupt = tmp_path / "records.jsonl.gz"
    corrupt.write_bytes(b"\x1f\x8b\x08\x00garbage that is not deflate")
    assert main(["render", "--to", "x12-277", str(corrupt)]) == 1
    line = _one_line(capsys)
    assert line.startswith(f"claims-adjudicator render: {corrupt}: not a readable gzip file")


def test_an_unwritable_out_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    out_dir = blocker / "notices"  # a directory under a file can never be made, even as root
    source = _history(tmp_path / "h.jsonl")
    assert main(["render", "--to", "notice-text", "--out-dir", str(out_dir), str(source)]) == 1
    assert _one_line(capsys).startswith(f"claims-adjudicator render: --out-dir {out_dir}: ")


@pytest.mark.parametrize("value", ["1234567890", "-5", "0", "x"])
def test_a_bad_interchange_control_number(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _history(tmp_path / "h.jsonl")
    with pytest.raises(SystemExit) as stop:
        main(["render", "--to", "x12-277", f"--interchange-control-number={value}", str(source)])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--interchange-control-number" in err and "Traceback" not in err


def test_an_empty_input_says_so_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert main(["render", "--to", "fhir-eob", str(empty)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        f"claims-adjudicator render: {empty}: no records to render (the input is empty)"
    )


def test_a_bad_plan_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "plan.json"
    config.write_text('{"plan_name": "X"}')
    source = _history(tmp_path / "h.jsonl")
    argv = ["render", "--to", "notice-text", "--audience", "member", "--plan-config"]
    assert main([*argv, str(config), str(source)]) == 1
    assert _one_line(capsys).startswith(f"claims-adjudicator render: plan config {config}: ")


def test_a_closed_pipe_ends_quietly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _history(tmp_path / "h.jsonl", copies=30)
    read_end, write_end = os.pipe()
    os.close(read_end)  # what `| head` does once it has read enough
    stdout = io.TextIOWrapper(os.fdopen(write_end, "wb"), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["render", "--to", "notice-text", str(source)]) == 0
    assert capsys.readouterr().err == ""
    stdout.close()  # the final flush goes to /dev/null, which took the pipe's place


@pytest.mark.parametrize("audience", ["member", "provider"])
def test_notices_are_written_0600(
    audience: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _history(tmp_path / "h.jsonl")
    out_dir = tmp_path / "out"
    previous = os.umask(0o022)
    try:
        argv = ["render", "--to", "notice-html", "--audience", audience, "--out-dir"]
        assert main([*argv, str(out_dir), str(source)]) == 0
    finally:
        os.umask(previous)
    written = out_dir / "CLM-ITDD-0001.html"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    text = written.read_text()
    assert ("ABOUT YOUR CLAIM" in text.upper()) == (audience == "member")
