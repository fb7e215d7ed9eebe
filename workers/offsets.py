"""Which consumer offset of a partition may be committed: only past records an agent finished.

faust works it out from the offsets acked since the last commit plus the jumps in the offsets it
delivered (read as "nothing in between"), and its check for a missing record at the committed
offset is off by one. A record it fetched, counted as read and then dropped (recovery clears the
stream queues after seeking to the committed offsets) was therefore committed unprocessed when it
sat right at the committed offset: a lost claim (issue 4, workers/README.md "Exactly once").

The ledger keeps facts instead. The fetcher reports the offset ranges it passed without returning
a record (transaction markers and aborted records under read_committed) and the agents report the
records they finished; the committable offset is the committed offset moved forward through both,
up to the first record nobody finished. What faust delivers, drops or re-delivers does not enter.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

# A topic partition (faust's TP or aiokafka's TopicPartition: equal tuples).
TP = Any


class OffsetLedger:
    """Per partition: the committed offset, the finished records above it, the empty ranges.

    Written from two threads (the fetcher runs in faust's consumer thread), hence the lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._head: dict[TP, int] = {}  # the committed offset: the next record to finish
        self._done: dict[TP, set[int]] = {}  # finished records at or above the head
        self._empty: dict[TP, dict[int, int]] = {}  # start -> end of ranges without a record

    def fetched(self, tp: TP, start: int, offsets: Sequence[int], end: int) -> None:
        """The fetcher moved `tp` from `start` to `end` and returned records at `offsets`.

        Everything else in [start, end) holds no record this consumer will ever see: a fact
        about the log, true whatever happens to the records afterwards.
        """
        with self._lock:
            empty = self._empty.setdefault(tp, {})
            at = start
            for offset in offsets:
                if offset > at:
                    empty[at] = max(empty.get(at, at), offset)
                at = offset + 1
            if end > at:
                empty[at] = max(empty.get(at, at), end)

    def finished(self, tp: TP, offset: int) -> None:
        """An agent finished the record (its outputs are in the partition's transaction)."""
        with self._lock:
            self._done.setdefault(tp, set()).add(offset)

    def is_finished(self, tp: TP, offset: int) -> bool:
        """Already committed or finished in this transaction: a re-delivery, not new work."""
        with self._lock:
            head = self._head.get(tp)
            return (head is not None and offset < head) or offset in self._done.get(tp, ())

    def start(self, tp: TP, committed: int) -> None:
        """`tp` is read from its committed offset (assignment, seek to committed).

        Never backwards: the broker may not have the offset of a commit still in flight yet.
        """
        with self._lock:
            head = max(committed, self._head.get(tp, committed))
            self._head[tp] = head
            self._prune(tp, head)

    def head(self, tp: TP) -> int | None:
        with self._lock:
            return self._head.get(tp)

    def settled(self, tp: TP) -> int | None:
        """The committed offset moved over the ranges known to hold no record (a transaction's
        commit marker after the last record): where the lag of a caught-up partition is 0."""
        with self._lock:
            at = self._head.get(tp)
            if at is None:
                return None
            empty = self._empty.get(tp, {})
            while True:
                end = empty.get(at)
                if end is None:
                    end = _covering(empty, at)
                if end is None or end <= at:
                    return at
                at = end

    def partitions(self) -> list[TP]:
        """Partitions with finished records not committed yet."""
        with self._lock:
            return [tp for tp, done in self._done.items() if done]

    def advance(self, tp: TP) -> tuple[int | None, bool]:
        """(offset that may be committed, whether finished records wait behind a missing one).

        The offset is None while the committed offset is not known (before the seek to it).
        """
        with self._lock:
            head = self._head.get(tp)
            if head is None:
                return None, False
            done = self._done.get(tp, set())
            empty = self._empty.get(tp, {})
            at = head
            while True:
                if at in done:
                    at += 1
                elif at in empty:
                    at = empty[at]
                else:
                    inside = _covering(empty, at)
                    if inside is None:
                        break
                    at = inside
            self._head[tp] = at
            self._prune(tp, at)
            return at, bool(self._done.get(tp))

    def forget(self, tps: Iterable[Any]) -> None:
        """Partitions taken away: their records are someone else's."""
        with self._lock:
            for tp in tps:
                self._head.pop(tp, None)
                self._done.pop(tp, None)
                self._empty.pop(tp, None)

    def _prune(self, tp: TP, head: int) -> None:
        done = self._done.get(tp)
        if done:
            self._done[tp] = {offset for offset in done if offset >= head}
        empty = self._empty.get(tp)
        if empty:
            self._empty[tp] = {start: end for start, end in empty.items() if end > head}


def _covering(empty: dict[int, int], at: int) -> int | None:
    """End of an empty range that contains `at` without starting there (a seek into a range)."""
    ends = [end for start, end in empty.items() if start < at < end]
    return max(ends) if ends else None


class ReadProgress:
    """Per changelog partition, since its last seek: the fetch position and the last record
    the fetcher returned. Table recovery may end at the last stable offset once the position
    reached it and the last record returned was applied (workers/transactions.py,
    `PromptRecovery`): everything between holds no record a read_committed consumer sees
    (the commit marker a transaction ends with, aborted records).

    Facts are kept only from a seek on: a position or record from before it says nothing about
    what the table holds. Written from the consumer thread, read from the event loop.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._position: dict[TP, int] = {}
        self._last: dict[TP, int | None] = {}

    def seeked(self, tp: TP, offset: int) -> None:
        with self._lock:
            self._position[tp] = offset
            self._last[tp] = None

    def fetched(self, tp: TP, offsets: Sequence[int], position: int) -> None:
        """A fetch returned records at `offsets` and left the position at `position`."""
        with self._lock:
            if tp not in self._position:
                return  # not seeked since assigned: nothing known
            if offsets:
                last = self._last.get(tp)
                self._last[tp] = max(offsets) if last is None else max(last, *offsets)
            self._position[tp] = position

    def caught_up(self, tp: TP, end: int, applied: int | None) -> bool:
        """Every record below `end` was returned, and the last one is applied (its offset is at
        or below `applied`, the last offset the table took)."""
        with self._lock:
            position = self._position.get(tp)
            if position is None or position < end:
                return False
            last = self._last.get(tp)
            return last is None or (applied is not None and applied >= last)

    def forget(self, tps: Iterable[Any]) -> None:
        with self._lock:
            for tp in tps:
                self._position.pop(tp, None)
                self._last.pop(tp, None)
