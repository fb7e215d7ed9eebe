"""HTTP endpoints: liveness, readiness and Prometheus metrics, in no web framework's terms.

The worker's web server (workers/stream/faust_app.py) serves these three paths and nothing
else: faust's built-in `/table/` and `/router/` views would serve table contents (member
histories) and the cluster layout to anyone who can reach the port.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import orjson

from workers.errors import SettingsError
from workers.stream.metrics import Metrics

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
# Prometheus reads text/plain as its text format 0.0.4.
METRICS_CONTENT_TYPE = "text/plain"

Readiness = Callable[[], Mapping[str, bool]]


@dataclass(frozen=True)
class Reply:
    """What an endpoint answers: the web server sends it as it is."""

    status: int
    body: bytes
    content_type: str


Endpoint = Callable[[], Reply]


def endpoints(
    alive: Callable[[], bool], readiness: Readiness, metrics: Metrics
) -> dict[str, Endpoint]:
    """/healthz (the worker runs and is not stopping), /readyz (every readiness check), /metrics."""

    def healthz() -> Reply:
        # Served by the worker's own event loop: an answer proves the loop is not stuck.
        ok = alive()
        return _json(ok, {"alive": ok})

    def readyz() -> Reply:
        checks = dict(readiness())
        ready = all(checks.values())
        return _json(ready, {"ready": ready, **checks})

    def prometheus() -> Reply:
        return Reply(200, metrics.exposition(), METRICS_CONTENT_TYPE)

    return {"/healthz": healthz, "/readyz": readyz, "/metrics": prometheus}


def _json(ok: bool, body: Mapping[str, bool]) -> Reply:
    return Reply(200 if ok else 503, orjson.dumps(body), JSON_CONTENT_TYPE)


def require_bindable(host: str, port: int) -> None:
    """The web server's address can be bound: said in one line (exit 2) before the broker check
    and topic creation, not as the web server's error once they ran.

    The test binds the way the web server will (asyncio's `create_server`, SO_REUSEADDR, every
    address `host` resolves to) and closes at once; a listening socket closed without a
    connection leaves nothing behind, so the port is free again for the web server. Another
    process can still take it in between: then the web server's error stops the worker (exit 1).
    """
    try:
        asyncio.run(_bind_and_close(host, port))
    except OSError as error:
        raise SettingsError(_bind_problem(host, port, error)) from None


async def _bind_and_close(host: str, port: int) -> None:
    server = await asyncio.get_running_loop().create_server(
        asyncio.Protocol, host, port, reuse_address=True
    )
    server.close()
    await server.wait_closed()


def _bind_problem(host: str, port: int, error: OSError) -> str:
    if isinstance(error, socket.gaierror):
        return f"invalid setting CLAIMS_ADJ_WEB_HOST: cannot resolve {host!r}"
    if error.errno == errno.EADDRINUSE:
        return f"invalid setting CLAIMS_ADJ_WEB_PORT: {host}:{port} is already in use"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"invalid setting CLAIMS_ADJ_WEB_HOST: {host} is not an address of this machine"
    reason = error.strerror or type(error).__name__
    return f"invalid setting CLAIMS_ADJ_WEB_PORT: cannot listen on {host}:{port} ({reason})"
