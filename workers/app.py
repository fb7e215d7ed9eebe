"""The faust application: settings in, a configured app with agents, tables and endpoints out.

Everything the agents share (settings, metrics, publisher, topics) is built here once and handed
to them in an `Adjudicator`, so an agent body only reads like the flow it implements.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import faust
from faust.types.enums import ProcessingGuarantee
from mode.utils.objects import cached_property
from mode.utils.queues import FlowControlEvent

from workers.agents import adjudicate, intake
from workers.broker.connection import KafkaConnection
from workers.broker.watch import BrokerWatch
from workers.metrics import Metrics
from workers.reference import ReferenceTables
from workers.settings import Settings
from workers.topics import DLQ_HEADROOM
from workers.transactions import (
    GuardedConsumer,
    GuardedTransport,
    PromptTableManager,
    Publisher,
)
from workers.web import register_endpoints

# The consumer's heartbeat interval (at most a third of the session timeout).
HEARTBEAT_SECONDS = 1.0


class SteadyFlowControl(FlowControlEvent):
    """faust's flow control, except that resuming a running flow keeps the queued records.

    resume() clears every stream queue, which is right when the flow was suspended (a rebalance
    began; the queues hold records of the old assignment). Recovery calls it a second time, with
    the flow already running, right after seeking the stream partitions to their committed
    offsets: that dropped records fetched from there, which faust counted as read (issue 4).
    """

    def resume(self) -> None:
        if not self.is_active():
            super().resume()


class AdjudicatorApp(faust.App):
    """faust.App with the guarded exactly-once transport (see workers/transactions.py)."""

    effects_guard: asyncio.Lock

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.effects_guard = asyncio.Lock()

    @cached_property
    def flow_control(self) -> FlowControlEvent:
        return SteadyFlowControl(loop=self.loop)

    def mark_processed(self, message: Any) -> None:
        """The agent is done with `message`: its offset may be committed."""
        self._guarded_consumer().ledger.finished(message.tp, message.offset)

    def processed_before(self, message: Any) -> bool:
        """`message` is a re-delivery (after a seek) of a record already processed: its outputs
        are committed or in the open transaction, so it must not be processed again."""
        return self._guarded_consumer().ledger.is_finished(message.tp, message.offset)

    def _guarded_consumer(self) -> GuardedConsumer:
        consumer: GuardedConsumer = self.consumer  # type: ignore[assignment]
        return consumer

    @property
    def in_transaction(self) -> bool:
        """Exactly-once from the settings alone.

        faust caches `in_transaction` on first access and requires `in_worker`, which its Worker
        sets only once started; the app is touched earlier (tables, topics), so stock faust
        silently ran at-least-once. This app is built only to run as a worker.
        """
        guarantee: Any = self.conf.processing_guarantee
        return bool(guarantee == ProcessingGuarantee.EXACTLY_ONCE)

    def _new_transport(self) -> Any:
        return GuardedTransport(self.conf.broker_consumer, self)


@dataclass
class Adjudicator:
    """What the agents share."""

    app: AdjudicatorApp
    settings: Settings
    metrics: Metrics
    publisher: Publisher
    references: ReferenceTables
    broker: BrokerWatch
    members: Any
    submitted: Any
    by_member: Any


def create_app(settings: Settings) -> AdjudicatorApp:
    """The faust app configured from settings only (`env={}`: faust reads no variables)."""
    return AdjudicatorApp(
        settings.app_id,
        env={},
        broker=settings.broker_url,
        # TLS/SASL for faust's consumer, producers (the transactional ones too) and its admin
        # requests; faust ignores the app-level ssl_context once credentials are set.
        broker_credentials=KafkaConnection.from_settings(settings).faust_credentials(),
        processing_guarantee=settings.processing_guarantee,
        broker_commit_interval=settings.commit_interval_seconds,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.session_timeout_seconds,
        # A rebalance reaches a member with its next heartbeat: every worker stalls until the
        # last one rejoined, so the interval is part of every join and leave (issue 13).
        broker_heartbeat_interval=min(HEARTBEAT_SECONDS, settings.session_timeout_seconds / 3),
        broker_rebalance_timeout=max(30.0, settings.session_timeout_seconds),
        key_serializer="raw",
        value_serializer="raw",
        store="memory://",
        datadir=str(settings.data_dir),
        autodiscover=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,  # faust creates its changelog topics explicitly
        # No standbys: a partition that moves here is replayed from its changelog's start, the
        # precondition for dropping the state of partitions that move away (adjudicate.py).
        table_standby_replicas=0,
        # Recovery ends when each changelog is read to its last stable offset, not ≈ 10 s later
        # (workers/transactions.py, PromptRecovery).
        TableManager=PromptTableManager,
        producer_max_request_size=settings.max_message_bytes + DLQ_HEADROOM,
        # faust's default (no linger) makes every decision its own produce request.
        producer_linger=settings.producer_linger_seconds,
        consumer_max_fetch_size=max(settings.max_message_bytes, 4 * 1024**2),
        web_enabled=True,
        web_bind=settings.web_host,
        web_host=settings.web_host,
        web_port=settings.web_port,
        # Only our endpoints: the table and router views would expose member data and topology.
        web_tables_enabled=False,
        web_router_enabled=False,
        web_stats_enabled=False,
        web_graph_enabled=False,
        web_metrics_enabled=False,
    )


def build(settings: Settings) -> Adjudicator:
    """The app with its topics, agents and endpoints registered."""
    app = create_app(settings)
    metrics = Metrics()
    raw: dict[str, Any] = {"key_serializer": "raw", "value_serializer": "raw"}
    adjudicator = Adjudicator(
        app=app,
        settings=settings,
        metrics=metrics,
        publisher=Publisher(app),
        references=ReferenceTables(settings),
        broker=BrokerWatch(KafkaConnection.from_settings(settings)),
        # The member state (workers/member_state.py): raw bytes, co-partitioned with by_member.
        members=app.Table(
            "members", partitions=settings.partitions, key_type=bytes, value_type=bytes
        ),
        submitted=app.topic(settings.topic_submitted, partitions=settings.partitions, **raw),
        by_member=app.topic(settings.topic_by_member, partitions=settings.partitions, **raw),
    )
    intake.register(adjudicator)
    adjudicate.register(adjudicator)
    app.task(adjudicator.references.run)
    app.task(adjudicator.broker.run)
    metrics.watch_broker(lambda: adjudicator.broker.connected)
    claim_topics = {settings.topic_submitted, settings.topic_by_member}
    metrics.watch_lag(lambda: consumer_lag(app, claim_topics))
    metrics.watch_recovery(lambda: recovery_remaining(app))
    register_endpoints(app, metrics, lambda: readiness(adjudicator))
    return adjudicator


def readiness(adjudicator: Adjudicator) -> dict[str, bool]:
    """Ready = the broker answers, claim partitions assigned, tables recovered and loaded, no
    rebalance running. `/healthz` stays the liveness check: a lost broker is waited out."""
    app = adjudicator.app
    claim_topics = {adjudicator.settings.topic_submitted, adjudicator.settings.topic_by_member}
    assigned = any(tp.topic in claim_topics for tp in _assignment(app))
    recovery: Any = getattr(app.tables, "recovery", None)
    return {
        "broker_connected": adjudicator.broker.connected,
        "partitions_assigned": assigned,
        "tables_recovered": recovery is not None and recovery.completed.is_set(),
        "reference_loaded": adjudicator.references.loaded.is_set(),
        "not_rebalancing": not app.rebalancing,
    }


def _assignment(app: faust.App) -> set[Any]:
    try:
        return set(app.consumer.assignment())
    except Exception:  # consumer not started yet
        return set()


def consumer_lag(app: faust.App, topics: set[str]) -> Iterator[tuple[str, int, int]]:
    """Per assigned partition of the claim topics: the end offset a read_committed consumer
    sees (the last stable offset, from the latest fetch) minus the group's committed offset,
    moved over what the ledger knows holds no record (the commit marker after the last record
    of a transaction), so a caught-up partition reports 0. Changelogs are not input: their
    replay shows in `claims_table_recovery_remaining_messages`."""
    consumer: Any = app.consumer
    ledger = getattr(consumer, "ledger", None)
    for tp in sorted(_assignment(app)):
        if tp.topic not in topics or ledger is None:
            continue
        end = consumer.highwater(tp)
        committed = ledger.settled(tp)
        if end is None or committed is None:
            continue
        yield tp.topic, tp.partition, max(0, end - committed)


def recovery_remaining(app: faust.App) -> Iterator[tuple[str, int, int]]:
    """Per active changelog partition, the records table recovery has still to read (0 once
    recovered; nothing before the first recovery)."""
    recovery: Any = getattr(app.tables, "recovery", None)
    if recovery is None:
        return
    remaining = recovery.active_remaining() if recovery.in_recovery else {}
    for tp in sorted(recovery.active_tps):
        yield tp.topic, tp.partition, max(0, int(remaining.get(tp, 0)))
