"""One task per assigned partition: it owns that partition's sends, transaction and offsets.

Task k is partition k of every input topic: its member state, its producer, the position of
each input and what was committed. The loop (workers/stream/runtime/loop.py) hands it each
event's outputs and asks it to commit; how that happens is the task's: `PartitionTask` is
at-least-once (an idempotent producer; the loop commits the offsets once every send before them
is acknowledged), `TransactionalTask` exactly-once (the transactional producer `<app_id>-0-k`;
outputs, state changes and input offsets in one transaction). Neither commits over a failed send.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from workers.logging_setup import get_logger
from workers.stream.runtime.changelog import State

log = get_logger(__name__)


class TaskFailed(Exception):
    """A send or commit of task k failed; the batch's remaining messages of k are left."""


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

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
        partition: int | None = None,
    ) -> None:
        """Hand one output to the producer; its acknowledgement is checked before the offsets
        behind it are committed (`settle`)."""
        try:
            await self.begin()
            delivery = await self.producer.send(
                topic, value=value, key=key, partition=partition, headers=headers or None
            )
        except KafkaError as error:
            raise TaskFailed(error) from error
        self.unacked.append(delivery)

    async def settle(self) -> BaseException | None:
        """Wait until every output sent is acknowledged or failed; the first failure (None:
        all arrived). A transaction or an offset commit must never pass over a failed send."""
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
