"""Reference data (eligibility, prior authorizations, the business calendar): global tables
read straight from their compacted topics.

Every worker needs every member's eligibility and every PA (a claim's PA is looked up by
`pa_number`, not by member), and the data is reference-sized, so each worker materializes both
topics whole: a global table. The compacted source topic already is the table's changelog, so
no second changelog is written (Kafka Streams' GlobalKTable does the same); faust's own
GlobalTable would copy it into another topic and warns of recovery loops with several workers.
A `null` value (tombstone) deletes the key. Reading is `read_committed` from the beginning;
the tables are ready when they reached the end offsets seen at start. Every change is told to
`on_change` (the hops release and reconcile what waits on it); the business date never goes
backwards (claim-lifecycle.md L.3).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from models import json_codec
from models.envelope import EnvelopeError, decode_business_date
from workers.broker.connection import KafkaConnection
from workers.logging_setup import get_logger
from workers.settings import Settings

log = get_logger(__name__)


# (topic, key) of a changed record; for the calendar, the key is the new business date.
ChangeListener = Callable[[str, str], None]


class ReferenceTables:
    """In-memory eligibility (by member_id), prior authorizations (by pa_number) and the latest
    business date opened."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.eligibility: dict[str, dict[str, Any]] = {}
        self.prior_auths: dict[str, dict[str, Any]] = {}
        self.business_date: str | None = None
        self.loaded = asyncio.Event()
        self.on_change: ChangeListener = lambda topic, key: None

    def apply(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        """Apply one record of a reference topic (tombstone deletes)."""
        if topic == self._settings.topic_calendar:
            self._open_date(value)
            return
        if key is None:
            return
        name = key.decode("utf-8", "replace")
        table = self.eligibility if topic == self._settings.topic_eligibility else self.prior_auths
        if value is None:
            if table.pop(name, None) is not None:
                self.on_change(topic, name)
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
        self.on_change(topic, name)

    def _open_date(self, value: bytes | None) -> None:
        """A business date opened: later than the one known, or ignored and logged. A bad
        event is skipped here; the worker that owns the calendar partition dead-letters it."""
        try:
            opened = decode_business_date(value).processing_date
        except EnvelopeError:
            return
        if self.business_date is not None and opened <= self.business_date:
            if opened < self.business_date:
                log.info("older business date ignored", opened=opened, known=self.business_date)
            return
        self.business_date = opened
        log.info("business date opened", business_date=opened)
        self.on_change(self._settings.topic_calendar, opened)

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
                consumer,
                (settings.topic_eligibility, settings.topic_prior_auth, settings.topic_calendar),
            )
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            targets = await consumer.end_offsets(partitions)
            pending = {tp for tp, end in targets.items() if end > 0}
            if not pending:
                self.loaded.set()
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=5000)
                for tp, messages in batches.items():
                    for message in messages:
                        self.apply(tp.topic, message.key, message.value)
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
