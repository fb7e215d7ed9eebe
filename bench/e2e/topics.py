"""Topics a peer run needs before its peer starts (the broker does not auto-create): the
claim and decision topics for every peer, the internal ones only for the raw pipeline (Quix and
the worker create their own, as they would in production)."""

from __future__ import annotations

from dataclasses import dataclass, field

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from .config import PeerConfig
from .tables import REFERENCE_PARTITIONS

MAX_MESSAGE_BYTES = 1_048_588  # the worker's default, so every peer's topics are alike
COMPACT = {"cleanup.policy": "compact"}


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
    big = {"max.message.bytes": str(MAX_MESSAGE_BYTES)}
    topics = [
        Topic(config.submitted, config.partitions, big),
        Topic(config.decisions, config.partitions),
    ]
    if config.peer == "raw":
        dead = {"max.message.bytes": str(MAX_MESSAGE_BYTES + 64 * 1024)}
        topics += [
            Topic(config.by_member, config.partitions, big),
            Topic(config.changelog, config.partitions, COMPACT),
            Topic(config.dlq, config.partitions, dead),
        ]
    return topics
