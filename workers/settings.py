"""The worker's configuration: one object, built once at start and passed down.

Every value comes from the environment (prefix `CLAIMS_ADJ_`) or its default; nothing else in
the worker reads `os.environ`. The broker address is also read from the plain
`KAFKA_BOOTSTRAP_SERVERS`, the name container platforms and our test fixtures use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, PositiveFloat, PositiveInt
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLAIMS_ADJ_", extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices(
            "CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    # The faust app id is also the consumer group and the prefix of the transactional ids.
    app_id: str = "claims-adjudicator"

    # Topic names: defaults from the event contract (shared/contract/README.md).
    topic_submitted: str = "claims.submitted.v1"
    topic_eligibility: str = "members.eligibility.v1"
    topic_prior_auth: str = "um.prior-authorizations.v1"
    topic_decisions: str = "claims.decisions.v1"
    topic_dlq: str = "claims.dlq.v1"
    # Internal: valid envelopes re-keyed by member so a member's history lives in one partition.
    topic_by_member: str = "claims-adjudicator.claims-by-member.v1"

    # Partitions of the claim topics and of the by-member topic. They must be equal: faust
    # assigns partition k of co-partitioned topics to one worker, and one Kafka transaction
    # (transactional id per partition k) then covers both hops of a claim.
    partitions: PositiveInt = 3
    reference_partitions: PositiveInt = 1
    output_partitions: PositiveInt = 3
    replication_factor: PositiveInt = 1
    # Claim envelopes are small; the DLQ must accept the largest message the broker accepts.
    max_message_bytes: PositiveInt = 1_048_588

    processing_guarantee: Literal["exactly_once", "at_least_once"] = "exactly_once"
    # How often offsets are committed, which with exactly_once is also how often the open
    # transaction is committed: it bounds how long a decision stays invisible to
    # read_committed consumers.
    commit_interval_seconds: PositiveFloat = 0.2
    # Producer batching: a few milliseconds of latency for far fewer produce requests.
    producer_linger_seconds: float = Field(default=0.005, ge=0)

    # A crashed worker's partitions move to the others (or to its restart) after this long.
    session_timeout_seconds: PositiveFloat = 15.0

    # A claim that arrives before its member's eligibility record waits at most this long
    # (counted from the event's occurred_at, so a backlog or replay never waits), then the
    # policy decides with what is known (ELIG-01 when still missing).
    eligibility_grace_seconds: float = Field(default=2.0, ge=0)

    web_host: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=0, le=65535)

    log_format: Literal["json", "console"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    data_dir: Path = Path("var/claims-adjudicator")

    @property
    def broker_url(self) -> str:
        """The bootstrap servers in faust's `kafka://host:port;host:port` form."""
        return ";".join(
            f"kafka://{server.strip()}"
            for server in self.kafka_bootstrap_servers.split(",")
            if server.strip()
        )
