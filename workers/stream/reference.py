"""Reference data (eligibility, prior authorizations): global tables read straight from their
compacted topics.

Every worker needs every member's eligibility and every PA (a claim's PA is looked up by
`pa_number`, not by member), and the data is reference-sized, so each worker materializes both
topics whole: a global table. The compacted source topic already is the table's changelog, so
no second changelog is written (Kafka Streams' GlobalKTable does the same); faust's own
GlobalTable would copy it into another topic and warns of recovery loops with several workers.
A `null` value (tombstone) deletes the key. Reading is `read_committed` from the beginning;
the tables are ready when they reached the end offsets seen at start.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from models import json_codec
from workers.broker.connection import KafkaConnection
from workers.logging_setup import get_logger
from workers.settings import Settings

log = get_logger(__name__)


class ReferenceTables:
    """In-memory eligibility (by member_id) and prior authorizations (by pa_number)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.eligibility: dict[str, dict[str, Any]] = {}
        self.prior_auths: dict[str, dict[str, Any]] = {}
        self.loaded = asyncio.Event()
        self._waiters: dict[str, list[asyncio.Future[None]]] = defaultdict(list)

    def apply(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        """Apply one record of a reference topic (tombstone deletes)."""
        if key is None:
            return
        name = key.decode("utf-8", "replace")
        table = self.eligibility if topic == self._settings.topic_eligibility else self.prior_auths
        if value is None:
            table.pop(name, None)
            return
        try:
            record = json_codec.loads(value)
        except json_codec.JSONDecodeError:
            log.warning("reference record is not JSON", topic=topic)
            return
        if not isinstance(record, dict):
            log.warning("reference record is not an object", topic=topic)
            return
        table[name] = record
        if table is self.eligibility:
            for waiter in self._waiters.pop(name, ()):
                if not waiter.done():
                    waiter.set_result(None)

    async def wait_for_eligibility(self, member_id: str, timeout: float) -> bool:
        """Wait up to `timeout` s for the member's eligibility record; True when it is there."""
        if member_id in self.eligibility:
            return True
        if timeout <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[member_id].append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            waiters = self._waiters.get(member_id)
            if waiters is not None and waiter in waiters:
                waiters.remove(waiter)
                if not waiters:
                    del self._waiters[member_id]
        return member_id in self.eligibility

    async def run(self) -> None:
        """Read both topics from the beginning forever; set `loaded` once caught up."""
        settings = self._settings
        consumer = AIOKafkaConsumer(
            **KafkaConnection.from_settings(settings).client_options(),
            isolation_level="read_committed",
            enable_auto_commit=False,
            group_id=None,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            partitions = await _all_partitions(
                consumer, (settings.topic_eligibility, settings.topic_prior_auth)
            )
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            targets = await consumer.end_offsets(partitions)
            pending = {tp for tp, end in targets.items() if end > 0}
            if not pending:
                self.loaded.set()
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=5000)
                for tp, records in batches.items():
                    for record in records:
                        self.apply(tp.topic, record.key, record.value)
                if pending:
                    for tp in list(pending):
                        if await consumer.position(tp) >= targets[tp]:
                            pending.discard(tp)
                    if not pending:
                        self.loaded.set()
                        log.info(
                            "reference tables loaded",
                            counts={
                                "eligibility": len(self.eligibility),
                                "prior_authorizations": len(self.prior_auths),
                            },
                        )
        finally:
            await consumer.stop()


async def _all_partitions(
    consumer: AIOKafkaConsumer, topics: tuple[str, ...]
) -> list[TopicPartition]:
    """Every partition of `topics` (the worker created them before starting)."""
    while True:
        # Without a group, the consumer's metadata covers only what it was asked about.
        cluster = await consumer._client.fetch_all_metadata()  # noqa: SLF001 - no public call
        known = {topic: cluster.partitions_for_topic(topic) for topic in topics}
        if all(known.values()):
            return [
                TopicPartition(topic, partition)
                for topic, partitions in known.items()
                for partition in sorted(partitions or ())
            ]
        await asyncio.sleep(0.5)
