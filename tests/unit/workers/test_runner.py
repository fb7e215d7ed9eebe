"""The worker's exit status (workers/runner.py) with a stand-in stream loop and no broker: 0
after SIGTERM, 70 when the loop failed, 1 when anything else crashed; the part stopped each
time."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from workers import runner
from workers.errors import SettingsError
from workers.settings import Settings
from workers.stream.app import Worker, build


class Loop:
    """Stands in for the pipeline: `on_start` happens once it started; `stop` is recorded."""

    def __init__(self, stop: asyncio.Event, on_start: str) -> None:
        self._stop = stop
        self._on_start = on_start
        self.failed = False
        self.stopped = False

    async def start(self) -> None:
        if self._on_start == "sigterm":
            os.kill(os.getpid(), signal.SIGTERM)
        elif self._on_start == "fail":  # what Pipeline._run does when the loop fails
            self.failed = True
            self._stop.set()
        elif self._on_start == "crash":
            raise LookupError("a defect")

    async def stop(self) -> None:
        self.stopped = True


def stand_in(monkeypatch: pytest.MonkeyPatch, on_start: str) -> list[Loop]:
    """No broker check or topics, tasks that wait, and the worker's pipeline replaced by a Loop
    doing `on_start`."""
    made: list[Loop] = []

    async def nothing(*args: Any, **kwargs: Any) -> None:
        return None

    async def wait() -> None:
        await asyncio.Event().wait()

    def build_with_loop(settings: Settings, stop: asyncio.Event, plan: None) -> Worker:
        worker = build(settings, stop, plan)
        made.append(Loop(stop, on_start))
        worker.pipeline = made[-1]  # type: ignore[assignment]
        worker.references.run = worker.broker.run = wait  # type: ignore[method-assign]
        return worker

    monkeypatch.setattr(runner, "check_access", nothing)
    monkeypatch.setattr(runner, "ensure_topics", nothing)
    monkeypatch.setattr(runner, "build", build_with_loop)
    return made


@pytest.fixture
def settings(tmp_path: Path, unused_tcp_port: int) -> Settings:
    return Settings(web_host="127.0.0.1", web_port=unused_tcp_port, data_dir=tmp_path / "data")


@pytest.mark.parametrize(
    ("on_start", "status", "logged"),
    [
        ("sigterm", 0, "stopping on SIGTERM"),
        ("fail", runner.PIPELINE_FAILED, None),
        ("crash", runner.WORKER_FAILED, "worker failed: stopped"),
    ],
)
async def test_exit_status(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    on_start: str,
    status: int,
    logged: str | None,
) -> None:
    loops = stand_in(monkeypatch, on_start)
    with capture_logs() as logs:
        assert await runner.serve_worker(settings, None) == status
    assert loops[-1].stopped
    events = [entry["event"] for entry in logs if entry["log_level"] != "debug"]
    assert events[0] == "worker starting"
    assert logged is None or logged in events


def test_a_bad_plan_file_stops_the_worker_before_anything_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "configure_logging", lambda *args: None)
    monkeypatch.setattr(runner, "serve_worker", pytest.fail)  # never reached
    plan = tmp_path / "missing.json"
    settings = Settings(data_dir=tmp_path / "data", topic_notices="n", plan_config_file=plan)
    with pytest.raises(SettingsError, match=r"^CLAIMS_ADJ_PLAN_CONFIG_FILE: "):
        runner.run_worker(settings)
