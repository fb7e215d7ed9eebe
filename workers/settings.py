"""The worker's configuration: one object, built once at start and passed down.

Every value comes from the environment (prefix `CLAIMS_ADJ_`) or its default; nothing else in
the worker reads `os.environ`. The broker address is also read from the plain
`KAFKA_BOOTSTRAP_SERVERS`, the name container platforms and our test fixtures use.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import (
    AliasChoices,
    Field,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from workers.errors import SettingsError

ENV_PREFIX = "CLAIMS_ADJ_"
# What Kafka accepts in a topic name, a consumer group instance id (and so in the app id, which
# names the changelog topic `<app_id>-members-changelog`): 1 to 249 of these characters.
KAFKA_NAME = r"^[A-Za-z0-9._-]{1,249}$"
# The broker's default group.min/max.session.timeout.ms: a session outside them is refused at
# the first join, after the topics were created; said at start instead.
SESSION_TIMEOUT_RANGE = (6.0, 1800.0)
SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


class Settings(BaseSettings):
    # No `inf`/`nan`: every duration becomes a timeout in milliseconds.
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", frozen=True, allow_inf_nan=False
    )

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices(
            "CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"
        ),
    )
    # How every Kafka client of the project authenticates (workers/broker/connection.py). TLS
    # trusts the system store unless a CA file is named; hostname verification is on unless
    # turned off explicitly. A password file (a mounted secret) wins over the plain variable.
    kafka_security_protocol: SecurityProtocol = "PLAINTEXT"
    kafka_sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_sasl_password_file: Path | None = None
    kafka_ssl_ca_file: Path | None = None
    kafka_ssl_cert_file: Path | None = None
    kafka_ssl_key_file: Path | None = None
    kafka_ssl_key_password_file: Path | None = None
    kafka_ssl_check_hostname: bool = True
    # How long start-up retries an unreachable broker before it gives up with one line.
    kafka_connect_timeout_seconds: PositiveFloat = 30.0

    # The consumer group, the prefix of the transactional ids and the changelog, and faust's
    # app name (at most 200 characters: `<app_id>-members-changelog` must stay a topic name).
    app_id: str = Field(default="claims-adjudicator", pattern=KAFKA_NAME, max_length=200)
    # This worker's static identity in the group (Kafka's group.instance.id), stable across
    # restarts of the same instance: the pod name in Kubernetes (deployment.yaml). A worker
    # restarted under the same id within the session timeout gets its partitions back without
    # a rebalance; unset, the worker is a dynamic member (every restart rebalances the group).
    # Two live workers must never share one (the broker fences the older).
    instance_id: str | None = Field(default=None, pattern=KAFKA_NAME)

    # Topic names: defaults from the event contract (shared/contract/README.md).
    topic_submitted: str = "claims.submitted.v1"
    topic_eligibility: str = "members.eligibility.v1"
    topic_prior_auth: str = "um.prior-authorizations.v1"
    topic_decisions: str = "claims.decisions.v1"
    topic_dlq: str = "claims.dlq.v1"
    # The lifecycle's follow-ups and business dates (claim-lifecycle.md L.3).
    topic_documentation: str = "claims.documentation.v1"
    topic_reviews: str = "claims.reviews.v1"
    topic_calendar: str = "business.calendar.v1"
    # Off by default: when set, every published decision is also published here as a FHIR R4
    # Bundle (ClaimResponse + ExplanationOfBenefit, policy/downstream/), in the same transaction.
    topic_fhir: str | None = None
    # Off by default: when set, every published decision's notices are published here too, one
    # record per audience (header `audience`: member / provider; value {"text", "html"}), from
    # the plan configuration in `plan_config_file` (default: the documented sample).
    topic_notices: str | None = None
    plan_config_file: Path | None = None
    # Internal: valid envelopes re-keyed by member so a member's history lives in one partition.
    topic_by_member: str = "claims-adjudicator.claims-by-member.v1"

    # Partitions of the claim topics and of the by-member topic. They must be equal: the range
    # assignor gives partition k of both input topics to one worker, and one Kafka transaction
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
    # read_committed consumers. At most 30 s, half the producers' transaction timeout (60 s),
    # past which the broker would abort every transaction.
    commit_interval_seconds: PositiveFloat = Field(default=0.2, le=30)
    # Producer batching: a few milliseconds of latency for far fewer produce requests (at most
    # a second: a transaction commit flushes the batch anyway).
    producer_linger_seconds: float = Field(default=0.005, ge=0, le=1)
    # How long the broker holds a fetch that finds no new record. aiokafka keeps one fetch in
    # flight per broker and leaves out of it every partition whose records the loop has not
    # taken yet; a partition taken meanwhile is fetched again only once that fetch returns, so
    # this is also how long a partition's new records can wait behind a busy poll batch. At
    # Kafka's 500 ms a loaded live stream (75 % of the backlog rate in bench.e2e, 50 % in one
    # run) fell into rounds of 250-400 ms fetches (issue 20); 50 ms bounds that wait at
    # ≈ 20 empty fetches a second on an idle stream.
    fetch_wait_seconds: float = Field(default=0.05, gt=0, le=1)
    # What a fetch gathers before the broker answers it (or the fetch wait passes). Kafka's 1
    # byte answers with whatever arrived, so a live stream's poll batches held a few records,
    # and every poll cycle's fixed costs (the fetch, a produce request per task, the sweep)
    # were paid for each of them: at 50-75 % of the backlog rate the worker fell behind. 32 KiB
    # (about 15 claims and their forwards) adds at most the fetch wait at low load (issue 20).
    fetch_min_bytes: int = Field(default=32_768, ge=1, le=1_048_576)

    # A crashed worker that does not come back loses its partitions to the others after this
    # long (a worker restarted under the same instance_id within it keeps them, no rebalance).
    # 8 s: the dead worker's partitions move within ≈ 10 s, and eight missed heartbeats (one a
    # second) are no false expiry on a busy machine. The broker's limits (6-1800 s) are checked.
    session_timeout_seconds: float = Field(
        default=8.0, ge=SESSION_TIMEOUT_RANGE[0], le=SESSION_TIMEOUT_RANGE[1]
    )

    # A claim that arrives before its member's eligibility record waits at most this long
    # (counted from the event's occurred_at, so a backlog or replay never waits), then the
    # policy decides with what is known (ELIG-01 when still missing).
    eligibility_grace_seconds: float = Field(default=2.0, ge=0)

    web_host: str = Field(default="127.0.0.1", min_length=1)
    # Choice: no port 0 ("any free port"). The probes, the Prometheus annotation and the
    # operator need the port in advance, and faust's web server refuses 0.
    web_port: int = Field(default=6066, ge=1, le=65535)

    log_format: Literal["json", "console"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    data_dir: Path = Path("var/claims-adjudicator")

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _servers_are_host_port(cls, servers: str) -> str:
        bootstrap_hosts(servers)
        return servers

    @model_validator(mode="after")
    def _topic_names_are_legal(self) -> Self:
        """Every topic setting is a name the broker accepts, said before anything is created."""
        for name, value in self:
            legal = not isinstance(value, str) or (
                re.fullmatch(KAFKA_NAME, value) is not None and value not in (".", "..")
            )
            if name.startswith("topic_") and not legal:
                raise ValueError(
                    f"{env_name(name)} is not a Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)"
                )
        return self

    @model_validator(mode="after")
    def _security_is_consistent(self) -> Self:
        """Settings that the chosen protocol would silently ignore are a mistake, not a no-op."""
        protocol = self.kafka_security_protocol
        uses_tls = protocol in ("SSL", "SASL_SSL")
        uses_sasl = protocol in ("SASL_PLAINTEXT", "SASL_SSL")
        tls_fields = (
            "kafka_ssl_ca_file",
            "kafka_ssl_cert_file",
            "kafka_ssl_key_file",
            "kafka_ssl_key_password_file",
        )
        sasl_fields = ("kafka_sasl_username", "kafka_sasl_password", "kafka_sasl_password_file")
        for names, used in ((tls_fields, uses_tls), (sasl_fields, uses_sasl)):
            for name in names:
                if not used and getattr(self, name) is not None:
                    raise ValueError(
                        f"{env_name(name)} is set but CLAIMS_ADJ_KAFKA_SECURITY_PROTOCOL="
                        f"{protocol} does not use it"
                    )
        if uses_sasl:
            if not self.kafka_sasl_username:
                raise ValueError(f"{protocol} needs CLAIMS_ADJ_KAFKA_SASL_USERNAME")
            if self.kafka_sasl_password is None and self.kafka_sasl_password_file is None:
                raise ValueError(
                    f"{protocol} needs CLAIMS_ADJ_KAFKA_SASL_PASSWORD_FILE "
                    "(or CLAIMS_ADJ_KAFKA_SASL_PASSWORD)"
                )
        if (self.kafka_ssl_cert_file is None) != (self.kafka_ssl_key_file is None):
            raise ValueError(
                "mutual TLS needs both CLAIMS_ADJ_KAFKA_SSL_CERT_FILE and "
                "CLAIMS_ADJ_KAFKA_SSL_KEY_FILE"
            )
        if self.kafka_ssl_key_password_file is not None and self.kafka_ssl_key_file is None:
            raise ValueError(
                "CLAIMS_ADJ_KAFKA_SSL_KEY_PASSWORD_FILE is set without "
                "CLAIMS_ADJ_KAFKA_SSL_KEY_FILE"
            )
        return self


def bootstrap_hosts(servers: str) -> list[tuple[str, int]]:
    """`host:port,host:port` as (host, port) pairs in the order given; ValueError naming the
    entry that is not host:port with a port of 1-65535."""
    pairs = []
    for server in servers.split(","):
        host, _, port = server.strip().rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError(f"{server.strip()!r} is not host:port")
        pairs.append((host.strip("[]"), int(port)))
    return pairs


def env_name(field: str) -> str:
    """The environment variable of a settings field."""
    return f"{ENV_PREFIX}{field.upper()}"


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, or a SettingsError naming the variable and its problem.

    pydantic's own message quotes the input value and spans lines; an operator needs the name of
    the variable, what is wrong with it, and never the value of a secret.
    """
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        location = [str(part) for part in item["loc"]]
        message = str(item["msg"]).removeprefix("Value error, ")
        if location:
            # A field read through an alias is located by that alias, already a variable name.
            name = location[0] if location[0].isupper() else env_name(location[0])
            problems.append(f"invalid setting {name}: {message}")
        else:
            problems.append(f"invalid settings: {message}")
    return "; ".join(problems)
