"""The start-up access check, on what needs no broker: an address nothing listens on."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from workers.broker.connection import KafkaConnection
from workers.broker.preflight import AccessNeeds, check_access
from workers.errors import BrokerAccessError, SettingsError


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_broker_is_retried_then_one_line() -> None:
    connection = KafkaConnection(f"127.0.0.1:{closed_port()}")
    started = time.monotonic()
    with pytest.raises(BrokerAccessError) as raised:
        asyncio.run(check_access(connection, AccessNeeds(), timeout_s=1.0))
    elapsed = time.monotonic() - started
    assert 0.5 < elapsed < 5.0, "bounded retry, then give up"
    message = str(raised.value)
    assert message.startswith("broker unreachable: no answer from 127.0.0.1:")
    assert "check CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS" in message


@pytest.mark.parametrize("servers", ["", "host-without-port", "host:port"])
def test_bootstrap_servers_that_are_not_host_port(servers: str) -> None:
    with pytest.raises(SettingsError, match="CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS"):
        asyncio.run(check_access(KafkaConnection(servers), AccessNeeds(), timeout_s=1.0))
