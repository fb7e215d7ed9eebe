"""The raw aiokafka two-hop pipeline: the Python ceiling for the worker's topology.

hop 1 reads `submitted` and `documentation` (key claim id) and forwards each valid event re-keyed
by member onto `by-member`; hop 2 reads `by-member`, keeps each member's state in a dict per
partition (written to a compacted changelog and restored from it at start) and decides; both
hops are the worker's step (engine.py), outputs and state updates as the worker sends them.
One consumer reads the three topics (same partition count): partition k of any is input
partition k, and everything read from k is processed through k's sink.

- exactly_once: one transactional producer per input partition k; k's outputs and k's input
  offsets (`send_offsets_to_transaction`) commit together, every commit interval between
  fetched batches; the consumer reads read_committed, so hop 2 only sees committed hop-1 output.
- at_least_once: one idempotent producer per input partition; every commit interval, wait for
  the sends to be acknowledged, then commit the consumer offsets.

Client settings as the worker's (fetch sizes, records per poll, linger, batch size),
per-record sends. A baseline, not product code: one instance owning every partition, no
rebalance handling beyond that, no metrics. `python -m bench.e2e.peers.raw '<PeerConfig JSON>'`
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from ..config import MAX_MESSAGE_BYTES, PeerConfig
from ..engine import Engine, Inbound, MemberState, Outcome, routes
from ..tables import read_whole, references

LINGER_MS = 5
# The worker's batch size: the smallest `max.message.bytes` of the topics written (here every
# one's is MAX_MESSAGE_BYTES or the broker's default, the same), not aiokafka's 16 KiB.
BATCH_BYTES = MAX_MESSAGE_BYTES
MAX_RECORDS = 2000  # per getmany, as the worker
# As the worker's defaults (workers/settings.py `fetch_wait_seconds`, `fetch_min_bytes`).
FETCH = {
    "max_partition_fetch_bytes": 4 * 1024**2,
    "fetch_max_bytes": 16 * 1024**2,
    "fetch_max_wait_ms": 50,
    "fetch_min_bytes": 32_768,
}

Headers = list[tuple[str, bytes]]
# One record to send: topic, key, value, headers, partition (None: the producer's choice).
Send = tuple[str, bytes | None, bytes | None, Headers | None, int | None]
Handler = Callable[[TopicPartition, Inbound], list[Send]]


class Sink(Protocol):
    async def send(self, partition: int, output: Send) -> None: ...
    async def commit(self, offsets: dict[TopicPartition, int]) -> None: ...
    async def close(self) -> None: ...


class TransactionalSink:
    """exactly_once: what was read from input partition k goes through the producer of k."""

    def __init__(self, config: PeerConfig) -> None:
        self._config = config
        self._producers: dict[int, AIOKafkaProducer] = {}
        self._open: set[int] = set()

    async def _producer(self, partition: int) -> AIOKafkaProducer:
        producer = self._producers.get(partition)
        if producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._config.bootstrap,
                transactional_id=f"{self._config.app_id}-{partition}",
                enable_idempotence=True,
                linger_ms=LINGER_MS,
                max_batch_size=BATCH_BYTES,
            )
            await producer.start()  # fences an earlier producer of the same partition
            self._producers[partition] = producer
        if partition not in self._open:
            await producer.begin_transaction()
            self._open.add(partition)
        return producer

    async def send(self, partition: int, output: Send) -> None:
        topic, key, value, headers, to_partition = output
        producer = await self._producer(partition)
        await producer.send(topic, value, key=key, headers=headers, partition=to_partition)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        by_partition: dict[int, dict[TopicPartition, int]] = {}
        for tp, offset in offsets.items():
            by_partition.setdefault(tp.partition, {})[tp] = offset

        async def one(partition: int, moved: dict[TopicPartition, int]) -> None:
            producer = await self._producer(partition)
            await producer.send_offsets_to_transaction(moved, self._config.app_id)
            await producer.commit_transaction()
            self._open.discard(partition)

        await asyncio.gather(*(one(k, moved) for k, moved in by_partition.items()))

    async def close(self) -> None:
        for partition, producer in self._producers.items():
            if partition in self._open:
                await producer.abort_transaction()
            await producer.stop()


class AckedSink:
    """at_least_once: one idempotent producer per input partition (aiokafka's sender loop costs
    less per record so, as the worker found); offsets are committed only after every send before
    them is acked."""

    def __init__(self, config: PeerConfig, consumer: AIOKafkaConsumer) -> None:
        self._config = config
        self._consumer = consumer
        self._producers: dict[int, AIOKafkaProducer] = {}
        self._acks: list[asyncio.Future[Any]] = []

    async def start(self) -> AckedSink:
        return self

    async def _producer(self, partition: int) -> AIOKafkaProducer:
        producer = self._producers.get(partition)
        if producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._config.bootstrap,
                enable_idempotence=True,
                acks="all",
                linger_ms=LINGER_MS,
                max_batch_size=BATCH_BYTES,
            )
            await producer.start()
            self._producers[partition] = producer
        return producer

    async def send(self, partition: int, output: Send) -> None:
        topic, key, value, headers, to_partition = output
        producer = await self._producer(partition)
        self._acks.append(
            await producer.send(topic, value, key=key, headers=headers, partition=to_partition)
        )

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        await asyncio.gather(*self._acks)
        self._acks.clear()
        await self._consumer.commit(offsets)

    async def close(self) -> None:
        for producer in self._producers.values():
            await producer.stop()


class Hops:
    """The per-record work of both hops; hop 2's member state lives here."""

    def __init__(self, config: PeerConfig, engine: Engine) -> None:
        self._changelog = config.changelog
        self._engine = engine
        self._topics = routes(config)
        self.states: dict[int, dict[bytes, MemberState]] = {}

    def intake(self, tp: TopicPartition, record: Inbound) -> list[Send]:
        return self._outputs(self._engine.intake(record))

    def intake_documentation(self, tp: TopicPartition, record: Inbound) -> list[Send]:
        return self._outputs(self._engine.intake_documentation(record))

    def adjudicate(self, tp: TopicPartition, record: Inbound) -> list[Send]:
        members = self.states.setdefault(tp.partition, {})
        key = record.key
        member = members.get(key) if key is not None else None
        outcome = self._engine.by_member(record, member if member is not None else MemberState())
        outputs = self._outputs(outcome)
        if outcome.state is not None and key is not None:
            members[key] = outcome.state
            outputs.append((self._changelog, key, outcome.state.encode(), None, tp.partition))
        return outputs

    def _outputs(self, outcome: Outcome) -> list[Send]:
        return [
            (self._topics[o.destination], o.key, o.value, o.headers or None, None)
            for o in outcome.outputs
        ]


async def run(
    consumer: AIOKafkaConsumer,
    sink: Sink,
    hops: dict[str, Handler],
    interval: float,
    stopping: asyncio.Event,
) -> None:
    """Consume, hand each record to its topic's hop, send the outputs through the sink of
    the record's partition; commit every `interval` s, between batches. At the end, one line
    on stderr: where the time went (for reading a run's log)."""
    loop = asyncio.get_running_loop()
    pending: dict[TopicPartition, int] = {}
    deadline = loop.time() + interval
    records_seen = commits = 0
    commit_seconds = wait_seconds = 0.0
    while not stopping.is_set():
        timeout_ms = max(0, int((deadline - loop.time()) * 1000))
        began = loop.time()
        batches = await consumer.getmany(timeout_ms=timeout_ms, max_records=MAX_RECORDS)
        wait_seconds += loop.time() - began
        for tp, records in batches.items():
            handle = hops[tp.topic]
            for record in records:
                for output in handle(tp, record):
                    await sink.send(tp.partition, output)
            records_seen += len(records)
            pending[tp] = records[-1].offset + 1
        if loop.time() >= deadline:
            if pending:
                began = loop.time()
                await sink.commit(pending)
                commit_seconds += loop.time() - began
                commits += 1
                pending = {}
            deadline = loop.time() + interval
    if pending:
        await sink.commit(pending)
    print(
        f"{records_seen} records, {commits} commits, "
        f"{commit_seconds / max(commits, 1) * 1000:.1f} ms per commit, "
        f"{commit_seconds:.1f} s committing, {wait_seconds:.1f} s in getmany",
        file=sys.stderr,
    )


async def main(config: PeerConfig) -> None:
    eligibility, prior_auths = await references(config)
    hops = Hops(config, Engine(eligibility, prior_auths))
    restored = await read_whole(config.bootstrap, config.changelog, config.partitions)
    for (partition, key), value in restored.items():
        hops.states.setdefault(partition, {})[key] = MemberState.decode(value)

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    loop.add_signal_handler(signal.SIGINT, stopping.set)

    exactly_once = config.guarantee == "exactly_once"
    consumer = AIOKafkaConsumer(
        config.submitted,
        config.documentation,
        config.by_member,
        bootstrap_servers=config.bootstrap,
        group_id=config.app_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed" if exactly_once else "read_uncommitted",
        **FETCH,
    )
    await consumer.start()
    sink: Sink | None = None
    try:
        sink = (
            TransactionalSink(config) if exactly_once else await AckedSink(config, consumer).start()
        )
        handlers: dict[str, Handler] = {
            config.submitted: hops.intake,
            config.documentation: hops.intake_documentation,
            config.by_member: hops.adjudicate,
        }
        await run(consumer, sink, handlers, config.commit_interval, stopping)
    finally:
        if sink is not None:
            await sink.close()
        await consumer.stop()


if __name__ == "__main__":
    asyncio.run(main(PeerConfig.from_json(sys.argv[1])))
