"""The worker's configuration: one object, built once at start and passed down.

Every value comes from the environment (prefix `CLAIMS_ADJ_`) or its default; nothing else in
the worker reads `os.environ`. The broker address is also read from the plain
`KAFKA_BOOTSTRAP_SERVERS`, the name container platforms and our test fixtures use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Self

from pydantic import (
    AliasChoices,
    Field,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from workers.errors import SettingsError

ENV_PREFIX = "CLAIMS_ADJ_"
SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

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

    # The faust app id is also the consumer group and the prefix of the transactional ids.
    app_id: str = "claims-adjudicator"

    # Topic names: defaults from the event contract (shared/contract/README.md).
    topic_submitted: str = "claims.submitted.v1"
    topic_eligibility: str = "members.eligibility.v1"
    topic_prior_auth: str = "um.prior-authorizations.v1"
    topic_decisions: str = "claims.decisions.v1"
    topic_dlq: str = "claims.dlq.v1"
    # Off by default: when set, every published decision is also published here as a FHIR R4
    # Bundle (ClaimResponse + ExplanationOfBenefit, policy/downstream/), in the same transaction.
    topic_fhir: str | None = None
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

    @property
    def broker_url(self) -> str:
        """The bootstrap servers in faust's `kafka://host:port;host:port` form."""
        return ";".join(
            f"kafka://{server.strip()}"
            for server in self.kafka_bootstrap_servers.split(",")
            if server.strip()
        )


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
            problems.append(f"invalid setting {env_name(location[0])}: {message}")
        else:
            problems.append(f"invalid settings: {message}")
    return "; ".join(problems)
