"""The exactly-once pipeline with fake Kafka clients: what goes into which transaction, which
offset is committed, and what happens to a batch around a rebalance or a failed commit."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import (
    IllegalStateError,
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    ProducerFenced,
)
from aiokafka.partitioner import DefaultPartitioner

from policy.member_history import MemberState
from workers.stream.runtime import loop as loop_module
from workers.stream.runtime.changelog import State
from workers.stream.runtime.loop import Pipeline, PipelineConfig, Sweep
from workers.stream.step.outcome import Destination, Outcome, Output

IN = "claims"
CHANGELOG = "app-members-changelog"


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None = b"m:1"
    value: bytes | None = b"v"
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class Broker:
    """What the fakes share: the committed offsets, the changelog, the transactions' fate."""

    def __init__(self) -> None:
        self.committed: dict[TopicPartition, int] = {}
        self.changelog: dict[int, list[tuple[bytes, bytes]]] = {}
        self.transactions: list[tuple[str, str, list[Any]]] = []  # (id, fate, writes)
        self.fail_commit: BaseException | None = None
        self.fail_delivery: BaseException | None = None  # the next batch's acknowledgement
        self.refuse_starts = 0  # producer starts that fail (a broker not answering)
        self.producers: list[FakeProducer] = []
        self.consumers: list[FakeConsumer] = []
        self.partitions: dict[str, int] = {}  # per output topic its partition count (else 3)
        self.batch_records = 100  # what a batch builder holds before it is full


class FakeBuilder:
    """aiokafka's BatchBuilder: takes records until it is full (then None) or closed."""

    def __init__(self, producer: FakeProducer) -> None:
        self.producer = producer
        self.records: list[tuple[int, bytes | None, bytes | None]] = []  # (append order, …)
        self.closed = False

    def append(
        self,
        *,
        key: bytes | None,
        value: bytes | None,
        timestamp: int | None,
        headers: list[tuple[str, bytes]],
    ) -> object | None:
        if self.closed or len(self.records) == self.producer.broker.batch_records:
            self.closed = True
            return None
        self.producer.appended += 1
        self.records.append((self.producer.appended, key, value))
        return object()

    def close(self) -> None:
        self.closed = True


class FakeProducer:
    def __init__(self, broker: Broker, **options: Any) -> None:
        self.broker = broker
        self.id = options.get("transactional_id", "idempotent")
        self.options = options
        self.stopped = False
        self.flushes = 0
        self.appended = 0
        # What reached the producer: every batch sent, and its records in the order the task
        # appended them (a transaction's content; Kafka orders records only per partition).
        self.batches: list[tuple[str, int, list[bytes | None]]] = []
        self.sent: list[tuple[int, Any, int]] = []  # (append order, write, partition)
        broker.producers.append(self)

    @property
    def writes(self) -> list[Any]:
        return [write for _, write, _ in sorted(self.sent, key=lambda sent: sent[0])]

    async def start(self) -> None:
        if self.broker.refuse_starts:
            self.broker.refuse_starts -= 1
            raise KafkaConnectionError("Unable to bootstrap from 127.0.0.1:9092")

    async def stop(self) -> None:
        self.stopped = True

    async def flush(self) -> None:
        self.flushes += 1

    async def begin_transaction(self) -> None:
        self.sent = []

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(self.broker.partitions.get(topic, 3)))

    def create_batch(self) -> FakeBuilder:
        return FakeBuilder(self)

    async def send_batch(self, batch: FakeBuilder, topic: str, *, partition: int) -> Any:
        assert batch.closed  # the sender takes it at once, without lingering
        self.batches.append((topic, partition, [key for _, key, _ in batch.records]))
        self.sent.extend(
            (order, (topic, key, value), partition) for order, key, value in batch.records
        )
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.broker.fail_delivery is not None:
            error, self.broker.fail_delivery = self.broker.fail_delivery, None
            done.set_exception(error)
        else:
            done.set_result(None)
        return done

    async def send_offsets_to_transaction(self, offsets: dict[Any, int], group: str) -> None:
        self.sent.append((self.appended + 1, ("offsets", dict(offsets)), -1))

    async def commit_transaction(self) -> None:
        if self.broker.fail_commit is not None:
            error, self.broker.fail_commit = self.broker.fail_commit, None
            raise error
        self.broker.transactions.append((self.id, "committed", self.writes))
        for _, write, partition in sorted(self.sent, key=lambda sent: sent[0]):
            if write[0] == "offsets":
                self.broker.committed.update(write[1])
            elif write[0] == CHANGELOG:
                self.broker.changelog.setdefault(partition, []).append((write[1], write[2]))
        self.sent = []

    async def abort_transaction(self) -> None:
        self.broker.transactions.append((self.id, "aborted", self.writes))
        self.sent = []


class FakeConsumer:
    """A group consumer (or, with group_id None, the changelog reader)."""

    def __init__(self, broker: Broker, **options: Any) -> None:
        self.broker = broker
        self.group = options.get("group_id")
        self.positions: dict[TopicPartition, int] = {}
        self.paused: set[TopicPartition] = set()
        self.assigned: set[TopicPartition] = set()
        self.batches: list[dict[TopicPartition, list[Record]]] = []
        self.listener: Any = None
        broker.consumers.append(self)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def subscribe(self, topics: list[str], listener: Any) -> None:
        self.listener = listener
        self.assigned = {TopicPartition(IN, k) for k in range(3)}

    def assign(self, tps: Iterable[TopicPartition]) -> None:
        """Like aiokafka's, the position starts where the reset policy says (here: the end,
        as a race of its reset could leave it): only an explicit seek reads from the start."""
        self.assigned = set(tps)
        for tp in self.assigned:
            self.positions[tp] = len(self.broker.changelog.get(tp.partition, []))

    def assignment(self) -> set[TopicPartition]:
        return self.assigned

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: len(self.broker.changelog.get(tp.partition, [])) for tp in tps}

    async def position(self, tp: TopicPartition) -> int:
        if self.group is not None and tp not in self.assigned:
            raise IllegalStateError(f"No current assignment for partition {tp}")
        return self.positions[tp]

    async def getmany(self, *tps: TopicPartition, **_: Any) -> dict[TopicPartition, list[Any]]:
        if self.group is None:  # the changelog: everything from the position on, at once
            batch = {}
            for tp in tps:
                entries = self.broker.changelog.get(tp.partition, [])
                start = self.positions[tp]
                batch[tp] = [
                    Record(tp.topic, tp.partition, i, *entries[i])
                    for i in range(start, len(entries))
                ]
                self.positions[tp] = len(entries)
            return batch
        batch = self.batches.pop(0) if self.batches else {}
        for tp, records in batch.items():
            self.positions[tp] = records[-1].offset + 1
        return batch

    def _require(self, tp: TopicPartition) -> None:
        if self.group is not None and tp not in self.assigned:
            raise IllegalStateError(f"No current assignment for partition {tp}")

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self._require(tp)
        self.positions[tp] = offset

    def pause(self, *tps: TopicPartition) -> None:
        for tp in tps:
            self._require(tp)
        self.paused.update(tps)

    def resume(self, *tps: TopicPartition) -> None:
        self.paused.difference_update(tps)

    async def committed(self, tp: TopicPartition) -> int | None:
        return self.broker.committed.get(tp)

    async def beginning_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return dict.fromkeys(tps, 0)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.broker.committed.update(offsets)

    def last_stable_offset(self, tp: TopicPartition) -> int | None:
        return self.positions.get(tp)


async def forward(record: Any, state: State) -> Outcome:
    """A hop that forwards every record and counts it in the member's state."""
    member = state.get(record.key) or MemberState()
    member.mark_seen(f"{record.topic}/{record.offset}")
    return Outcome(outputs=[Output(Destination.DECISION, record.key, record.value)], state=member)


def pipeline(
    broker: Broker,
    *,
    exactly_once: bool = True,
    interval: float = 0.0,
    on_failure: Callable[[], None] = lambda: None,
    sweep: Sweep | None = None,
) -> Pipeline:
    config = PipelineConfig(
        group_id="app",
        inputs={IN: forward},
        destinations={Destination.DECISION: "decisions"},
        changelog=CHANGELOG,
        exactly_once=exactly_once,
        commit_interval=interval,  # 0: every step commits
        client_options={},
        consumer_options={},
        producer_options={},
        consumer=lambda **options: FakeConsumer(broker, **options),
        producer=lambda **options: FakeProducer(broker, **options),
    )
    if sweep is not None:
        config = replace(config, sweep=sweep)
    return Pipeline(config, lambda record, outcome: None, on_failure)


def tp(partition: int) -> TopicPartition:
    return TopicPartition(IN, partition)


def records(partition: int, *offsets: int) -> list[Record]:
    return [Record(IN, partition, offset) for offset in offsets]


async def started(broker: Broker, *partitions: int, **options: Any) -> Pipeline:
    pipe = pipeline(broker, **options)
    await pipe.connect()
    await assign(pipe, *partitions)
    return pipe


async def revoke(pipe: Pipeline) -> None:
    """As aiokafka: the assignment is dropped, then the listener is called."""
    consumer = group(pipe)
    revoked, consumer.assigned = set(consumer.assigned), set()
    await pipe.on_partitions_revoked(revoked)


async def assign(pipe: Pipeline, *partitions: int) -> None:
    consumer = group(pipe)
    consumer.assigned = {tp(k) for k in partitions}
    await pipe.on_partitions_assigned(set(consumer.assigned))


async def rebalance(pipe: Pipeline, *partitions: int) -> None:
    await revoke(pipe)
    await assign(pipe, *partitions)


def group(pipe: Pipeline) -> FakeConsumer:
    consumer: Any = pipe.consumer
    return consumer


async def test_an_events_outputs_state_and_offset_commit_in_one_transaction() -> None:
    broker = Broker()
    pipe = await started(broker, 0)
    group(pipe).batches.append({tp(0): records(0, 0, 1, 2)})
    await pipe.step()
    [(tid, fate, writes)] = broker.transactions
    assert (tid, fate) == ("app-0-0", "committed")
    topics = [write[0] for write in writes]
    assert topics == ["decisions", CHANGELOG] * 3 + ["offsets"]
    assert writes[-1] == ("offsets", {tp(0): 3})
    assert broker.committed == {tp(0): 3}


async def test_what_survives_a_commit_is_out_of_the_cyclic_collectors_reach() -> None:
    broker = Broker()
    pipe = await started(broker, 0)
    gc.unfreeze()
    group(pipe).batches.append({tp(0): records(0, 0, 1, 2)})
    await pipe.step()
    member_state = pipe.tasks[0].state[b"m:1"]
    assert gc.get_freeze_count() > 0
    assert not any(member_state in generation for generation in map(gc.get_objects, range(3)))
    gc.unfreeze()


async def test_a_batch_fetched_before_a_rebalance_is_read_again_not_processed() -> None:
    broker = Broker()
    pipe = await started(broker, 0)
    consumer = group(pipe)

    async def rebalance_during_fetch(*_: Any, **__: Any) -> dict[TopicPartition, list[Any]]:
        consumer.positions[tp(0)] = 3  # the fetch returned offsets 0..2
        await rebalance(pipe, 0)
        return {tp(0): records(0, 0, 1, 2)}

    consumer.getmany = rebalance_during_fetch  # type: ignore[method-assign]
    await pipe.step()
    assert broker.transactions == []
    assert consumer.positions[tp(0)] == 0  # sought back to the last processed record


async def test_revoke_commits_kept_partitions_resume_new_ones_restore_lost_ones_go() -> None:
    broker = Broker()
    pipe = await started(broker, 0, 1, interval=60.0)  # the loop itself commits nothing
    consumer = group(pipe)
    consumer.batches.append({tp(0): records(0, 0, 1), tp(1): records(1, 0)})
    await pipe.step()
    assert broker.transactions == []
    await revoke(pipe)
    assert broker.committed == {tp(0): 2, tp(1): 1}  # everything processed, before anything moves
    broker.committed[tp(2)] = 7  # partition 2 was another worker's
    await assign(pipe, 0, 2)
    assert sorted(pipe.tasks) == [0, 2]
    assert consumer.positions[tp(0)] == 2 and consumer.positions[tp(2)] == 7
    assert not consumer.paused & {tp(0), tp(2)}
    stopped = {producer.id for producer in broker.producers if producer.stopped}
    assert stopped == {"app-0-1"}


async def test_state_of_a_partition_is_restored_from_its_changelog() -> None:
    broker = Broker()
    first = await started(broker, 0)
    group(first).batches.append({tp(0): records(0, 0, 1)})
    await first.step()
    second = await started(broker, 0)  # another worker takes partition 0 over
    [member] = second.tasks[0].state.values()
    assert member.events == ["claims/0", "claims/1"]
    assert group(second).positions[tp(0)] == 2


async def test_a_failed_commit_aborts_and_rebuilds_the_partition_from_the_committed_state() -> None:
    broker = Broker()
    pipe = await started(broker, 0)
    consumer = group(pipe)
    consumer.batches.append({tp(0): records(0, 0)})
    await pipe.step()
    broker.fail_commit = KafkaTimeoutError()
    consumer.batches.append({tp(0): records(0, 1, 2)})
    await pipe.step()
    assert [fate for _, fate, _ in broker.transactions] == ["committed", "aborted"]
    assert consumer.positions[tp(0)] == 1  # read again from the committed offset
    [member] = pipe.tasks[0].state.values()
    assert member.events == ["claims/0"]  # the aborted events are not in the state


async def test_a_fenced_producer_rebuilds_the_partition_without_its_transaction() -> None:
    """The broker fences a producer whose transaction timed out too (a long outage): the task is
    rebuilt from what is committed, its aborted events read again."""
    broker = Broker()
    pipe = await started(broker, 0)
    consumer = group(pipe)
    broker.fail_commit = ProducerFenced()
    consumer.batches.append({tp(0): records(0, 0)})
    await pipe.step()
    assert broker.committed == {} and broker.transactions == []
    assert consumer.positions[tp(0)] == 0 and tp(0) not in consumer.paused
    assert pipe.tasks[0].state == {}


async def test_at_least_once_commits_offsets_after_the_outputs() -> None:
    broker = Broker()
    pipe = await started(broker, 0, exactly_once=False)
    group(pipe).batches.append({tp(0): records(0, 0, 1)})
    await pipe.step()
    assert broker.transactions == []
    assert broker.committed == {tp(0): 2}
    [producer] = broker.producers
    assert producer.id == "idempotent"
    assert [write[0] for write in producer.writes] == ["decisions", CHANGELOG] * 2
    assert producer.flushes == 1


async def test_lag_is_zero_when_the_commit_reached_the_end() -> None:
    broker = Broker()
    pipe = await started(broker, 0)
    group(pipe).batches.append({tp(0): records(0, 0, 1)})
    await pipe.step()
    assert list(pipe.lag()) == [(IN, 0, 0)]


@pytest.mark.parametrize("exactly_once", [True, False])
async def test_a_re_delivered_record_below_the_position_is_skipped(exactly_once: bool) -> None:
    broker = Broker()
    pipe = await started(broker, 0, exactly_once=exactly_once)
    consumer = group(pipe)
    consumer.batches.append({tp(0): records(0, 0, 1)})
    await pipe.step()
    consumer.batches.append({tp(0): records(0, 1, 2)})
    await pipe.step()
    [member] = pipe.tasks[0].state.values()
    assert member.events == ["claims/0", "claims/1", "claims/2"]


async def test_a_rebalance_beginning_mid_batch_commits_the_processed_records() -> None:
    """aiokafka drops the assignment before it calls the revoke listener, which waits for the
    batch in hand: the commit it makes covers exactly the records processed."""
    broker = Broker()
    pipe = await started(broker, 0, interval=60.0)
    consumer = group(pipe)
    revoke: list[asyncio.Task[None]] = []

    async def rebalancing_hop(record: Any, state: State) -> Outcome:
        if not revoke:
            consumer.assigned = set()
            revoke.append(asyncio.create_task(pipe.on_partitions_revoked({tp(0)})))
            await asyncio.sleep(0)
        return await forward(record, state)

    pipe.config.inputs[IN] = rebalancing_hop
    consumer.batches.append({tp(0): records(0, 0, 1, 2)})
    await pipe.step()
    await revoke[0]
    assert broker.committed == {tp(0): 3}
    [(_, fate, writes)] = broker.transactions
    assert fate == "committed" and writes[-1] == ("offsets", {tp(0): 3})


async def test_a_commit_failing_during_a_revoke_drops_the_task_and_the_assignment_reopens_it() -> (
    None
):
    broker = Broker()
    pipe = await started(broker, 0, interval=60.0)
    consumer = group(pipe)
    consumer.batches.append({tp(0): records(0, 0, 1)})
    await pipe.step()
    broker.fail_commit = KafkaTimeoutError()
    await revoke(pipe)  # its commit fails while aiokafka has no assignment
    assert pipe.tasks == {}
    assert [fate for _, fate, _ in broker.transactions] == ["aborted"]
    await assign(pipe, 0)
    assert consumer.positions[tp(0)] == 0 and tp(0) not in consumer.paused
    assert pipe.tasks[0].state == {}


async def test_opening_a_partition_is_retried_while_the_broker_does_not_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(loop_module, "OPEN_RETRY_PAUSE_SECONDS", 0.0)
    broker = Broker()
    broker.refuse_starts = 2
    pipe = await started(broker, 0)
    assert sorted(pipe.tasks) == [0] and not pipe.failed
    assert [p.stopped for p in broker.producers] == [True, True, False]  # none left behind


async def test_a_partition_that_cannot_be_opened_stops_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(loop_module, "OPEN_RETRY_PAUSE_SECONDS", 0.0)
    monkeypatch.setattr(loop_module, "OPEN_RETRY_SECONDS", 0.0)
    broker = Broker()
    broker.refuse_starts = 1
    stopped: list[bool] = []
    pipe = pipeline(broker, on_failure=lambda: stopped.append(True))  # the runner's SIGTERM
    await pipe.connect()
    await assign(pipe, 0)
    assert pipe.failed and stopped == [True] and pipe.tasks == {}


async def test_a_failed_delivery_aborts_the_transaction_and_rebuilds_the_partition() -> None:
    """Issue 18 item 1: a send the broker refuses (a record too large for its topic) is only
    known when its delivery fails; the transaction must not commit over it."""
    broker = Broker()
    pipe = await started(broker, 0)
    consumer = group(pipe)
    consumer.batches.append({tp(0): records(0, 0)})
    await pipe.step()
    failed_task = pipe.tasks[0]
    broker.fail_delivery = MessageSizeTooLargeError()
    consumer.batches.append({tp(0): records(0, 1, 2)})
    await pipe.step()
    assert [fate for _, fate, _ in broker.transactions] == ["committed", "aborted"]
    assert broker.committed == {tp(0): 1}  # the offsets did not move past the failed send
    assert consumer.positions[tp(0)] == 1 and tp(0) not in consumer.paused
    rebuilt = pipe.tasks[0]
    assert rebuilt is not failed_task and failed_task.producer.stopped
    assert rebuilt.producer.id == "app-0-0" and not rebuilt.producer.stopped
    [member] = rebuilt.state.values()
    assert member.events == ["claims/0"]  # restored from the changelog: the aborted events out
    assert not pipe.failed


async def test_at_least_once_commits_no_offset_past_a_failed_delivery() -> None:
    broker = Broker()
    pipe = await started(broker, 0, exactly_once=False)
    consumer = group(pipe)
    consumer.batches.append({tp(0): records(0, 0)})
    await pipe.step()
    assert broker.committed == {tp(0): 1}
    failed_task = pipe.tasks[0]
    broker.fail_delivery = MessageSizeTooLargeError()
    consumer.batches.append({tp(0): records(0, 1, 2)})
    await pipe.step()
    assert broker.transactions == [] and broker.committed == {tp(0): 1}
    assert consumer.positions[tp(0)] == 1 and tp(0) not in consumer.paused
    assert pipe.tasks[0] is not failed_task and failed_task.producer.stopped


async def test_a_sweeps_outputs_go_into_the_transaction_of_the_batch() -> None:
    """What the sweep settles (a PA update, a passed deadline) commits with the batch's records
    and offsets, or not at all; the first sweep after the task opened reconciles everything."""
    broker = Broker()
    opened: list[bool] = []

    def sweep(partition: int, state: State, just_opened: bool) -> list[tuple[bytes, Outcome]]:
        opened.append(just_opened)
        member = state.get(b"m:2") or MemberState()
        member.mark_seen(f"sweep/{len(opened)}")
        output = Output(Destination.DECISION, b"CLM-2", b"readjudicated")
        return [(b"m:2", Outcome(outputs=[output], state=member))]

    pipe = await started(broker, 0, sweep=sweep)
    group(pipe).batches.append({tp(0): records(0, 0, 1)})
    await pipe.step()
    [(tid, fate, writes)] = broker.transactions
    assert (tid, fate) == ("app-0-0", "committed")
    assert [write[:2] for write in writes] == [
        ("decisions", b"m:1"),
        (CHANGELOG, b"m:1"),
        ("decisions", b"m:1"),
        (CHANGELOG, b"m:1"),
        ("decisions", b"CLM-2"),
        (CHANGELOG, b"m:2"),
        ("offsets", {tp(0): 2}),
    ]
    assert opened == [True]
    assert pipe.tasks[0].state[b"m:2"].events == ["sweep/1"]


async def test_a_failed_delivery_of_a_sweep_output_aborts_the_batch_with_it() -> None:
    broker = Broker()

    def sweep(partition: int, state: State, just_opened: bool) -> list[tuple[bytes, Outcome]]:
        if not just_opened:
            return []
        broker.fail_delivery = MessageSizeTooLargeError()
        output = Output(Destination.DECISION, b"CLM-2", b"readjudicated")
        return [(b"m:2", Outcome(outputs=[output]))]

    pipe = await started(broker, 0, sweep=sweep)
    group(pipe).batches.append({tp(0): records(0, 0, 1)})
    await pipe.step()
    assert [fate for _, fate, _ in broker.transactions] == ["aborted"]
    assert broker.committed == {} and group(pipe).positions[tp(0)] == 0
    assert pipe.tasks[0].state == {}


# -- sends: one batch per destination partition (issue 20) -----------------------------------

CLAIMS = [f"CLM-{n}".encode() for n in range(8)]


def by_key(partition: int, *keys: bytes) -> list[Record]:
    return [Record(IN, partition, offset, key) for offset, key in enumerate(keys)]


def murmur(key: bytes, count: int = 3) -> int:
    partition: int = DefaultPartitioner()(key, list(range(count)), list(range(count)))
    return partition


def expected_batches(
    keys: list[bytes], task: int, count: int = 3
) -> list[tuple[str, int, list[bytes | None]]]:
    """A poll batch's decisions, one batch per partition `send` would pick, and its changelog
    records on the task's own partition."""
    decisions: dict[int, list[bytes | None]] = {}
    for key in keys:
        decisions.setdefault(murmur(key, count), []).append(key)
    changelog: list[bytes | None] = list(keys)
    return sorted(
        [("decisions", p, batch) for p, batch in decisions.items()] + [(CHANGELOG, task, changelog)]
    )


@pytest.mark.parametrize("exactly_once", [True, False])
async def test_a_poll_batchs_outputs_go_as_one_batch_per_destination_partition(
    exactly_once: bool,
) -> None:
    broker = Broker()
    pipe = await started(broker, 0, exactly_once=exactly_once)
    group(pipe).batches.append({tp(0): by_key(0, *CLAIMS)})
    await pipe.step()
    [producer] = broker.producers
    assert len({murmur(key) for key in CLAIMS}) == 3  # the keys spread over every partition
    assert sorted(producer.batches) == expected_batches(CLAIMS, 0)
    assert broker.committed == {tp(0): len(CLAIMS)}


@pytest.mark.parametrize("exactly_once", [True, False])
async def test_batches_are_as_large_as_the_topics_accept(exactly_once: bool) -> None:
    """What `prepare` learnt (the smallest limit of the topics written) sizes every producer's
    batches, a rebuilt task's too; aiokafka's 16 KiB when nothing was learnt."""
    broker = Broker()
    config = replace(pipeline(broker, exactly_once=exactly_once).config, prepare=_limit(300_000))
    pipe = Pipeline(config, lambda record, outcome: None)
    await pipe.connect()
    await assign(pipe, 0, 1)
    broker.fail_delivery = KafkaTimeoutError()
    group(pipe).batches.append({tp(0): records(0, 0)})
    await pipe.step()
    assert len(broker.producers) == 3  # tasks 0 and 1, and 0 rebuilt
    assert {p.options["max_batch_size"] for p in broker.producers} == {300_000}
    default = await started(Broker(), 0, exactly_once=exactly_once)
    assert default.tasks[0].producer.options["max_batch_size"] == 16_384


def _limit(size: int) -> Callable[[], Any]:
    async def prepare() -> int:
        return size

    return prepare


async def test_a_keyed_output_follows_its_topic_when_the_topic_grows() -> None:
    """The partition counts come from the producer's metadata, read again after every batch."""
    broker = Broker()
    pipe = await started(broker, 0)
    consumer = group(pipe)
    consumer.batches.append({tp(0): by_key(0, *CLAIMS)})
    await pipe.step()
    broker.partitions["decisions"] = 5
    consumer.batches.append({tp(0): [Record(IN, 0, 8 + n, key) for n, key in enumerate(CLAIMS)]})
    await pipe.step()
    [producer] = broker.producers
    first = len(expected_batches(CLAIMS, 0))
    assert sorted(producer.batches[:first]) == expected_batches(CLAIMS, 0)
    assert sorted(producer.batches[first:]) == expected_batches(CLAIMS, 0, count=5)


async def test_a_full_builder_is_sent_at_once_and_the_record_starts_the_next_one() -> None:
    broker = Broker()
    broker.batch_records = 2
    pipe = await started(broker, 0)
    key = CLAIMS[0]
    group(pipe).batches.append({tp(0): by_key(0, key, key, key)})
    await pipe.step()
    [producer] = broker.producers
    partition = murmur(key)
    assert producer.batches == [
        ("decisions", partition, [key, key]),  # full at the third record, sent then
        (CHANGELOG, 0, [key, key]),
        ("decisions", partition, [key]),  # the rest at the end of the poll batch
        (CHANGELOG, 0, [key]),
    ]
    [(_, fate, writes)] = broker.transactions
    assert fate == "committed"
    assert [write[0] for write in writes] == ["decisions", CHANGELOG] * 3 + ["offsets"]


async def test_the_changelog_record_stays_on_the_tasks_own_partition() -> None:
    broker = Broker()
    pipe = await started(broker, 2)
    keys = [key for key in CLAIMS if murmur(key) != 2]
    group(pipe).batches.append({tp(2): by_key(2, *keys)})
    await pipe.step()
    [producer] = broker.producers
    assert sorted(producer.batches) == expected_batches(keys, 2)
    assert [key for key, _ in broker.changelog[2]] == keys and set(broker.changelog) == {2}


@pytest.mark.parametrize("exactly_once", [True, False])
async def test_a_refused_batch_rebuilds_the_partition_without_committing_past_it(
    exactly_once: bool,
) -> None:
    """`send_batch` itself failing (no room in the producer's queue in time) is a failed send."""
    broker = Broker()
    pipe = await started(broker, 0, exactly_once=exactly_once)
    consumer = group(pipe)
    consumer.batches.append({tp(0): records(0, 0)})
    await pipe.step()
    failed_task = pipe.tasks[0]

    async def refuse(*_: Any, **__: Any) -> Any:
        raise KafkaTimeoutError()

    failed_task.producer.send_batch = refuse  # type: ignore[method-assign]
    consumer.batches.append({tp(0): records(0, 1, 2)})
    await pipe.step()
    assert broker.committed == {tp(0): 1}
    assert consumer.positions[tp(0)] == 1 and tp(0) not in consumer.paused
    assert pipe.tasks[0] is not failed_task and failed_task.producer.stopped
    if exactly_once:
        assert [fate for _, fate, _ in broker.transactions] == ["committed", "aborted"]
        [member] = pipe.tasks[0].state.values()
        assert member.events == ["claims/0"]
