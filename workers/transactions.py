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
   event's outputs are written and for the whole commit, and an event is marked finished
   (synchronously) right after its outputs, so a committed transaction holds whole events.
3. After the wait-for-streams of a rebalance faust ends every transaction but begins new ones
   only for newly assigned partitions: a retained partition's next send crashed its agent.
   `GuardedConsumer.commit_and_end_transactions` keeps them open (ends them only on stop); an
   event whose partition was taken away mid-event raises `PartitionRevoked` and is dropped
   (its new owner decides it).
4. Table recovery read the changelog's end from the last fetch (0 when never fetched), so a
   restarted or rebalanced worker recovered no member state. `StableOffsetConsumerThread`
   asks the broker.
5. faust commits offsets of records no agent processed (issue 4: claims lost after a crash).
   Recovery seeks the stream partitions to their committed offsets and then resumes the flow,
   and faust's resume clears every stream queue: records fetched from the committed offset in
   between are dropped while faust counts them as read. Its committable offset (acks plus
   "nothing in between" wherever delivered offsets jump) then let the commit pass one dropped
   record at the committed offset (an off-by-one), and stalled the partition on two or more.
   `GuardedConsumer` commits from an `OffsetLedger` instead (workers/offsets.py): the records
   agents finished, walked from the committed offset over the ranges the fetcher reported
   empty; a re-delivered record already finished is skipped; a record missing behind finished
   ones for `REREAD_AFTER_SECONDS` is read again. `AdjudicatorApp`'s flow control resumes
   without clearing queues when the flow is already running, which removes the drop itself.
6. Table recovery under exactly_once waited ≈ 10 s at every restart and rebalance for a record
   at the last stable offset, which is a commit marker (issue 13). `PromptRecovery` ends it
   once the fetcher reached that offset and the last record it returned is applied.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from faust.tables.manager import TableManager
from faust.tables.recovery import Recovery
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, AppT
from mode import Service

from workers.logging_setup import get_logger
from workers.offsets import OffsetLedger, ReadProgress

log = get_logger(__name__)

Headers = Sequence[tuple[str, bytes]]


# A record missing behind finished ones this long was dropped, not delayed: read it again.
REREAD_AFTER_SECONDS = 2.0
# How often table recovery checks whether every changelog was read to its end.
RECOVERY_POLL_SECONDS = 0.1


class StableOffsetConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """faust's consumer thread, reporting what each fetch passed over and asking the broker for
    a partition's last stable offset."""

    _positions_lock: asyncio.Lock | None = None

    async def _highwaters(self, partitions: Any) -> Any:
        """Under exactly_once faust takes the changelog highwater from `last_stable_offset(tp)`,
        the value seen in the *last fetch*: 0 for a partition this consumer never fetched, so
        table recovery thought every changelog empty and a restarted or rebalanced worker lost
        its member state. A read_committed consumer's `end_offsets` is the last stable offset
        from the broker."""
        return await self._ensure_consumer().end_offsets(list(partitions))

    def _lock(self) -> asyncio.Lock:
        # Created on first use, in the consumer thread's loop where fetches and seeks run.
        if self._positions_lock is None:
            self._positions_lock = asyncio.Lock()
        return self._positions_lock

    async def _fetch_records(
        self,
        consumer: Any,
        active_partitions: Any,
        timeout: float | None = None,
        max_records: int | None = None,
    ) -> Any:
        """Fetch, then report to the ledger the offset range each agent partition moved over and
        the records returned in it. Seeks wait for the fetch (same lock), so the position before
        the fetch is where its records start."""
        guarded: GuardedConsumer = self.consumer  # type: ignore[assignment]
        async with self._lock():
            before = dict(_positions(consumer, active_partitions or (), guarded.tracks))
            records = await super()._fetch_records(
                consumer, active_partitions, timeout=timeout, max_records=max_records
            )
            for tp, (state, start) in before.items():
                if state.has_valid_position:
                    got = records.get(tp) or ()
                    guarded.ledger.fetched(tp, start, [r.offset for r in got], state.position)
            for tp, state in _changelog_states(consumer, active_partitions or (), guarded.tracks):
                got = records.get(tp) or ()
                guarded.progress.fetched(tp, [r.offset for r in got], state.position)
            return records

    async def _locked(self, method: Any, *args: Any) -> Any:
        async with self._lock():
            return await method(*args)

    async def seek_to_committed(self) -> Mapping[TP, int]:
        consumer = self._ensure_consumer()
        result: Mapping[TP, int] = await self.call_thread(self._locked, consumer.seek_to_committed)
        return result

    async def _seek_wait(self, consumer: Any, partitions: Mapping[TP, int]) -> None:
        guarded: GuardedConsumer = self.consumer  # type: ignore[assignment]
        async with self._lock():
            await super()._seek_wait(consumer, partitions)
            for tp, offset in partitions.items():
                if not guarded.tracks(tp):
                    guarded.progress.seeked(tp, offset)

    def seek(self, partition: TP, offset: int) -> None:
        # Not used for changelogs by faust; should it be, the read progress is unknown again.
        guarded: GuardedConsumer = self.consumer  # type: ignore[assignment]
        guarded.progress.forget([partition])
        super().seek(partition, offset)

    async def seek_to_beginning(self, *partitions: Any) -> None:
        guarded: GuardedConsumer = self.consumer  # type: ignore[assignment]
        guarded.progress.forget(partitions)
        await super().seek_to_beginning(*partitions)


def _assignment(consumer: Any) -> Any:
    """aiokafka's current assignment (partition states), or None between assignments."""
    subscription = consumer._subscription.subscription
    return subscription.assignment if subscription is not None else None


def _positions(consumer: Any, partitions: Any, tracks: Any) -> Iterator[tuple[Any, Any]]:
    """(tp, (partition state, position)) of agent partitions with a position (aiokafka's)."""
    assignment = _assignment(consumer)
    if assignment is None:
        return
    for tp in partitions:
        state = assignment.state_value(tp)
        if state is not None and state.has_valid_position and tracks(tp):
            yield tp, (state, state.position)


def _changelog_states(consumer: Any, partitions: Any, tracks: Any) -> Iterator[tuple[Any, Any]]:
    """(tp, partition state) of the non-agent (changelog) partitions with a position."""
    assignment = _assignment(consumer)
    if assignment is None:
        return
    for tp in partitions:
        if tracks(tp):
            continue
        state = assignment.state_value(tp)
        if state is not None and state.has_valid_position:
            yield tp, state


class GuardedConsumer(faust_aiokafka.Consumer):
    """faust's consumer with commits taken under the effects guard and committed offsets taken
    from the ledger of finished records (see the module docstring, items 2 and 5)."""

    ledger: OffsetLedger
    progress: ReadProgress

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.ledger = OffsetLedger()
        self.progress = ReadProgress()
        self._stalled: dict[Any, tuple[int, float]] = {}
        self._reread: dict[Any, int] = {}
        super().__init__(*args, **kwargs)

    def tracks(self, tp: Any) -> bool:
        """Partitions agents consume (not changelogs): the ones whose offsets are committed."""
        return bool(self.app.topics.acks_enabled_for(tp.topic))

    async def commit(self, topics: Any = None, start_new_transaction: bool = True) -> bool:
        """Commit only between events: hold the app's effects guard for the whole commit.

        The guard is taken before the offsets are picked, so no event can send outputs between
        that choice and the transaction commit.
        """
        guard: asyncio.Lock = self.app.effects_guard  # type: ignore[attr-defined]
        async with guard:
            committed = bool(
                await super().commit(topics, start_new_transaction=start_new_transaction)
            )
        if self._reread:
            reread, self._reread = self._reread, {}
            assigned = self.assignment()
            reread = {tp: offset for tp, offset in reread.items() if tp in assigned}
            if reread:
                await self.seek_wait(reread)
        return committed

    def _filter_tps_with_pending_acks(self, topics: Any = None) -> Iterator[Any]:
        return (
            tp
            for tp in self.ledger.partitions()
            if topics is None or tp in topics or tp.topic in topics
        )

    def _filter_committable_offsets(self, tps: Any) -> dict[Any, int]:
        """Per partition the ledger's committable offset, when it moved.

        faust's own acked-offset lists and gap trees are not used: emptied so they do not grow.
        """
        offsets: dict[Any, int] = {}
        for tp in tps:
            self._acked.pop(tp, None)
            self._acked_index.pop(tp, None)
            self._gap.pop(tp, None)
            before = self.ledger.head(tp)
            offset, waiting = self.ledger.advance(tp)
            if offset is None:
                continue  # committed offset not known yet (before the seek to it)
            if before is None or offset > before:
                offsets[tp] = offset
            self._watch_stall(tp, offset, waiting)
        return offsets

    def _watch_stall(self, tp: Any, head: int, waiting: bool) -> None:
        """Finished records wait behind `head` for a record that was dropped on the way to its
        agent (no path is known since the flow-control fix): read the partition again from
        `head` after the commit; the finished records come back and are skipped."""
        if not waiting:
            self._stalled.pop(tp, None)
            return
        now = time.monotonic()
        at, since = self._stalled.setdefault(tp, (head, now))
        if at != head:
            self._stalled[tp] = (head, now)
        elif now - since >= REREAD_AFTER_SECONDS:
            self._stalled[tp] = (head, now)
            log.warning(
                "record missing at the committed offset: reading again",
                topic=tp.topic,
                partition=tp.partition,
                offset=head,
            )
            self._reread[tp] = head

    async def seek_to_committed(self) -> Mapping[TP, int]:
        """faust's seek to the committed offsets, which also (re)starts the ledger there; a
        partition without a committed offset starts at its first offset."""
        committed = await super().seek_to_committed()
        tracked = [tp for tp in committed if self.tracks(tp)]
        missing = [tp for tp in tracked if committed[tp] is None or committed[tp] < 0]
        first = await self.earliest_offsets(*missing) if missing else {}
        for tp in tracked:
            offset = committed[tp]
            start = first.get(tp) if offset is None or offset < 0 else offset
            if start is not None:
                self.ledger.start(tp, start)
        return committed

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await super().on_partitions_revoked(revoked)
        self.ledger.forget(revoked)
        self.progress.forget(revoked)
        for tp in revoked:
            self._stalled.pop(tp, None)

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


class PromptRecovery(Recovery):
    """faust's table recovery, ending as soon as each changelog is read to its end.

    Under exactly_once every changelog partition ends with a transaction's commit marker, so the
    last stable offset (faust's highwater + 1) is never a record: faust's `_slurp_changelogs`
    waits for a record at the highwater that never comes, and only after two empty 5 s polls of
    its queue (`detect_aborted_tx`) accepts a fetch position past it. Every restart and every
    rebalance (retained partitions too) stopped the agents for ≈ 10 s.

    Here a task on the event loop checks every `RECOVERY_POLL_SECONDS`, per active changelog
    partition still behind: the fetcher reached the last stable offset since the recovery's seek
    (`ReadProgress`, fed by `StableOffsetConsumerThread`) and the last record it returned is
    applied. Then nothing below the end is left to apply: the partition's offset is set to the
    highwater, as faust's own `detect_aborted_tx` does, and once no partition needs recovery the
    buffers are flushed and `signal_recovery_end` pulsed (set then cleared, as faust's loop
    does), which wakes `_restart_recovery`'s wait. `_set_recovery_ended` is left to faust's
    `on_recovery_completed`: a pulse nobody waited for is repeated at the next poll, not lost.
    A record dropped between fetcher and queue keeps the condition false: faust's own 10 s path
    then ends the recovery, as before.
    """

    @Service.task
    async def _end_at_stable_offset(self) -> None:
        while not self.should_stop:
            await self.sleep(RECOVERY_POLL_SECONDS)
            if self.in_recovery:
                self.catch_up()

    def catch_up(self) -> bool:
        """One check; True when the end of recovery was signalled."""
        progress: ReadProgress = self.app.consumer.progress  # type: ignore[attr-defined]
        highwaters, offsets = self.active_highwaters, self.active_offsets
        for tp in list(self.active_tps):
            highwater, applied = highwaters.get(tp), offsets.get(tp)
            if highwater is None or applied is None or applied >= highwater:
                continue
            if progress.caught_up(tp, highwater + 1, applied):
                log.info(
                    "changelog read to its last stable offset",
                    topic=tp.topic,
                    partition=tp.partition,
                    offset=highwater + 1,
                )
                offsets[tp] = highwater
        if self.need_recovery():
            return False
        self.flush_buffers()
        self.signal_recovery_end.set()
        self.signal_recovery_end.clear()
        return True


class PromptTableManager(TableManager):
    """faust's table manager with `PromptRecovery`."""

    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            self._recovery = PromptRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery
