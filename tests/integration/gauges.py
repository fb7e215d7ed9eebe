"""A running worker's lag gauges, read from its metrics endpoint: which partitions it owns and
whether it has caught up."""

from __future__ import annotations

import re
import time
from typing import Any

from workers.demo.driver import WorkerProcess
from workers.settings import Settings


def lag_gauge(worker: WorkerProcess) -> dict[tuple[str, int], float]:
    """`claims_consumer_lag_messages` of the worker: {(topic, partition): lag}."""
    try:
        text = worker.metrics()
    except OSError:
        return {}
    out = {}
    for labels, value in re.findall(r"claims_consumer_lag_messages\{([^}]*)\} (\S+)", text):
        fields = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        out[fields["topic"], int(fields["partition"])] = float(value)
    return out


def assigned(worker: WorkerProcess, topic: str) -> set[int]:
    """The worker's partitions of `topic`, from the labels of its lag gauge."""
    return {partition for (name, partition) in lag_gauge(worker) if name == topic}


def wait_idle_lag(workers: list[WorkerProcess], timeout: float = 20.0) -> dict[Any, float]:
    """The lag gauges of caught-up workers once all read 0 (or whatever they read at the
    timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        gauges = {key: lag for w in workers for key, lag in lag_gauge(w).items()}
        if (gauges and not any(gauges.values())) or time.monotonic() > deadline:
            return gauges
        time.sleep(0.5)


def assert_covers_every_input(gauges: dict[tuple[str, int], float], settings: Settings) -> None:
    """The lag gauge covers every input of the group, each partition once: the claim topics,
    the lifecycle's follow-ups (co-partitioned with the claims) and the business calendar (one
    partition)."""
    co_partitioned = {
        settings.topic_submitted,
        settings.topic_by_member,
        settings.topic_documentation,
        settings.topic_reviews,
    }
    assert {topic for topic, _ in gauges} == co_partitioned | {settings.topic_calendar}
    assert len(gauges) == len(co_partitioned) * settings.partitions + 1
