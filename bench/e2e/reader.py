"""Decisions as a downstream system sees them: read with read_committed from the start of the
decision topic, the moment each one became readable recorded against its key.

A background thread with a librdkafka consumer (no consumer group, nothing committed), so the
reader takes little CPU from the peer under test and waits of the main thread never delay a read.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from .claims import phase_of


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
        self.duplicates = 0
        self._counts: Counter[str] = Counter()
        self._last: dict[str, float] = {}
        self._times: defaultdict[str, list[float]] = defaultdict(list)
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
                    if key in self.arrivals:
                        self.duplicates += 1
                        continue
                    self.arrivals[key] = now
                    phase = phase_of(key)
                    self._counts[phase] += 1
                    self._last[phase] = now
                    self._times[phase].append(now)
                self._changed.notify_all()

    def times(self, phase: str) -> list[float]:
        """When each decision of `phase` was read, in reading order."""
        with self._changed:
            return list(self._times[phase])

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
        """Wait until `expected` decisions of `phase` were read; give up when none came for
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
