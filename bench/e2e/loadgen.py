"""Offered load: a backlog written before a peer starts, and a paced feed at a steady rate.

librdkafka (confluent-kafka) rather than aiokafka: the generator shares the two cores with the
peer under test, and a C client takes the least from it. Each record's send time is kept: the
latency of a claim is measured from it to the moment its decision is read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from confluent_kafka import Producer

Record = tuple[bytes, bytes]
LINGER_MS = 5


class Feeder:
    """One producer for the whole run, so no feed begins with a cold producer (connections,
    metadata and the idempotent producer id would be counted in its first claims' latency)."""

    def __init__(self, bootstrap: str) -> None:
        self._producer = Producer(
            {
                "bootstrap.servers": bootstrap,
                "log_level": 3,  # errors only: retries while the broker warms up are normal
                "linger.ms": LINGER_MS,
                "acks": "all",
                "enable.idempotence": True,
                "queue.buffering.max.messages": 200_000,
            }
        )

    def close(self) -> None:
        """Flush, and let librdkafka go (it has no close: the last reference destroys it),
        so it does not keep reconnecting to a broker that is stopped next."""
        self._flush("the run")
        del self._producer

    def _send(self, topic: str, key: bytes, value: bytes) -> None:
        while True:
            try:
                self._producer.produce(topic, value, key)
                return
            except BufferError:
                self._producer.poll(0.05)

    def _flush(self, what: str) -> None:
        if self._producer.flush(60) != 0:
            raise RuntimeError(f"records of {what} not acknowledged after 60 s")

    def backlog(self, topic: str, records: Iterable[Record]) -> int:
        """Write records as fast as the broker takes them; return once all are acknowledged."""
        return self.write((topic, key, value) for key, value in records)

    def write(self, records: Iterable[tuple[str, bytes, bytes]]) -> int:
        """`backlog` for records of several topics, (topic, key, value) each, in that order."""
        count = 0
        for topic, key, value in records:
            self._send(topic, key, value)
            count += 1
            if count % 1000 == 0:
                self._producer.poll(0)
        self._flush("the backlog")
        return count

    def paced(
        self, topic: str, claim: Callable[[int], Record], segments: Sequence[tuple[float, float]]
    ) -> Feed:
        """Claims evenly spaced at each (rate, seconds) segment's rate, one segment right after
        the other; `claim(n)` makes the n-th claim of the whole feed."""
        feed = Feed()
        n = 0
        start = time.perf_counter()
        for rate, seconds in segments:
            first, total = n, n + max(1, round(rate * seconds))
            while n < total:
                due = min(total, first + int((time.perf_counter() - start) * rate) + 1)
                now = time.time()
                while n < due:
                    key, value = claim(n)
                    self._send(topic, key, value)
                    feed.sent[key] = now
                    n += 1
                self._producer.poll(0)
                wait = start + (n - first) / rate - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            feed.ends.append(n)
            start += (total - first) / rate
        self._flush(topic)
        return feed


@dataclass
class Feed:
    """What a paced feed sent: send time (epoch seconds) per key, in send order, and where
    each segment ends (a count of claims)."""

    sent: dict[bytes, float] = field(default_factory=dict)
    ends: list[int] = field(default_factory=list)

    def segment(self, index: int) -> dict[bytes, float]:
        """Send times of one segment's claims."""
        begin = self.ends[index - 1] if index > 0 else 0
        return dict(list(self.sent.items())[begin : self.ends[index]])


def achieved(sent: dict[bytes, float]) -> float:
    """Claims per second actually sent."""
    times = list(sent.values())
    span = times[-1] - times[0] if times else 0.0
    return (len(times) - 1) / span if span > 0 else 0.0
