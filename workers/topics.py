"""Create the worker's topics explicitly, with their partition counts, before faust starts.

The broker runs with `auto.create.topics.enable=false`, and a topic auto-created with the
broker's default partition count would silently break co-partitioning, so every topic the worker
reads or writes is created here (faust declares its own changelog topics the same way).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from workers.logging_setup import get_logger
from workers.settings import Settings

log = get_logger(__name__)

TOPIC_ALREADY_EXISTS = 36
DLQ_HEADROOM = 64 * 1024


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)
    # Must have exactly `partitions` partitions (co-partitioned input); others only need to exist.
    strict: bool = False


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """Every topic of the contract plus the internal by-member topic."""
    big = {"max.message.bytes": str(settings.max_message_bytes)}
    # A dead letter is the original message plus six headers: give it room for them.
    dead = {"max.message.bytes": str(settings.max_message_bytes + DLQ_HEADROOM)}
    compact = {"cleanup.policy": "compact"}
    return [
        TopicSpec(settings.topic_submitted, settings.partitions, big, strict=True),
        TopicSpec(settings.topic_by_member, settings.partitions, big, strict=True),
        TopicSpec(settings.topic_eligibility, settings.reference_partitions, compact),
        TopicSpec(settings.topic_prior_auth, settings.reference_partitions, compact),
        TopicSpec(settings.topic_decisions, settings.output_partitions),
        TopicSpec(settings.topic_dlq, settings.output_partitions, dead),
    ]


class TopicLayoutError(RuntimeError):
    """An existing topic has a partition count the worker cannot run with."""


async def ensure_topics(settings: Settings, specs: list[TopicSpec] | None = None) -> None:
    """Create missing topics; fail when a co-partitioned topic has the wrong partition count."""
    specs = topic_specs(settings) if specs is None else specs
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in specs if spec.name not in existing]
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(
                        spec.name,
                        spec.partitions,
                        settings.replication_factor,
                        topic_configs=spec.config,
                    )
                    for spec in missing
                ]
            )
            for topic, code, *rest in response.topic_errors:
                # 36 TOPIC_ALREADY_EXISTS: another worker (or the test fixture) was first.
                if code not in (0, TOPIC_ALREADY_EXISTS):
                    raise TopicLayoutError(f"cannot create topic {topic}: error {code} {rest}")
            log.info("topics created", count=len(missing))
        await _wait_for_layout(admin, specs)
    finally:
        await admin.close()


async def _wait_for_layout(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> None:
    """Wait until every topic is in the metadata; check strict partition counts."""
    wanted = {spec.name: spec for spec in specs}
    counts: dict[str, int] = {}
    for _ in range(150):
        described = await admin.describe_topics(list(wanted))
        counts = {d["topic"]: len(d["partitions"]) for d in described if d["error_code"] == 0}
        if all(counts.get(name, 0) > 0 for name in wanted):
            break
        await asyncio.sleep(0.2)
    else:
        missing = sorted(set(wanted) - set(counts))
        raise TopicLayoutError(f"topics not visible after creation: {missing}")
    for spec in specs:
        if spec.strict and counts[spec.name] != spec.partitions:
            raise TopicLayoutError(
                f"topic {spec.name} has {counts[spec.name]} partitions, "
                f"the worker is configured for {spec.partitions}"
            )
