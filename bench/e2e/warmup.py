"""Warm a fresh broker before the first peer runs, so that it does not pay alone for what
every later peer gets for free: the creation of `__transaction_state` and `__consumer_offsets`
(50 partitions each, made on first use) and the JVM's cold code paths."""

from __future__ import annotations

import time
from collections.abc import Iterable

from confluent_kafka import Consumer, Producer

from .topics import Topic, create

Record = tuple[bytes, bytes]


def warm_up(bootstrap: str, topic: str, records: Iterable[Record], timeout: float = 60) -> int:
    """Transactions of `records` into `topic`, read back read_committed by a consumer group
    that commits; the count read."""
    create(bootstrap, [Topic(topic, 3)])
    producer = Producer(
        {"bootstrap.servers": bootstrap, "transactional.id": f"{topic}.tx", "log_level": 3}
    )
    producer.init_transactions(timeout)
    sent = 0
    producer.begin_transaction()
    for key, value in records:
        producer.produce(topic, value, key)
        sent += 1
        if sent % 500 == 0:
            producer.commit_transaction(timeout)
            producer.begin_transaction()
    producer.commit_transaction(timeout)
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"{topic}.group",
            "isolation.level": "read_committed",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "log_level": 3,
        }
    )
    consumer.subscribe([topic])
    read = 0
    deadline = time.monotonic() + timeout
    try:
        while read < sent and time.monotonic() < deadline:
            read += sum(1 for m in consumer.consume(1000, 0.5) if m.error() is None)
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return read
