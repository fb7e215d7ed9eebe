"""One peer, one guarantee, on fresh topics: startup, backlog throughput with CPU per claim,
then latency at steady offered loads relative to the peer's own backlog rate, then a burst.

- startup: the peer starts with a few warm-up claims waiting; the time to their first
  decision. They also warm every code path, so the backlog measures a running peer.
- backlog: the peer is frozen (SIGSTOP) while the backlog is written, then thawed: a true
  backlog, and the writing takes no CPU from it. Throughput counts from the first decision
  read to the last, the decisions of the first read left out of the count (their processing
  began before the clock did); when that first read holds most of the backlog, or the
  window spans fewer than MIN_WINDOW_COMMITS commit intervals (a small backlog, as in
  --smoke), from the thaw instead. CPU per claim is the CPU the peer (and the broker)
  used in that same window over the same count.
- with the lifecycle stream (claims.py), a second backlog right after the first, of as many
  claims of the same mix on fresh members, with records received for one claim in every
  `every` (claims of a prelude, pended before it): the window ends at the last record, claims
  or follow-ups, and the count is the claims', so the follow-ups' work is a cost per claim.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import topics
from .broker import Broker
from .claims import FOLLOWED, PRELUDE, ClaimSet
from .config import PeerConfig
from .loadgen import Feeder, achieved
from .peers.launch import PeerProcess
from .procstat import CpuSampler
from .reader import DecisionReader

# A backlog read in fewer commit intervals than this is measured from the thaw (`_measure`).
MIN_WINDOW_COMMITS = 5
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
class Backlog:
    """Throughput of one backlog and what it cost per claim."""

    claims: int  # counted (read after the window opened)
    rate: float  # claims/s
    cpu_us_per_claim: float | None
    broker_cpu_us_per_claim: float | None
    cores: float | None
    window: str  # FIRST_TO_LAST or THAW_TO_LAST
    follow_ups: int = 0  # records received in it (each re-decides a pended claim)


FIRST_TO_LAST = "first to last decision"
THAW_TO_LAST = "thaw to last decision"


@dataclass
class PeerResult:
    peer: str
    guarantee: str
    expected: int  # decisions of the (plain) backlog
    first_decision_s: float | None = None
    backlog: Backlog | None = None
    followed: Backlog | None = None  # the lifecycle backlog (claims.py)
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
    run = Run(bench, reader, sampler, process, result)
    try:
        if _started(result, bench, reader, process, started):
            result.backlog = run.plain()
            if result.backlog is not None and claims.every:
                result.followed = run.followed()
        rate = result.backlog.rate if result.backlog is not None else None
        if rate and result.error is None:
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


@dataclass
class Run:
    """The backlogs of one running peer."""

    bench: Bench
    reader: DecisionReader
    sampler: CpuSampler
    process: PeerProcess
    result: PeerResult

    def plain(self) -> Backlog | None:
        claims, count = self.bench.claims, self.bench.plan.count
        config = self.process.config
        return self._measure(
            BACKLOG,
            lambda: self.bench.feeder.backlog(config.submitted, claims.claims(BACKLOG, count)),
            self.result.expected,
        )

    def followed(self) -> Backlog | None:
        """The prelude's claims decided (pended) with the peer running, then the lifecycle
        backlog: its claims and the prelude's records."""
        plan, claims, feeder = self.bench.plan, self.bench.claims, self.bench.feeder
        config = self.process.config
        follow_ups = claims.follow_up_count(plan.count)
        time.sleep(plan.settle_seconds)
        feeder.backlog(config.submitted, claims.claims(PRELUDE, follow_ups))
        if not self._wait(PRELUDE, follow_ups, "prelude"):
            return None
        time.sleep(plan.settle_seconds)
        topics = {False: config.submitted, True: config.documentation}
        records = claims.followed(plan.count)
        backlog = self._measure(
            FOLLOWED,
            lambda: feeder.write((topics[follows], key, value) for follows, key, value in records),
            claims.published(plan.count, FOLLOWED) + follow_ups,
        )
        if backlog is not None:
            backlog.follow_ups = follow_ups
        return backlog

    def _wait(self, phase: str, expected: int, what: str) -> bool:
        plan = self.bench.plan
        got = self.reader.wait(
            phase, expected, plan.first_timeout, plan.idle_timeout, self.process.alive
        )
        if got < expected:
            state = "running" if self.process.alive() else "exited"
            self.result.error = f"{what}: {got}/{expected} records read (peer {state})"
            return False
        return True

    def _measure(self, phase: str, write: Callable[[], object], expected: int) -> Backlog | None:
        """Write a backlog while the peer is frozen, thaw it, and measure (module docstring)."""
        self.process.pause()
        try:
            write()
        finally:
            self.process.resume()
        thawed = time.time()
        if not self._wait(phase, expected, "backlog" if phase == BACKLOG else "lifecycle backlog"):
            return None
        times = self.reader.times(phase)
        first = times[0]
        last = max([times[-1], *self.reader.follow_up_times(phase)])
        counted = sum(1 for moment in times if moment > first)
        window = FIRST_TO_LAST
        short = last - first < MIN_WINDOW_COMMITS * self.process.config.commit_interval
        if counted < len(times) / 2 or short:
            # Most of a small backlog became readable in one transaction, or in a few close
            # together (a window of a few commits says nothing of a rate, and the loads that
            # follow would be offered an absurd one): count all of it from the thaw instead
            # (this includes the time to the first commit).
            first, counted, window = thawed, len(times), THAW_TO_LAST
        peer_cpu = self.sampler.between("peer", first, last)
        broker_cpu = self.sampler.between("broker", first, last)
        return Backlog(
            claims=counted,
            rate=counted / (last - first),
            cpu_us_per_claim=None if peer_cpu is None else peer_cpu * 1e6 / counted,
            broker_cpu_us_per_claim=None if broker_cpu is None else broker_cpu * 1e6 / counted,
            cores=None if peer_cpu is None else peer_cpu / (last - first),
            window=window,
        )


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
