"""The broker probe behind /readyz, on an address nothing listens on."""

from __future__ import annotations

import asyncio

from tests.unit.workers.broker.test_preflight import closed_port
from workers.broker.connection import KafkaConnection
from workers.broker.watch import BrokerWatch


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
