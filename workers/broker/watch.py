"""Is the broker there right now? One kept connection, asked for metadata every few seconds.

faust and aiokafka retry a lost broker for ever and say so only in error logs; readiness needs
a fact instead. The probe uses the worker's own connection options (TLS, SASL), so it fails
exactly when the worker's clients would. A change of state is logged once, with its cause.
"""

from __future__ import annotations

import asyncio

from aiokafka.conn import AIOKafkaConnection
from aiokafka.protocol.metadata import MetadataRequest

from workers.broker.connection import KafkaConnection
from workers.broker.preflight import connect_any
from workers.errors import OperatorError
from workers.logging_setup import get_logger

log = get_logger(__name__)

PROBE_INTERVAL_S = 2.0
PROBE_TIMEOUT_S = 3.0


class BrokerWatch:
    """`connected` is True while the last metadata request answered within the timeout."""

    def __init__(
        self,
        connection: KafkaConnection,
        *,
        interval_s: float = PROBE_INTERVAL_S,
        timeout_s: float = PROBE_TIMEOUT_S,
    ) -> None:
        self.connected = False
        self._connection = connection
        self._interval_s = interval_s
        self._timeout_s = timeout_s
        self._conn: AIOKafkaConnection | None = None
        self._cause = ""
        self._answered_before = False

    async def run(self) -> None:
        """Probe until cancelled (a faust app task)."""
        try:
            while True:
                await self.probe()
                await asyncio.sleep(self._interval_s)
        finally:
            self._drop()

    async def probe(self) -> None:
        try:
            await asyncio.wait_for(self._ask(), self._timeout_s)
        except Exception as error:  # noqa: BLE001 - any failure means not connected now; cause logged
            self._drop()
            self._set(False, self._explain(error))
        else:
            self._answered_before = True
            self._set(True, "")

    def _explain(self, error: BaseException) -> str:
        """The start-up check's diagnosis (a wrong setting) holds only for a broker that never
        answered; one that answered these same settings before is restarting or out of reach,
        and sending the operator to the TLS/SASL settings would mislead."""
        if not self._answered_before:
            return _cause(error)
        return (
            f"lost the broker ({type(error).__name__}) after it had answered with these "
            "settings: restarting, overloaded or out of reach"
        )

    async def _ask(self) -> None:
        if self._conn is None or not self._conn.connected():
            # One try of each bootstrap server, no retry: the next probe is the retry.
            self._conn = await connect_any(self._connection, timeout_s=0.0)
        await self._conn.send(MetadataRequest([]))

    def _set(self, connected: bool, cause: str) -> None:
        if connected and not self.connected:
            log.info("broker connected", bootstrap=self._connection.bootstrap_servers)
        elif not connected and (self.connected or cause != self._cause):
            log.warning(
                "broker unreachable",
                bootstrap=self._connection.bootstrap_servers,
                cause=cause,
            )
        self.connected, self._cause = connected, cause

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _cause(error: BaseException) -> str:
    """A cause for the log: the class, and our own messages (which carry no secret)."""
    if isinstance(error, OperatorError):
        return str(error)
    return type(error).__name__
