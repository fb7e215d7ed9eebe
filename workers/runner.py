"""Start one worker process: logging, broker access, topics, then the worker's app on one loop
until SIGTERM or SIGINT (or a failed stream loop); its exit status."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from contextlib import contextmanager

from policy.downstream.notice import PlanConfig
from workers.broker.connection import KafkaConnection
from workers.broker.preflight import AccessNeeds, check_access
from workers.data_dir import require_writable
from workers.logging_setup import configure_logging, get_logger
from workers.settings import Settings
from workers.stream.app import build, notice_plan
from workers.stream.faust_app import create_app, serve
from workers.stream.runtime.names import transactional_id
from workers.stream.runtime.versions import check_versions
from workers.stream.topics import ensure_topics, topic_specs

log = get_logger("workers.runner")

# Exit status of a worker that stopped on an error it did not expect (as faust's worker had).
WORKER_FAILED = 1
# Exit status of a worker whose stream loop failed (EX_SOFTWARE: an internal error).
PIPELINE_FAILED = 70


def access_needs(settings: Settings) -> AccessNeeds:
    """The worker's topics, its consumer group, and (exactly-once) one of its transactional
    ids (workers/stream/runtime/names.py)."""
    exactly_once = settings.processing_guarantee == "exactly_once"
    return AccessNeeds(
        topics=[spec.name for spec in topic_specs(settings)],
        group_id=settings.app_id,
        transactional_id=transactional_id(settings.app_id, 0) if exactly_once else None,
    )


def run_worker(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT; 0, or why the worker stopped by itself.

    Broker access is checked before anything is created: a wrong address, password or
    certificate raises BrokerAccessError (one line, exit 2; workers/cli.py).
    """
    configure_logging(settings.log_format, settings.log_level)
    check_versions()
    require_writable(settings.data_dir)
    plan = notice_plan(settings)  # a bad plan file is one line before anything is created
    return asyncio.run(serve_worker(settings, plan))


async def serve_worker(settings: Settings, plan: PlanConfig | None) -> int:
    """The worker from its topics' check to its stop: 0 once stopped by a signal,
    PIPELINE_FAILED when its stream loop failed, WORKER_FAILED when anything else crashed.
    `plan`: the notices' plan configuration, as `run_worker` loaded it."""
    connection = KafkaConnection.from_settings(settings)
    await check_access(
        connection, access_needs(settings), timeout_s=settings.kafka_connect_timeout_seconds
    )
    await ensure_topics(settings)
    worker = build(settings, asyncio.Event(), plan)
    app = create_app(settings, [worker.pipeline], worker.tasks, worker.routes())
    log.info(
        "worker starting",
        app_id=settings.app_id,
        bootstrap=settings.kafka_bootstrap_servers,
        security_protocol=settings.kafka_security_protocol,
        guarantee=settings.processing_guarantee,
        port=settings.web_port,
    )
    with _stopped_by_signals(worker.stop):
        try:
            await serve(app, worker.stop)
        except Exception:  # any crash is an exit status; logged as its class and frames
            log.exception("worker failed: stopped")
            return WORKER_FAILED
    # A stream loop that failed stopped the worker: an orchestrator must see it as a failure.
    return PIPELINE_FAILED if worker.pipeline.failed else 0


@contextmanager
def _stopped_by_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set `stop` (once: a second signal changes nothing) while inside."""

    def on_signal(signum: signal.Signals) -> None:
        if not stop.is_set():
            log.info(f"stopping on {signum.name}")
            stop.set()

    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        yield
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
