"""The `replay` command's body: check everything that can be checked, then run, then report.

Every check that can fail without reading a claim (range syntax, sink topic, file and topics
present) runs before the first claim is read, so a mistake costs seconds, not an hour's replay.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from workers.broker.connection import KafkaConnection
from workers.replay.parallel import default_processes
from workers.replay.pipeline import run_replay
from workers.replay.progress import Progress
from workers.replay.render import render_text, write_reports
from workers.replay.sinks import FileSink, Sink
from workers.replay.sources import FileSource
from workers.replay.topic_range import RangeError, TopicRange, build_range
from workers.replay.work import ReplayOptions
from workers.settings import Settings


class UsageError(ValueError):
    """Something the user must change before the replay can run (exit status 2)."""


@dataclass(frozen=True)
class ReplayRequest:
    """Everything the command line says, checked for syntax; `preflight` checks the rest."""

    version: str | None
    file: str | None
    events: bool  # `file` is a file of events (workers/replay/events_file.py)
    topic_range: TopicRange | None
    decisions_topic: str
    input_topic: str
    follow_up_topics: tuple[str, ...]  # documentation, reviews
    # Follow-up topics not named on the command line: skipped when they do not exist (a
    # deployment from before the claim lifecycle has none, and no re-adjudications either).
    optional_topics: frozenset[str]
    kafka: KafkaConnection
    production_topics: frozenset[str]
    lookback_ms: int
    out: str
    out_topic: str | None
    force_production_topic: bool
    report_dir: Path | None
    processes: int
    stamp: bool
    quiet: bool

    @property
    def input_topics(self) -> list[str]:
        """The topics whose events a decision's `input.event_id` can name."""
        return [self.input_topic, *self.follow_up_topics]

    @classmethod
    def from_args(cls, args: argparse.Namespace, version: str | None) -> ReplayRequest:
        from workers.settings import load_settings

        settings = load_settings()
        topic_range = None
        if args.from_topic:
            try:
                topic_range = build_range(args.since, args.until, args.offsets)
            except RangeError as error:
                raise UsageError(str(error)) from None
        decisions_topic = args.decisions_topic or settings.topic_decisions
        return cls(
            version=version,
            file=args.file,
            events=args.events,
            topic_range=topic_range,
            decisions_topic=decisions_topic,
            input_topic=args.input_topic or settings.topic_submitted,
            follow_up_topics=(
                args.documentation_topic or settings.topic_documentation,
                args.reviews_topic or settings.topic_reviews,
            ),
            optional_topics=frozenset(
                default
                for named, default in (
                    (args.documentation_topic, settings.topic_documentation),
                    (args.reviews_topic, settings.topic_reviews),
                )
                if named is None
            ),
            kafka=_connection(settings, args.bootstrap_servers),
            # The configured decision topic, and the one a topic replay reads, are production.
            production_topics=frozenset({settings.topic_decisions, decisions_topic}),
            lookback_ms=int(args.input_lookback * 1000),
            out=args.out or "-",
            out_topic=args.out_topic,
            force_production_topic=args.force_production_topic,
            report_dir=args.report_dir,
            processes=args.processes or default_processes(),
            stamp=not args.no_stamp,
            quiet=args.quiet,
        )


def _connection(settings: Settings, bootstrap_servers: str | None) -> KafkaConnection:
    """The worker's connection settings; `--bootstrap-servers` names other brokers (same
    security)."""
    connection = KafkaConnection.from_settings(settings)
    if bootstrap_servers is None:
        return connection
    return dataclasses.replace(connection, bootstrap_servers=bootstrap_servers)


def preflight(request: ReplayRequest) -> ReplayRequest:
    """Raise UsageError for anything that would fail later; the request without the optional
    topics that do not exist."""
    from workers.replay.topic_sink import ProductionTopicRefused, check_sink_topic

    if request.processes < 1:
        raise UsageError("--processes must be at least 1")
    if request.out_topic is not None:
        try:
            check_sink_topic(
                request.out_topic,
                set(request.production_topics),
                what_if=request.version is not None,
                force=request.force_production_topic,
            )
        except ProductionTopicRefused as error:
            raise UsageError(str(error)) from None
    if request.file is not None:
        try:
            FileSource(request.file).check()
        except OSError as error:
            raise UsageError(f"cannot read {request.file}: {error.strerror or error}") from None
    topics = [request.decisions_topic, *request.input_topics] if request.topic_range else []
    if request.out_topic is not None:
        topics.append(request.out_topic)
    if topics:
        from workers.broker.preflight import AccessNeeds, check_access
        from workers.replay.topic_source import TopicMissing, existing_topics, require_topics

        required = [topic for topic in topics if topic not in request.optional_topics]
        # An unreachable broker or refused credentials: one line (OperatorError), no traceback.
        asyncio.run(check_access(request.kafka, AccessNeeds(topics=required), timeout_s=15.0))
        absent = set(request.optional_topics) - existing_topics(request.kafka)
        request = dataclasses.replace(
            request,
            follow_up_topics=tuple(t for t in request.follow_up_topics if t not in absent),
        )
        try:
            require_topics(request.kafka, [topic for topic in topics if topic not in absent])
        except TopicMissing as error:
            raise UsageError(str(error)) from None
    return request


def open_sink(request: ReplayRequest) -> Sink:
    if request.out_topic is None:
        return FileSink(request.out)
    from workers.replay.topic_sink import TopicSink

    return TopicSink(
        request.kafka,
        request.out_topic,
        mode="replay" if request.version is None else "what-if",
        policy_version=request.version,
    )


def execute(request: ReplayRequest) -> int:
    request = preflight(request)
    options = ReplayOptions(
        version=request.version, stamp=request.stamp, keep_records=request.out_topic is not None
    )
    with tempfile.TemporaryDirectory(prefix="replay-") as scratch:
        source = _source(request, Path(scratch))
        spooled = request.topic_range is not None or request.events
        total = _count_lines(source) if spooled else None
        progress = Progress(
            "replay", total_items=total, total_bytes=source.total_bytes, enabled=not request.quiet
        )
        report = run_replay(
            source, open_sink(request), options, processes=request.processes, progress=progress
        )
    try:
        if request.report_dir is not None:
            written = write_reports(report, request.report_dir)
            print(f"report: {', '.join(map(str, written))}", file=sys.stderr)
        sys.stderr.write(render_text(report, limit=20))
        return report.exit_status
    finally:
        report.close()


def _source(request: ReplayRequest, scratch: Path) -> FileSource:
    if request.topic_range is None and request.events:
        return _events_source(request, scratch)
    if request.topic_range is None:
        return FileSource(request.file)
    from workers.replay.topic_source import export_to_file

    spool = scratch / "topic-range.jsonl"
    if not request.quiet:
        print(
            f"reading {request.decisions_topic} {request.topic_range.describe()} and "
            f"{request.input_topic}…",
            file=sys.stderr,
        )
    stats = export_to_file(
        request.kafka,
        request.decisions_topic,
        request.input_topics,
        request.topic_range,
        spool,
        lookback_ms=request.lookback_ms,
    )
    if not request.quiet:
        print(
            f"read {stats.decisions:,} decisions; {stats.envelopes_kept:,} of "
            f"{stats.envelopes_scanned:,} input events joined",
            file=sys.stderr,
        )
    label = (
        f"topic {request.decisions_topic} {request.topic_range.describe()} + {request.input_topic}"
    )
    return FileSource(str(spool), label=label)


def _events_source(request: ReplayRequest, scratch: Path) -> FileSource:
    from workers.replay.events_file import export_events

    spool = scratch / "events.jsonl"
    stats = export_events(request.file, spool)
    if not request.quiet:
        print(
            f"read {stats.decisions:,} decisions and {stats.events:,} input events"
            + (f"; {stats.unreadable:,} unreadable lines" if stats.unreadable else ""),
            file=sys.stderr,
        )
    return FileSource(str(spool), label=f"events {request.file or 'stdin'}")


def _count_lines(source: FileSource) -> int:
    return sum(block.read().count(b"\n") for block, _ in source.blocks())
