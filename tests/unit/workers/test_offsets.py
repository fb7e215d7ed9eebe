"""The offset ledger: a partition's offset moves only past records an agent finished (issue 4)."""

from __future__ import annotations

import asyncio

from mode.utils.queues import FlowControlQueue

from workers.app import SteadyFlowControl
from workers.offsets import OffsetLedger

TP = ("claims.submitted.v1", 0)


def ledger_at(committed: int) -> OffsetLedger:
    ledger = OffsetLedger()
    ledger.start(TP, committed)
    return ledger


def test_unknown_committed_offset_commits_nothing() -> None:
    ledger = OffsetLedger()
    ledger.finished(TP, 0)
    assert ledger.advance(TP) == (None, False)


def test_moves_through_finished_records_only() -> None:
    ledger = ledger_at(10)
    ledger.fetched(TP, 10, [10, 11, 12], 13)
    ledger.finished(TP, 10)
    ledger.finished(TP, 11)
    assert ledger.advance(TP) == (12, False)
    assert ledger.partitions() == []


def test_a_fetched_but_unfinished_record_holds_back_the_ones_behind_it() -> None:
    """The loss of issue 4: record 10 fetched, dropped on the way to its agent; 11 and 12 done."""
    ledger = ledger_at(10)
    ledger.fetched(TP, 10, [10, 11, 12], 13)
    ledger.finished(TP, 11)
    ledger.finished(TP, 12)
    assert ledger.advance(TP) == (10, True)
    ledger.finished(TP, 10)  # read again and finished
    assert ledger.advance(TP) == (13, False)


def test_ranges_a_fetch_passed_without_records_are_skipped() -> None:
    """Transaction markers and aborted records (read_committed) leave offsets without records."""
    ledger = ledger_at(0)
    ledger.fetched(TP, 0, [0, 3, 4], 8)  # 1-2 and 5-7 hold no record for this consumer
    for offset in (0, 3, 4):
        ledger.finished(TP, offset)
    assert ledger.advance(TP) == (8, False)


def test_a_seek_into_an_empty_range_continues_from_its_end() -> None:
    ledger = OffsetLedger()
    ledger.fetched(TP, 0, [0], 6)  # 1-5 empty
    ledger.start(TP, 3)
    ledger.fetched(TP, 6, [6], 7)
    ledger.finished(TP, 6)
    assert ledger.advance(TP) == (7, False)


def test_redelivered_records_are_recognised_and_the_head_never_moves_back() -> None:
    ledger = ledger_at(5)
    ledger.fetched(TP, 5, [5, 6], 7)
    ledger.finished(TP, 5)
    ledger.finished(TP, 6)
    assert ledger.advance(TP) == (7, False)
    ledger.start(TP, 5)  # the broker answers with an older commit still in flight
    assert ledger.head(TP) == 7
    assert ledger.is_finished(TP, 5)
    assert ledger.is_finished(TP, 6)
    assert not ledger.is_finished(TP, 7)
    ledger.fetched(TP, 7, [7], 8)
    ledger.finished(TP, 7)
    assert ledger.is_finished(TP, 7)  # finished in the open transaction, not committed yet


def test_revoked_partitions_are_forgotten() -> None:
    ledger = ledger_at(0)
    ledger.fetched(TP, 0, [0], 1)
    ledger.finished(TP, 0)
    ledger.forget([TP])
    assert ledger.head(TP) is None
    assert ledger.partitions() == []
    assert not ledger.is_finished(TP, 0)


def test_resuming_a_running_flow_keeps_the_queued_records() -> None:
    """Recovery resumes a flow that already runs, right after the seek to the committed
    offsets: the records fetched from there must stay queued (issue 4's drop)."""

    async def scenario() -> tuple[int, int]:
        flow = SteadyFlowControl()
        queue: FlowControlQueue = FlowControlQueue(flow_control=flow, clear_on_resume=True)
        flow.resume()  # suspended → running: the old assignment's records go
        queue.put_nowait("record at the committed offset")
        flow.resume()  # running → running
        kept = queue.qsize()
        flow.suspend()
        flow.resume()  # a rebalance: cleared as faust does
        return kept, queue.qsize()

    assert asyncio.run(scenario()) == (1, 0)
