"""Consume, process, produce, commit: the worker's exactly-once (or at-least-once) loop.

One consumer group reads the co-partitioned input topics (claims, by-member). The range
assignor gives partition k of every input topic to one worker: the *task* k
(workers/stream/runtime/tasks.py), which owns the member state of partition k, its sends and,
under exactly-once, the transactional producer `<app_id>-0-k` and its commit. This loop keeps
the consumer, the batches and the rebalance listener. For each fetched batch, every message of
task k is handed to the hop of its topic; the outputs of the event, the change of its member
state (memory and changelog k) and, at commit, the input offsets of task k go into task k's
transaction. A transaction commits every `commit_interval_seconds`, between batches, so it
always holds whole events; read_committed consumers (hop 2 of the worker, and everyone
downstream) see all of an event's outputs or none.

Why each piece:
- Fencing: the worker given partition k starts producer k before it reads anything of k, which
  aborts (or lets complete) the previous owner's transaction; only then are the changelog and
  the committed offsets of k read, so both include everything the previous owner committed.
- Rebalance (eager, every partition revoked): the loop finishes its batch (one lock), every open
  transaction commits, and the partitions kept are sought to the offsets just committed (the
  broker's answer to an offset fetch may lag a transactional commit by a marker); new ones are
  paused until fenced, restored and sought, so no message of theirs is read from a stale offset.
- The committed offset is the consumer's position once a batch is processed: it lies past the
  commit marker that ends the last transaction read, so a caught-up partition has lag 0.
- A batch fetched before a rebalance and handed over after it is dropped (the partitions were
  sought again); a message below the task's position is a re-delivery and skipped.
- A failed transaction (an error of the broker, a timeout, a fence) aborts, and task k is
  rebuilt from the changelog and the committed offsets.
- At-least-once: an idempotent producer per task; a task's offsets are committed once every
  output sent before them is acknowledged.
- Sends: a task buffers its outputs per destination partition (tasks.py `Outbox`), handed to
  its producer when a batch builder is full and after every poll batch and sweep, before the
  commit check; a commit sends what is left first, so no offset passes an output.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import KafkaError, ProducerFenced

from workers.logging_setup import get_logger
from workers.stream.runtime.changelog import ChangelogReader, State
from workers.stream.runtime.names import transactional_id
from workers.stream.runtime.tasks import PartitionTask, TaskFailed, TransactionalTask
from workers.stream.step.outcome import Destination, Outcome

log = get_logger(__name__)

# The hop of one input topic: a message and the task's member state in, the outcome out.
Hop = Callable[[ConsumerRecord[bytes, bytes], State], Awaitable[Outcome]]
Observer = Callable[[ConsumerRecord[Any, Any] | None, Outcome], None]
# What waits in partition k's member state and is due now (a parked claim whose eligibility
# arrived, a PA update, a passed deadline): (member key, outcome) pairs, into k's transaction.
# The flag is True once after the task opened: everything is reconciled then.
Sweep = Callable[[int, State, bool], Iterable[tuple[bytes, Outcome]]]


def _no_sweep(partition: int, state: State, opened: bool) -> Iterable[tuple[bytes, Outcome]]:
    return ()


# aiokafka's own batch size, for a pipeline that learns no topic's limit.
DEFAULT_BATCH_BYTES = 16_384


async def _default_batch_bytes() -> int:
    return DEFAULT_BATCH_BYTES


# Records handed over per poll; a transaction holds at most a commit interval of them anyway.
MAX_RECORDS = 2000
# How long stop waits for the batch in hand (an eligibility wait is at most its grace period).
STOP_GRACE_SECONDS = 10.0
# Opening a partition's task (fence, restore) is retried this long, this often, then the worker
# stops: past the rebalance timeout the group has moved on anyway.
OPEN_RETRY_SECONDS = 30.0
OPEN_RETRY_PAUSE_SECONDS = 1.0


@dataclass(frozen=True)
class PipelineConfig:
    """What the pipeline reads, writes and how; `consumer`/`producer` make the clients (aiokafka's
    classes; the unit tests pass fakes)."""

    group_id: str
    inputs: dict[str, Hop]  # input topic -> its hop
    destinations: dict[Destination, str]
    changelog: str
    exactly_once: bool
    commit_interval: float
    client_options: dict[str, Any]
    consumer_options: dict[str, Any]
    producer_options: dict[str, Any]
    consumer: Callable[..., AIOKafkaConsumer] = AIOKafkaConsumer
    producer: Callable[..., AIOKafkaProducer] = AIOKafkaProducer
    sweep: Sweep = _no_sweep
    # Called once the clients are up (the hops learn the topics' size limits there); answers
    # the largest record batch every topic written accepts: the size of the tasks' batches.
    prepare: Callable[[], Awaitable[int]] = _default_batch_bytes


class Pipeline(ConsumerRebalanceListener):  # type: ignore[misc]
    """The loop and the rebalance listener over the partitions' tasks; started and stopped by
    the worker's app (workers/stream/faust_app.py)."""

    def __init__(
        self,
        config: PipelineConfig,
        observe: Observer,
        on_failure: Callable[[], None] = lambda: None,
    ) -> None:
        self.config = config
        self._observe = observe
        self._on_failure = on_failure
        self.failed = False
        self.tasks: dict[int, PartitionTask] = {}
        self.rebalancing = True  # until the first assignment is in place
        self._generation = 0
        self._lock = asyncio.Lock()
        self._stopping = False
        self._loop_task: asyncio.Task[None] | None = None
        self._next_commit = 0.0
        self._assignment: set[TopicPartition] = set()
        self._connected = False  # a service stopped before it started has nothing to stop
        self._batch_bytes = DEFAULT_BATCH_BYTES
        self.consumer: AIOKafkaConsumer
        self.changelog = ChangelogReader(config.changelog, config.client_options, config.consumer)

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        await self.connect()
        self._loop_task = asyncio.create_task(self._run())

    async def connect(self) -> None:
        """The clients (made inside the running loop, as aiokafka requires) and the group."""
        config = self.config
        self.consumer = config.consumer(
            **config.client_options,
            **config.consumer_options,
            group_id=config.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            partition_assignment_strategy=(RangePartitionAssignor,),
        )
        await self.changelog.start()
        await self.consumer.start()
        self._connected = True
        self._batch_bytes = await config.prepare()
        self.consumer.subscribe(list(self.config.inputs), listener=self)
        self._next_commit = time.monotonic() + self.config.commit_interval

    async def stop(self) -> None:
        """Finish the batch in hand, commit, leave the group: a SIGTERM loses and repeats
        nothing and hands the partitions over at once."""
        self._stopping = True
        if self._loop_task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._loop_task), STOP_GRACE_SECONDS)
            except Exception:  # noqa: BLE001 - timed out or crashed: nothing left to commit safely
                self._loop_task.cancel()
                log.warning("stopped without the final commit")
            else:
                async with self._lock:
                    await self._commit_all()
        if self._connected:
            await self.consumer.stop()
        for task in list(self.tasks.values()):
            await task.close()
        self.tasks.clear()
        await self.changelog.stop()

    async def _run(self) -> None:
        try:
            while not self._stopping:
                await self.step()
        except Exception:
            # A defect, not a broker problem (those are retried or rebuild a task): stop the
            # worker with a non-zero exit; nothing uncommitted is committed on the way out, the
            # partitions move and are read again from their committed offsets.
            log.exception("stream loop failed: stopping the worker")
            self.failed = True
            self._on_failure()
            raise

    async def step(self) -> None:
        """One poll: process what it returned, commit when the interval is up."""
        generation = self._generation
        wait = max(0.0, min(self.config.commit_interval, self._next_commit - time.monotonic()))
        batch = await self.consumer.getmany(timeout_ms=int(wait * 1000), max_records=MAX_RECORDS)
        async with self._lock:
            if generation == self._generation:
                await self._process_batch(batch, generation)
                await self._sweep()
                await self._send_pending()
            else:
                self._rewind(batch)
            if time.monotonic() >= self._next_commit:
                await self._commit_all()
                self._next_commit = time.monotonic() + self.config.commit_interval
                # What survived a commit interval lives long (member states, mostly): out of the
                # cyclic collector's reach. Its full collections scanned every member state,
                # 60-270 ms pauses growing with the heap in bench.e2e, and found nothing: the
                # loop makes no cyclic garbage (0 unreachable objects in 60 s of live stream).
                # Frozen objects are still freed when their last reference goes.
                gc.freeze()

    async def _process_batch(
        self, batch: dict[TopicPartition, list[ConsumerRecord[Any, Any]]], generation: int
    ) -> None:
        """Every message of the batch, then each task's position moved to the consumer's (past
        any commit marker it skipped) while the partition is still assigned: a rebalance that
        began meanwhile (its revoke waits for this batch) keeps the processed messages' offsets."""
        tasks = dict(self.tasks)
        for tp, messages in batch.items():
            task = tasks.get(tp.partition)
            if task is not None and not task.failed:
                await self._process(task, tp, messages)
        assigned = self.consumer.assignment()
        if generation != self._generation:
            return
        for task in tasks.values():
            if task.failed:
                continue
            for tp in task.tps:
                if tp in assigned:
                    position = await self.consumer.position(tp)
                    task.position[tp] = max(task.position[tp], position)

    def _rewind(self, batch: dict[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> None:
        """A batch fetched before a rebalance (or a rebuilt task) is not processed: its
        partitions are read again from the last processed message."""
        for tp in self._assigned(batch):  # the assignment listener seeks the others
            task = self.tasks.get(tp.partition)
            if task is not None and not task.failed:
                self.consumer.seek(tp, task.position[tp])

    def _assigned(self, tps: Iterable[TopicPartition]) -> list[TopicPartition]:
        """The partitions of `tps` the consumer has now: aiokafka drops its assignment before
        it calls the revoke listener, and refuses to seek or pause what it does not have."""
        assigned = self.consumer.assignment()
        return [tp for tp in tps if tp in assigned]

    # -- one event --------------------------------------------------------------------------

    async def _process(
        self, task: PartitionTask, tp: TopicPartition, messages: list[ConsumerRecord[Any, Any]]
    ) -> None:
        hop = self.config.inputs[tp.topic]
        start = task.position[tp]
        try:
            for message in messages:
                if message.offset < start:
                    continue  # re-delivered after a seek: its outputs are committed already
                outcome = await hop(message, task.state)
                await self._apply(task, message.key, outcome)
                task.position[tp] = message.offset + 1
                self._observe(message, outcome)
        except TaskFailed as failure:
            await self._fail(task, failure.__cause__ or failure)

    async def _sweep(self) -> None:
        """What waits in each task's member state and is due now, into the task's transaction;
        a task that just opened is reconciled whole once."""
        for task in list(self.tasks.values()):
            if task.failed:
                continue
            opened, task.swept = not task.swept, True
            try:
                for key, outcome in self.config.sweep(task.partition, task.state, opened):
                    await self._apply(task, key, outcome)
                    self._observe(None, outcome)
            except TaskFailed as failure:
                await self._fail(task, failure.__cause__ or failure)

    async def _send_pending(self) -> None:
        """What the batch and the sweep left in each task's outbox goes to its producer (one
        batch per destination partition) before the commit check: buffering delays nothing."""
        tasks = [task for task in self.tasks.values() if not task.failed]
        await asyncio.gather(*(self._send_buffered(task) for task in tasks))

    async def _send_buffered(self, task: PartitionTask) -> None:
        try:
            await task.send_pending()
        except TaskFailed as failure:
            await self._fail(task, failure.__cause__ or failure)

    async def _apply(self, task: PartitionTask, key: bytes | None, outcome: Outcome) -> None:
        """The event's outputs and its member-state change, into task k's outbox (and
        transaction)."""
        destinations = self.config.destinations
        for output in outcome.outputs:
            await task.send(
                destinations[output.destination], output.key, output.value, output.headers
            )
        if outcome.state is not None and key is not None:
            await task.send(
                self.config.changelog, key, outcome.state.encode(), [], partition=task.partition
            )
            task.state[key] = outcome.state

    # -- commits ----------------------------------------------------------------------------

    async def _commit_all(self) -> None:
        tasks = [task for task in self.tasks.values() if not task.failed]
        if self.config.exactly_once:
            await asyncio.gather(*(self._commit(task) for task in tasks))
        else:
            await self._commit_acknowledged(tasks)

    async def _commit(self, task: PartitionTask) -> None:
        """Exactly-once: task k's transaction committed (or aborted and k rebuilt)."""
        assert isinstance(task, TransactionalTask)
        try:
            await task.commit(self.config.group_id)
        except TaskFailed as failure:
            await self._fail(task, failure.__cause__ or failure)

    async def _commit_acknowledged(self, tasks: list[PartitionTask]) -> None:
        """At-least-once: once everything sent is acknowledged, the offsets of every task whose
        outputs all arrived, in one commit."""
        failures = await asyncio.gather(*(task.settle() for task in tasks))
        offsets: dict[TopicPartition, int] = {}
        committing = []
        for task, error in zip(tasks, failures, strict=True):
            if error is not None:
                await self._fail(task, error)
                continue
            moved = task.moved()
            if moved:
                offsets.update(moved)
                committing.append((task, moved))
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except KafkaError as error:  # a rebalance under way: the next owner reads them again
            log.warning("offset commit failed", error_class=type(error).__name__)
            return
        for task, moved in committing:
            task.committed.update(moved)

    async def _fail(self, task: PartitionTask, error: BaseException) -> None:
        """Task k cannot go on: its transaction is aborted and k rebuilt from what is committed.

        Fenced too: the broker also fences a producer whose transaction outlived its timeout (a
        long broker outage), and the group, not the fence, says who owns k. A worker that really
        lost k fences the owner once more and then learns of the rebalance at its next
        heartbeat; every transaction stays whole either way. During a rebalance the task is only
        dropped: the assignment that follows opens k again if this worker still has it.
        """
        if task.failed:
            return
        task.failed = True
        log.warning(
            "transaction failed: rebuilding the partition from its committed state",
            partition=task.partition,
            error_class=type(error).__name__,
        )
        assigned = self._assigned(task.tps)
        if assigned:
            self.consumer.pause(*assigned)
        if isinstance(error, ProducerFenced) and isinstance(task, TransactionalTask):
            task.in_transaction = False  # nothing to abort: the broker did
        await task.close()
        self.tasks.pop(task.partition, None)
        if len(assigned) == len(task.tps) and not self.rebalancing:
            await self._open({task.partition})

    # -- rebalance (aiokafka's listener, awaited by its group coordinator) --------------------

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        self._generation += 1
        self.rebalancing = True
        if self._stopping:
            return
        async with self._lock:
            await self._commit_all()

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        self._generation += 1
        assigned = set(assigned)
        self._assignment = assigned
        partitions = {tp.partition for tp in assigned if tp.topic in self.config.inputs}
        # Before any await: the fetcher must not read a new partition from a stale offset.
        for tp in assigned:
            task = self.tasks.get(tp.partition)
            if task is not None and not task.failed and tp in task.position:
                self.consumer.seek(tp, task.position[tp])
            else:
                self.consumer.pause(tp)
        if self._stopping:
            return
        async with self._lock:
            for partition in set(self.tasks) - partitions:
                await self.tasks.pop(partition).close()
            self.changelog.forget(set(self.changelog.remaining) - partitions)
            await self._open(partitions - set(self.tasks))
        self.rebalancing = False
        log.info("partitions assigned", partitions=sorted(partitions))

    async def _open(self, partitions: set[int]) -> None:
        """Open the tasks of `partitions`, retried while the broker does not answer (a
        rebalance during an outage). A worker that cannot open them in OPEN_RETRY_SECONDS
        stops (exit 70) rather than keep partitions paused that no one else may read."""
        deadline = time.monotonic() + OPEN_RETRY_SECONDS
        while partitions:
            try:
                await self._open_once(partitions)
                return
            except (KafkaError, OSError) as error:
                if time.monotonic() >= deadline:
                    log.error(
                        "cannot open partitions: stopping the worker", partitions=sorted(partitions)
                    )
                    self.failed = True
                    self._on_failure()
                    return
                log.warning(
                    "opening partitions failed: retrying",
                    partitions=sorted(partitions),
                    error_class=type(error).__name__,
                )
                await asyncio.sleep(OPEN_RETRY_PAUSE_SECONDS)

    async def _open_once(self, partitions: set[int]) -> None:
        """Fence, restore, seek, resume: task k is ready to read."""
        producers = {k: self._producer(k) for k in partitions}
        # Partition k of every input topic that has one (the calendar has a single partition).
        tps = sorted(
            (tp for tp in self._assignment if tp.partition in partitions),
            key=lambda tp: (tp.partition, tp.topic),
        )
        try:
            await asyncio.gather(*(producer.start() for producer in producers.values()))
            states = await self.changelog.restore(partitions)
            answers = await asyncio.gather(*map(self.consumer.committed, tps))
            committed = dict(zip(tps, answers, strict=True))
            fresh = [tp for tp in tps if committed[tp] is None]
            first = await self.consumer.beginning_offsets(fresh) if fresh else {}
        except BaseException:
            for producer in producers.values():
                await producer.stop()
            raise
        kind = TransactionalTask if self.config.exactly_once else PartitionTask
        for k in sorted(partitions):
            task = kind(k, producers[k], states[k], tuple(tp for tp in tps if tp.partition == k))
            for tp in task.tps:
                offset = committed[tp]
                task.committed[tp] = task.position[tp] = first[tp] if offset is None else offset
                self.consumer.seek(tp, task.position[tp])
            self.tasks[k] = task
            self.consumer.resume(*task.tps)

    def _producer(self, partition: int) -> AIOKafkaProducer:
        """Task k's producer: transactional (`<app_id>-0-k`), or idempotent at-least-once (one
        per task there too: aiokafka's sender loop costs more per record when it serves all).

        Its batches are as large as every topic written accepts: a produce request carries one
        batch per partition and the next batch of a partition waits for it, so aiokafka's
        16 KiB (5 decisions) made a request per few records (bench.e2e exactly-once backlog:
        claims/s +27-50 %, worker CPU per claim -18-22 %, broker CPU per claim -51-66 %)."""
        options = {
            **self.config.client_options,
            **self.config.producer_options,
            "max_batch_size": self._batch_bytes,
        }
        if not self.config.exactly_once:
            return self.config.producer(**options, enable_idempotence=True)
        return self.config.producer(
            **options, transactional_id=transactional_id(self.config.group_id, partition)
        )

    # -- what operators see -----------------------------------------------------------------

    @property
    def recovered(self) -> bool:
        """Every assigned partition fenced, restored and sought (no rebalance in progress)."""
        return not self.rebalancing and bool(self.tasks)

    def lag(self) -> Iterator[tuple[str, int, int]]:
        """Per assigned input partition: the last stable offset (from the latest fetch) minus
        the committed offset; 0 when caught up (the commit is past the last marker)."""
        for task in sorted(self.tasks.values(), key=lambda task: task.partition):
            for tp in self._assigned(task.tps):
                end = self.consumer.last_stable_offset(tp)
                committed = task.committed.get(tp)
                if end is not None and committed is not None:
                    yield tp.topic, tp.partition, max(0, end - committed)

    def restore_remaining(self) -> Iterator[tuple[str, int, int]]:
        for partition, remaining in sorted(self.changelog.remaining.items()):
            yield self.config.changelog, partition, remaining
