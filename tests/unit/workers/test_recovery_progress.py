"""Issue 13: table recovery ends when each changelog is read to its last stable offset (not
≈ 10 s later), and the lag gauge counts only claim-topic messages not committed, 0 when
caught up although a commit marker follows the last record."""

from __future__ import annotations

from collections import Counter
from typing import Any

from faust.tables.recovery import Recovery
from faust.types import TP

from workers.app import consumer_lag, recovery_remaining
from workers.metrics import Metrics
from workers.offsets import OffsetLedger, ReadProgress
from workers.transactions import PromptRecovery

CHANGELOG = TP("app-members-changelog", 0)
SUBMITTED = TP("claims.submitted.v1", 0)
BY_MEMBER = TP("claims-by-member.v1", 1)


# -- ReadProgress ---------------------------------------------------------------------------


def test_nothing_is_known_before_a_seek() -> None:
    progress = ReadProgress()
    progress.fetched(CHANGELOG, [5], 10)
    assert not progress.caught_up(CHANGELOG, 10, 5)


def test_caught_up_when_the_position_reached_the_end_and_the_last_record_is_applied() -> None:
    progress = ReadProgress()
    progress.seeked(CHANGELOG, 0)
    progress.fetched(CHANGELOG, [0, 1, 2], 3)
    assert not progress.caught_up(CHANGELOG, 4, 2)  # the marker at 3 not passed yet
    progress.fetched(CHANGELOG, [], 4)
    assert not progress.caught_up(CHANGELOG, 4, 1)  # record 2 not applied yet
    assert progress.caught_up(CHANGELOG, 4, 2)


def test_a_changelog_of_markers_and_aborted_records_only_is_caught_up_at_its_end() -> None:
    progress = ReadProgress()
    progress.seeked(CHANGELOG, 0)
    progress.fetched(CHANGELOG, [], 7)
    assert progress.caught_up(CHANGELOG, 7, -1)


def test_a_seek_forgets_what_was_fetched_before() -> None:
    progress = ReadProgress()
    progress.seeked(CHANGELOG, 0)
    progress.fetched(CHANGELOG, [8], 10)
    progress.seeked(CHANGELOG, 0)
    assert not progress.caught_up(CHANGELOG, 10, 8)
    progress.fetched(CHANGELOG, [3], 10)
    assert not progress.caught_up(CHANGELOG, 10, 2)
    assert progress.caught_up(CHANGELOG, 10, 3)


def test_a_revoked_partition_is_unknown_again() -> None:
    progress = ReadProgress()
    progress.seeked(CHANGELOG, 0)
    progress.fetched(CHANGELOG, [], 10)
    progress.forget([CHANGELOG])
    progress.fetched(CHANGELOG, [], 10)
    assert not progress.caught_up(CHANGELOG, 10, -1)


# -- PromptRecovery.catch_up ----------------------------------------------------------------


class FakeSignal:
    def __init__(self) -> None:
        self.pulses = 0
        self.is_set_now = False

    def set(self) -> None:
        self.pulses += 1
        self.is_set_now = True

    def clear(self) -> None:
        self.is_set_now = False


class FakeRecovery:
    """The state PromptRecovery.catch_up reads, with faust's own need_recovery."""

    need_recovery = Recovery.need_recovery
    active_remaining = Recovery.active_remaining
    catch_up = PromptRecovery.catch_up

    def __init__(self, progress: ReadProgress, highwater: int, applied: int) -> None:
        self.app: Any = type("App", (), {})()
        self.app.consumer = type("Consumer", (), {"progress": progress})()
        self.active_tps = {CHANGELOG}
        self.active_highwaters: Counter[Any] = Counter({CHANGELOG: highwater})
        self.active_offsets: Counter[Any] = Counter({CHANGELOG: applied})
        self.signal_recovery_end = FakeSignal()
        self.flushed = 0

    def flush_buffers(self) -> None:
        self.flushed += 1


def test_recovery_ends_at_the_marker_once_the_last_record_is_applied() -> None:
    progress = ReadProgress()
    progress.seeked(CHANGELOG, 0)
    progress.fetched(CHANGELOG, [0, 1, 2], 4)  # 3 is the commit marker, 4 the end
    recovery = FakeRecovery(progress, highwater=3, applied=1)
    assert recovery.catch_up() is False  # record 2 still on its way to the table
    assert recovery.signal_recovery_end.pulses == 0
    recovery.active_offsets[CHANGELOG] = 2
    assert recovery.catch_up() is True
    assert recovery.active_offsets[CHANGELOG] == 3
    assert recovery.flushed == 1
    # A pulse: waiters are woken, the event does not stay set for the next recovery.
    assert recovery.signal_recovery_end.pulses == 1
    assert not recovery.signal_recovery_end.is_set_now


def test_recovery_waits_while_the_fetcher_is_short_of_the_end() -> None:
    progress = ReadProgress()
    progress.seeked(CHANGELOG, 0)
    progress.fetched(CHANGELOG, [0, 1, 2], 3)
    recovery = FakeRecovery(progress, highwater=3, applied=2)
    assert recovery.catch_up() is False
    assert recovery.active_offsets[CHANGELOG] == 2


def test_recovery_without_progress_facts_is_left_to_faust() -> None:
    recovery = FakeRecovery(ReadProgress(), highwater=3, applied=2)
    assert recovery.catch_up() is False


# -- the lag gauge --------------------------------------------------------------------------


class FakeConsumer:
    def __init__(self, ledger: OffsetLedger, ends: dict[Any, int | None]) -> None:
        self.ledger = ledger
        self._ends = ends

    def assignment(self) -> set[Any]:
        return set(self._ends)

    def highwater(self, tp: Any) -> int | None:
        return self._ends[tp]


class FakeApp:
    def __init__(self, consumer: FakeConsumer, tables: Any = None) -> None:
        self.consumer = consumer
        self.tables = tables


def test_lag_counts_claim_topics_only_and_is_zero_when_caught_up() -> None:
    ledger = OffsetLedger()
    ledger.start(SUBMITTED, 100)  # a non-transactional producer: no marker, end == committed
    ledger.start(BY_MEMBER, 40)
    # by-member, written in the intake's transactions: last record 39, its marker at 40.
    ledger.fetched(BY_MEMBER, 40, [], 41)
    consumer = FakeConsumer(ledger, {SUBMITTED: 100, BY_MEMBER: 41, CHANGELOG: 7_300})
    topics = {SUBMITTED.topic, BY_MEMBER.topic}
    assert sorted(consumer_lag(FakeApp(consumer), topics)) == [  # type: ignore[arg-type]
        (BY_MEMBER.topic, 1, 0),
        (SUBMITTED.topic, 0, 0),
    ]


def test_lag_is_end_minus_committed_with_work_outstanding() -> None:
    ledger = OffsetLedger()
    ledger.start(BY_MEMBER, 40)
    ledger.fetched(BY_MEMBER, 40, [40, 41, 42], 43)
    ledger.finished(BY_MEMBER, 40)  # finished, not committed yet: still lag
    consumer = FakeConsumer(ledger, {BY_MEMBER: 60, SUBMITTED: None})
    lag = list(consumer_lag(FakeApp(consumer), {BY_MEMBER.topic, SUBMITTED.topic}))  # type: ignore[arg-type]
    assert lag == [(BY_MEMBER.topic, 1, 20)]  # the end of SUBMITTED is unknown: not reported
    ledger.advance(BY_MEMBER)  # committed through 40
    lag = list(consumer_lag(FakeApp(consumer), {BY_MEMBER.topic}))  # type: ignore[arg-type]
    assert lag == [(BY_MEMBER.topic, 1, 19)]


def test_settled_skips_empty_ranges_but_not_unfinished_records() -> None:
    ledger = OffsetLedger()
    assert ledger.settled(BY_MEMBER) is None
    ledger.start(BY_MEMBER, 10)
    ledger.fetched(BY_MEMBER, 10, [12], 15)  # 10-11 aborted, 12 a record, 13-14 markers
    assert ledger.settled(BY_MEMBER) == 12
    ledger.finished(BY_MEMBER, 12)
    ledger.advance(BY_MEMBER)
    assert ledger.settled(BY_MEMBER) == 15


def test_recovery_gauge_and_exposition() -> None:
    recovery = type("R", (), {})()
    recovery.in_recovery = True
    recovery.active_tps = {CHANGELOG}
    recovery.active_remaining = lambda: Counter({CHANGELOG: 12})
    tables = type("Tables", (), {"recovery": recovery})()
    app = FakeApp(FakeConsumer(OffsetLedger(), {}), tables)
    assert list(recovery_remaining(app)) == [(CHANGELOG.topic, 0, 12)]  # type: ignore[arg-type]
    recovery.in_recovery = False
    assert list(recovery_remaining(app)) == [(CHANGELOG.topic, 0, 0)]  # type: ignore[arg-type]

    metrics = Metrics()
    metrics.watch_lag(lambda: [(SUBMITTED.topic, 0, 3)])
    metrics.watch_recovery(lambda: recovery_remaining(app))  # type: ignore[arg-type]
    text = metrics.exposition().decode()
    assert 'claims_consumer_lag_messages{partition="0",topic="claims.submitted.v1"} 3.0' in text
    assert (
        'claims_table_recovery_remaining_messages{partition="0",topic="app-members-changelog"} 0.0'
        in text
    )


def test_prompt_recovery_is_a_service_task() -> None:
    """The poll runs as a task of the recovery service (mode collects @Service.task)."""
    tasks = PromptRecovery._tasks["workers.transactions.PromptRecovery"]  # type: ignore[attr-defined]
    assert {"_end_at_stable_offset", "_slurp_changelogs", "_restart_recovery"} <= tasks
