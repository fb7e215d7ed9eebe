"""HTTP endpoints: liveness, readiness and Prometheus metrics.

faust's built-in `/table/` and `/router/` views would serve table contents (member histories)
and the cluster layout to anyone who can reach the port; the app turns them off
(`web_tables_enabled=False`, `web_router_enabled=False`) and serves only what is here.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

from workers.errors import SettingsError
from workers.stream.metrics import Metrics

# aiohttp refuses a charset inside content_type; Prometheus reads text/plain as format 0.0.4.
METRICS_CONTENT_TYPE = "text/plain"

Readiness = Callable[[], Mapping[str, bool]]
Handler = Callable[[Any, Any], Awaitable[Any]]


def register_endpoints(app: Any, metrics: Metrics, readiness: Readiness) -> None:
    """/healthz (the event loop answers), /readyz (assigned + recovered), /metrics."""
    page = cast(Callable[[str], Callable[[Handler], Any]], app.page)

    @page("/healthz")
    async def healthz(web: Any, request: Any) -> Any:
        # Served by the worker's own event loop: an answer proves the loop is not stuck.
        alive = not app.should_stop
        return web.json({"alive": alive}, status=200 if alive else 503)

    @page("/readyz")
    async def readyz(web: Any, request: Any) -> Any:
        checks = dict(readiness())
        ready = all(checks.values())
        return web.json({"ready": ready, **checks}, status=200 if ready else 503)

    @page("/metrics")
    async def prometheus(web: Any, request: Any) -> Any:
        return web.bytes(metrics.exposition(), content_type=METRICS_CONTENT_TYPE)


def require_bindable(host: str, port: int) -> None:
    """The web server's address can be bound: said in one line (exit 2) before the broker check
    and topic creation, not as faust's traceback once they ran.

    The test binds the way the web server will (asyncio's `create_server`, SO_REUSEADDR, every
    address `host` resolves to) and closes at once; a listening socket closed without a
    connection leaves nothing behind, so the port is free again for the web server. Another
    process can still take it in between: then faust's own error stops the worker.
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
