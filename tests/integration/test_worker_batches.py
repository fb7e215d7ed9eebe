"""The worker's record batches fit the smallest topic it writes (issue 20).

The tasks' producers batch a poll batch's outputs per destination partition as large as the
topics accept: a record batch larger than its topic's `max.message.bytes` is refused whole, and
refused again on every retry. Here the decision topic accepts 40 kB, the other topics 1 MB: a
backlog whose decisions for one partition add up to several times that must still be decided,
each claim once, with no batch refused.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import orjson
import pytest

from tests.cases import load_cases
from tests.integration.kafka_util import create_topics
from tests.integration.test_worker_defects import OCCURRED, started_worker
from workers.demo.driver import case_feed, isolated_settings, produce, read_settled
from workers.stream.topics import ensure_topics

pytestmark = pytest.mark.integration

DECISION_TOPIC_BYTES = 40_000
COPIES = 4  # the public cases four times over: ≈ 250 decisions of 2-6 kB, on 3 partitions


def test_batches_fit_the_smallest_topic_written(
    kafka_bootstrap: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    settings = isolated_settings(
        kafka_bootstrap, f"batch-{uuid.uuid4().hex[:8]}", unused_tcp_port, tmp_path / "data"
    )
    asyncio.run(
        create_topics(
            kafka_bootstrap,
            {settings.topic_decisions: settings.output_partitions},
            {"max.message.bytes": str(DECISION_TOPIC_BYTES)},
        )
    )
    asyncio.run(ensure_topics(settings))
    cases = load_cases()
    feeds = [case_feed(cases, OCCURRED, event_suffix=f"-{n}") for n in range(COPIES)]
    asyncio.run(produce(kafka_bootstrap, settings.topic_eligibility, feeds[0].eligibility))
    asyncio.run(produce(kafka_bootstrap, settings.topic_prior_auth, feeds[0].prior_auths))
    claims = [
        (f"{key.decode()}-{n}".encode(), value)
        for n, feed in enumerate(feeds)
        for key, value in feed.claims
        if key is not None
    ]
    # The backlog is there before the worker starts: its first poll batches are full.
    asyncio.run(produce(kafka_bootstrap, settings.topic_submitted, claims))
    published = COPIES * sum(1 for c in cases if c["expected"]["decision"] != "ignore")

    worker = started_worker(settings, tmp_path / "worker.log")
    try:
        records = asyncio.run(
            read_settled(kafka_bootstrap, settings.topic_decisions, published, timeout=180)
        )
    finally:
        worker.stop()

    decided = [orjson.loads(record.value) for record in records]
    events = [record.headers for record in records]
    assert len(decided) == published
    assert len({dict(headers)["input.event_id"] for headers in events}) == published
    assert sum(len(record.value) for record in records) > 4 * DECISION_TOPIC_BYTES
    assert not [d for d in decided if d.get("error")]  # none too large for the topic alone
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert "transaction failed" not in log and "MessageSizeTooLarge" not in log
