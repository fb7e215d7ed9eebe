"""Readiness follows the broker: `/readyz` turns 503 soon after the broker goes away while
`/healthz` stays 200 (the worker is alive and waits), and both are 200 again, with decisions
flowing, once the broker is back; the worker resumes by itself."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cases import load_cases
from tests.integration.kafka_util import KafkaBroker
from workers.demo.driver import WorkerProcess, case_feed, isolated_settings, load_feed, read_settled
from workers.stream.topics import ensure_topics

pytestmark = pytest.mark.integration

NOT_READY_WITHIN_S = 10.0


def status(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for(predicate: Callable[[], bool], timeout_s: float) -> float:
    """Seconds until `predicate()` held; fails after `timeout_s`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.25)
    raise AssertionError(f"not within {timeout_s} s")


def test_readiness_turns_false_without_the_broker_and_back_after(
    broker_container: KafkaBroker, unused_tcp_port: int, tmp_path: Path
) -> None:
    cases = [c for c in load_cases() if c["expected"]["decision"] != "ignore"][:5]
    settings = isolated_settings(
        broker_container.bootstrap, f"ready-{uuid.uuid4().hex[:8]}", unused_tcp_port, tmp_path
    )
    asyncio.run(ensure_topics(settings))
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready()
        broker_container.stop_broker()
        lost = wait_for(lambda: status(f"{worker.url}/readyz")[0] == 503, NOT_READY_WITHIN_S)
        _, body = status(f"{worker.url}/readyz")
        assert body["broker_connected"] is False
        assert status(f"{worker.url}/healthz")[0] == 200
        assert "claims_broker_connected 0.0" in worker.metrics()

        broker_container.start_broker()
        back = wait_for(worker.ready, 120.0)
        print(
            f"readiness false {lost:.1f} s after the broker stopped, "
            f"true {back:.1f} s after it was back"
        )
        asyncio.run(load_feed(settings, case_feed(cases, "2026-03-02T14:03:00Z")))
        records = asyncio.run(
            read_settled(
                settings.kafka_bootstrap_servers, settings.topic_decisions, len(cases), timeout=120
            )
        )
    finally:
        assert worker.stop() == 0
    assert len(records) == len(cases)
