"""Replay throughput, file to file: generate a corpus, replay it with N processes and with one.

Generates `--count` claims with their original decisions (`generate --with-decisions`), then
replays the file under the original versions (decide + byte-for-byte check + stamped output)
with `--processes` worker processes and with one process, in the same run so that a busy
machine slows both alike. Prints claims/s, seconds and the ratio. Target (issue): 1,000,000
claims in under 60 s on two cores. Not a test: `python bench/replay_throughput.py`.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from workers.corpus.templates import CorpusSpec, build_templates
from workers.corpus.writer import write_corpus
from workers.replay.pipeline import run_replay
from workers.replay.sinks import FileSink
from workers.replay.sources import FileSource
from workers.replay.work import ReplayOptions

CASES = Path(__file__).resolve().parents[1] / "samples" / "cases.jsonl"


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def replay(corpus: Path, out: Path, processes: int, expected: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one file-to-file replay; checks every claim reproduced."""
    cpu, started = cpu_seconds(), time.perf_counter()
    report = run_replay(
        FileSource(str(corpus)), FileSink(str(out)), ReplayOptions(), processes=processes
    )
    seconds = time.perf_counter() - started
    assert report.counts["reproduced"] == expected, dict(report.counts)
    report.close()
    return seconds, cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--baseline-count",
        type=int,
        default=None,
        help="claims for the 1-process run (default: all of them)",
    )
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: tmp)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="replay-bench-", dir=args.dir) as scratch:
        work = Path(scratch)
        corpus = work / "corpus.jsonl"
        load = os.getloadavg()[0]
        started = time.perf_counter()
        spec = CorpusSpec(count=args.count, with_decisions=True)
        write_corpus(str(corpus), build_templates(CASES, spec), spec)
        generated = time.perf_counter() - started
        size_mb = corpus.stat().st_size / 1e6
        print(
            f"generate: {args.count:,} claims ({size_mb:,.0f} MB) in {generated:.1f} s "
            f"= {args.count / generated:,.0f} claims/s (load average before: {load:.2f})"
        )

        many, many_cpu = replay(corpus, work / "out-n.jsonl", args.processes, args.count)
        (work / "out-n.jsonl").unlink()
        print(
            f"replay, {args.processes} processes: {args.count:,} claims in {many:.1f} s = "
            f"{args.count / many:,.0f} claims/s (CPU {many_cpu:.0f} s, "
            f"{1e6 * many_cpu / args.count:.0f} µs/claim)"
        )

        baseline = args.baseline_count or args.count
        if baseline != args.count:
            with corpus.open("rb") as src, (work / "head.jsonl").open("wb") as dst:
                for _ in range(baseline):
                    dst.write(src.readline())
            corpus = work / "head.jsonl"
        one, one_cpu = replay(corpus, work / "out-1.jsonl", 1, baseline)
        print(
            f"replay, 1 process: {baseline:,} claims in {one:.1f} s = "
            f"{baseline / one:,.0f} claims/s (CPU {one_cpu:.0f} s)"
        )
        ratio = (args.count / many) / (baseline / one)
        print(f"ratio {args.processes} processes / 1 process: {ratio:.2f}x")
        if args.count == 1_000_000:
            print(f"target 1M claims < 60 s: {'met' if many < 60 else 'NOT met'} ({many:.1f} s)")


if __name__ == "__main__":
    main()
