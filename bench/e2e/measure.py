"""One peer, one guarantee, on fresh topics: startup, backlog throughput with CPU per claim,
then latency at steady offered loads relative to the peer's own backlog rate, then a burst.

- startup: the peer starts with a few warm-up claims waiting; the time to their first
  decision. They also warm every code path, so the backlog measures a running peer.
- backlog: the peer is frozen (SIGSTOP) while the backlog is written, then thawed: a true
  backlog, and the writing takes no CPU from it. Throughput counts from the first decision
  read to the last, the decisions of the first read left out of the count (their processing
  began before the clock did); when that first read holds most of the backlog (a small one,
  as in --smoke), from the thaw instead. CPU per claim is the CPU the peer (and the broker)
  used in that same window over the same count.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import topics
from .broker import Broker
from .claims import ClaimSet
from .config import PeerConfig
from .loadgen import Feeder, achieved
from .peers.launch import PeerProcess
from .procstat import CpuSampler
from .reader import DecisionReader

WARM_UP = "W"
BACKLOG = "B"
BURST = "X"


@dataclass(frozen=True)
class Plan:
    count: int
    warm_up: int = 256  # claims decided before the backlog (every case template, 4 times)
    fractions: tuple[float, ...] = (0.25, 0.5, 0.75)
    phase_seconds: float = 10.0
    burst_factor: float = 1.5
    burst_seconds: float = 10.0
    settle_seconds: float = 1.0
    tail_seconds: float = 1.0  # a steady load goes on this long after its measured claims
    recovery_seconds: float = 8.0  # after the burst, the lowest load goes on this long
    first_timeout: float = 120.0  # startup (and a thawed backlog): until the first decision
    idle_timeout: float = 30.0  # no new decision for this long: the peer is stuck


@dataclass(frozen=True)
class Bench:
    """What every peer run of one benchmark run shares."""

    plan: Plan
    claims: ClaimSet
    broker: Broker
    feeder: Feeder
    log_dir: Path


@dataclass
class Latency:
    fraction: float  # of the backlog rate (burst: the burst factor)
    offered: float  # claims/s asked for
    achieved: float  # claims/s sent
    sent: int
    expected: int
    decided: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    drain_s: float | None = None  # last decision read after the last measured send


@dataclass
class PeerResult:
    peer: str
    guarantee: str
    expected: int
    decided: int = 0
    first_decision_s: float | None = None
    backlog_rate: float | None = None
    cpu_us_per_claim: float | None = None
    broker_cpu_us_per_claim: float | None = None
    cores: float | None = None
    window: str = "first to last decision"  # of the backlog rate and CPU per claim
    loads: list[Latency] = field(default_factory=list)
    burst: Latency | None = None
    duplicates: int = 0
    exit_code: int | None = None
    stop_s: float | None = None  # SIGTERM to exit
    error: str | None = None


def run_peer(config: PeerConfig, bench: Bench) -> PeerResult:
    plan, claims = bench.plan, bench.claims
    result = PeerResult(config.peer, config.guarantee, claims.published(plan.count))
    topics.create(config.bootstrap, topics.peer_topics(config))
    bench.feeder.backlog(config.submitted, claims.claims(WARM_UP, plan.warm_up))
    reader = DecisionReader(config.bootstrap, config.decisions, config.partitions).start()
    process = PeerProcess(config, bench.log_dir / f"{config.app_id}.log").start()
    started = time.time()
    sampler = CpuSampler({"peer": process.pid, "broker": bench.broker.pid}).start()
    try:
        if _started(result, bench, reader, process, started):
            _backlog(result, bench=bench, reader=reader, sampler=sampler, process=process)
        rate = result.backlog_rate
        if rate:
            steady = Steady(config, bench, reader, process, rate)
            for fraction in plan.fractions:
                tag = f"L{round(fraction * 100)}"
                then = (fraction, plan.tail_seconds)
                load = steady.offer(fraction, tag, plan.phase_seconds, then)
                result.loads.append(load)
                if load.decided < load.expected:
                    result.error = f"{load.fraction:.0%} load: {_missing(load)}"
                    break
            else:
                then = (plan.fractions[0], plan.recovery_seconds)
                result.burst = steady.offer(plan.burst_factor, BURST, plan.burst_seconds, then)
                if result.burst.decided < result.burst.expected:
                    result.error = f"burst: {_missing(result.burst)}"
    finally:
        stopping = time.time()
        result.exit_code = process.stop()
        result.stop_s = time.time() - stopping
        sampler.stop()
        reader.stop()
        result.duplicates = reader.duplicates
    return result


def _started(
    result: PeerResult, bench: Bench, reader: DecisionReader, process: PeerProcess, started: float
) -> bool:
    """Wait for the warm-up claims' decisions; the time to the first is the startup."""
    plan = bench.plan
    expected = bench.claims.published(plan.warm_up)
    got = reader.wait(WARM_UP, expected, plan.first_timeout, plan.idle_timeout, process.alive)
    times = reader.times(WARM_UP)
    if times:
        result.first_decision_s = times[0] - started
    if got < expected:
        state = "running" if process.alive() else "exited"
        result.error = f"warm-up: {got}/{expected} decisions read (peer {state})"
        return False
    time.sleep(plan.settle_seconds)
    return True


def _backlog(
    result: PeerResult,
    *,
    bench: Bench,
    reader: DecisionReader,
    sampler: CpuSampler,
    process: PeerProcess,
) -> None:
    plan = bench.plan
    process.pause()
    try:
        bench.feeder.backlog(process.config.submitted, bench.claims.claims(BACKLOG, plan.count))
    finally:
        process.resume()
    thawed = time.time()
    result.decided = reader.wait(
        BACKLOG, result.expected, plan.first_timeout, plan.idle_timeout, process.alive
    )
    if result.decided < result.expected:
        state = "running" if process.alive() else "exited"
        result.error = f"backlog: {result.decided}/{result.expected} decisions read (peer {state})"
        return
    times = reader.times(BACKLOG)
    first, last = times[0], times[-1]
    counted = sum(1 for moment in times if moment > first)
    if counted < len(times) / 2:
        # Most of a small backlog became readable in one transaction: count all of it from
        # the thaw instead (this includes the time to the first commit).
        first, counted, result.window = thawed, len(times), "thaw to last decision"
    result.backlog_rate = counted / (last - first)
    peer_cpu = sampler.between("peer", first, last)
    broker_cpu = sampler.between("broker", first, last)
    if peer_cpu is not None:
        result.cpu_us_per_claim = peer_cpu * 1e6 / counted
        result.cores = peer_cpu / (last - first)
    if broker_cpu is not None:
        result.broker_cpu_us_per_claim = broker_cpu * 1e6 / counted


@dataclass
class Steady:
    """Offered loads for one running peer, relative to its measured backlog rate."""

    config: PeerConfig
    bench: Bench
    reader: DecisionReader
    process: PeerProcess
    backlog_rate: float

    def offer(
        self, fraction: float, phase: str, seconds: float, then: tuple[float, float]
    ) -> Latency:
        """`fraction` × the backlog rate for `seconds`, then (fraction, seconds) `then`, so
        that the measured claims are never the last before a quiet topic (an idle peer may
        commit late: that is not the latency under load); latency from send to decision read
        of the measured claims."""
        plan, claims = self.bench.plan, self.bench.claims
        time.sleep(plan.settle_seconds)
        rate = fraction * self.backlog_rate
        feed = self.bench.feeder.paced(
            self.config.submitted,
            lambda n: claims.claim(phase, n),
            [(rate, seconds), (then[0] * self.backlog_rate, then[1])],
        )
        idle = plan.idle_timeout
        self.reader.wait(phase, claims.published(len(feed.sent)), idle, idle, self.process.alive)
        measured = feed.segment(0)
        arrivals = self.reader.arrivals_of(measured)
        latencies = sorted(arrivals[key] - measured[key] for key in arrivals)
        expected = claims.published(len(measured))
        return Latency(
            fraction=fraction,
            offered=rate,
            achieved=achieved(measured),
            sent=len(measured),
            expected=expected,
            decided=len(arrivals),
            p50_ms=_percentile(latencies, 0.50),
            p99_ms=_percentile(latencies, 0.99),
            max_ms=_percentile(latencies, 1.0),
            drain_s=(max(arrivals.values()) - max(measured.values())) if arrivals else None,
        )


def _missing(load: Latency) -> str:
    return f"{load.expected - load.decided} of {load.expected} decisions not read"


def _percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile, in milliseconds."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1] * 1000
