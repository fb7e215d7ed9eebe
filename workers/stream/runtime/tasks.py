"""One task per assigned partition: it owns that partition's sends, transaction and offsets.

Task k is partition k of every input topic: its member state, its producer, the position of
each input and what was committed. The loop (workers/stream/runtime/loop.py) hands it each
event's outputs and asks it to commit; how that happens is the task's: `PartitionTask` is
at-least-once (an idempotent producer; the loop commits the offsets once every send before them
is acknowledged), `TransactionalTask` exactly-once (the transactional producer `<app_id>-0-k`;
outputs, state changes and input offsets in one transaction). Neither commits over a failed send.

Both buffer their outputs per destination partition (`Outbox`): aiokafka's produce path costs
≈ 29 µs per `send` in Python and a claim makes three (issue 20); one `send_batch` per partition
and poll batch costs that once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from workers.logging_setup import get_logger
from workers.stream.runtime.changelog import State
from workers.stream.runtime.partitioner import partition_for

log = get_logger(__name__)


class TaskFailed(Exception):
    """A send or commit of task k failed; the batch's remaining messages of k are left."""


@dataclass
class Outbox:
    """A task's outputs not yet handed to its producer, one aiokafka batch builder per destination
    partition: a builder goes to the producer when it is full and at the end of every poll batch
    and sweep (`send_all`, before the loop's commit check, so a decision waits no longer)."""

    producer: AIOKafkaProducer
    builders: dict[TopicPartition, Any] = field(default_factory=dict)
    # Per topic its partitions, from the producer's metadata; read again after every `send_all`
    # (no request: aiokafka keeps the metadata fresh), so a topic that grew is met from the
    # next poll batch on.
    partitions: dict[str, list[int]] = field(default_factory=dict)

    async def add(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
        partition: int | None,
    ) -> asyncio.Future[Any] | None:
        """Buffer one record on the partition `producer.send` would give it (or the one given);
        the delivery of a full builder sent on the way (None: nothing sent)."""
        if partition is None:
            partition = await self._partition(topic, key)
        tp = TopicPartition(topic, partition)
        builder = self.builders.get(tp)
        if builder is None:
            builder = self.builders[tp] = self.producer.create_batch()
        if builder.append(key=key, value=value, timestamp=None, headers=headers) is not None:
            return None
        # Full: it goes, and the record starts the next one (an empty builder takes any record;
        # one too large for the topic fails at the broker, and so its delivery).
        delivery = await self._send(tp, builder)
        self.builders[tp] = builder = self.producer.create_batch()
        builder.append(key=key, value=value, timestamp=None, headers=headers)
        return delivery

    async def send_all(self) -> list[asyncio.Future[Any]]:
        """Every builder to the producer; their deliveries."""
        builders, self.builders = self.builders, {}
        self.partitions.clear()
        return [await self._send(tp, builder) for tp, builder in builders.items()]

    def drop(self) -> None:
        self.builders.clear()

    async def _partition(self, topic: str, key: bytes | None) -> int:
        """The partition `producer.send` would pick (its DefaultPartitioner: the worker
        configures no other) among the topic's partitions."""
        partitions = self.partitions.get(topic)
        if partitions is None:
            partitions = self.partitions[topic] = sorted(await self.producer.partitions_for(topic))
        return partition_for(key, partitions)

    async def _send(self, tp: TopicPartition, builder: Any) -> asyncio.Future[Any]:
        # Closed, the producer's sender takes it at once: the poll batch was the linger.
        builder.close()
        delivery: asyncio.Future[Any] = await self.producer.send_batch(
            builder, tp.topic, partition=tp.partition
        )
        return delivery


@dataclass
class PartitionTask:
    """Partition k of every input topic: its member state, its producer, the position of each
    input and what was committed. It owns how its outputs are sent and its offsets committed;
    this base is at-least-once (an idempotent producer, offsets committed by the consumer once
    every send before them is acknowledged)."""

    partition: int
    producer: AIOKafkaProducer
    state: State
    tps: tuple[TopicPartition, ...]
    # Per input partition: the next record to process, and the offset last committed.
    position: dict[TopicPartition, int] = field(default_factory=dict)
    committed: dict[TopicPartition, int] = field(default_factory=dict)
    unacked: list[asyncio.Future[Any]] = field(default_factory=list)
    failed: bool = False
    swept: bool = False  # reconciled once since it opened
    outbox: Outbox = field(init=False)

    def __post_init__(self) -> None:
        self.outbox = Outbox(self.producer)

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
        partition: int | None = None,
    ) -> None:
        """One output into the outbox (the transaction is open by then); its delivery is
        checked before the offsets behind it are committed (`settle`)."""
        try:
            await self.begin()
            delivery = await self.outbox.add(topic, key, value, headers, partition)
        except KafkaError as error:
            raise TaskFailed(error) from error
        if delivery is not None:
            self.unacked.append(delivery)

    async def send_pending(self) -> None:
        """Everything in the outbox to the producer (the end of a poll batch and its sweep)."""
        try:
            self.unacked.extend(await self.outbox.send_all())
        except KafkaError as error:
            raise TaskFailed(error) from error

    async def settle(self) -> BaseException | None:
        """Send what is still buffered, then wait until every output sent is acknowledged or
        failed; the first failure (None: all arrived). A transaction or an offset commit must
        never pass over an output left behind or a failed send."""
        try:
            await self.send_pending()
        except TaskFailed as failure:
            return failure.__cause__
        unacked, self.unacked = self.unacked, []
        if unacked:
            await self.producer.flush()
        return next((e for e in map(_delivery_error, unacked) if e is not None), None)

    async def begin(self) -> None:
        """Ready to send (a transaction to open, for the exactly-once task)."""

    def moved(self) -> dict[TopicPartition, int]:
        return {
            tp: position
            for tp, position in self.position.items()
            if position != self.committed.get(tp)
        }

    async def abort(self) -> None:
        self.unacked.clear()
        self.outbox.drop()

    async def close(self) -> None:
        await self.abort()
        await self.producer.stop()


@dataclass
class TransactionalTask(PartitionTask):
    """Exactly-once: the transactional producer `<app_id>-0-k`; outputs, state changes and the
    input offsets of k go into one transaction, committed only when every send in it arrived."""

    in_transaction: bool = False

    async def begin(self) -> None:
        if not self.in_transaction:
            await self.producer.begin_transaction()
            self.in_transaction = True

    async def commit(self, group_id: str) -> None:
        """The offsets into the transaction and the transaction committed, unless a send in it
        failed (then TaskFailed: the pipeline aborts it and rebuilds k)."""
        moved = self.moved()
        if not moved and not self.in_transaction:
            return
        failed = await self.settle()
        if failed is not None:
            raise TaskFailed(failed) from failed
        try:
            await self.begin()
            if moved:
                await self.producer.send_offsets_to_transaction(moved, group_id)
            await self.producer.commit_transaction()
        except KafkaError as error:
            raise TaskFailed(error) from error
        self.in_transaction = False
        self.committed.update(moved)

    async def abort(self) -> None:
        await super().abort()
        if not self.in_transaction:
            return
        self.in_transaction = False
        try:
            await self.producer.abort_transaction()
        except KafkaError as error:  # the next owner's fencing aborts it anyway
            log.warning("abort failed", partition=self.partition, error_class=type(error).__name__)


def _delivery_error(delivery: asyncio.Future[Any]) -> BaseException | None:
    """Why an acknowledged send failed (None: it arrived)."""
    if delivery.cancelled():
        return asyncio.CancelledError()
    if not delivery.done():
        return TimeoutError("send not acknowledged")
    error: BaseException | None = delivery.exception()
    return error
