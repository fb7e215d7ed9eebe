"""The start-up access check, on what needs no broker: an address nothing listens on."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from workers.broker.connection import KafkaConnection
from workers.broker.preflight import AccessNeeds, check_access
from workers.broker.watch import BrokerWatch
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


def test_broker_watch_reports_a_broker_that_does_not_answer() -> None:
    watch = BrokerWatch(KafkaConnection(f"127.0.0.1:{closed_port()}"), timeout_s=1.0)
    watch.connected = True  # as if it had answered before
    asyncio.run(watch.probe())
    assert watch.connected is False


def test_broker_watch_does_not_blame_the_settings_of_a_broker_that_answered_them_before() -> None:
    """A restart hangs up on connections the same way a TLS listener does for a plain client;
    only a broker that never answered these settings is a configuration problem."""

    class Hangs:
        async def __call__(self) -> None:
            raise ConnectionResetError

    watch = BrokerWatch(KafkaConnection(f"127.0.0.1:{closed_port()}"), timeout_s=1.0)
    watch._answered_before = True  # noqa: SLF001 - as after a first answer
    watch._ask = Hangs()  # type: ignore[method-assign]  # noqa: SLF001 - a broker that hangs up
    asyncio.run(watch.probe())
    cause = watch._cause  # noqa: SLF001
    assert cause.startswith("lost the broker (ConnectionResetError) after it had answered")
    assert "CLAIMS_ADJ_KAFKA_SECURITY_PROTOCOL" not in cause
