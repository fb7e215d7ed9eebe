"""The topic sink: replayed records to a Kafka topic that is not the production decision topic.

Records are published as the worker publishes decisions (key claim_id, header `decision`), plus
`replay.mode` and `replay.policy_version` so that nobody mistakes a replay for a decision.
Lines without a decision (errors, not replayable) and `ignore` records are not published (the
topic contract has no such records); they are in the report.

The producer runs on a private event loop, started on the first write: by then the replay's
worker processes are forked, and a fork must not copy a running loop or open sockets.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaProducer

from workers.broker.connection import KafkaConnection
from workers.replay.work import BlockResult


class ProductionTopicRefused(ValueError):
    """The sink would write to the production decision topic."""


def check_sink_topic(
    topic: str, production_topics: set[str], *, what_if: bool, force: bool
) -> None:
    """§1.6: what-if records are never published on the decision topic; a replay only with
    `--force-production-topic` (a deliberate re-publication)."""
    if topic not in production_topics:
        return
    if what_if:
        raise ProductionTopicRefused(
            f"refusing to publish what-if records on the production decision topic {topic!r} "
            "(policy-spec §1.6); name another --out-topic"
        )
    if not force:
        raise ProductionTopicRefused(
            f"refusing to publish on the production decision topic {topic!r}; name another "
            "--out-topic, or pass --force-production-topic to re-publish deliberately"
        )


class TopicSink:
    def __init__(
        self, kafka: KafkaConnection, topic: str, *, mode: str, policy_version: str | None
    ) -> None:
        self.label = f"topic {topic}"
        self.published = 0
        self._kafka = kafka
        self._topic = topic
        self._headers = [("replay.mode", mode.encode())]
        if policy_version is not None:
            self._headers.append(("replay.policy_version", policy_version.encode()))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._producer: AIOKafkaProducer | None = None

    def write(self, result: BlockResult) -> None:
        batch = [r for r in result.records if r[1] != "ignore"]
        if not batch:
            return
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self._start())
        self._loop.run_until_complete(self._send(batch))
        self.published += len(batch)

    async def _start(self) -> None:
        self._producer = AIOKafkaProducer(
            **self._kafka.client_options(),
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
            compression_type=None,
        )
        await self._producer.start()

    async def _send(self, batch: list[tuple[bytes, str, bytes]]) -> None:
        assert self._producer is not None
        futures: list[Any] = []
        for key, decision, value in batch:
            headers = [("decision", decision.encode()), *self._headers]
            futures.append(
                await self._producer.send(self._topic, value=value, key=key, headers=headers)
            )
        await asyncio.gather(*futures)  # delivered (acks=all) before the next chunk

    def close(self) -> None:
        if self._loop is None:
            return
        if self._producer is not None:
            self._loop.run_until_complete(self._producer.stop())
        self._loop.close()
        self._loop = None
