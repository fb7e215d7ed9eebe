"""Exactly-once plumbing on top of faust's transaction manager.

faust (exactly_once) keeps one transactional producer per assigned source partition k
(transactional id `{app_id}-{group}-{k}`) and commits a partition's consumer offsets inside that
producer's transaction. What stock faust 0.15.3 gets wrong for this worker, and the fix here
(`AdjudicatorApp.in_transaction` in workers/app.py is the fifth: faust silently ran
at-least-once):

1. faust picks the transactional producer from the *destination* partition of a send, which for
   `claims.decisions.v1` (keyed by claim_id, not a source topic) is a partition this worker may
   not own. `Publisher` sends every output of an event through the producer of the partition the
   event came from, so outputs and the input's offset are committed (or aborted) together.
2. The periodic commit runs in its own task and could commit a transaction in the middle of an
   event (after the decision was sent, before the member state was written), or commit outputs
   of an event whose offset it had not picked. The app's `effects_guard` is held while an
   event's outputs are written and for the whole commit, and an event is acked (synchronously)
   right after its outputs, so a committed transaction holds whole, acked events only.
3. After the wait-for-streams of a rebalance faust ends every transaction but begins new ones
   only for newly assigned partitions: a retained partition's next send crashed its agent.
   `GuardedConsumer.commit_and_end_transactions` keeps them open (ends them only on stop); an
   event whose partition was taken away mid-event raises `PartitionRevoked` and is dropped
   (its new owner decides it).
4. Table recovery read the changelog's end from the last fetch (0 when never fetched), so a
   restarted or rebalanced worker recovered no member state. `StableOffsetConsumerThread`
   asks the broker.
5. The stream acks messages it skips (flow suspended, stale consumer generation), which
   commits offsets of claims nobody decided. Agents record what they processed
   (`AdjudicatorApp.processed`) and `GuardedConsumer.ack` commits only those offsets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, AppT
from faust.types.tuples import ack_lock
from mode.utils.futures import notify

from workers.logging_setup import get_logger

log = get_logger(__name__)

Headers = Sequence[tuple[str, bytes]]


class StableOffsetConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Ask the broker for a partition's last stable offset.

    Under exactly_once faust takes the changelog highwater from `last_stable_offset(tp)`, the
    value seen in the *last fetch*: 0 for a partition this consumer never fetched, so table
    recovery thought every changelog empty and a restarted or rebalanced worker lost its member
    state. A read_committed consumer's `end_offsets` is the last stable offset from the broker.
    """

    async def _highwaters(self, partitions: Any) -> Any:
        return await self._ensure_consumer().end_offsets(list(partitions))


class GuardedConsumer(faust_aiokafka.Consumer):
    """faust's consumer with commits taken under the effects guard and acks of unprocessed
    messages kept out of the committed offsets (see the module docstring, items 2 and 5)."""

    """Commit only between events: hold the app's effects guard for the whole commit.

    The guard is taken before faust picks the acked offsets, so no event can send outputs
    between that choice and the transaction commit: every output in a committed transaction
    belongs to an event whose offset is committed with it.
    """

    async def commit(self, topics: Any = None, start_new_transaction: bool = True) -> bool:
        guard: asyncio.Lock = self.app.effects_guard  # type: ignore[attr-defined]
        async with guard:
            return bool(await super().commit(topics, start_new_transaction=start_new_transaction))

    def ack(self, message: Any) -> bool:
        """Count a message as done only if an agent processed it.

        faust's stream acks the messages it *skips* (pulled while flow is suspended for a
        rebalance or recovery, or fetched under an older consumer generation) so that lag does
        not grow. Under exactly_once that commits the offset of a claim nobody decided: it is
        lost. Such a message is marked acked (nothing waits for it) but its offset is not
        recorded; it is delivered again after the seek to the committed offset.
        """
        key = (message.tp, message.offset)
        processed: set[tuple[Any, int]] = self.app.processed  # type: ignore[attr-defined]
        if key in processed:
            processed.discard(key)
            return bool(super().ack(message))
        with ack_lock:
            if message.acked:
                return False
            message.acked = True
            self._unacked_messages.discard(message)
            notify(self._waiting_for_ack)
        log.info(
            "offset of an unprocessed message not committed",
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
        )
        return False

    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return StableOffsetConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def commit_and_end_transactions(self) -> None:
        """faust ends every transaction after the wait-for-streams of a rebalance and begins
        new ones only for the *newly* assigned partitions, so a retained partition's next send
        failed ("not in a transaction") and crashed its agent. Keep them open unless stopping."""
        await self.commit(start_new_transaction=not self.app.should_stop)


class GuardedTransport(faust_aiokafka.Transport):
    """The aiokafka transport with the guarded consumer."""

    Consumer = GuardedConsumer


class PartitionRevoked(Exception):
    """The event's partition was taken away mid-event: its outputs must not be sent.

    The partition's transaction is aborted when its new owner starts (fencing), and the new
    owner decides the event again, so dropping the event here is what exactly-once needs.
    """


class Publisher:
    """Send an event's outputs inside the transaction of the partition the event came from."""

    def __init__(self, app: AppT) -> None:
        self._app = app

    def transactional_id(self, source: TP) -> str:
        """faust's transactional id for a source partition (see TransactionManager.commit)."""
        group = self._app.assignor.group_for_topic(source.topic)
        return f"{self._app.conf.id}-{group}-{source.partition}"

    async def send(
        self,
        source: TP,
        topic: str,
        *,
        key: bytes | None,
        value: bytes | None,
        headers: Headers | None = None,
        partition: int | None = None,
    ) -> Any:
        """Hand one record to the producer; delivery is awaited by the commit, not here."""
        producer = self._app.producer
        tid = None
        if self._app.in_transaction:
            tid = self.transactional_id(source)
            if tid not in producer._transaction_producers:  # type: ignore[attr-defined]
                raise PartitionRevoked(tid)
        return await producer.send(
            topic,
            key,
            value,
            partition,
            None,
            list(headers) if headers is not None else None,
            transactional_id=tid,
        )


def log_revoked(message: Any) -> None:
    """An event dropped because its partition moved: its new owner processes it."""
    log.info(
        "partition revoked mid-event",
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
    )
