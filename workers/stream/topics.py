"""Create the worker's topics explicitly, with their partition counts, before faust starts.

The broker runs with `auto.create.topics.enable=false`, and a topic auto-created with the
broker's default partition count would silently break co-partitioning, so every topic the worker
reads or writes is created here (faust declares its own changelog topics the same way).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from workers.broker.connection import KafkaConnection
from workers.errors import BrokerAccessError, OperatorError
from workers.logging_setup import get_logger
from workers.settings import Settings
from workers.stream.runtime.names import changelog_topic

log = get_logger(__name__)

TOPIC_ALREADY_EXISTS = 36
TOPIC_AUTHORIZATION_FAILED = 29
CLUSTER_AUTHORIZATION_FAILED = 31
DLQ_HEADROOM = 64 * 1024
# L.3: a follow-up may arrive long after its claim pended (the DOC-01 deadline is 45 days, and
# documentation dated in time may come later still); 90 days of it stay readable for a replay.
FOLLOW_UP_RETENTION_MS = 90 * 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)
    # Must have exactly `partitions` partitions (co-partitioned input); others only need to exist.
    strict: bool = False


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """Every topic of the contract plus the internal by-member topic and the member state's
    changelog (partition k of the state belongs with partition k of the claims)."""
    big = {"max.message.bytes": str(settings.max_message_bytes)}
    # A dead letter is the original message plus six headers: give it room for them.
    dead = {"max.message.bytes": str(settings.max_message_bytes + DLQ_HEADROOM)}
    compact = {"cleanup.policy": "compact"}
    follow_up = {
        **big,
        "cleanup.policy": "delete",
        "retention.ms": str(FOLLOW_UP_RETENTION_MS),
    }
    extra = [
        TopicSpec(topic, settings.output_partitions, big)
        for topic in (settings.topic_fhir, settings.topic_notices)
        if topic is not None
    ]
    return [
        TopicSpec(settings.topic_submitted, settings.partitions, big, strict=True),
        # A forward is the claim's bytes plus the origin headers; the member state can hold a
        # parked claim beside its history: both get the dead letters' headroom.
        TopicSpec(settings.topic_by_member, settings.partitions, dead, strict=True),
        TopicSpec(
            changelog_topic(settings.app_id),
            settings.partitions,
            {**compact, **dead},
            strict=True,
        ),
        # Follow-ups enter beside the claims (keyed by claim_id, re-keyed by member): a task of
        # the worker is partition k of every input, so they have the claims' partition count.
        TopicSpec(settings.topic_documentation, settings.partitions, follow_up, strict=True),
        TopicSpec(settings.topic_reviews, settings.partitions, follow_up, strict=True),
        TopicSpec(settings.topic_eligibility, settings.reference_partitions, compact),
        TopicSpec(settings.topic_prior_auth, settings.reference_partitions, compact),
        # One key (`business-date`), one partition: every worker reads the whole calendar in
        # the order the dates were opened.
        TopicSpec(settings.topic_calendar, 1, compact),
        TopicSpec(settings.topic_decisions, settings.output_partitions),
        TopicSpec(settings.topic_dlq, settings.output_partitions, dead),
        *extra,
    ]


def spec_of(specs: list[TopicSpec], name: str) -> str:
    """A topic's wanted layout, as an operator would create it."""
    spec = next(spec for spec in specs if spec.name == name)
    configs = "".join(f", {key}={value}" for key, value in spec.config.items())
    return f"{spec.partitions} partitions{configs}"


class TopicLayoutError(OperatorError):
    """An existing topic has a partition count the worker cannot run with."""


async def ensure_topics(settings: Settings, specs: list[TopicSpec] | None = None) -> None:
    """Create missing topics; fail when a co-partitioned topic has the wrong partition count."""
    specs = topic_specs(settings) if specs is None else specs
    admin = AIOKafkaAdminClient(**KafkaConnection.from_settings(settings).client_options())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        # Every existing topic's layout is checked before any topic is created: a wrong one
        # stops the start with nothing changed on the broker.
        await _check_layout(admin, [spec for spec in specs if spec.name in existing])
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
                if code in (TOPIC_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED):
                    raise BrokerAccessError(
                        f"not authorized to create topic {topic}; create it beforehand "
                        f"({spec_of(specs, topic)}) or allow this principal to create topics"
                    )
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
    _require_partitions(specs, counts)


async def _check_layout(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> None:
    strict = [spec for spec in specs if spec.strict]
    if not strict:
        return
    described = await admin.describe_topics([spec.name for spec in strict])
    counts = {d["topic"]: len(d["partitions"]) for d in described if d["error_code"] == 0}
    _require_partitions(strict, counts)


def _require_partitions(specs: list[TopicSpec], counts: dict[str, int]) -> None:
    for spec in specs:
        if spec.strict and spec.name in counts and counts[spec.name] != spec.partitions:
            raise TopicLayoutError(
                f"topic {spec.name} has {counts[spec.name]} partitions but "
                f"CLAIMS_ADJ_PARTITIONS={spec.partitions}: co-partitioned topics must all have "
                "that count (set CLAIMS_ADJ_PARTITIONS to match, or recreate the topic)"
            )
