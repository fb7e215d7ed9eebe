"""Shared builders for the replay tests: public cases as history files, and a replay runner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from models.request import parse_request
from policy.engine import decide
from tests.cases import CASES_FILE
from tests.unit.conftest import CASES, request_of
from workers.replay.pipeline import run_replay
from workers.replay.report import ReplayReport
from workers.replay.sinks import FileSink
from workers.replay.sources import FileSource
from workers.replay.work import ReplayOptions
from workers.stamp import stamp

__all__ = ["CASES", "CASES_FILE", "history_record", "public_history", "replay", "write_lines"]


def history_record(case_id: str, version: str | None = None) -> dict[str, Any]:
    """A public case as an archived history record: request + full, stamped original."""
    request = request_of(case_id)  # a deep copy: tests may change it
    record = stamp(decide(parse_request(request), version)).to_dict()
    return {"request": request, "decision": record}


def public_history() -> list[dict[str, Any]]:
    """All 64 public cases as they were decided in production (the version in force)."""
    return [history_record(case_id) for case_id in sorted(CASES)]


def write_lines(path: Path, items: list[Any]) -> Path:
    path.write_bytes(
        b"".join((i if isinstance(i, bytes) else orjson.dumps(i)) + b"\n" for i in items)
    )
    return path


def replay(
    path: Path, out: Path, version: str | None = None, processes: int = 1, stamp: bool = True
) -> tuple[ReplayReport, list[bytes]]:
    """Replay a file into `out`; the report and the output lines."""
    report = run_replay(
        FileSource(str(path)),
        FileSink(str(out)),
        ReplayOptions(version=version, stamp=stamp),
        processes=processes,
    )
    return report, out.read_bytes().splitlines()
