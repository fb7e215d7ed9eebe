"""HTTP endpoints: liveness, readiness and Prometheus metrics.

faust's built-in `/table/` and `/router/` views would serve table contents (member histories)
and the cluster layout to anyone who can reach the port; the app turns them off
(`web_tables_enabled=False`, `web_router_enabled=False`) and serves only what is here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

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
