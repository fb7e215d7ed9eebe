"""Recovery times, measured (issues 13 and 18): how long decisions stop flowing, as a
read_committed consumer of the decision topic sees them, while claims stream in at a modest rate
and

* the broker is stopped for ~20 s and started again (seconds from broker ready to the first
  decision readable),
* a second worker joins a running one, leaves it (SIGTERM), is killed (SIGKILL) and does not
  come back, or is killed and restarted at once: per partition the longest gap between two
  decisions, for the partitions that stay with their worker and for the partitions that move
  (or, restarted, come back).

A benchmark, not a test (DEVELOPERS.md: performance targets live in benchmarks, never as timed
assertions in tests): each scenario prints its figures and each target as met or missed. What
it does assert is correctness: exactly one decision per claim through every fault. It runs on
the integration tests' broker fixtures (`bench/recovery/conftest.py`):
`make bench-recovery`, or `bash .ci/test-suite bench/recovery/recovery_times.py -s`; CI runs it
after the tests. Until issue 19 these scenarios were tests/integration/test_worker_recovery.py
(370 s of the 806 s integration suite).

The two workers are static members (an instance id each, as the pods of the Deployment are):
a restart under the same id within the session resumes without a rebalance (issue 18).

Each claim is sent to the submitted partition equal to its member's by-member partition, so a
claim's two hops run on one partition k and a decision's gap belongs to partition k.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tests.cases import load_cases
from tests.integration.gauges import assert_covers_every_input, assigned, wait_idle_lag
from tests.integration.kafka_util import KafkaBroker, key_partition
from tests.integration.streams import (
    StreamClaim,
    assert_exactly_one_each,
    claim_stream,
    feed_references,
)
from workers.demo.driver import WorkerProcess, isolated_settings
from workers.settings import Settings

pytestmark = pytest.mark.integration

RATE = 50.0  # claims per second


@dataclass
class Flow:
    """Arrival times (monotonic) of decisions, per partition k of the claim's two hops."""

    partition_of: dict[str, int]
    arrivals: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    keys: list[bytes] = field(default_factory=list)

    def first_after(self, moment: float) -> float | None:
        later = [t for times in self.arrivals.values() for t in times if t >= moment]
        return min(later) if later else None

    def longest_gap(self, partition: int, start: float, end: float) -> float:
        """The longest time without a decision of `partition` within [start, end]."""
        times = [start, *(t for t in self.arrivals[partition] if start < t < end), end]
        return max(b - a for a, b in itertools.pairwise(times))


def member_partition(claim: StreamClaim, partitions: int) -> int:
    member = claim.claim.get("member")
    member_id = member.get("member_id") if isinstance(member, dict) else None
    key = b"m:" + member_id.encode() if isinstance(member_id, str) and member_id else b""
    return key_partition(key or b"c:" + claim.claim_id.encode(), partitions)


async def feed(
    bootstrap: str, settings: Settings, claims: list[StreamClaim], stop: asyncio.Event
) -> int:
    """Send claims at RATE (each to its member's partition) until `stop` or the list ends."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        linger_ms=5,
        enable_idempotence=True,
        request_timeout_ms=120_000,  # rides out the broker's downtime
    )
    await producer.start()
    sent = 0
    pending = []
    try:
        start = time.monotonic()
        for claim in claims:
            if stop.is_set():
                break
            key, value = claim.record()
            pending.append(
                await producer.send(
                    settings.topic_submitted,
                    value=value,
                    key=key,
                    partition=member_partition(claim, settings.partitions),
                )
            )
            sent += 1
            delay = start + sent / RATE - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent


async def tail(bootstrap: str, topic: str, flow: Flow, stop: asyncio.Event) -> None:
    """Read decisions with read_committed as they become visible, noting when each arrived."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        isolation_level="read_committed",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    try:
        partitions: set[int] | None = None
        while not partitions:
            partitions = consumer.partitions_for_topic(topic)
            if not partitions:
                await asyncio.sleep(0.2)
                await consumer._client.force_metadata_update()  # noqa: SLF001 - no public refresh
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        await consumer.seek_to_beginning()
        while not stop.is_set():
            try:
                batches = await consumer.getmany(timeout_ms=100, max_records=10_000)
            except Exception:  # noqa: BLE001 - the broker is away: keep trying
                await asyncio.sleep(0.2)
                continue
            now = time.monotonic()
            for records in batches.values():
                for record in records:
                    flow.keys.append(record.key)
                    flow.arrivals[flow.partition_of[record.key.decode()]].append(now)
    finally:
        await consumer.stop()


def settings_for(name: str, port: int, data_dir: Path, bootstrap: str) -> Settings:
    return isolated_settings(bootstrap, name, port, data_dir, eligibility_grace_seconds=0)


def run_scenario(
    bootstrap: str,
    settings: Settings,
    claims: list[StreamClaim],
    action: Callable[[], dict[str, float]],
    after_s: float,
) -> tuple[Flow, dict[str, float], int]:
    """Feed and tail; after 8 s of steady flow run `action` (blocking, in a thread; returns
    named moments), then keep feeding for `after_s` seconds."""
    flow = Flow({c.claim_id: member_partition(c, settings.partitions) for c in claims})

    async def scenario() -> tuple[dict[str, float], int]:
        stop_feed, stop_tail = asyncio.Event(), asyncio.Event()
        tailing = asyncio.create_task(tail(bootstrap, settings.topic_decisions, flow, stop_tail))
        feeding = asyncio.create_task(feed(bootstrap, settings, claims, stop_feed))
        await asyncio.sleep(8.0)
        moments = await asyncio.to_thread(action)
        await asyncio.sleep(after_s)
        stop_feed.set()
        sent = await feeding
        # Everything sent is decided and visible before the tail stops.
        deadline = time.monotonic() + 120
        expected = sum(1 for c in claims[:sent] if c.decided)
        while len(flow.keys) < expected and time.monotonic() < deadline:  # noqa: ASYNC110 - polls what the tail task counts
            await asyncio.sleep(0.5)
        await asyncio.sleep(3.0)  # a duplicate would show up by now
        stop_tail.set()
        await tailing
        return moments, sent

    moments, sent = asyncio.run(scenario())
    return flow, moments, sent


def check_exactly_once(flow: Flow, claims: list[StreamClaim], sent: int) -> None:
    expected = {c.claim_id for c in claims[:sent] if c.decided}

    @dataclass
    class _Record:
        key: bytes

    assert_exactly_one_each([_Record(k) for k in flow.keys], expected)


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_broker_down_20s_decisions_flow_again(
    how: str,
    kafka_bootstrap: str,
    broker_container: KafkaBroker,
    unused_tcp_port: int,
    tmp_path: Path,
) -> None:
    cases = load_cases()
    name = f"recb-{uuid.uuid4().hex[:8]}"
    settings = settings_for(name, unused_tcp_port, tmp_path / "data", kafka_bootstrap)
    feed_references(kafka_bootstrap, settings, cases)
    claims = claim_stream(cases, 4000, prefix=name.upper())
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready()

        def bounce() -> dict[str, float]:
            stopped = time.monotonic()
            # "kill": SIGKILL at once (docker stop with no grace); "stop": SIGTERM.
            broker_container.stop_broker(timeout_s=0 if how == "kill" else 30)
            down = time.monotonic()
            time.sleep(20.0)
            starting = time.monotonic()
            broker_container.start_broker()
            return {
                "stopped": stopped,
                "down": down,
                "starting": starting,
                "ready": time.monotonic(),
            }

        flow, moments, sent = run_scenario(kafka_bootstrap, settings, claims, bounce, 30.0)
    finally:
        worker.stop()
    first = flow.first_after(moments["ready"])
    assert first is not None, "no decision after the broker came back"
    back = first - moments["ready"]
    gaps = {
        p: flow.longest_gap(p, moments["stopped"], moments["ready"] + 30.0)
        for p in range(settings.partitions)
    }
    print(
        f"\nRECOVERY broker {how} + 20 s down: first decision {back:.1f} s after the broker was "
        f"ready ({first - moments['starting']:.1f} s after its start, "
        f"{moments['ready'] - moments['starting']:.1f} s to its ready line; "
        f"{first - moments['stopped']:.1f} s after the {how}); longest gap per partition "
        + ", ".join(f"{p}: {g:.1f} s" for p, g in sorted(gaps.items()))
    )
    check_exactly_once(flow, claims, sent)
    # Issue 13's target; measured 1.8-2.0 s (before: 3.6-4.2 s after the ready line, with
    # faust's ≈ 10 s recovery wait overlapping the broker's start).
    target("first decision after the broker is back", back, 15.0)


def _two_workers(
    kafka_bootstrap: str, name: str, ports: Any, tmp_path: Path
) -> tuple[Settings, WorkerProcess, WorkerProcess]:
    one = settings_for(name, ports(), tmp_path / "data1", kafka_bootstrap).model_copy(
        update={"instance_id": f"{name}-1"}
    )
    two = one.model_copy(
        update={"web_port": ports(), "data_dir": tmp_path / "data2", "instance_id": f"{name}-2"}
    )
    return (
        one,
        WorkerProcess(one, tmp_path / "worker1.log"),
        WorkerProcess(two, tmp_path / "worker2.log"),
    )


def _report(
    what: str, flow: Flow, *, settings: Settings, moved: set[int], start: float, end: float
) -> tuple[float, float]:
    gaps = {p: flow.longest_gap(p, start, end) for p in range(settings.partitions)}
    stay = max((g for p, g in gaps.items() if p not in moved), default=0.0)
    move = max((g for p, g in gaps.items() if p in moved), default=0.0)
    print(
        f"\nRECOVERY {what}: longest gap of partitions that stay {stay:.1f} s, that move "
        f"{move:.1f} s (moved {sorted(moved)}; per partition "
        + ", ".join(f"{p}: {g:.1f} s" for p, g in sorted(gaps.items()))
        + ")"
    )
    return stay, move


def test_worker_joins_running_one(
    kafka_bootstrap: str, unused_tcp_port_factory: Any, tmp_path: Path
) -> None:
    cases = load_cases()
    name = f"recj-{uuid.uuid4().hex[:8]}"
    settings, first, second = _two_workers(kafka_bootstrap, name, unused_tcp_port_factory, tmp_path)
    feed_references(kafka_bootstrap, settings, cases)
    claims = claim_stream(cases, 4000, prefix=name.upper())
    first.start()
    try:
        first.wait_ready()

        def join() -> dict[str, float]:
            started = time.monotonic()
            second.start()
            second.wait_ready(timeout=120)
            return {"started": started, "ready": time.monotonic()}

        flow, moments, sent = run_scenario(kafka_bootstrap, settings, claims, join, 25.0)
        moved = assigned(second, settings.topic_by_member)
        idle = wait_idle_lag([first, second])
    finally:
        second.stop()
        first.stop()
    assert moved, "the second worker got no partition"
    stay, move = _report(
        "second worker joins",
        flow,
        settings=settings,
        moved=moved,
        start=moments["started"],
        end=moments["ready"] + 20,
    )
    check_exactly_once(flow, claims, sent)
    stall_targets(stay, move)
    print(f"RECOVERY idle, caught-up lag gauge: {sorted(idle.items())}")
    # Across the two workers, each partition of every input once, and 0 when caught up.
    assert_covers_every_input(idle, settings)
    assert not any(idle.values())


@pytest.mark.parametrize("how", ["sigterm", "sigkill", "sigkill-restart"])
def test_worker_leaves_two(
    how: str, kafka_bootstrap: str, unused_tcp_port_factory: Any, tmp_path: Path
) -> None:
    cases = load_cases()
    name = f"recl-{uuid.uuid4().hex[:8]}"
    settings, first, second = _two_workers(kafka_bootstrap, name, unused_tcp_port_factory, tmp_path)
    feed_references(kafka_bootstrap, settings, cases)
    claims = claim_stream(cases, 4000, prefix=name.upper())
    first.start()
    second.start()
    try:
        first.wait_ready()
        second.wait_ready()
        deadline = time.monotonic() + 60
        while not (moved := assigned(second, settings.topic_by_member)):
            assert time.monotonic() < deadline, "the second worker got no partition"
            time.sleep(0.5)

        def leave() -> dict[str, float]:
            gone = time.monotonic()
            if how == "sigterm":
                second.stop()
            else:
                second.kill()
            if how == "sigkill-restart":
                second.start()  # the same instance id, at once
            return {"gone": gone}

        flow, moments, sent = run_scenario(kafka_bootstrap, settings, claims, leave, 35.0)
    finally:
        second.stop()
        first.stop()
    stay, move = _report(
        f"one of two workers leaves ({how})",
        flow,
        settings=settings,
        moved=moved,
        start=moments["gone"],
        end=moments["gone"] + 33,
    )
    check_exactly_once(flow, claims, sent)
    if how == "sigterm":
        # A static member leaves by itself on SIGTERM (workers/broker/static_member.py).
        stall_targets(stay, move)
    elif how == "sigkill":
        # A crashed member that does not come back keeps its partitions until its session
        # expires (8 s by default), and so may the partitions that stay: the decision topic's
        # partitions are shared, and the dead worker's open transaction holds their last
        # stable offset until the new owner of its partition fences it. Issue 18's target:
        # ≤ 12 s (measured in workers/README.md, "Recovery times").
        target("partitions that move", move, settings.session_timeout_seconds + 10.0)
        target("partitions that stay", stay, settings.session_timeout_seconds + 10.0)
    else:
        # Restarted at once under its instance id: it takes its place back without a
        # rebalance, and its partitions wait only for the restart (issue 18's target: ≤ 5 s;
        # the bound is generous for a loaded machine). Before static membership: 11-15 s.
        target("partitions that move", move, 15.0)
        target("partitions that stay", stay, 15.0)


def stall_targets(stay: float, move: float) -> None:
    """Issue 13: partitions that stay stop ≤ 2 s, those that move ≤ 10 s. Measured with the
    exactly-once pipeline: stay 0.3-0.9 s, move 0.3-1.7 s (faust agents: 1.8-2.1 / 2.2-2.3 s
    with prompt recovery, 12.6-12.7 / 11.5-14.9 s before it)."""
    target("partitions that move", move, 10.0)
    target("partitions that stay", stay, 2.0)


def target(what: str, seconds: float, bound: float) -> None:
    """A target printed as met or missed: a noisy machine never turns a figure into a failure."""
    verdict = "met" if seconds <= bound else "MISSED"
    print(f"RECOVERY target {what}: {seconds:.1f} s <= {bound:.1f} s: {verdict}")
