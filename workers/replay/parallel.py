"""An ordered, bounded parallel map over chunks: the engine is pure, so use every core.

Results come back in submission order, so the output order is the input order whatever the
process count. At most `window` chunks are in flight: `multiprocessing.Pool.imap` would read the
whole input ahead of the workers (its feeder thread drains the iterable), which for a multi-GB
history file means multi-GB of memory; a sliding window of futures keeps it at a few chunks.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

Arg = TypeVar("Arg")
Meta = TypeVar("Meta")
Result = TypeVar("Result")


def default_processes() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def ordered_map(
    fn: Callable[[Arg], Result],
    tasks: Iterable[tuple[Arg, Meta]],
    processes: int,
    *,
    window: int | None = None,
    initializer: Callable[[], None] | None = None,
) -> Iterator[tuple[Meta, Result]]:
    """`(meta, fn(arg))` for each `(arg, meta)`, in order; `meta` stays in this process.

    With one process the work runs inline: no pickling, and the same code path for tests.
    """
    if processes <= 1:
        if initializer is not None:
            initializer()
        for arg, meta in tasks:
            yield meta, fn(arg)
        return
    in_flight = window or 2 * processes + 2
    # fork: workers start in milliseconds with the policy data already imported. The pool is
    # created before any progress thread or event loop exists in this process.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(processes, mp_context=context, initializer=initializer) as pool:
        pending: deque[tuple[Meta, Future[Result]]] = deque()
        for arg, meta in tasks:
            pending.append((meta, pool.submit(fn, arg)))
            if len(pending) >= in_flight:
                done_meta, future = pending.popleft()
                yield done_meta, future.result()
        while pending:
            done_meta, future = pending.popleft()
            yield done_meta, future.result()
