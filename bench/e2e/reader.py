"""Decisions as a downstream system sees them: read with read_committed from the start of the
decision topic, the moment each one became readable recorded against its key.

A claim's first record counts for the phase of its key. A second record of the same claim
counts as a follow-up when its input event is records received (`input.event_id` header
`DOC-<phase>-<n>`), for the phase of that event (the lifecycle backlog re-decides claims of its
prelude); any other repeat is a duplicate.

A background thread with a librdkafka consumer (no consumer group, nothing committed), so the
reader takes little CPU from the peer under test and waits of the main thread never delay a read.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from .claims import is_documentation, phase_of

INPUT_EVENT = "input.event_id"


class DecisionReader:
    def __init__(self, bootstrap: str, topic: str, partitions: int) -> None:
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "log_level": 3,
                "group.id": f"{topic}.bench-reader",
                "enable.auto.commit": False,
                "isolation.level": "read_committed",
                "fetch.wait.max.ms": 100,
            }
        )
        self._consumer.assign(
            [TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)]
        )
        self.arrivals: dict[bytes, float] = {}
        self.followed: set[bytes] = set()  # claims whose follow-up record was read
        self.duplicates = 0
        self._counts: Counter[str] = Counter()  # records of a phase: claims and follow-ups
        self._last: dict[str, float] = {}
        self._times: defaultdict[str, list[float]] = defaultdict(list)
        self._follow_up_times: defaultdict[str, list[float]] = defaultdict(list)
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="decision-reader", daemon=True)

    def start(self) -> DecisionReader:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._consumer.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            messages = self._consumer.consume(num_messages=10_000, timeout=0.05)
            if not messages:
                continue
            now = time.time()
            with self._changed:
                for message in messages:
                    if message.error() is not None:
                        continue
                    key = message.key()
                    if key not in self.arrivals:
                        self.arrivals[key] = now
                        phase = phase_of(key)
                        self._times[phase].append(now)
                    elif key not in self.followed and (event := _follow_up(message.headers())):
                        self.followed.add(key)
                        phase = phase_of(event)
                        self._follow_up_times[phase].append(now)
                    else:
                        self.duplicates += 1
                        continue
                    self._counts[phase] += 1
                    self._last[phase] = now
                self._changed.notify_all()

    def times(self, phase: str) -> list[float]:
        """When the first decision of each claim of `phase` was read, in reading order."""
        with self._changed:
            return list(self._times[phase])

    def follow_up_times(self, phase: str) -> list[float]:
        """When each follow-up record of `phase` was read, in reading order."""
        with self._changed:
            return list(self._follow_up_times[phase])

    def arrivals_of(self, keys: Iterable[bytes]) -> dict[bytes, float]:
        with self._changed:
            return {key: self.arrivals[key] for key in keys if key in self.arrivals}

    def wait(
        self,
        phase: str,
        expected: int,
        first_timeout: float,
        idle_timeout: float,
        alive: Callable[[], bool],
    ) -> int:
        """Wait until `expected` records of `phase` were read; give up when none came for
        `first_timeout` s at first, no new one for `idle_timeout` s after, or the peer exited.
        The count read."""
        started = time.time()
        with self._changed:
            while self._counts[phase] < expected and alive():
                last = self._last.get(phase)
                limit = started + first_timeout if last is None else last + idle_timeout
                if time.time() >= limit:
                    break
                self._changed.wait(0.2)
            return self._counts[phase]


def _follow_up(headers: list[tuple[str, bytes]] | None) -> bytes | None:
    """The input event of a re-adjudication by records received (None: not one)."""
    event = dict(headers or ()).get(INPUT_EVENT)
    return event if event is not None and is_documentation(event) else None
