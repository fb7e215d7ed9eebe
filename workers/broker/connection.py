"""How every Kafka client of the project reaches the broker: one value built from the settings.

The pipeline's consumer and producers (transactional ones included), the admin client that
creates topics, the reference-table consumer, replay's topic source and sink, the demo, the test
harness and the benchmarks all take their address and security from a `KafkaConnection`, so TLS
and SASL are configured once and cannot be forgotten by one client.

Secrets are read from their files here, once, at start: a missing or unreadable file is a
`SettingsError` naming the variable, before any client connects.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from workers.errors import SettingsError
from workers.settings import Settings, bootstrap_hosts, env_name


@dataclass(frozen=True)
class KafkaConnection:
    """The bootstrap servers and the security every client uses (the password never in a repr)."""

    bootstrap_servers: str
    security_protocol: str = "PLAINTEXT"
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> KafkaConnection:
        """The connection of `settings`, built once per process for equal settings: the app,
        the topic admin, the reference tables and the broker probe all ask for it at start,
        and the secret files are read and the TLS context built only the first time."""
        return _connection_of(settings)

    @classmethod
    def _build(cls, settings: Settings) -> KafkaConnection:
        protocol = settings.kafka_security_protocol
        uses_sasl = protocol in ("SASL_PLAINTEXT", "SASL_SSL")
        return cls(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            security_protocol=protocol,
            ssl_context=tls_context(settings) if protocol in ("SSL", "SASL_SSL") else None,
            sasl_mechanism=settings.kafka_sasl_mechanism if uses_sasl else None,
            sasl_username=settings.kafka_sasl_username if uses_sasl else None,
            sasl_password=sasl_password(settings) if uses_sasl else None,
        )

    @classmethod
    def of(cls, target: KafkaConnection | str) -> KafkaConnection:
        """A connection as given, or a plaintext one to a bare `host:port` list (test brokers)."""
        return target if isinstance(target, KafkaConnection) else cls(target)

    @property
    def hosts(self) -> list[tuple[str, int]]:
        """The bootstrap servers as (host, port) pairs, in the order given."""
        try:
            return bootstrap_hosts(self.bootstrap_servers)
        except ValueError as error:
            raise SettingsError(
                f"invalid setting {env_name('kafka_bootstrap_servers')}: {error}"
            ) from None

    def security_options(self) -> dict[str, Any]:
        """aiokafka's security keywords (consumer, producer, admin client, connection)."""
        options: dict[str, Any] = {"security_protocol": self.security_protocol}
        if self.ssl_context is not None:
            options["ssl_context"] = self.ssl_context
        if self.sasl_mechanism is not None:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            assert self.sasl_password is not None  # from_settings reads it with the mechanism
            options["sasl_plain_password"] = self.sasl_password.get_secret_value()
        return options

    def client_options(self) -> dict[str, Any]:
        """Everything an aiokafka client needs to reach the broker."""
        return {"bootstrap_servers": self.bootstrap_servers, **self.security_options()}


@functools.lru_cache(maxsize=16)
def _connection_of(settings: Settings) -> KafkaConnection:
    return KafkaConnection._build(settings)  # noqa: SLF001 - its own module; a failure is not cached


def sasl_password(settings: Settings) -> SecretStr:
    """The password file's content (trailing line break dropped) or the plain setting."""
    if settings.kafka_sasl_password_file is not None:
        path = settings.kafka_sasl_password_file
        return SecretStr(_read_secret(path, "kafka_sasl_password_file"))
    assert settings.kafka_sasl_password is not None  # Settings requires one of the two
    return settings.kafka_sasl_password


def tls_context(settings: Settings) -> ssl.SSLContext:
    """A client TLS context: the CA file or the system store, hostname checked unless turned
    off, and the client certificate for mutual TLS."""
    ca_file = settings.kafka_ssl_ca_file
    if ca_file is not None:
        _require_file(ca_file, "kafka_ssl_ca_file")
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
    except ssl.SSLError:
        raise SettingsError(
            f"invalid setting {env_name('kafka_ssl_ca_file')}: {ca_file} holds no PEM certificate"
        ) from None
    context.check_hostname = settings.kafka_ssl_check_hostname
    context.verify_mode = ssl.CERT_REQUIRED  # the chain is verified even without the hostname
    cert_file, key_file = settings.kafka_ssl_cert_file, settings.kafka_ssl_key_file
    if cert_file is not None and key_file is not None:
        _require_file(cert_file, "kafka_ssl_cert_file")
        _require_file(key_file, "kafka_ssl_key_file")
        password_file = settings.kafka_ssl_key_password_file
        password = (
            None
            if password_file is None
            else _read_secret(password_file, "kafka_ssl_key_password_file")
        )
        _load_client_certificate(context, cert_file, key_file, password)
    return context


def _load_client_certificate(
    context: ssl.SSLContext, cert_file: Path, key_file: Path, password: str | None
) -> None:
    try:
        # A callable: an encrypted key without a password file fails here instead of prompting.
        context.load_cert_chain(cert_file, key_file, password=lambda: password or "")
    except ssl.SSLError as error:
        # OpenSSL says only "PEM lib" for a wrong password and for a file that is no PEM.
        if error.reason == "KEY_VALUES_MISMATCH":
            setting = "kafka_ssl_key_file"
            problem = f"the key in {key_file} does not belong to the certificate in {cert_file}"
        elif b"ENCRYPTED" in key_file.read_bytes():
            setting = "kafka_ssl_key_password_file"
            problem = f"it does not decrypt the key in {key_file} (wrong or missing password)"
        else:
            setting = "kafka_ssl_cert_file"
            problem = f"{cert_file} and {key_file} are not a PEM certificate and key"
        raise SettingsError(f"invalid setting {env_name(setting)}: {problem}") from None


def _require_file(path: Path, setting: str) -> None:
    if not path.is_file():
        raise SettingsError(f"invalid setting {env_name(setting)}: no file {path}")


def _read_secret(path: Path, setting: str) -> str:
    """A mounted secret's text; the error names the file, never its content."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(f"invalid setting {env_name(setting)}: no file {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        problem = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise SettingsError(
            f"invalid setting {env_name(setting)}: cannot read {path} ({problem})"
        ) from None
    secret = text.removesuffix("\n").removesuffix("\r")
    if not secret:
        raise SettingsError(f"invalid setting {env_name(setting)}: {path} is empty")
    return secret
