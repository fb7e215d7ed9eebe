"""faust, here and nowhere else: the worker's web server, its services started in order and
stopped in reverse, its background tasks.

What faust still does for the worker is mode's service tree and faust's aiohttp server. The
messages are moved by the pipeline (workers/stream/runtime/), not by faust agents: faust's
per-event path cost ≈ 6× a plain aiokafka loop, made the broker burn ≈ 20× its CPU, and its
exactly-once needed six corrections through private hooks (issue 11). So faust's consumer, producer,
conductor, tables and sensors are not booted (`WebOnlyBoot`). The process around the app
(signals, exit status) is workers/runner.py's, not faust's `Worker`: that one brought a
terminal spinner on stdout, an exit through `SystemExit`, and no way to stop it from inside but
a signal to itself. The faust and mode API used here is pinned by
tests/unit/workers/stream/runtime/test_versions.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import faust
from faust.app.base import BootStrategy
from faust.web import Request, Response, View
from mode import Service, ServiceT

from workers.settings import Settings
from workers.stream.web import Endpoint

Task = Callable[[], Awaitable[None]]


class Lifecycle(Protocol):
    """A part the app starts once its web server runs and stops before it (the pipeline)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class WebOnlyBoot(BootStrategy):
    """faust's web server and the app's own services; no faust consumer, producer or tables."""

    enable_kafka = False
    enable_sensors = False


class _AsService(Service):
    """A part as a mode service, so that the app starts and stops it in its order."""

    def __init__(self, part: Lifecycle) -> None:
        self._part = part
        super().__init__()

    async def on_start(self) -> None:
        await self._part.start()

    async def on_stop(self) -> None:
        await self._part.stop()

    @property
    def label(self) -> str:
        """The part's name in mode's log lines ("[^-Pipeline]: Stopping...")."""
        return type(self._part).__name__


class WorkerApp(faust.App):
    """Starts its web server, then `parts`, then its tasks; stops them in reverse order."""

    BootStrategy = WebOnlyBoot

    def __init__(self, *args: Any, parts: Sequence[Lifecycle] = (), **kwargs: Any) -> None:
        self._parts = [_AsService(part) for part in parts]
        super().__init__(*args, **kwargs)

    def on_init_dependencies(self) -> Iterable[ServiceT]:
        return [*super().on_init_dependencies(), *self._parts]


def create_app(
    settings: Settings,
    parts: Sequence[Lifecycle],
    tasks: Sequence[Task],
    routes: Mapping[str, Endpoint],
) -> WorkerApp:
    """The app configured from settings only (`env={}`: faust reads no variables)."""
    app = WorkerApp(
        settings.app_id,
        parts=parts,
        env={},
        autodiscover=False,
        datadir=str(settings.data_dir),
        web_enabled=True,
        web_bind=settings.web_host,
        web_host=settings.web_host,
        web_port=settings.web_port,
        # Only our endpoints: faust's views would expose the tables and the cluster layout.
        web_tables_enabled=False,
        web_router_enabled=False,
        web_stats_enabled=False,
        web_graph_enabled=False,
        web_metrics_enabled=False,
    )
    for task in tasks:
        app.task(task)
    for path, endpoint in routes.items():
        app.page(path)(_view(endpoint))
    return app


def _view(endpoint: Endpoint) -> Callable[[View, Request], Awaitable[Response]]:
    async def view(web: View, request: Request) -> Response:
        reply = endpoint()
        return web.bytes(
            reply.body, status=reply.status, headers={"Content-Type": reply.content_type}
        )

    view.__name__ = endpoint.__name__  # faust names the route after it
    return view


async def serve(app: WorkerApp, stop: asyncio.Event) -> None:
    """Start the app; run until `stop` is set (a signal, a failed pipeline) or a service or task
    crashed; stop everything in reverse order. `stop` is set from then on; a crash is raised.

    A `stop` set while the app starts is acted on once it has started: its parts' starts are
    bounded by their clients' timeouts, and a stop halfway through a start would stop clients
    that are still being started."""
    try:
        await app.start()
        await _first(stop.wait(), app.wait_until_stopped())
    finally:
        stop.set()
        await app.stop()
    if app.crash_reason is not None:
        raise app.crash_reason


async def _first(*waits: Awaitable[object]) -> None:
    """Wait until one of `waits` is done; the others are cancelled."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
