"""The worker's app with stand-in parts, on a real port: its web server answers before the parts
start and until they stopped, the tasks run once the parts started, a stop or a crash stops
everything in reverse order; the three endpoints as served."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest

from tests.unit.workers.stream.test_app import NOT_READY
from workers.settings import Settings
from workers.stream.app import build
from workers.stream.faust_app import create_app, serve
from workers.stream.web import JSON_CONTENT_TYPE, METRICS_CONTENT_TYPE


@pytest.fixture
def settings(tmp_path: Path, unused_tcp_port: int) -> Settings:
    return Settings(web_host="127.0.0.1", web_port=unused_tcp_port, data_dir=tmp_path / "data")


class Part:
    """Records its start and stop, and whether the web server answered at that moment."""

    def __init__(self, settings: Settings, events: list[str]) -> None:
        self.settings = settings
        self.events = events

    async def start(self) -> None:
        self.events.append(f"part start, web {await web(self.settings)}")

    async def stop(self) -> None:
        self.events.append(f"part stop, web {await web(self.settings)}")


async def web(settings: Settings) -> str:
    """Whether the web server accepts a connection now."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", settings.web_port)
    except OSError:
        return "down"
    writer.close()
    await writer.wait_closed()
    return "up"


def get(settings: Settings, path: str) -> tuple[int, str, bytes]:
    url = f"http://127.0.0.1:{settings.web_port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


async def test_web_then_parts_then_tasks_and_back_in_reverse(settings: Settings) -> None:
    events: list[str] = []
    running = asyncio.Event()

    async def task() -> None:
        events.append("task")
        running.set()
        try:
            await asyncio.Event().wait()
        finally:
            events.append("task cancelled")

    stop = asyncio.Event()
    app = create_app(settings, [Part(settings, events)], [task], {})
    serving = asyncio.create_task(serve(app, stop))
    await asyncio.wait_for(running.wait(), 5)
    stop.set()
    await serving
    assert events == ["part start, web up", "task", "part stop, web up", "task cancelled"]
    assert await web(settings) == "down"


async def test_a_crashed_task_stops_everything_and_is_raised(settings: Settings) -> None:
    events: list[str] = []

    async def crash() -> None:
        raise LookupError("a defect")

    stop = asyncio.Event()
    app = create_app(settings, [Part(settings, events)], [crash], {})
    with pytest.raises(LookupError):
        await serve(app, stop)
    assert stop.is_set()  # /healthz says 503 from the crash on
    assert events == ["part start, web up", "part stop, web up"]


async def test_only_the_workers_endpoints_are_served(settings: Settings) -> None:
    worker = build(settings, asyncio.Event(), None)
    started = asyncio.Event()

    async def mark() -> None:  # the tasks start last
        started.set()

    app = create_app(settings, [], [mark], worker.routes())
    serving = asyncio.create_task(serve(app, worker.stop))
    try:
        await asyncio.wait_for(started.wait(), 5)
        healthz, readyz, metrics, table = await asyncio.gather(
            *(
                asyncio.to_thread(get, settings, path)
                for path in ("/healthz", "/readyz", "/metrics", "/table/")
            )
        )
    finally:
        worker.stop.set()
        await serving
    assert healthz == (200, JSON_CONTENT_TYPE, b'{"alive":true}')
    assert readyz[:2] == (503, JSON_CONTENT_TYPE)
    assert orjson.loads(readyz[2]) == {"ready": False, **NOT_READY}
    assert metrics[:2] == (200, METRICS_CONTENT_TYPE)
    assert b"claims_broker_connected 0.0" in metrics[2]
    assert table[0] == 404  # faust's table views would serve member histories
