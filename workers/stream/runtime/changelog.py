"""The member state of a partition, read back from its compacted changelog.

A partition's state is written to partition k of the changelog in the same transaction as the
decisions it records, so the committed changelog *is* the state. A worker given partition k
first fences the previous owner (its producer for k is started, which aborts or completes the
previous transaction), then reads changelog k with `read_committed` from the beginning to its
last stable offset: everything committed, nothing of an aborted transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from policy.member_history import MemberState
from workers.logging_setup import get_logger

log = get_logger(__name__)

# One fetch per round trip; the poll returns as soon as anything arrived.
RESTORE_POLL_MS = 200

State = dict[bytes, MemberState]


class ChangelogReader:
    """One group-less `read_committed` consumer, assigned the changelog partitions to restore."""

    def __init__(
        self,
        topic: str,
        options: dict[str, Any],
        consumer: Callable[..., AIOKafkaConsumer] = AIOKafkaConsumer,
    ) -> None:
        self._topic = topic
        self._options = options
        self._make_consumer = consumer
        self._consumer: AIOKafkaConsumer | None = None
        self.remaining: dict[int, int] = {}  # partition -> records still to read (a gauge)

    async def start(self) -> None:
        # Made inside the running loop, as aiokafka requires.
        self._consumer = self._make_consumer(
            **self._options,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        await self._consumer.start()

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    async def restore(self, partitions: Iterable[int]) -> dict[int, State]:
        """The committed state of each partition, read to its last stable offset."""
        tps = [TopicPartition(self._topic, partition) for partition in sorted(partitions)]
        states: dict[int, State] = {tp.partition: {} for tp in tps}
        if not tps:
            return states
        started = time.monotonic()
        consumer = self._consumer
        assert consumer is not None, "restore before start"
        consumer.assign(tps)
        # Under read_committed the end offset is the last stable offset.
        ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
        pending = {tp for tp in tps if ends[tp] > 0}
        # An explicit seek: `seek_to_beginning` raced with the reset that `assign` starts and
        # could leave the position at the end (a restore that read nothing).
        if pending:
            for tp, first in (await consumer.beginning_offsets(list(pending))).items():
                consumer.seek(tp, first)
        count = 0
        while pending:
            for tp in list(pending):
                position = await consumer.position(tp)
                self.remaining[tp.partition] = max(0, ends[tp] - position)
                if position >= ends[tp]:
                    pending.discard(tp)
            if not pending:
                break
            batch = await consumer.getmany(*pending, timeout_ms=RESTORE_POLL_MS)
            for tp, messages in batch.items():
                state = states[tp.partition]
                for message in messages:
                    count += 1
                    if message.key is None:
                        continue
                    if message.value is None:
                        state.pop(message.key, None)
                    else:
                        state[message.key] = MemberState.decode(message.value)
        consumer.assign([])
        for tp in tps:
            self.remaining[tp.partition] = 0
        log.info(
            "member state restored",
            partitions=[tp.partition for tp in tps],
            records=count,
            count=sum(len(state) for state in states.values()),
            elapsed_ms=round((time.monotonic() - started) * 1000),
        )
        return states

    def forget(self, partitions: Iterable[int]) -> None:
        for partition in partitions:
            self.remaining.pop(partition, None)
