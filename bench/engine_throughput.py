"""Engine and `decide` throughput on one core, over the public cases cycled.

Prints decisions per second of CPU time for (a) the engine alone on parsed requests and (b)
`decide` end to end (JSON line -> parse -> decide -> serialised record), each as the median of
several rounds, and the ratio against a pass-through baseline (JSON decode + encode of the same
lines) measured in the same run, so that figures from noisy machines stay comparable. Targets
(issue 3): engine >= 25,000/s, decide >= 10,000/s.

`--against DIR` measures another checkout of the project (today's main beside the change) in the
same run: each tree in a process of its own, rounds taken in turn, so that both see the same
load. Target (issue 20): `decide` >= 2x the other tree's rate. Run it once per engine build,
each tree on PYTHONPATH built the same way (mypyc, or pure Python: no `.so` in the tree).

Not a test: run `python bench/engine_throughput.py [--against DIR]`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

import policy
from models.json_codec import loads
from models.request import parse_request
from policy.engine import decide
from workers.jsonl import RawLine, read_values
from workers.offline.adjudicate import adjudicate_line

CASES = Path(__file__).resolve().parents[1] / "samples" / "cases.jsonl"
TARGETS = {"engine": 25_000, "decide": 10_000}
# Issue 20: `decide` end to end against the tree given with --against.
TARGET_RATIO = 2.0
MEASURES = ("baseline", "engine", "decide")

Work = Callable[[], int]


def request_lines() -> list[bytes]:
    """The public cases as adjudication requests (claim + context only)."""
    return [
        orjson.dumps({"claim": case["claim"], "context": case["context"]})
        for case in read_values(str(CASES))
    ]


def rate(work: Work) -> float:
    """Items per second of this process's CPU time: on a shared machine, time spent waiting for
    a core is not the code's (on a quiet one both clocks agree)."""
    started = time.process_time()
    count = work()
    return count / (time.process_time() - started)


def workloads(per_round: int) -> dict[str, Work]:
    """The three measures over `per_round` lines, the engine's caches warm."""
    lines = request_lines()
    batch = [lines[i % len(lines)] for i in range(per_round)]
    requests = [parse_request(loads(line), strict_json=True) for line in batch]
    raw_lines = [RawLine(i + 1, line) for i, line in enumerate(batch)]

    def baseline() -> int:
        for line in batch:
            orjson.dumps(orjson.loads(line))
        return len(batch)

    def engine() -> int:
        for request in requests:
            decide(request)
        return len(requests)

    def end_to_end() -> int:
        for raw in raw_lines:
            outcome = adjudicate_line(raw)
            orjson.dumps(outcome if isinstance(outcome, dict) else outcome.to_dict())
        return len(raw_lines)

    engine()  # warm caches (code set look-ups, regexes) before measuring
    return {"baseline": baseline, "engine": engine, "decide": end_to_end}


def serve(per_round: int) -> None:
    """One round of every measure per line read on stdin, as one JSON line on stdout."""
    work = workloads(per_round)
    print(json.dumps({"compiled": policy.COMPILED}), flush=True)
    for _ in sys.stdin:
        print(json.dumps({name: rate(work[name]) for name in MEASURES}), flush=True)


def paired(against: Path, per_round: int, rounds: int) -> dict[str, dict[str, float]]:
    """Median rates of this tree and of `against`, rounds taken in turn (each goes first in
    every other round)."""
    here = Path(__file__).resolve().parents[1]
    trees = {"change": here, "against": against.resolve()}
    # Both measuring processes on the same core (they never run at once): the same caches and
    # the same neighbours for both trees.
    os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    servers = {
        name: subprocess.Popen(
            [sys.executable, __file__, "--serve", "--decisions", str(per_round)],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, tree in trees.items()
    }
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    try:
        builds = {name: json.loads(_read(server)) for name, server in servers.items()}
        if builds["change"] != builds["against"]:
            sys.exit(f"the two trees are not built alike: {builds}; build both or neither")
        for number in range(rounds):
            for name in sorted(servers, reverse=number % 2 == 1):
                server = servers[name]
                assert server.stdin is not None
                server.stdin.write("round\n")
                server.stdin.flush()
                samples[name].append(json.loads(_read(server)))
    finally:
        for server in servers.values():
            server.kill()
            server.wait()
    return {
        name: {m: statistics.median(s[m] for s in rows) for m in MEASURES}
        for name, rows in samples.items()
    }


def _read(server: subprocess.Popen[str]) -> str:
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line:
        sys.exit(f"bench/engine_throughput.py: a measuring process (pid {server.pid}) ended early")
    return line


def report(results: dict[str, float]) -> None:
    print(f"baseline (JSON decode+encode): {results['baseline']:>10,.0f} lines/s")
    for name, target in TARGETS.items():
        value = results[name]
        print(
            f"{name:<30} {value:>10,.0f} decisions/s  ({1e6 / value:5.1f} us each; "
            f"{value / results['baseline']:.3f} x baseline; target {target:,}/s "
            f"{'met' if value >= target else 'NOT met'})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=100_000, help="per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print the top costs of decide")
    parser.add_argument("--against", type=Path, help="another checkout to measure in turn")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    per_round = max(1, args.decisions // args.rounds)
    if args.serve:
        serve(args.decisions)
        return
    total = per_round * args.rounds
    print(f"{total:,} decisions per measurement ({args.rounds} rounds x {per_round:,}), one core")
    print(f"engine build: {'compiled (mypyc)' if policy.COMPILED else 'pure Python'}")
    if args.against is not None:
        both = paired(args.against, per_round, args.rounds)
        for name in ("against", "change"):
            print(f"-- {name}: {args.against if name == 'against' else 'this tree'}")
            report(both[name])
        for measure in MEASURES:
            ratio = both["change"][measure] / both["against"][measure]
            print(f"{measure:<30} {ratio:5.2f} x the other tree")
        met = both["change"]["decide"] / both["against"]["decide"] >= TARGET_RATIO
        print(f"decide >= {TARGET_RATIO}x the other tree (issue 20): {'met' if met else 'NOT met'}")
        return

    work = workloads(per_round)
    report({name: statistics.median(rate(work[name]) for _ in range(args.rounds)) for name in work})
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(work["decide"])
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())


if __name__ == "__main__":
    main()
