"""Topics a peer run needs before its peer starts (the broker does not auto-create): the
claim, documentation and decision topics for every peer, the by-member and dead-letter topics
for the raw pipeline and the Quix app, the member-state changelog for the raw pipeline (the
worker creates its own, Quix its state's changelog, as they would in production)."""

from __future__ import annotations

from dataclasses import dataclass, field

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from .config import MAX_MESSAGE_BYTES, PeerConfig
from .tables import REFERENCE_PARTITIONS

COMPACT = {"cleanup.policy": "compact"}
FOLLOW_UP_RETENTION_MS = 90 * 24 * 3600 * 1000


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)


def create(bootstrap: str, topics: list[Topic]) -> None:
    """Create the topics and wait for the broker to confirm; existing ones are left alone."""
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 3})
    futures = admin.create_topics(
        [NewTopic(t.name, t.partitions, 1, config=t.config) for t in topics],
        operation_timeout=30,
    )
    for name, future in futures.items():
        try:
            future.result()
        except KafkaException as error:
            if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise RuntimeError(f"cannot create topic {name}: {error}") from None


def reference_topics(eligibility: str, prior_auth: str) -> list[Topic]:
    return [
        Topic(eligibility, REFERENCE_PARTITIONS, COMPACT),
        Topic(prior_auth, REFERENCE_PARTITIONS, COMPACT),
    ]


def peer_topics(config: PeerConfig) -> list[Topic]:
    """The topics the bench writes or reads, and the internal ones of the peers that do not
    create their own (the worker does; Quix creates its state's changelog)."""
    big = {"max.message.bytes": str(MAX_MESSAGE_BYTES)}
    # As the worker creates its follow-up topics (workers/stream/topics.py): records arrive
    # with the claims' partition count, keyed by claim id.
    follow_up = {**big, "retention.ms": str(FOLLOW_UP_RETENTION_MS)}
    topics = [
        Topic(config.submitted, config.partitions, big),
        Topic(config.documentation, config.partitions, follow_up),
        Topic(config.decisions, config.partitions),
    ]
    if config.peer != "worker":
        dead = {"max.message.bytes": str(MAX_MESSAGE_BYTES + 64 * 1024)}
        topics += [
            Topic(config.by_member, config.partitions, big),
            Topic(config.dlq, config.partitions, dead),
        ]
    if config.peer == "raw":
        topics.append(Topic(config.changelog, config.partitions, COMPACT))
    return topics
