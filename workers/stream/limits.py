"""How big a record each topic the worker writes accepts, learnt from the broker at start.

A send the broker refuses as too large fails its transaction, and the same record would fail
again on every retry: a claim stuck forever. So the step checks an output's size against these
limits before it is sent (workers/stream/step/publish.py makes a decision that cannot fit a
small P2 `internal_error` pend), and the producer's own `max_request_size` caps them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from workers.logging_setup import get_logger

log = get_logger(__name__)

MAX_MESSAGE_BYTES = "max.message.bytes"


async def topic_limits(
    client_options: dict[str, Any], topics: Mapping[Any, str], producer_limit: int
) -> dict[Any, int]:
    """Per destination of `topics`, the smaller of its topic's `max.message.bytes` and the
    producer's `max_request_size`."""
    admin = AIOKafkaAdminClient(**client_options)
    await admin.start()
    try:
        names = sorted(set(topics.values()))
        responses = await admin.describe_configs(
            [
                ConfigResource(ConfigResourceType.TOPIC, name, {MAX_MESSAGE_BYTES: None})
                for name in names
            ]
        )
    finally:
        await admin.close()
    found: dict[str, int] = {}
    for response in responses:
        for resource in response.resources:
            _error, _message, _type, name, entries = resource[:5]
            for entry in entries:
                if entry[0] == MAX_MESSAGE_BYTES and entry[1] is not None:
                    found[name] = int(entry[1])
    limits = {
        destination: min(found.get(topic, producer_limit), producer_limit)
        for destination, topic in topics.items()
    }
    log.info("topic size limits", limits={topics[d]: size for d, size in limits.items()})
    return limits
