"""Exactly once across crashes: claims stream in while the worker is SIGKILLed at random moments
and restarted; afterwards every event has exactly one decision on the decision topic read with
read_committed (nothing lost, nothing duplicated), re-sent events included."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaProducer

from tests.cases import load_cases
from tests.integration.kafka_util import KafkaBroker
from tests.integration.streams import assert_exactly_one_each, claim_stream, feed_references
from workers.demo.driver import (
    WorkerProcess,
    isolated_settings,
    read_settled,
)
from workers.settings import Settings

pytestmark = pytest.mark.integration

CLAIMS = 2400
KILLS = 5
RESEND_EVERY = 40  # every 40th event is sent a second time (same event_id, same bytes)


async def stream_claims(
    bootstrap: str, settings: Settings, records: list[tuple[bytes, bytes]], seconds: float
) -> None:
    """Send records evenly over `seconds` (a steady stream the kills land in)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, enable_idempotence=True)
    await producer.start()
    try:
        start = time.monotonic()
        for n, (key, value) in enumerate(records):
            await producer.send(settings.topic_submitted, value=value, key=key)
            delay = start + seconds * (n + 1) / len(records) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        await producer.flush()
    finally:
        await producer.stop()


async def kill_and_restart(worker: WorkerProcess, rng: random.Random, seconds: float) -> int:
    """SIGKILL the worker KILLS times at random moments within `seconds`, restarting each time."""
    moments = sorted(rng.uniform(1.0, seconds) for _ in range(KILLS))
    start = time.monotonic()
    for moment in moments:
        await asyncio.sleep(max(0.0, start + moment - time.monotonic()))
        worker.kill()
        worker.start()
    return len(moments)


def test_sigkill_five_times_mid_stream_loses_and_duplicates_nothing(
    kafka_bootstrap: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    cases = load_cases()
    name = f"crash-{uuid.uuid4().hex[:10]}"
    settings = isolated_settings(
        kafka_bootstrap,
        name,
        unused_tcp_port,
        tmp_path / "data",
        session_timeout_seconds=6,
        eligibility_grace_seconds=0,
    )
    feed_references(kafka_bootstrap, settings, cases)
    claims = claim_stream(cases, CLAIMS, prefix=name.upper())
    records = []
    for n, claim in enumerate(claims):
        records.append(claim.record())
        if n % RESEND_EVERY == 0:
            records.append(records[-1])  # a re-sent event: must not yield a second decision
    expected = {claim.claim_id for claim in claims if claim.decided}

    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    rng = random.Random(20260302)
    try:
        worker.wait_ready()

        async def scenario() -> int:
            seconds = 30.0
            sending = asyncio.create_task(
                stream_claims(kafka_bootstrap, settings, records, seconds)
            )
            kills = await kill_and_restart(worker, rng, seconds)
            await sending
            return kills

        kills = asyncio.run(scenario())
        worker.wait_ready(timeout=120)
        decisions = asyncio.run(
            read_settled(kafka_bootstrap, settings.topic_decisions, len(expected))
        )
    finally:
        worker.stop()

    assert kills == KILLS
    assert_exactly_one_each(decisions, expected)
    assert len(expected) >= 2000
    assert all(orjson.loads(r.value)["decision"] in ("approve", "deny", "pend") for r in decisions)


def test_broker_restart_mid_stream_loses_and_duplicates_nothing(
    kafka_bootstrap: str, broker_container: KafkaBroker, unused_tcp_port: int, tmp_path: Path
) -> None:
    cases = load_cases()
    name = f"brk-{uuid.uuid4().hex[:10]}"
    settings = isolated_settings(
        kafka_bootstrap, name, unused_tcp_port, tmp_path / "data", eligibility_grace_seconds=0
    )
    feed_references(kafka_bootstrap, settings, cases)
    claims = claim_stream(cases, 1200, prefix=name.upper())
    expected = {claim.claim_id for claim in claims if claim.decided}
    first, second = claims[:600], claims[600:]

    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    restarts = 0
    try:
        worker.wait_ready()
        asyncio.run(stream_claims(kafka_bootstrap, settings, [c.record() for c in first], 5.0))
        # Down while the first half is being decided (transactions open), up again.
        broker_container.restart_broker(downtime_s=3.0)
        asyncio.run(stream_claims(kafka_bootstrap, settings, [c.record() for c in second], 5.0))
        deadline = time.monotonic() + 180
        decisions: list[Any] = []
        while time.monotonic() < deadline:
            if worker.process is not None and worker.process.poll() is not None:
                restarts += 1  # a supervisor restarts a worker that gave up
                worker.start()
            decisions = asyncio.run(
                read_settled(kafka_bootstrap, settings.topic_decisions, len(expected), timeout=30)
            )
            if len(decisions) >= len(expected):
                break
    finally:
        worker.stop()

    assert_exactly_one_each(decisions, expected)
    assert restarts <= 1, "the worker must ride out one broker restart"


def test_rebalance_second_worker_stopped_and_started_mid_stream(
    kafka_bootstrap: str, unused_tcp_port_factory: Any, tmp_path: Path
) -> None:
    cases = load_cases()
    name = f"reb-{uuid.uuid4().hex[:10]}"
    one = isolated_settings(
        kafka_bootstrap,
        name,
        unused_tcp_port_factory(),
        tmp_path / "data1",
        eligibility_grace_seconds=0,
        session_timeout_seconds=6,
    )
    two = one.model_copy(
        update={"web_port": unused_tcp_port_factory(), "data_dir": tmp_path / "data2"}
    )
    feed_references(kafka_bootstrap, one, cases)
    claims = claim_stream(cases, 2000, prefix=name.upper())
    expected = {claim.claim_id for claim in claims if claim.decided}
    records = [claim.record() for claim in claims]

    first = WorkerProcess(one, tmp_path / "worker1.log")
    second = WorkerProcess(two, tmp_path / "worker2.log")
    first.start()
    second.start()
    try:
        first.wait_ready()
        second.wait_ready()

        metrics: list[str] = []

        async def scenario() -> None:
            sending = asyncio.create_task(stream_claims(kafka_bootstrap, one, records, 24.0))
            await asyncio.sleep(6.0)
            # Read before the stop: a restarted worker's counters start again at zero, and
            # since recovery is prompt the first worker may leave it nothing to decide.
            metrics.append(second.metrics())
            second.stop()  # graceful: its partitions move to the first worker
            await asyncio.sleep(6.0)
            second.start()  # and back: partitions are split again
            await sending

        asyncio.run(scenario())
        second.wait_ready(timeout=120)
        decisions = asyncio.run(read_settled(kafka_bootstrap, one.topic_decisions, len(expected)))
        metrics.append(first.metrics())
    finally:
        second.stop()
        first.stop()

    assert_exactly_one_each(decisions, expected)
    # Both workers decided claims (the partitions were really shared).
    assert all("claims_decisions_total{decision=" in text for text in metrics)
