"""`python -m bench.e2e`: every selected peer in every selected guarantee, one after the other,
on the same claims and one broker; a table on stdout, JSON and a PNG in --out-dir.

Without KAFKA_BOOTSTRAP_SERVERS the project's local broker is started in a private directory
and stopped at the end. Exit status 1 when a peer lost decisions or failed. The targets (our
worker's exactly-once backlog throughput at least that of the Quix Streams application,
../shared/design/PERFORMANCE.md; with --follow-ups, our worker's claims/s and CPU per claim
within 10 % of the same stream's without them, issue 17) are printed, met or missed, not
asserted: one run on a shared 2-core machine varies by ±20 %, so a verdict takes several runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import broker as brokers
from . import report, topics
from .claims import ClaimSet
from .config import GUARANTEES, PEER_TITLES, PEERS, Guarantee, peer_config
from .loadgen import Feeder
from .measure import Bench, PeerResult, Plan, run_peer
from .warmup import warm_up

HERE = Path(__file__).resolve().parent
DEFAULT_COUNT = 20_000
SMOKE = Plan(
    count=2_000,
    phase_seconds=2.0,
    burst_seconds=2.0,
    settle_seconds=0.5,
    tail_seconds=0.5,
    recovery_seconds=2.0,
)
WARM_UP_CLAIMS = 3_000
TARGET = ("worker", "quix", "exactly_once", 1.0)  # our worker ≥ 1.0 × Quix, exactly-once
# With follow-ups, our worker's claims/s and CPU per claim within 10 % of the plain backlog's.
LIFECYCLE_TARGET = ("worker", 0.10)
MAX_FOLLOW_UPS = 0.5  # one claim in two: more would leave the stream's mix behind


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e", description=__doc__)
    parser.add_argument("--count", type=int, help=f"backlog claims (default {DEFAULT_COUNT:,})")
    parser.add_argument(
        "--workers",
        default=",".join(PEERS),
        help="peers to run, comma-separated: raw, quix, worker (default all)",
    )
    parser.add_argument(
        "--guarantees",
        default=",".join(GUARANTEES),
        help="exactly_once, at_least_once (default both)",
    )
    parser.add_argument("--smoke", action="store_true", help="2,000 claims, short phases (CI)")
    parser.add_argument(
        "--follow-ups",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="lifecycle stream: this share of the claims pend (the seed case) and a second "
        "backlog follows up as many earlier pends with records received, measured beside "
        "the plain one (e.g. 0.1; default 0: off)",
    )
    parser.add_argument("--phase-seconds", type=float, help="each steady load (default 10)")
    parser.add_argument("--burst-seconds", type=float, help="the 1.5x burst (default 10)")
    parser.add_argument("--commit-interval", type=float, default=0.2, help="every peer's")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--broker-pid", type=int, help="with KAFKA_BOOTSTRAP_SERVERS: its pid")
    parser.add_argument("--out-dir", type=Path, help="default bench/e2e/out/<UTC time>")
    args = parser.parse_args(argv)
    for name, allowed in (("workers", PEERS), ("guarantees", GUARANTEES)):
        chosen = [item.strip() for item in getattr(args, name).split(",") if item.strip()]
        unknown = sorted(set(chosen) - set(allowed))
        if unknown or not chosen:
            parser.error(f"--{name}: choose from {', '.join(allowed)}")
        setattr(args, name, [item for item in allowed if item in chosen])
    if not 0 <= args.follow_ups <= MAX_FOLLOW_UPS:
        parser.error(f"--follow-ups: a share from 0 to {MAX_FOLLOW_UPS}")
    return args


def make_plan(args: argparse.Namespace) -> Plan:
    base = SMOKE if args.smoke else Plan(count=DEFAULT_COUNT)
    return Plan(
        count=args.count or base.count,
        phase_seconds=args.phase_seconds or base.phase_seconds,
        burst_seconds=args.burst_seconds or base.burst_seconds,
        settle_seconds=base.settle_seconds,
        tail_seconds=base.tail_seconds,
        recovery_seconds=base.recovery_seconds,
    )


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    plan = make_plan(args)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out_dir: Path = args.out_dir or HERE / "out" / stamp
    out_dir.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:8]
    started = time.monotonic()
    load_before = os.getloadavg()[0]  # other work on the machine makes a run's figures noisy

    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    log("starting the local broker" if external is None else f"broker {external}")
    broker = (
        brokers.start_local() if external is None else brokers.attach(external, args.broker_pid)
    )
    results: list[PeerResult] = []
    feeder = Feeder(broker.bootstrap)
    try:
        claims = ClaimSet(members=plan.count, follow_ups=args.follow_ups)
        bench = Bench(plan, claims, broker, feeder, out_dir / "logs")
        eligibility, prior_auth = f"e2e-{run_id}.eligibility", f"e2e-{run_id}.prior-auths"
        topics.create(broker.bootstrap, topics.reference_topics(eligibility, prior_auth))
        feeder.backlog(eligibility, claims.eligibility())
        feeder.backlog(prior_auth, claims.prior_auths())
        warm_up(broker.bootstrap, f"e2e-{run_id}.warm-up", claims.claims("W", WARM_UP_CLAIMS))
        log(
            f"broker {broker.bootstrap} (pid {broker.pid}); {plan.count:,} backlog claims "
            f"({claims.published(plan.count):,} decided"
            + (
                f"; a second backlog with {claims.follow_up_count(plan.count):,} follow-ups"
                if claims.every
                else ""
            )
            + f"), {len(args.workers)} peer(s) x "
            f"{len(args.guarantees)} guarantee(s); logs in {out_dir}"
        )
        guarantee: Guarantee
        for guarantee in args.guarantees:
            for peer in args.workers:
                config = peer_config(
                    peer,
                    guarantee,
                    run_id=run_id,
                    bootstrap=broker.bootstrap,
                    eligibility=eligibility,
                    prior_auth=prior_auth,
                    partitions=args.partitions,
                    commit_interval=args.commit_interval,
                    work_dir=str(out_dir / "work" / f"{peer}-{guarantee}"),
                )
                log(f"{PEER_TITLES[peer]}, {guarantee}")
                result = run_peer(config, bench)
                results.append(result)
                log(
                    f"  first decision after {report.num(result.first_decision_s, '.1f')} s, "
                    f"backlog {report.num(result.backlog.rate if result.backlog else None)} "
                    + (
                        f"(with follow-ups {report.num(result.followed.rate)}) "
                        if result.followed
                        else ""
                    )
                    + "claims/s, "
                    f"exit {result.exit_code} after {report.num(result.stop_s, '.1f')} s"
                    + (f"; ERROR {result.error}" if result.error else "")
                )
    finally:
        feeder.close()
        broker.stop()

    elapsed = time.monotonic() - started
    title = (
        f"bench/e2e {stamp}: {plan.count:,} claims, {os.cpu_count()} CPUs, "
        f"commit {args.commit_interval}s"
        + (f", follow-ups 1 in {claims.every}" if claims.every else "")
        + f", load {load_before:.1f} → {os.getloadavg()[0]:.1f}"
        + (" (smoke)" if args.smoke else "")
    )
    print(title)
    print(report.table(results))
    meta = {
        "started_utc": stamp,
        "seconds": round(elapsed, 1),
        "smoke": args.smoke,
        "plan": asdict(plan),
        "partitions": args.partitions,
        "follow_ups": args.follow_ups,
        "commit_interval": args.commit_interval,
        "cpus": os.cpu_count(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "python": platform.python_version(),
        "versions": _versions("quixstreams", "aiokafka", "confluent-kafka", "faust-streaming"),
    }
    report.write_json(out_dir / "results.json", meta, results)
    report.plot(out_dir / "latency.png", results, title)
    print(f"\n{elapsed:.0f} s; {out_dir / 'results.json'}, {out_dir / 'latency.png'}")
    sys.exit(_status(results, args.smoke))


def _versions(*names: str) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def _status(results: list[PeerResult], smoke: bool) -> int:
    failed = [r for r in results if r.error or (r.duplicates and r.guarantee == "exactly_once")]
    for r in failed:
        print(f"FAILED: {PEER_TITLES[r.peer]} {r.guarantee}: {r.error or 'duplicates'}")
    if not smoke:
        _print_target(results)
        _print_lifecycle_target(results)
    return 1 if failed else 0


def _print_target(results: list[PeerResult]) -> None:
    peer, base, guarantee, wanted = TARGET
    ours = next((r for r in results if r.peer == peer and r.guarantee == guarantee), None)
    x = report.ratio(ours, results, base) if ours is not None else None
    if x is not None:
        met = x >= wanted
        print(
            f"target: {PEER_TITLES[peer]} >= {wanted:.1f} x {PEER_TITLES[base]} ({guarantee} "
            f"backlog): {x:.2f} x — {'met' if met else 'missed'} in this run"
        )


def _print_lifecycle_target(results: list[PeerResult]) -> None:
    peer, within = LIFECYCLE_TARGET
    for r in results:
        rate, cpu = report.lifecycle_ratios(r)
        if r.peer != peer or rate is None:
            continue
        met = rate >= 1 - within and cpu is not None and cpu <= 1 + within
        print(
            f"target: {PEER_TITLES[peer]} with follow-ups within {within:.0%} of the plain "
            f"backlog ({r.guarantee}): claims/s {rate:.2f} x, CPU per claim "
            f"{report.num(cpu, '.2f')} x — {'met' if met else 'missed'} in this run"
        )
