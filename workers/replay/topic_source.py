"""The topic source: a decisions-topic range, joined with the input topics, as a replay file.

Both topics are read by a consumer of our own: `group_id=None`, partitions `assign()`ed, no
commits, so the production consumer group's offsets are never read or written, and
`read_committed`, so the replay sees exactly what downstream consumers saw (no aborted
transactions). The result is spooled as history lines (workers/replay/inputs.py) in
(partition, offset) order, and the file replay takes it from there: one code path for deciding,
comparing and reporting, whatever the source.

Decisions are read first and spooled per partition; only then are the input topics (claims,
documentation, reviews: the events a record's `input.event_id` can name) scanned, from the
earliest decision's timestamp minus `lookback_ms` (an event is published before its decision) to
the latest plus `lookback_ms` (producer clocks differ), keeping only the events the decisions
ask for. The calendar, eligibility and prior-authorization topics are not read: what a record
was decided with of them is in its snapshot header.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from workers.broker.connection import KafkaConnection
from workers.jsonl import encode, values
from workers.replay.join import EnvelopeIndex, Joiner, PublishedDecision
from workers.replay.topic_range import TopicRange


class TopicMissing(LookupError):
    """A topic of the replay does not exist (the broker does not auto-create topics)."""


@dataclass
class ExportStats:
    decisions: int = 0
    envelopes_scanned: int = 0
    envelopes_kept: int = 0


def new_consumer(kafka: KafkaConnection) -> AIOKafkaConsumer:
    """A group-less, non-committing, read_committed consumer (see the module docstring)."""
    return AIOKafkaConsumer(
        **kafka.client_options(),
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        fetch_max_bytes=16 * 1024**2,
        max_partition_fetch_bytes=4 * 1024**2,
    )


async def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    for _ in range(25):
        partitions = consumer.partitions_for_topic(topic)
        if partitions:
            return [TopicPartition(topic, p) for p in sorted(partitions)]
        await consumer._client.force_metadata_update()  # noqa: SLF001 - aiokafka has no public refresh
        await asyncio.sleep(0.2)
    raise TopicMissing(f"topic {topic!r} does not exist")


async def bounds(
    consumer: AIOKafkaConsumer,
    partitions: list[TopicPartition],
    since_ms: int | None,
    until_ms: int | None,
) -> dict[TopicPartition, tuple[int, int]]:
    """(first offset, end offset exclusive) per partition for a timestamp range."""
    first = await consumer.beginning_offsets(partitions)
    last = await consumer.end_offsets(partitions)  # the last stable offset (read_committed)

    async def at(millis: int | None, default: dict[TopicPartition, int]) -> dict[Any, int]:
        if millis is None:
            return dict(default)
        found = await consumer.offsets_for_times(dict.fromkeys(partitions, millis))
        return {tp: (last[tp] if hit is None else hit.offset) for tp, hit in found.items()}

    start, stop = await at(since_ms, first), await at(until_ms, last)
    return {tp: (start[tp], min(stop[tp], last[tp])) for tp in partitions}


async def read_range(
    consumer: AIOKafkaConsumer, ranges: dict[TopicPartition, tuple[int, int]]
) -> Any:
    """Yield the records of each partition's [start, stop) range, in offset order per
    partition; stops when every partition's position has reached its stop offset (control
    records of transactions take offsets too, so positions, not records, are counted)."""
    wanted = {tp: r for tp, r in ranges.items() if r[0] < r[1]}
    consumer.assign(list(ranges))
    for tp, (start, _) in ranges.items():
        consumer.seek(tp, start)
    open_partitions = set(wanted)
    if len(open_partitions) < len(ranges):
        consumer.pause(*(tp for tp in ranges if tp not in open_partitions))
    while open_partitions:
        batches = await consumer.getmany(*open_partitions, timeout_ms=500, max_records=5000)
        for tp, records in batches.items():
            stop = wanted[tp][1]
            for record in records:
                if record.offset < stop:
                    yield record
        for tp in list(open_partitions):
            if await consumer.position(tp) >= wanted[tp][1]:
                open_partitions.discard(tp)
                consumer.pause(tp)


async def export_range(
    kafka: KafkaConnection,
    decisions_topic: str,
    input_topics: list[str],
    topic_range: TopicRange,
    spool: IO[bytes],
    *,
    lookback_ms: int = 3_600_000,
) -> ExportStats:
    """Write the joined history lines of the range to `spool`; the counts."""
    stats = ExportStats()
    consumer = new_consumer(kafka)
    await consumer.start()
    try:
        decision_parts = await partitions_of(consumer, decisions_topic)
        input_parts = [tp for topic in input_topics for tp in await partitions_of(consumer, topic)]
        ranges = await _decision_ranges(consumer, decision_parts, topic_range)
        # Closed by _write_joined once read back.
        per_partition = {tp.partition: tempfile.TemporaryFile() for tp in decision_parts}  # noqa: SIM115
        wanted_events: set[str] = set()
        wanted_claims: set[str] = set()
        first_ts: int | None = None
        last_ts: int | None = None
        async for record in read_range(consumer, ranges):
            decision = PublishedDecision.from_message(record)
            stats.decisions += 1
            first_ts = record.timestamp if first_ts is None else min(first_ts, record.timestamp)
            last_ts = record.timestamp if last_ts is None else max(last_ts, record.timestamp)
            if decision.event_id is not None:
                wanted_events.add(decision.event_id)
            elif isinstance(decision.claim_id, str):
                wanted_claims.add(decision.claim_id)
            per_partition[record.partition].write(_spool_entry(decision))
        index = EnvelopeIndex()
        if first_ts is not None and last_ts is not None:
            input_ranges = await bounds(
                consumer, input_parts, first_ts - lookback_ms, last_ts + lookback_ms
            )
            async for record in read_range(consumer, input_ranges):
                stats.envelopes_scanned += 1
                if index.take(record.value, record.timestamp, wanted_events, wanted_claims):
                    stats.envelopes_kept += 1
    finally:
        await consumer.stop()
    _write_joined(per_partition.values(), index, spool)
    return stats


async def _decision_ranges(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], topic_range: TopicRange
) -> dict[TopicPartition, tuple[int, int]]:
    if not topic_range.by_offsets:
        return await bounds(consumer, partitions, topic_range.since_ms, topic_range.until_ms)
    known = {tp.partition: tp for tp in partitions}
    unknown = sorted(set(topic_range.offsets) - set(known))
    if unknown:
        raise TopicMissing(f"partitions {unknown} do not exist in {partitions[0].topic!r}")
    chosen = [known[p] for p in sorted(topic_range.offsets)]
    first = await consumer.beginning_offsets(chosen)
    last = await consumer.end_offsets(chosen)
    ranges = {}
    for tp in chosen:
        start, stop = topic_range.offsets[tp.partition]
        stop = last[tp] if stop is None else min(stop, last[tp])
        ranges[tp] = (max(start, first[tp]), stop)
    return ranges


def _spool_entry(decision: PublishedDecision) -> bytes:
    return encode(
        {
            "source": decision.source,
            "record": decision.record,
            "snapshot": decision.snapshot,
            "event_id": decision.event_id,
        }
    )


def _write_joined(spools: Iterable[IO[bytes]], index: EnvelopeIndex, out: IO[bytes]) -> None:
    """The history lines in (partition, offset) order: a claim's records are in one partition
    (key claim_id), in the order they were made, as its chain needs them."""
    joiner = Joiner(index)
    for spool in spools:
        spool.seek(0)
        for entry in values(spool):
            decision = PublishedDecision(
                entry["source"],
                entry["source"]["timestamp"],
                entry["record"],
                entry["snapshot"],
                entry["event_id"],
            )
            out.write(encode(joiner.join(decision)))
        spool.close()
    out.flush()


def export_to_file(
    kafka: KafkaConnection,
    decisions_topic: str,
    input_topics: list[str],
    topic_range: TopicRange,
    path: Path,
    *,
    lookback_ms: int = 3_600_000,
) -> ExportStats:
    """Synchronous entry point: runs (and closes) its own event loop before any fork."""
    with path.open("wb") as spool:
        return asyncio.run(
            export_range(
                kafka, decisions_topic, input_topics, topic_range, spool, lookback_ms=lookback_ms
            )
        )


def require_topics(kafka: KafkaConnection, topics: list[str]) -> None:
    """Raise TopicMissing before the replay starts when a topic it needs does not exist."""

    async def check() -> None:
        consumer = new_consumer(kafka)
        await consumer.start()
        try:
            for topic in topics:
                await partitions_of(consumer, topic)
        finally:
            await consumer.stop()

    asyncio.run(check())


def existing_topics(kafka: KafkaConnection) -> set[str]:
    """The topics the broker has (one metadata request)."""

    async def names() -> set[str]:
        consumer = new_consumer(kafka)
        await consumer.start()
        try:
            return set(await consumer.topics())
        finally:
            await consumer.stop()

    return asyncio.run(names())
