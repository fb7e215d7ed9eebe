"""Source → parallel replay → sink, report and progress: the replay loop, shared by the CLI, the
benchmark and the tests."""

from __future__ import annotations

from functools import partial

from workers.replay.parallel import ordered_map
from workers.replay.progress import Progress
from workers.replay.report import ReplayReport
from workers.replay.sinks import Sink
from workers.replay.sources import BLOCK_BYTES, FileSource
from workers.replay.work import ReplayOptions, replay_block, warm_up


def run_replay(
    source: FileSource,
    sink: Sink,
    options: ReplayOptions,
    *,
    processes: int = 1,
    progress: Progress | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> ReplayReport:
    """Replay every line of `source` into `sink`, in input order; the filled report.

    The sink is closed at the end (also on failure), so a topic sink has flushed and a file
    sink is complete when this returns.
    """
    report = ReplayReport(what_if_version=options.version, source=source.label, sink=sink.label)
    progress = progress or Progress("replay", total_bytes=source.total_bytes, enabled=False)
    work = partial(replay_block, options=options)
    blocks = source.blocks(block_bytes)
    try:
        for end_position, result in ordered_map(work, blocks, processes, initializer=warm_up):
            sink.write(result)
            report.add(result)
            progress.advance(result.lines, end_position)
        report.finish()
    finally:
        sink.close()
        report.elapsed_seconds = round(progress.close(), 3)
    return report
