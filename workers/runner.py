"""Start one worker process: logging, topics, app, faust worker, on one event loop."""

from __future__ import annotations

import asyncio

import faust

from workers.app import build
from workers.logging_setup import configure_logging, get_logger
from workers.settings import Settings
from workers.topics import ensure_topics


def run_worker(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT; the exit code of the faust worker."""
    configure_logging(settings.log_format, settings.log_level)
    log = get_logger("workers.runner")
    # One loop for the topic set-up and for faust: the worker runs on the loop it is given.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(ensure_topics(settings))
    adjudicator = build(settings)
    log.info(
        "worker starting",
        app_id=settings.app_id,
        bootstrap=settings.kafka_bootstrap_servers,
        guarantee=settings.processing_guarantee,
        port=settings.web_port,
    )
    worker = faust.Worker(
        adjudicator.app,
        loop=loop,
        loglevel=settings.log_level,
        override_logging=False,  # keep the structlog set-up (and its PHI filter)
        redirect_stdouts=False,
        quiet=True,
    )
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
