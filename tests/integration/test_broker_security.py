"""The secured test broker does what it says: SASL_SSL with SCRAM-SHA-512, TLS trust, mTLS.

Plain aiokafka clients against the ``secure_broker`` fixture. Connection-level checks use
``aiokafka.conn.create_conn`` (TLS handshake, ApiVersions, SASL authentication), whose errors are
the broker's answer itself; a producer or consumer only logs those and raises
``KafkaConnectionError("Unable to bootstrap ...")``.
"""

from __future__ import annotations

import asyncio
import ssl
import stat
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.conn import AIOKafkaConnection, create_conn
from aiokafka.errors import KafkaConnectionError, SaslAuthenticationFailed

from tests.integration.kafka_util import create_topics, unique_name
from tests.integration.secure_broker import SecureBroker

# One xdist process runs every test of the secured broker (tests/integration/scheduling.py),
# so one such broker starts per run.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

TIMEOUT_MS = 10_000
X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20
X509_V_ERR_HOSTNAME_MISMATCH = 62


def _tls(cafile: Path, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cafile))
    if cert is not None:
        context.load_cert_chain(str(cert), str(key) if key else None)
    return context


def _sasl(broker: SecureBroker, password: str, cafile: Path | None = None) -> dict[str, Any]:
    return {
        "security_protocol": "SASL_SSL",
        "ssl_context": _tls(cafile or broker.tls.ca_file),
        "sasl_mechanism": broker.mechanism,
        "sasl_plain_username": broker.username,
        "sasl_plain_password": password,
    }


def _mtls(broker: SecureBroker, *, with_cert: bool = True) -> dict[str, Any]:
    tls = broker.tls
    if with_cert:
        return {
            "security_protocol": "SSL",
            "ssl_context": _tls(tls.ca_file, tls.client_cert_file, tls.client_key_file),
        }
    return {"security_protocol": "SSL", "ssl_context": _tls(tls.ca_file)}


async def _connect(bootstrap: str, host: str | None = None, **security: Any) -> None:
    """Open one connection (TLS, ApiVersions, SASL as configured) and close it."""
    default_host, _, port = bootstrap.rpartition(":")
    conn: AIOKafkaConnection = await create_conn(
        host or default_host, int(port), request_timeout_ms=TIMEOUT_MS, **security
    )
    conn.close()


async def _roundtrip(broker: SecureBroker, bootstrap: str, **security: Any) -> None:
    """Produce a record over ``bootstrap`` and read it back there in a consumer group that
    commits; the group's offset is then checked over the PLAINTEXT listener."""
    topic, group = unique_name("secure"), unique_name("secure-group")
    await create_topics(broker.plaintext_bootstrap, {topic: 1})
    value = f"record for {topic}".encode()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", request_timeout_ms=TIMEOUT_MS, **security
    )
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, value)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        request_timeout_ms=TIMEOUT_MS,
        **security,
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), TIMEOUT_MS / 1000)
        await consumer.commit()
    finally:
        await consumer.stop()
    assert (record.value, record.offset) == (value, sent.offset)

    admin = AIOKafkaAdminClient(bootstrap_servers=broker.plaintext_bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    assert committed[TopicPartition(topic, 0)].offset == sent.offset + 1


async def test_sasl_ssl_scram_roundtrip(secure_broker: SecureBroker) -> None:
    await _roundtrip(
        secure_broker,
        secure_broker.sasl_ssl_bootstrap,
        **_sasl(secure_broker, secure_broker.password),
    )


async def test_sasl_ssl_wrong_password_is_rejected(
    secure_broker: SecureBroker, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = _sasl(secure_broker, secure_broker.password + "-wrong")
    with pytest.raises(SaslAuthenticationFailed, match="invalid credentials"):
        await _connect(secure_broker.sasl_ssl_bootstrap, **wrong)
    # What a client sees: no bootstrap, the broker's authentication error in the log.
    producer = AIOKafkaProducer(
        bootstrap_servers=secure_broker.sasl_ssl_bootstrap, request_timeout_ms=TIMEOUT_MS, **wrong
    )
    try:
        with pytest.raises(KafkaConnectionError, match="Unable to bootstrap"):
            await producer.start()
    finally:
        await producer.stop()
    assert any("SaslAuthenticationFailed" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("listener", ["sasl_ssl", "mtls"])
async def test_untrusted_ca_fails_the_handshake(secure_broker: SecureBroker, listener: str) -> None:
    other_ca = secure_broker.tls.other_ca_file
    if listener == "sasl_ssl":
        bootstrap = secure_broker.sasl_ssl_bootstrap
        security = _sasl(secure_broker, secure_broker.password, cafile=other_ca)
    else:
        bootstrap = secure_broker.mtls_bootstrap
        tls = secure_broker.tls
        context = _tls(other_ca, tls.client_cert_file, tls.client_key_file)
        security = {"security_protocol": "SSL", "ssl_context": context}
    with pytest.raises(ssl.SSLCertVerificationError) as caught:
        await _connect(bootstrap, **security)
    assert caught.value.verify_code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY


async def test_hostname_is_verified(secure_broker: SecureBroker) -> None:
    """The broker certificate names IP:127.0.0.1 only: through ``localhost`` it does not match."""
    with pytest.raises(ssl.SSLCertVerificationError) as caught:
        await _connect(
            secure_broker.sasl_ssl_bootstrap,
            host="localhost",
            **_sasl(secure_broker, secure_broker.password),
        )
    assert caught.value.verify_code == X509_V_ERR_HOSTNAME_MISMATCH


async def test_mtls_with_client_certificate_roundtrip(secure_broker: SecureBroker) -> None:
    await _roundtrip(secure_broker, secure_broker.mtls_bootstrap, **_mtls(secure_broker))


async def test_mtls_without_client_certificate_is_rejected(secure_broker: SecureBroker) -> None:
    with pytest.raises(KafkaConnectionError) as caught:
        await _connect(secure_broker.mtls_bootstrap, **_mtls(secure_broker, with_cert=False))
    # TLS 1.3: the client finishes its handshake, the broker's alert ends the first request:
    # certificate_required from OpenJDK 17.0.19 (the image), bad_certificate from 17.0.15.
    cause = caught.value.__cause__
    assert isinstance(cause, ssl.SSLError)
    assert cause.reason in ("TLSV13_ALERT_CERTIFICATE_REQUIRED", "SSLV3_ALERT_BAD_CERTIFICATE")


def _read_secret(path: str) -> str:
    file = Path(path)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600, f"{file} must be readable by its owner only"
    return file.read_text()


async def test_client_env_connects(secure_broker: SecureBroker) -> None:
    """client_env() names the files a worker needs, and they are enough to connect."""
    env = secure_broker.client_env("sasl_ssl")
    assert env["CLAIMS_ADJ_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert not any(secure_broker.password in value for value in env.values())
    await _connect(
        env["CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS"],
        security_protocol=env["CLAIMS_ADJ_KAFKA_SECURITY_PROTOCOL"],
        ssl_context=_tls(Path(env["CLAIMS_ADJ_KAFKA_SSL_CA_FILE"])),
        sasl_mechanism=env["CLAIMS_ADJ_KAFKA_SASL_MECHANISM"],
        sasl_plain_username=env["CLAIMS_ADJ_KAFKA_SASL_USERNAME"],
        sasl_plain_password=_read_secret(env["CLAIMS_ADJ_KAFKA_SASL_PASSWORD_FILE"]),
    )

    for encrypted_key in (False, True):
        env = secure_broker.client_env("mtls", encrypted_key=encrypted_key)
        assert env["CLAIMS_ADJ_KAFKA_SECURITY_PROTOCOL"] == "SSL"
        context = ssl.create_default_context(cafile=env["CLAIMS_ADJ_KAFKA_SSL_CA_FILE"])
        password_file = env.get("CLAIMS_ADJ_KAFKA_SSL_KEY_PASSWORD_FILE")
        context.load_cert_chain(
            env["CLAIMS_ADJ_KAFKA_SSL_CERT_FILE"],
            env["CLAIMS_ADJ_KAFKA_SSL_KEY_FILE"],
            password=_read_secret(password_file) if password_file else None,
        )
        await _connect(
            env["CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS"],
            security_protocol="SSL",
            ssl_context=context,
        )


def test_password_is_never_printed(secure_broker: SecureBroker) -> None:
    log = secure_broker.broker_log()
    assert "Kafka Server started" in log
    assert secure_broker.password not in log
    assert "storedKey" not in log  # nor the salted SCRAM keys kafka-storage format echoes
    assert secure_broker.password not in repr(secure_broker)
