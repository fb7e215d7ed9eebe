"""Prometheus metrics of the worker, in a registry of its own (served at /metrics).

Consumer lag is computed when scraped (the last stable offsets of the latest fetches and the
committed offsets the pipeline keeps, `Pipeline.lag`), so the hot path pays nothing for it. The
hot path's counts go into a plain dict (`Metrics.counted`) that the counters take in when
scraped, for the same reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Decision latency is dominated by the commit interval (a decision becomes visible when its
# transaction commits), so the buckets span milliseconds to tens of seconds.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

LagSource = Callable[[], Iterable[tuple[str, int, int]]]
# The pended claims the worker holds: (reason, count) pairs, and the oldest's age in business days.
PendingSource = Callable[[], tuple[dict[str, int], int | None]]
# Business days from a claim's first record to its final one: same-day to a quarter.
DAYS_BUCKETS = (0, 1, 2, 5, 10, 20, 31, 45, 60, 90)
# A count waiting for its counter: (counter, label value), None for a counter without labels.
Counted = tuple[Counter, str | None]


class _LagCollector(Collector):
    """A per-(topic, partition) gauge read from `source` at scrape time."""

    def __init__(self, source: LagSource, name: str, documentation: str) -> None:
        self._source = source
        self._name = name
        self._documentation = documentation

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(self._name, self._documentation, labels=["topic", "partition"])
        for topic, partition, lag in self._source():
            gauge.add_metric([topic, str(partition)], lag)
        yield gauge


class _PendingCollector(Collector):
    def __init__(self, source: PendingSource) -> None:
        self._source = source

    def collect(self) -> Iterator[Metric]:
        by_reason, oldest = self._source()
        pending = GaugeMetricFamily(
            "claims_pending", "Pended claims waiting for a follow-up, by reason", labels=["reason"]
        )
        for reason, count in sorted(by_reason.items()):
            pending.add_metric([reason], count)
        yield pending
        yield GaugeMetricFamily(
            "claims_pending_oldest_business_days",
            "Age of the oldest pended claim in business days (0 when none waits)",
            value=oldest or 0,
        )


class Metrics:
    """The counters the hops update; one instance per worker."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.decisions = Counter(
            "claims_decisions_total",
            "Decisions published, by outcome",
            ["decision"],
            registry=self.registry,
        )
        self.rules = Counter(
            "claims_decision_rules_total",
            "Rule ids listed in published decisions",
            ["rule_id"],
            registry=self.registry,
        )
        self.ignored = Counter(
            "claims_ignored_total",
            "Claims outside the policy's scope (nothing published)",
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "claims_dlq_total",
            "Messages sent to the dead-letter topic",
            ["error_class"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "claims_duplicate_events_total",
            "Events skipped because their event_id was already decided",
            registry=self.registry,
        )
        self.internal_errors = Counter(
            "claims_internal_errors_total",
            "Claims pended P2 internal_error after an enrichment or engine failure",
            registry=self.registry,
        )
        self.readjudications = Counter(
            "claims_readjudications_total",
            "Records published for a pended claim after a follow-up, by trigger",
            ["trigger"],
            registry=self.registry,
        )
        self.parked = Counter(
            "claims_parked_total",
            "Events parked in their member's state until its eligibility record arrives",
            registry=self.registry,
        )
        self.days_to_final = Histogram(
            "claims_days_to_final_record",
            "Business days from a pended claim's first record to its final record",
            buckets=DAYS_BUCKETS,
            registry=self.registry,
        )
        self.latency = Histogram(
            "claims_decision_latency_seconds",
            "Event occurred_at to the decision handed to the producer",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        # What the hops counted since the last scrape. A decision counts its outcome and each of
        # its rule ids: a dict increment each (0.1 us) rather than a labelled child's look-up and
        # lock (1.7 us), several times per claim. Scrapes run on the worker's one event loop, as
        # the hops do, so a scrape shows every event observed before it.
        self.counted: defaultdict[Counted, int] = defaultdict(int)

    def watch_broker(self, connected: Callable[[], bool]) -> None:
        """`claims_broker_connected`: 1 while the broker answers the worker's probe."""
        gauge = Gauge(
            "claims_broker_connected",
            "1 while the broker answers the worker's metadata probe, else 0",
            registry=self.registry,
        )
        gauge.set_function(lambda: 1.0 if connected() else 0.0)

    def watch_lag(self, source: LagSource) -> None:
        """`claims_consumer_lag_messages`: per assigned partition of the claim topics, the end
        offset (last stable offset) minus the group's committed offset; 0 when caught up."""
        self.registry.register(
            _LagCollector(
                source,
                "claims_consumer_lag_messages",
                "Claim-topic messages not yet committed by the group, per assigned partition "
                "(last stable offset - committed offset; 0 when caught up)",
            )
        )

    def watch_recovery(self, source: LagSource) -> None:
        """`claims_table_recovery_remaining_messages`: per changelog partition being restored,
        the offsets left to read (0 once restored)."""
        self.registry.register(
            _LagCollector(
                source,
                "claims_table_recovery_remaining_messages",
                "Changelog records still to read while a partition's member state is restored",
            )
        )

    def watch_pending(self, source: PendingSource) -> None:
        """`claims_pending` by reason and `claims_pending_oldest_business_days`, read from the
        member states of the assigned partitions at scrape time."""
        self.registry.register(_PendingCollector(source))

    def exposition(self) -> bytes:
        """The registry in Prometheus text format, with everything counted so far."""
        counted = list(self.counted.items())
        self.counted.clear()
        for (counter, label), count in counted:
            (counter if label is None else counter.labels(label)).inc(count)
        return generate_latest(self.registry)
