"""Compacted topics read whole at a peer's start: the reference data every claim needs
(eligibility, prior authorizations), and the raw pipeline's member state from its changelog.
What the worker's global tables and state recovery do, minus their machinery."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from .config import PeerConfig

JsonRecord = dict[str, Any]
REFERENCE_PARTITIONS = 1  # as bench/e2e/topics.py creates them (and the worker's default)


async def read_whole(bootstrap: str, topic: str, partitions: int) -> dict[tuple[int, bytes], bytes]:
    """Latest value per (partition, key), read_committed from the start to the end seen now;
    a tombstone removes its key."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        values: dict[tuple[int, bytes], bytes] = {}
        pending = {tp for tp in tps if ends[tp] > 0}
        while pending:
            batches = await consumer.getmany(timeout_ms=500, max_records=10_000)
            for tp, records in batches.items():
                for record in records:
                    if record.key is None:
                        continue
                    if record.value is None:
                        values.pop((tp.partition, record.key), None)
                    else:
                        values[(tp.partition, record.key)] = record.value
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        return values
    finally:
        await consumer.stop()


async def references(config: PeerConfig) -> tuple[dict[str, JsonRecord], dict[str, JsonRecord]]:
    """(eligibility by member id, prior authorizations by number)."""
    eligibility, prior_auths = await asyncio.gather(
        read_whole(config.bootstrap, config.eligibility, REFERENCE_PARTITIONS),
        read_whole(config.bootstrap, config.prior_auth, REFERENCE_PARTITIONS),
    )
    return _by_key(eligibility), _by_key(prior_auths)


def _by_key(values: dict[tuple[int, bytes], bytes]) -> dict[str, JsonRecord]:
    return {key.decode(): orjson.loads(value) for (_, key), value in values.items()}
