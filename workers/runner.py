"""Start one worker process: logging, broker access, topics, app, faust worker, on one loop."""

from __future__ import annotations

import asyncio

import faust

from workers.broker.connection import KafkaConnection
from workers.broker.preflight import AccessNeeds, check_access
from workers.data_dir import require_writable
from workers.logging_setup import configure_logging, get_logger
from workers.settings import Settings
from workers.stream.app import build
from workers.stream.eos.contract import check_versions, transactional_id
from workers.stream.hops import notice_plan
from workers.stream.topics import ensure_topics, topic_specs

# Exit status of a worker whose stream loop failed (EX_SOFTWARE: an internal error).
PIPELINE_FAILED = 70


def access_needs(settings: Settings) -> AccessNeeds:
    """The worker's topics, its consumer group, and (exactly-once) one of its transactional
    ids (workers/stream/eos/contract.py)."""
    exactly_once = settings.processing_guarantee == "exactly_once"
    return AccessNeeds(
        topics=[spec.name for spec in topic_specs(settings)],
        group_id=settings.app_id,
        transactional_id=transactional_id(settings.app_id, 0) if exactly_once else None,
    )


def run_worker(settings: Settings) -> int:
    """Run until SIGTERM/SIGINT; the exit code of the faust worker.

    Broker access is checked before anything is created: a wrong address, password or
    certificate raises BrokerAccessError (one line, exit 2; workers/cli.py).
    """
    configure_logging(settings.log_format, settings.log_level)
    log = get_logger("workers.runner")
    check_versions()
    require_writable(settings.data_dir)
    notice_plan(settings)  # a bad plan file is one line before anything is created
    connection = KafkaConnection.from_settings(settings)
    # One loop for the set-up and for faust: the worker runs on the loop it is given.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(
        check_access(
            connection, access_needs(settings), timeout_s=settings.kafka_connect_timeout_seconds
        )
    )
    loop.run_until_complete(ensure_topics(settings))
    worker_services = build(settings)
    log.info(
        "worker starting",
        app_id=settings.app_id,
        bootstrap=settings.kafka_bootstrap_servers,
        security_protocol=settings.kafka_security_protocol,
        guarantee=settings.processing_guarantee,
        port=settings.web_port,
    )
    worker = faust.Worker(
        worker_services.app,
        loop=loop,
        loglevel=settings.log_level,
        override_logging=False,  # keep the structlog set-up (and its PHI filter)
        redirect_stdouts=False,
        quiet=True,
    )
    # faust's start-up spinner writes terminal control bytes (cursor show) to stdout even when
    # it is no terminal: a log collector would read a line that is not JSON.
    worker.spinner = None
    code = 0
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        code = int(exc.code or 0)
    # A stream loop that failed stopped the worker: an orchestrator must see it as a failure.
    return code or (PIPELINE_FAILED if worker_services.pipeline.failed else 0)
