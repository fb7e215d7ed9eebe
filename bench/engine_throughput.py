"""Engine and `decide` throughput on one core, over the public cases cycled.

Prints decisions per second for (a) the engine alone on parsed requests and (b) `decide` end to
end (JSON line -> parse -> decide -> serialised record), each as the median of several rounds,
and the ratio against a pass-through baseline (JSON decode + encode of the same lines) measured
in the same run, so that figures from noisy machines stay comparable. Targets (issue 3):
engine >= 25,000/s, decide >= 10,000/s. Not a test: run `python bench/engine_throughput.py`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
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


def request_lines() -> list[bytes]:
    """The public cases as adjudication requests (claim + context only)."""
    return [
        orjson.dumps({"claim": case["claim"], "context": case["context"]})
        for case in read_values(str(CASES))
    ]


def rate(work: Callable[[], int]) -> float:
    started = time.perf_counter()
    count = work()
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=100_000, help="per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print the top costs of decide")
    args = parser.parse_args()

    lines = request_lines()
    per_round = max(1, args.decisions // args.rounds)
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
    results = {}
    for name, work in (("baseline", baseline), ("engine", engine), ("decide", end_to_end)):
        results[name] = statistics.median(rate(work) for _ in range(args.rounds))
    total = per_round * args.rounds
    print(f"{total:,} decisions per measurement ({args.rounds} rounds x {per_round:,}), one core")
    print(f"engine build: {'compiled (mypyc)' if policy.COMPILED else 'pure Python'}")
    print(f"baseline (JSON decode+encode): {results['baseline']:>10,.0f} lines/s")
    for name, target in (("engine", 25_000), ("decide", 10_000)):
        value = results[name]
        print(
            f"{name:<30} {value:>10,.0f} decisions/s  ({1e6 / value:5.1f} us each; "
            f"{value / results['baseline']:.3f} x baseline; target {target:,}/s "
            f"{'met' if value >= target else 'NOT met'})"
        )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(end_to_end)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())


if __name__ == "__main__":
    main()
