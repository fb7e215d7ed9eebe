"""The worker's parts from its settings: the pipeline, the tasks beside it, the endpoints.

Nothing here knows the web server or the service framework that runs the parts
(workers/stream/faust_app.py); workers/runner.py hands them over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from policy.downstream.notice import NoticeError, PlanConfig, load_plan_config, sample_plan_config
from workers.broker.connection import KafkaConnection
from workers.broker.static_member import StaticMemberConsumer
from workers.broker.watch import BrokerWatch
from workers.errors import SettingsError
from workers.settings import Settings
from workers.stream.hops import Hops
from workers.stream.limits import topic_limits
from workers.stream.metrics import Metrics
from workers.stream.reference import ReferenceTables
from workers.stream.runtime.loop import Pipeline, PipelineConfig
from workers.stream.runtime.names import changelog_topic
from workers.stream.step.outcome import Destination
from workers.stream.topics import DLQ_HEADROOM
from workers.stream.web import Endpoint, endpoints

# The consumer's heartbeat interval (at most a third of the session timeout): a rebalance
# reaches a member with its next heartbeat, so the interval is part of every join and leave.
HEARTBEAT_SECONDS = 1.0
# The member state's changelog among the topics whose limits are learnt (not a destination).
CHANGELOG = "changelog"


@dataclass
class Worker:
    """What one worker process runs, and `stop`: set when it is to stop (a signal, a failed
    stream loop) and from then on."""

    pipeline: Pipeline
    references: ReferenceTables
    broker: BrokerWatch
    metrics: Metrics
    stop: asyncio.Event

    @property
    def tasks(self) -> tuple[Callable[[], Awaitable[None]], ...]:
        """Beside the pipeline until the worker stops: the reference tables, the broker probe."""
        return (self.references.run, self.broker.run)

    def routes(self) -> dict[str, Endpoint]:
        return endpoints(lambda: not self.stop.is_set(), lambda: readiness(self), self.metrics)


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
            "fetch_max_wait_ms": int(settings.fetch_wait_seconds * 1000),
            "fetch_min_bytes": settings.fetch_min_bytes,
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


async def learn_limits(settings: Settings, hops: Hops) -> int:
    """The size limits of the topics the worker writes, for the step's checks; the smallest,
    changelog included, is the size of the pipeline's record batches (a batch larger than its
    topic's `max.message.bytes` is refused whole)."""
    written: dict[Destination | str, str] = dict(destinations(settings).items())
    written[CHANGELOG] = changelog_topic(settings.app_id)
    limits = await topic_limits(
        KafkaConnection.from_settings(settings).client_options(),
        written,
        settings.max_message_bytes + DLQ_HEADROOM,
    )
    hops.limits = {key: size for key, size in limits.items() if isinstance(key, Destination)}
    return min(limits.values())


def notice_plan(settings: Settings) -> PlanConfig | None:
    """The plan configuration notices are written with, when notices are published; a bad or
    missing file is a SettingsError (one line). Loaded once, by the runner before anything is
    created, and handed to `build`."""
    if settings.topic_notices is None:
        return None
    if settings.plan_config_file is None:
        return sample_plan_config()
    try:
        return load_plan_config(settings.plan_config_file)
    except NoticeError as error:
        raise SettingsError(f"CLAIMS_ADJ_PLAN_CONFIG_FILE: {error}") from None


def build(settings: Settings, stop: asyncio.Event, plan: PlanConfig | None) -> Worker:
    """The pipeline, the reference tables, the broker probe and the metrics that read them;
    `plan` is `notice_plan(settings)`."""
    metrics = Metrics()
    references = ReferenceTables(settings)
    hops = Hops(settings, references, metrics, plan)
    # A failed stream loop stops the worker the way a SIGTERM does (the runner exits 70).
    pipeline = Pipeline(pipeline_config(settings, hops), hops.observe, on_failure=stop.set)
    broker = BrokerWatch(KafkaConnection.from_settings(settings))
    metrics.watch_broker(lambda: broker.connected)
    metrics.watch_lag(pipeline.lag)
    metrics.watch_recovery(pipeline.restore_remaining)
    metrics.watch_pending(
        lambda: hops.pending_summary(task.state for task in list(pipeline.tasks.values()))
    )
    return Worker(pipeline, references, broker, metrics, stop)


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
