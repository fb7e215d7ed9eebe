"""The faust application: settings in, the worker's services and endpoints out.

faust runs the worker (signals, service start and stop order, the web server); the records are
moved by the exactly-once pipeline (workers/stream/eos/), not by faust agents: faust's per-event
path cost ≈ 6× a plain aiokafka loop, made the broker burn ≈ 20× its CPU, and its exactly-once
needed six corrections through private hooks (issue 11). So faust's own consumer, producer,
conductor and tables are not booted (`WebOnlyBoot`).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable
from dataclasses import dataclass

import faust
from faust.app.base import BootStrategy
from mode import ServiceT

from workers.broker.connection import KafkaConnection
from workers.broker.static_member import StaticMemberConsumer
from workers.broker.watch import BrokerWatch
from workers.settings import Settings
from workers.stream.eos.contract import changelog_topic
from workers.stream.eos.pipeline import Pipeline, PipelineConfig
from workers.stream.hops import Hops
from workers.stream.limits import topic_limits
from workers.stream.metrics import Metrics
from workers.stream.reference import ReferenceTables
from workers.stream.step import Destination
from workers.stream.topics import DLQ_HEADROOM
from workers.stream.web import register_endpoints

# The consumer's heartbeat interval (at most a third of the session timeout): a rebalance
# reaches a member with its next heartbeat, so the interval is part of every join and leave.
HEARTBEAT_SECONDS = 1.0


class WebOnlyBoot(BootStrategy):
    """faust's web server and the app's own services; no faust consumer, producer or tables."""

    enable_kafka = False
    enable_sensors = False


class AdjudicatorApp(faust.App):
    """The faust app that runs the pipeline as one of its services."""

    BootStrategy = WebOnlyBoot
    pipeline: Pipeline | None = None

    def on_init_dependencies(self) -> Iterable[ServiceT]:
        services = list(super().on_init_dependencies())
        return [*services, self.pipeline] if self.pipeline is not None else services


@dataclass
class Worker:
    """What one worker process runs."""

    app: AdjudicatorApp
    pipeline: Pipeline
    references: ReferenceTables
    broker: BrokerWatch


def create_app(settings: Settings) -> AdjudicatorApp:
    """The faust app configured from settings only (`env={}`: faust reads no variables)."""
    return AdjudicatorApp(
        settings.app_id,
        env={},
        autodiscover=False,
        datadir=str(settings.data_dir),
        web_enabled=True,
        web_bind=settings.web_host,
        web_host=settings.web_host,
        web_port=settings.web_port,
        # Only our endpoints: faust's views would expose the cluster layout.
        web_tables_enabled=False,
        web_router_enabled=False,
        web_stats_enabled=False,
        web_graph_enabled=False,
        web_metrics_enabled=False,
    )


def pipeline_config(settings: Settings, hops: Hops) -> PipelineConfig:
    session = settings.session_timeout_seconds
    return PipelineConfig(
        group_id=settings.app_id,
        inputs={
            settings.topic_submitted: hops.intake,
            settings.topic_documentation: hops.intake_documentation,
            settings.topic_reviews: hops.intake_review,
            settings.topic_calendar: hops.intake_calendar,
            settings.topic_by_member: hops.adjudicate,
        },
        destinations=destinations(settings),
        sweep=hops.sweep,
        prepare=lambda: learn_limits(settings, hops),
        changelog=changelog_topic(settings.app_id),
        exactly_once=settings.processing_guarantee == "exactly_once",
        commit_interval=settings.commit_interval_seconds,
        client_options=KafkaConnection.from_settings(settings).client_options(),
        # Static membership when the worker has an instance id (workers/broker/static_member.py):
        # restarted within the session it resumes its partitions without a rebalance; stopped,
        # it leaves the group itself (aiokafka does not for a static member).
        consumer=StaticMemberConsumer,
        consumer_options={
            "group_instance_id": settings.instance_id,
            "session_timeout_ms": int(session * 1000),
            "heartbeat_interval_ms": int(min(HEARTBEAT_SECONDS, session / 3) * 1000),
            "rebalance_timeout_ms": int(max(30.0, session) * 1000),
            "max_partition_fetch_bytes": max(settings.max_message_bytes, 4 * 1024**2),
            "fetch_max_bytes": max(settings.max_message_bytes, 16 * 1024**2),
        },
        producer_options={
            "acks": "all",
            "linger_ms": int(settings.producer_linger_seconds * 1000),
            "max_request_size": settings.max_message_bytes + DLQ_HEADROOM,
        },
    )


def destinations(settings: Settings) -> dict[Destination, str]:
    return {
        Destination.FORWARD: settings.topic_by_member,
        Destination.DECISION: settings.topic_decisions,
        Destination.DEAD_LETTER: settings.topic_dlq,
        **({Destination.FHIR: settings.topic_fhir} if settings.topic_fhir else {}),
        **({Destination.NOTICE: settings.topic_notices} if settings.topic_notices else {}),
    }


async def learn_limits(settings: Settings, hops: Hops) -> None:
    """The size limits of the topics the worker writes, for the step's checks."""
    hops.limits = await topic_limits(
        KafkaConnection.from_settings(settings).client_options(),
        destinations(settings),
        settings.max_message_bytes + DLQ_HEADROOM,
    )


def build(settings: Settings) -> Worker:
    """The app with the pipeline, the reference tables, the broker probe and the endpoints."""
    app = create_app(settings)
    metrics = Metrics()
    references = ReferenceTables(settings)
    hops = Hops(settings, references, metrics)
    pipeline = Pipeline(
        pipeline_config(settings, hops),
        hops.observe,
        # A failed loop stops the worker the way a SIGTERM does (the runner exits non-zero).
        on_failure=lambda: os.kill(os.getpid(), signal.SIGTERM),
        loop=app.loop,
    )
    app.pipeline = pipeline
    broker = BrokerWatch(KafkaConnection.from_settings(settings))
    worker = Worker(app, pipeline, references, broker)
    app.task(references.run)
    app.task(broker.run)
    metrics.watch_broker(lambda: broker.connected)
    metrics.watch_lag(pipeline.lag)
    metrics.watch_recovery(pipeline.restore_remaining)
    metrics.watch_pending(
        lambda: hops.pending_summary(task.state for task in list(pipeline.tasks.values()))
    )
    register_endpoints(app, metrics, lambda: readiness(worker))
    return worker


def readiness(worker: Worker) -> dict[str, bool]:
    """Ready = the broker answers, claim partitions assigned, their state restored, the
    reference tables loaded, no rebalance running. `/healthz` stays the liveness check."""
    pipeline = worker.pipeline
    return {
        "broker_connected": worker.broker.connected,
        "partitions_assigned": bool(pipeline.tasks),
        "tables_recovered": pipeline.recovered,
        "reference_loaded": worker.references.loaded.is_set(),
        "not_rebalancing": not pipeline.rebalancing,
    }
