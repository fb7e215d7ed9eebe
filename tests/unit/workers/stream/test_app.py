"""The worker's parts from its settings: readiness is every check of the parts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from workers.settings import Settings
from workers.stream.app import build, readiness

NOT_READY = {
    "broker_connected": False,
    "partitions_assigned": False,
    "tables_recovered": False,
    "reference_loaded": False,
    "not_rebalancing": False,
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def test_readiness_is_every_check_of_the_parts(settings: Settings) -> None:
    worker = build(settings, asyncio.Event())
    assert readiness(worker) == NOT_READY
    worker.broker.connected = True
    worker.references.loaded.set()
    worker.pipeline.tasks[0] = object()  # type: ignore[assignment]
    worker.pipeline.rebalancing = False
    assert set(readiness(worker).values()) == {True}
    worker.stop.set()  # a signal or a failed stream loop: no longer alive
    assert worker.routes()["/healthz"]().status == 503
