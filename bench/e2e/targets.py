"""Issue 20's targets, met or missed, on the median of several runs of `python -m bench.e2e`.

A single run is too noisy on 2 cores (±30 % between runs of the same code), so the targets are
judged on the median, over runs, of each figure of the worker and of Quix Streams measured in
the same run:

    python -m bench.e2e.targets bench/e2e/out/<run 1> bench/e2e/out/<run 2> bench/e2e/out/<run 3>

Per guarantee: backlog claims/s ≥ 1.25 × Quix's; CPU µs per claim ≤ 0.8 × Quix's; p99 at 50 %
and at 75 % load ≤ Quix's; burst drain ≤ Quix's; broker CPU µs per claim ≤ Quix's. With the
lifecycle stream (`--follow-ups`): the worker's claims/s with follow-ups ≥ 0.9 × its plain
backlog's and its CPU per claim ≤ 1.1 × the plain one's. Latency loads are fractions of each
peer's own backlog rate, so a p99 compares peers each at the same share of what it can do.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Result = dict[str, Any]
Figure = Callable[[Result], float | None]

WORKER, QUIX = "worker", "quix"
GUARANTEES = ("exactly_once", "at_least_once")


@dataclass(frozen=True)
class Target:
    """`figure(worker) <op> bound × figure(quix)`, or of the worker's own plain backlog."""

    name: str
    figure: Figure
    bound: float
    at_most: bool  # True: the worker's figure must be at most bound × the other's
    against: Figure | None = None  # the worker's own figure to compare with (lifecycle)


def _backlog(key: str) -> Figure:
    return lambda r: (r.get("backlog") or {}).get(key)


def _followed(key: str) -> Figure:
    return lambda r: (r.get("followed") or {}).get(key)


def _p99_at(fraction: float) -> Figure:
    def read(result: Result) -> float | None:
        load = next((x for x in result.get("loads") or [] if x["fraction"] == fraction), None)
        return None if load is None else load["p99_ms"]

    return read


def _burst_drain(result: Result) -> float | None:
    return (result.get("burst") or {}).get("drain_s")


TARGETS = (
    Target("backlog claims/s >= 1.25 x Quix", _backlog("rate"), 1.25, at_most=False),
    Target("CPU us per claim <= 0.8 x Quix", _backlog("cpu_us_per_claim"), 0.8, at_most=True),
    Target("p99 at 50 % load <= Quix", _p99_at(0.5), 1.0, at_most=True),
    Target("p99 at 75 % load <= Quix", _p99_at(0.75), 1.0, at_most=True),
    Target("burst drain <= Quix", _burst_drain, 1.0, at_most=True),
    Target("broker CPU us per claim <= Quix", _backlog("broker_cpu_us_per_claim"), 1.0, True),
)
LIFECYCLE = (
    Target(
        "with follow-ups claims/s >= 0.9 x plain", _followed("rate"), 0.9, False, _backlog("rate")
    ),
    Target(
        "with follow-ups CPU us per claim <= 1.1 x plain",
        _followed("cpu_us_per_claim"),
        1.1,
        True,
        _backlog("cpu_us_per_claim"),
    ),
)


def _median(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def judge(runs: Sequence[Result]) -> list[str]:
    """One line per guarantee and target: the medians, their ratio, met or missed."""
    lines = [f"{len(runs)} run(s): " + ", ".join(run["started_utc"] for run in runs)]
    lifecycle = all(run.get("follow_ups") for run in runs)
    for guarantee in GUARANTEES:
        worker = [_peer(run, WORKER, guarantee) for run in runs]
        quix = [_peer(run, QUIX, guarantee) for run in runs]
        for target in TARGETS + (LIFECYCLE if lifecycle else ()):
            mine = _median([target.figure(r) for r in worker])
            other_side = worker if target.against is not None else quix
            read = target.against or target.figure
            other = _median([read(r) for r in other_side])
            lines.append(f"{guarantee:<14} {target.name:<48} {_verdict(target, mine, other)}")
    return lines


def _verdict(target: Target, mine: float | None, other: float | None) -> str:
    if mine is None or not other:
        return "not measured"
    ratio = mine / other
    met = ratio <= target.bound if target.at_most else ratio >= target.bound
    return f"{mine:,.1f} vs {other:,.1f}: {ratio:.2f} x, {'met' if met else 'MISSED'}"


def _peer(run: Result, peer: str, guarantee: str) -> Result:
    found = [r for r in run["results"] if r["peer"] == peer and r["guarantee"] == guarantee]
    return found[0] if found else {}


def main(argv: Sequence[str] | None = None) -> int:
    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths:
        print("usage: python -m bench.e2e.targets RUN_DIR [RUN_DIR ...]", file=sys.stderr)
        return 2
    runs = []
    for path in paths:
        file = Path(path) / "results.json" if Path(path).is_dir() else Path(path)
        try:
            runs.append(json.loads(file.read_text()))
        except (OSError, ValueError) as error:
            print(f"bench.e2e.targets: {file}: {error}", file=sys.stderr)
            return 2
    print("\n".join(judge(runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
