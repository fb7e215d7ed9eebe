"""Stream worker throughput and latency on a real broker, against a baseline in the same run.

1. engine alone: decide the generated claims in-process (no Kafka);
2. baseline: a plain aiokafka loop (getmany -> validate -> snapshot -> engine -> send, commit
   per batch, at-least-once) over the same backlog;
3. worker: one `claims-adjudicator worker` process (exactly_once, two hops) over the backlog,
   from ready to the last decision visible to a read_committed consumer;
4. latency: a fresh worker fed at a steady rate (default 500 claims/s); latency is the time from
   the event's send (its occurred_at) to its decision being readable (read_committed).

Figures are printed with the ratio to the baseline measured here, so runs on noisy machines
stay comparable. Not a test. `python bench/worker_throughput.py [--bootstrap HOST:PORT]`
(without --bootstrap the local broker is started and stopped; with it, every client of the run,
the worker and the plain loop alike, uses the CLAIMS_ADJ_KAFKA_* security settings).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from models.envelope import claim_key, decode_envelope
from models.request import parse_request
from policy.engine import decide_or_pend
from policy.member_history import MemberState, build_context
from workers.broker.connection import KafkaConnection
from workers.harness import (
    WorkerProcess,
    case_feed,
    claim_stream,
    isolated_settings,
    produce,
)
from workers.settings import Settings
from workers.stamp import stamp
from workers.stream.reference import ReferenceTables
from workers.topics import TopicSpec, ensure_topics

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "samples" / "cases.jsonl"
LOCAL_BROKER = ROOT / "deploy" / "kafka" / "local-broker"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_settings(bootstrap: str, work: Path, label: str, **overrides: Any) -> Settings:
    name = f"bench-{label}-{uuid.uuid4().hex[:8]}"
    return isolated_settings(
        bootstrap, name, free_port(), work / name, eligibility_grace_seconds=0, **overrides
    )


async def load_references(settings: Settings, cases: list[Any], claims: list[Any]) -> None:
    await ensure_topics(settings)
    feed = case_feed(cases, datetime.now(UTC).isoformat())
    kafka = KafkaConnection.from_settings(settings)
    await produce(
        kafka,
        settings.topic_eligibility,
        [claim.eligibility for claim in claims if claim.eligibility is not None],
    )
    await produce(kafka, settings.topic_prior_auth, feed.prior_auths)


def engine_alone(cases: list[Any], claims: list[Any]) -> float:
    refs = reference_tables(cases, claims)
    values = [claim.record("2026-03-02T14:03:00Z")[1] for claim in claims]
    started = time.perf_counter()
    for value in values:
        envelope = decode_envelope(value)
        context = build_context(envelope.claim, envelope.processing_date, refs, MemberState())
        stamp(
            decide_or_pend(parse_request({"claim": envelope.claim, "context": context}))
        ).to_json()
    return len(values) / (time.perf_counter() - started)


def reference_tables(cases: list[Any], claims: list[Any]) -> ReferenceTables:
    settings = Settings()
    refs = ReferenceTables(settings)
    feed = case_feed(cases, "2026-03-02T14:03:00Z")
    for claim in claims:
        if claim.eligibility is not None:
            refs.apply(settings.topic_eligibility, *claim.eligibility)
    for key, value in feed.prior_auths:
        refs.apply(settings.topic_prior_auth, key, value)
    return refs


async def baseline(settings: Settings, cases: list[Any], claims: list[Any], expected: int) -> float:
    """Plain aiokafka: the same per-claim work, no faust, no transactions, one hop."""
    total = len(claims)
    refs = reference_tables(cases, claims)
    out = f"{settings.topic_decisions}.raw"
    await ensure_topics(settings, [TopicSpec(out, settings.output_partitions)])
    consumer = AIOKafkaConsumer(
        settings.topic_submitted,
        **KafkaConnection.from_settings(settings).client_options(),
        group_id=f"{settings.app_id}-raw",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=2000,
    )
    producer = AIOKafkaProducer(
        **KafkaConnection.from_settings(settings).client_options(), linger_ms=5
    )
    await consumer.start()
    await producer.start()
    states: dict[bytes, MemberState] = {}
    try:
        seen = 0
        started = None
        while seen < total:
            batches = await consumer.getmany(timeout_ms=1000, max_records=2000)
            if started is None and batches:
                started = time.perf_counter()
            for records in batches.values():
                for record in records:
                    seen += 1
                    envelope = decode_envelope(record.value)
                    state = states.setdefault(record.key or b"", MemberState())
                    context = build_context(envelope.claim, envelope.processing_date, refs, state)
                    decision = stamp(
                        decide_or_pend(parse_request({"claim": envelope.claim, "context": context}))
                    )
                    if decision.decision != "ignore":
                        await producer.send(
                            out,
                            decision.to_json(),
                            key=claim_key(envelope.claim, envelope.event_id),
                        )
            await producer.flush()
            await consumer.commit()
        assert started is not None
        return expected / (time.perf_counter() - started)
    finally:
        await producer.stop()
        await consumer.stop()


async def count_decisions(
    kafka: KafkaConnection,
    topic: str,
    expected: int,
    timeout: float,
    arrivals: dict[bytes, float] | None = None,
) -> float:
    """Read decisions (read_committed) until `expected` arrived; the wall time of the last."""
    consumer = AIOKafkaConsumer(
        topic,
        **kafka.client_options(),
        group_id=None,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        count = 0
        last = time.time()
        deadline = time.monotonic() + timeout
        while count < expected and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200, max_records=10_000)
            now = time.time()
            for records in batches.values():
                count += len(records)
                if arrivals is not None:
                    for record in records:
                        arrivals.setdefault(record.key, now)
                last = now
        if count < expected:
            raise TimeoutError(f"{count}/{expected} decisions after {timeout}s")
        return last
    finally:
        await consumer.stop()


def worker_backlog(settings: Settings, work: Path, expected: int) -> float:
    worker = WorkerProcess(settings, work / f"{settings.app_id}.log")
    worker.start()
    try:
        worker.wait_ready()
        started = time.time()
        last = asyncio.run(
            count_decisions(
                KafkaConnection.from_settings(settings), settings.topic_decisions, expected, 600
            )
        )
        return expected / (last - started)
    finally:
        worker.stop()


async def steady_feed(
    settings: Settings, claims: list[Any], rate: float, sent: dict[bytes, float]
) -> None:
    producer = AIOKafkaProducer(
        **KafkaConnection.from_settings(settings).client_options(), linger_ms=2
    )
    await producer.start()
    try:
        start = time.monotonic()
        for n, claim in enumerate(claims):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            now = datetime.now(UTC)
            key, value = claim.record(now.isoformat())
            sent[key] = now.timestamp()
            await producer.send(settings.topic_submitted, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


def latency_at(
    settings: Settings, work: Path, claims: list[Any], rate: float
) -> tuple[float, float, float, str]:
    worker = WorkerProcess(settings, work / f"{settings.app_id}.log")
    worker.start()
    sent: dict[bytes, float] = {}
    arrivals: dict[bytes, float] = {}
    expected = sum(1 for claim in claims if claim.decided)
    try:
        worker.wait_ready()

        async def run() -> None:
            reading = asyncio.create_task(
                count_decisions(
                    KafkaConnection.from_settings(settings),
                    settings.topic_decisions,
                    expected,
                    600,
                    arrivals,
                )
            )
            await steady_feed(settings, claims, rate, sent)
            await reading

        asyncio.run(run())
        metrics = worker.metrics()
    finally:
        worker.stop()
    latencies = sorted(arrivals[key] - sent[key] for key in arrivals if key in sent)
    achieved = len(claims) / (max(sent.values()) - min(sent.values()))
    p50 = statistics.median(latencies)
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    return achieved, p50, p99, metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", default=None)
    parser.add_argument("--claims", type=int, default=20_000, help="backlog size")
    parser.add_argument("--rate", type=float, default=500.0, help="steady rate for latency")
    parser.add_argument("--seconds", type=float, default=30.0, help="steady feed duration")
    parser.add_argument(
        "--commit-interval",
        type=float,
        default=None,
        help="override the worker's commit (= transaction) interval",
    )
    args = parser.parse_args()

    cases = [json.loads(line) for line in CASES.read_text().splitlines()]
    bootstrap, started_broker = args.bootstrap, False
    if bootstrap is None:
        out = subprocess.run(
            [str(LOCAL_BROKER), "start"], capture_output=True, text=True, check=True
        )
        bootstrap, started_broker = out.stdout.strip().splitlines()[-1], True
    work = Path(tempfile.mkdtemp(prefix="bench-worker-"))
    try:
        claims = claim_stream(cases, args.claims, prefix="BENCH", distinct_members=True)
        expected = sum(1 for claim in claims if claim.decided)
        print(f"{args.claims} claims ({expected} published), cases cycled, broker {bootstrap}")

        engine = engine_alone(cases, claims[:10_000])
        print(f"engine alone (decode+snapshot+decide+encode): {engine:10,.0f} claims/s")

        overrides: dict[str, Any] = {}
        if args.commit_interval is not None:
            overrides["commit_interval_seconds"] = args.commit_interval
        settings = fresh_settings(bootstrap, work, "backlog", **overrides)
        asyncio.run(load_references(settings, cases, claims))
        asyncio.run(
            produce(
                KafkaConnection.from_settings(settings),
                settings.topic_submitted,
                [claim.record() for claim in claims],
            )
        )
        raw = asyncio.run(baseline(settings, cases, claims, expected))
        print(f"baseline aiokafka loop (1 hop, at-least-once): {raw:10,.0f} claims/s")

        worker = worker_backlog(settings, work, expected)
        print(
            f"worker, exactly_once, end to end:          {worker:10,.0f} claims/s "
            f"({worker / raw:.2f} x baseline)"
        )

        steady = fresh_settings(bootstrap, work, "steady", **overrides)
        feed = claim_stream(
            cases, int(args.rate * args.seconds), prefix="STEADY", distinct_members=True
        )
        asyncio.run(load_references(steady, cases, feed))
        achieved, p50, p99, _ = latency_at(steady, work, feed, args.rate)
        print(
            f"steady {achieved:,.0f} claims/s: latency send -> decision readable "
            f"p50 {p50 * 1000:,.0f} ms, p99 {p99 * 1000:,.0f} ms"
        )
    finally:
        if started_broker:
            subprocess.run([str(LOCAL_BROKER), "stop"], check=False, capture_output=True)


if __name__ == "__main__":
    main()
