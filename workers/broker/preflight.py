"""Before the worker creates or reads anything: can it reach the broker, is it who it says, and
may it use its topics, its group and its transactional ids?

aiokafka's clients log the real cause ("certificate verify failed", "Authentication failed")
and raise only `Unable to bootstrap from [...]`, or retry for ever. So this check opens one
connection itself with the very options every client will use, and turns each failure into
one line that names the cause and the setting to check (`BrokerAccessError`).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import errors as kafka_errors
from aiokafka.conn import AIOKafkaConnection, create_conn
from aiokafka.protocol.coordination import FindCoordinatorRequest
from aiokafka.protocol.metadata import MetadataRequest

from workers.broker.connection import KafkaConnection
from workers.errors import BrokerAccessError

PROTOCOL = "CLAIMS_ADJ_KAFKA_SECURITY_PROTOCOL"
BOOTSTRAP = "CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS"
CA_FILE = "CLAIMS_ADJ_KAFKA_SSL_CA_FILE"
CLIENT_CERT = "CLAIMS_ADJ_KAFKA_SSL_CERT_FILE and CLAIMS_ADJ_KAFKA_SSL_KEY_FILE"
REQUEST_TIMEOUT_MS = 10_000
COORDINATOR_GROUP, COORDINATOR_TRANSACTION = 0, 1


@dataclass(frozen=True)
class AccessNeeds:
    """What the command will use: topics (created if missing), a consumer group, and the
    prefix of its transactional ids (exactly-once only)."""

    topics: Sequence[str] = ()
    group_id: str | None = None
    transactional_id: str | None = None


class _Transient(Exception):
    """Worth retrying until the deadline: the broker may still be starting."""


async def check_access(
    connection: KafkaConnection, needs: AccessNeeds, *, timeout_s: float = 30.0
) -> None:
    """Return when the broker accepts us for everything in `needs`; else BrokerAccessError."""
    conn = await connect_any(connection, timeout_s)
    try:
        await _check_topics_and_advertised(conn, connection, needs.topics)
        if needs.group_id is not None:
            await _check_coordinator(conn, needs.group_id, COORDINATOR_GROUP)
        if needs.transactional_id is not None:
            await _check_coordinator(conn, needs.transactional_id, COORDINATOR_TRANSACTION)
    finally:
        conn.close()


async def connect_any(connection: KafkaConnection, timeout_s: float) -> AIOKafkaConnection:
    """The first bootstrap server that accepts us; unreachable ones are retried until the
    deadline, any other failure (TLS, authentication) is final at once."""
    deadline = time.monotonic() + timeout_s
    delay = 0.25
    while True:
        last = ""
        for host, port in connection.hosts:
            try:
                return await open_connection(connection, host, port)
            except _Transient as error:
                last = str(error)
        if time.monotonic() + delay > deadline:
            raise BrokerAccessError(
                f"broker unreachable: {last} (retried for {timeout_s:.0f} s); check {BOOTSTRAP}"
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)


async def open_connection(connection: KafkaConnection, host: str, port: int) -> AIOKafkaConnection:
    """One connection, handshakes done, or the classified failure."""
    where = f"{host}:{port}"
    try:
        return await create_conn(
            host,
            port,
            client_id="claims-adjudicator-preflight",
            request_timeout_ms=REQUEST_TIMEOUT_MS,
            **connection.security_options(),
        )
    except ssl.SSLCertVerificationError as error:
        raise BrokerAccessError(_untrusted(where, error)) from None
    except ssl.SSLError as error:
        raise BrokerAccessError(_tls_failure(where, error, connection)) from None
    except kafka_errors.SaslAuthenticationFailed:
        raise BrokerAccessError(
            f"authentication failed at {where} for user {connection.sasl_username!r} with "
            f"{connection.sasl_mechanism}; check CLAIMS_ADJ_KAFKA_SASL_USERNAME and the password "
            "(CLAIMS_ADJ_KAFKA_SASL_PASSWORD_FILE)"
        ) from None
    except kafka_errors.UnsupportedSaslMechanismError:
        raise BrokerAccessError(
            f"the broker at {where} does not accept SASL mechanism {connection.sasl_mechanism}; "
            "check CLAIMS_ADJ_KAFKA_SASL_MECHANISM"
        ) from None
    except kafka_errors.IllegalSaslStateError:
        raise BrokerAccessError(
            f"the listener at {where} does not speak SASL; check {PROTOCOL}"
        ) from None
    except socket.gaierror:
        raise _Transient(f"cannot resolve host {host!r}") from None
    except (ConnectionRefusedError, TimeoutError):
        raise _Transient(f"no answer from {where}") from None
    except ConnectionResetError as error:
        raise BrokerAccessError(_closed(where, connection, error.__cause__)) from None
    except kafka_errors.KafkaConnectionError as error:
        raise BrokerAccessError(_closed(where, connection, error.__cause__)) from None
    except OSError as error:
        raise _Transient(f"cannot connect to {where} ({error.strerror or error})") from None


def _untrusted(where: str, error: ssl.SSLCertVerificationError) -> str:
    message = str(error.verify_message or error)
    if "mismatch" in message.lower():
        return (
            f"TLS handshake with {where} failed: the broker's certificate is not valid for "
            f"{where.rpartition(':')[0]} ({message}); check {BOOTSTRAP} against the certificate's "
            "names (CLAIMS_ADJ_KAFKA_SSL_CHECK_HOSTNAME=false turns the check off)"
        )
    return (
        f"TLS handshake with {where} failed: the broker's certificate is not trusted "
        f"({message}); check {CA_FILE}"
    )


def _tls_failure(where: str, error: ssl.SSLError, connection: KafkaConnection) -> str:
    reason = str(error.reason or error)
    if "CERTIFICATE_REQUIRED" in reason or "BAD_CERTIFICATE" in reason:
        return (
            f"the broker at {where} requires a client certificate it accepts; check {CLIENT_CERT}"
        )
    if "WRONG_VERSION_NUMBER" in reason or "RECORD_LAYER" in reason:
        return (
            f"the listener at {where} does not speak TLS; check {PROTOCOL} "
            f"(now {connection.security_protocol})"
        )
    return f"TLS handshake with {where} failed ({reason}); check {CA_FILE} and {PROTOCOL}"


def _closed(where: str, connection: KafkaConnection, cause: BaseException | None) -> str:
    """The broker hung up during the handshakes: a TLS alert, or a protocol mismatch."""
    if isinstance(cause, ssl.SSLError):
        return _tls_failure(where, cause, connection)
    if connection.ssl_context is None:
        return (
            f"the broker at {where} closed the connection; does its listener expect TLS or SASL? "
            f"check {PROTOCOL} (now {connection.security_protocol})"
        )
    if connection.sasl_mechanism is None:
        return (
            f"the broker at {where} closed the connection after the TLS handshake; it may require "
            f"a client certificate ({CLIENT_CERT}) or SASL ({PROTOCOL})"
        )
    return f"the broker at {where} closed the connection; check {PROTOCOL}"


async def _check_topics_and_advertised(
    conn: AIOKafkaConnection, connection: KafkaConnection, topics: Sequence[str]
) -> None:
    """Topics we may not describe are refused now; and the brokers' advertised addresses must
    be reachable too (a listener advertised with an internal name is the classic trap)."""
    metadata: Any = await conn.send(MetadataRequest(list(topics) if topics else []))
    for topic_error, topic, *_ in metadata.topics:
        if kafka_errors.for_code(topic_error) is kafka_errors.TopicAuthorizationFailedError:
            raise BrokerAccessError(
                f"not authorized for topic {topic}; the broker's ACLs must allow this principal "
                "to describe, read and write it"
            )
    bootstrap = set(connection.hosts)
    advertised = [(host, port) for _node, host, port, *_ in metadata.brokers]
    if advertised and not bootstrap.intersection(advertised):
        host, port = advertised[0]
        try:
            other = await open_connection(connection, host, port)
        except _Transient as error:
            raise BrokerAccessError(
                f"the broker advertises {host}:{port}, which this worker cannot reach ({error}); "
                "check the broker's advertised.listeners"
            ) from None
        other.close()


async def _check_coordinator(conn: AIOKafkaConnection, key: str, kind: int) -> None:
    response: Any = await conn.send(FindCoordinatorRequest(key, kind))
    error = kafka_errors.for_code(response.error_code)
    if error is kafka_errors.GroupAuthorizationFailedError:
        raise BrokerAccessError(
            f"not authorized for consumer group {key}; check CLAIMS_ADJ_APP_ID and the broker's "
            "group ACLs"
        )
    if error is kafka_errors.TransactionalIdAuthorizationFailed:
        raise BrokerAccessError(
            f"not authorized for transactional id {key} (exactly_once); the ACLs must allow the "
            "transactional ids prefixed with CLAIMS_ADJ_APP_ID"
        )
