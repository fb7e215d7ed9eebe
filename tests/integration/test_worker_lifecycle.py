"""A pended claim's life on the real broker (claim-lifecycle.md L.4, issue 17).

* Each trigger end to end, and the two rejections as dead letters.
* Faults in the middle of lifecycles — a SIGKILL and an immediate restart, a second worker
  joining and leaving, a broker restart: every claim's records arrive once and in order, each
  superseding the one before, and every claim ends as in a run without faults.
* The order test: the same events with the calendar, the claims and the follow-up topics
  interleaved differently give every claim the same last record.

A tail of the decision topic (read_committed, as every consumer reads it) keeps each claim's
records in offset order; a claim's follow-ups are sent once its first record is read, as a
provider or a reviewer answers a pend.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from tests.cases import load_cases
from tests.integration.gauges import assigned
from tests.integration.kafka_util import KafkaBroker, header_map, key_partition
from tests.integration.streams import (
    DOCUMENTATION,
    PRIOR_AUTH,
    REVIEWS,
    LifecycleClaim,
    lifecycle_stream,
)
from tests.integration.test_dlq import DLQ_HEADERS
from workers.cli import main
from workers.commands.calendar import KEY as CALENDAR_KEY
from workers.commands.calendar import opened_event
from workers.demo.driver import (
    Record,
    WorkerProcess,
    case_feed,
    follow_up,
    isolated_settings,
    produce,
    read_settled,
)
from workers.settings import Settings
from workers.stream.topics import ensure_topics

# One xdist process runs the module (tests/integration/scheduling.py): its workers and topics
# are module fixtures, started once.
pytestmark = pytest.mark.integration

# Past every documentation deadline of the streams (2026-03-02 + 45 days = 2026-04-16).
CALENDAR_DATE = "2026-04-17"
# Ten lives (streams.lifecycles) over three partitions, sent at RATE claims/s.
CLAIMS = 120
RATE = 20.0
# Fields of a last record that say when and in which order it was decided (L.4 item 5).
VOLATILE = ("decision_id", "decided_at", "processing_date", "input_digest", "supersedes")
SETTLE_SECONDS = 2.0  # a duplicate or a late record would be visible by then
RUN_TIMEOUT_SECONDS = 150.0
DEADLINE = "documentation_deadline"
ROUND = 10  # claims sent at once when the calendar comes first

Lives = dict[str, list[dict[str, Any]]]
T = TypeVar("T")


# -- feeding and reading -------------------------------------------------------------------------


class Tail:
    """The decision topic read with read_committed from the start: each claim's records in
    offset order, and the ids of claims whose first record was just read."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.lives: Lives = defaultdict(list)
        self.first_read: asyncio.Queue[str] = asyncio.Queue()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            isolation_level="read_committed",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=100,
        )
        self._topic = topic
        self._task: asyncio.Task[None] | None = None
        self._read_more = asyncio.Event()  # set whenever records were read

    async def __aenter__(self) -> Tail:
        await self._consumer.start()
        partitions = await _partitions(self._consumer, self._topic)
        self._consumer.assign([TopicPartition(self._topic, p) for p in partitions])
        await self._consumer.seek_to_beginning()
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    async def _read(self) -> None:
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=100, max_records=5000)
            except KafkaError:  # the broker is away: keep trying
                await asyncio.sleep(0.2)
                continue
            for records in batches.values():
                for record in records:
                    claim_id = record.key.decode()
                    self.lives[claim_id].append(orjson.loads(record.value))
                    if len(self.lives[claim_id]) == 1:
                        self.first_read.put_nowait(claim_id)
            if any(batches.values()):
                self._read_more.set()

    async def _more(self, seconds: float) -> bool:
        """Whether records were read within `seconds` (from now)."""
        self._read_more.clear()
        try:
            await asyncio.wait_for(self._read_more.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def until(self, done: Callable[[Lives], bool], what: str, seconds: float) -> None:
        """Wait until `done(lives)`; fail naming `what` and the claims' records so far."""
        deadline = time.monotonic() + seconds
        while not done(self.lives):
            left = deadline - time.monotonic()
            if left <= 0:
                summary = {claim: trail(records) for claim, records in sorted(self.lives.items())}
                pytest.fail(f"{what}: not reached in {seconds:.0f} s; records so far {summary}")
            await self._more(min(left, 0.5))

    async def settle(self) -> Lives:
        """The lives once SETTLE_SECONDS passed with nothing new."""
        while await self._more(SETTLE_SECONDS):
            pass
        return {claim: list(records) for claim, records in self.lives.items()}


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[int]:
    for _ in range(50):
        if partitions := consumer.partitions_for_topic(topic):
            return sorted(partitions)
        await asyncio.sleep(0.2)
        await consumer._client.force_metadata_update()  # noqa: SLF001 - no public refresh
    raise AssertionError(f"topic {topic} has no partitions")


class Sender:
    """One idempotent producer that rides out a broker restart; `flush` checks every send."""

    def __init__(self, bootstrap: str, settings: Settings) -> None:
        self.settings = settings
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            linger_ms=5,
            enable_idempotence=True,
            request_timeout_ms=120_000,
        )
        self._deliveries: list[asyncio.Future[Any]] = []

    async def __aenter__(self) -> Sender:
        await self._producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._producer.stop()

    async def send(self, topic: str, records: Iterable[Record]) -> None:
        for key, value in records:
            self._deliveries.append(await self._producer.send(topic, value=value, key=key))

    async def follow_ups(self, claim: LifecycleClaim, kinds: Iterable[str] | None = None) -> None:
        """The claim's follow-ups (of `kinds`; default all), in order."""
        topics = {
            DOCUMENTATION: self.settings.topic_documentation,
            REVIEWS: self.settings.topic_reviews,
            PRIOR_AUTH: self.settings.topic_prior_auth,
        }
        for kind, record in claim.follow_ups:
            if kinds is None or kind in kinds:
                await self.send(topics[kind], [record])

    async def open_calendar(self) -> None:
        await self.send(
            self.settings.topic_calendar,
            [(CALENDAR_KEY, opened_event(date.fromisoformat(CALENDAR_DATE)))],
        )

    async def flush(self) -> None:
        await asyncio.gather(*self._deliveries)
        self._deliveries.clear()


def trail(records: list[dict[str, Any]]) -> list[tuple[str, str | None, str]]:
    return [(r["decision"], r["carc"], r["trigger"]) for r in records]


def final_of(records: list[dict[str, Any]]) -> tuple[str, str | None, str] | None:
    return trail(records)[-1] if records else None


def all_final(stream: list[LifecycleClaim]) -> Callable[[Lives], bool]:
    return lambda lives: all(final_of(lives.get(c.claim_id, [])) == c.final for c in stream)


def all_read(stream: list[LifecycleClaim]) -> Callable[[Lives], bool]:
    return lambda lives: all(c.claim_id in lives for c in stream)


def last_records(lives: Lives) -> dict[str, dict[str, Any]]:
    """Every claim's last record without the fields that depend on when it was decided."""
    return {
        claim: {k: v for k, v in records[-1].items() if k not in VOLATILE}
        for claim, records in lives.items()
    }


# -- runs ----------------------------------------------------------------------------------------


@dataclass
class Run:
    """One isolated run: its settings (topics, group, transactional ids of its own) and the
    worker processes that serve it (static members, as the Deployment's pods are)."""

    bootstrap: str
    settings: Settings
    workers: list[WorkerProcess] = field(default_factory=list)

    @classmethod
    def prepare(
        cls, bootstrap: str, stream: list[LifecycleClaim], ports: Callable[[], int], tmp: Path
    ) -> Run:
        name = f"life-{uuid.uuid4().hex[:8]}"
        settings = isolated_settings(
            bootstrap, name, ports(), tmp / "data1", instance_id=f"{name}-1"
        )
        asyncio.run(ensure_topics(settings))
        asyncio.run(produce(bootstrap, settings.topic_eligibility, [c.eligibility for c in stream]))
        pas = [pa for c in stream for pa in c.prior_auths]
        asyncio.run(produce(bootstrap, settings.topic_prior_auth, pas))
        second = settings.model_copy(
            update={"web_port": ports(), "data_dir": tmp / "data2", "instance_id": f"{name}-2"}
        )
        return cls(
            bootstrap,
            settings,
            [
                WorkerProcess(settings, tmp / "worker1.log"),
                WorkerProcess(second, tmp / "worker2.log"),
            ],
        )

    @property
    def worker(self) -> WorkerProcess:
        return self.workers[0]

    def stop(self) -> None:
        for worker in reversed(self.workers):
            worker.stop()

    def serve(self, scenario: Callable[[Tail, Sender], Awaitable[T]]) -> T:
        """Start the first worker, run `scenario` with a tail of the decisions and a sender,
        check every send, stop every worker."""

        async def main() -> T:
            async with (
                Tail(self.bootstrap, self.settings.topic_decisions) as tail,
                Sender(self.bootstrap, self.settings) as sender,
            ):
                result = await scenario(tail, sender)
                await sender.flush()
                return result

        self.worker.start()
        try:
            self.worker.wait_ready()
            return asyncio.run(main())
        finally:
            self.stop()

    def dead_letters(self, expected: int) -> list[Any]:
        """The dead-letter topic once `expected` records are there and nothing more came."""
        topic = self.settings.topic_dlq
        return asyncio.run(read_settled(self.bootstrap, topic, expected, timeout=30, settle=2))


def live(run: Run, stream: list[LifecycleClaim], fault: Callable[[], None] | None) -> Lives:
    """Claims streamed at RATE, the calendar opened halfway, each claim's follow-ups sent once
    its first record is read; `fault` (blocking, in a thread) 3 s into the stream. Returns the
    lives once every claim reached its last record and nothing more came."""
    claims = {c.claim_id: c for c in stream}

    async def scenario(tail: Tail, sender: Sender) -> Lives:
        async def answer() -> None:
            while True:
                claim_id = await tail.first_read.get()
                await sender.follow_ups(claims[claim_id])

        async def submit() -> None:
            start = time.monotonic()
            for n, claim in enumerate(stream):
                await sender.send(run.settings.topic_submitted, [claim.submitted])
                if n == len(stream) // 2:
                    await sender.open_calendar()
                await asyncio.sleep(max(0.0, start + (n + 1) / RATE - time.monotonic()))

        answering = asyncio.create_task(answer())
        submitting = asyncio.create_task(submit())
        if fault is not None:
            await asyncio.sleep(3.0)
            began = time.monotonic()
            await asyncio.to_thread(fault)
            print(f"\nLIFECYCLES the fault took {time.monotonic() - began:.1f} s")
        await submitting
        await tail.until(all_final(stream), "every claim at its last record", RUN_TIMEOUT_SECONDS)
        lives = await tail.settle()
        answering.cancel()
        await asyncio.gather(answering, return_exceptions=True)
        return lives

    return run.serve(scenario)


def assert_lives_whole(lives: Lives, stream: list[LifecycleClaim]) -> None:
    """Every claim's records arrived once, in order, each superseding the one before, and the
    claim ended as its life says."""
    assert sorted(lives) == sorted(c.claim_id for c in stream)
    ids = Counter(r["decision_id"] for records in lives.values() for r in records)
    assert [i for i, n in ids.items() if n > 1] == []
    for claim in stream:
        records = lives[claim.claim_id]
        steps = Counter((r["trigger"], r["supersedes"]) for r in records)
        assert [s for s, n in steps.items() if n > 1] == [], claim.claim_id
        assert (records[0]["trigger"], records[0]["supersedes"]) == ("claim_submitted", None)
        chain = [r["supersedes"] for r in records[1:]]
        assert chain == [r["decision_id"] for r in records[:-1]], (claim.claim_id, trail(records))
        assert final_of(records) == claim.final, (claim.claim_id, trail(records))


def assert_one_dead_letter_each(run: Run, stream: list[LifecycleClaim]) -> None:
    rejected = [c.claim_id for c in stream for _ in range(c.rejected)]
    dead = run.dead_letters(len(rejected))
    assert sorted(r.key.decode() for r in dead) == sorted(rejected)
    assert {header_map(r)["error.class"] for r in dead} == {b"ClaimNotPending"}


@pytest.fixture(scope="module")
def stream() -> list[LifecycleClaim]:
    return lifecycle_stream(load_cases(), CLAIMS)


@dataclass(frozen=True)
class Undisturbed:
    """The stream and every claim's last record in a run without faults."""

    stream: list[LifecycleClaim]
    last: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def undisturbed(
    kafka_bootstrap: str,
    stream: list[LifecycleClaim],
    unused_tcp_port_factory: Callable[[], int],
    tmp_path_factory: pytest.TempPathFactory,
) -> Undisturbed:
    run = Run.prepare(
        kafka_bootstrap, stream, unused_tcp_port_factory, tmp_path_factory.mktemp("undisturbed")
    )
    lives = live(run, stream, None)
    assert_lives_whole(lives, stream)
    assert_one_dead_letter_each(run, stream)
    return Undisturbed(stream, last_records(lives))


# -- each trigger end to end ------------------------------------------------------------------

# The public cases of the trigger test: the seed pends for records, TC-064 for a clinical review
# of its baclofen dose, TC-027 for its PA, TC-007 for records that never come; TC-002 approves.
SEED, BACLOFEN, PA, LATE, APPROVED = (
    "ITDD-TC-001",
    "ITDD-TC-064",
    "ITDD-TC-027",
    "ITDD-TC-007",
    "ITDD-TC-002",
)


def review(claim: Mapping[str, Any], event_id: str, determination: str, role: str) -> Record:
    """A clinical review of line 2 (the drug line of every case used), dated 2026-03-05."""
    entry = {"line_number": 2, "rule": "ITDD-SAFE-01", "determination": determination}
    return follow_up(
        "claim.clinical_review_completed",
        claim,
        event_id,
        "2026-03-05",
        "2026-03-05T09:00:00Z",
        reviews=[{**entry, "reviewer_role": role}],
    )


def records_received(claim: Mapping[str, Any], event_id: str, facts: Mapping[str, Any]) -> Record:
    return follow_up(
        "claim.documentation_received",
        claim,
        event_id,
        "2026-03-20",
        "2026-03-20T09:00:00Z",
        documentation=facts,
    )


def test_each_trigger_and_rejection_end_to_end(
    kafka_bootstrap: str,
    unused_tcp_port_factory: Callable[[], int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cases = {case["case_id"]: case for case in load_cases()}
    used = [cases[case_id] for case_id in (SEED, BACLOFEN, PA, LATE, APPROVED)]
    ids = {case["case_id"]: case["claim"]["claim_id"] for case in used}
    run = Run.prepare(kafka_bootstrap, [], unused_tcp_port_factory, tmp_path)
    settings = run.settings
    feed = case_feed(used, "2026-03-02T14:03:00Z")
    asyncio.run(produce(kafka_bootstrap, settings.topic_eligibility, feed.eligibility))
    asyncio.run(produce(kafka_bootstrap, settings.topic_prior_auth, feed.prior_auths))
    [pending_pa] = cases[PA]["context"]["prior_authorizations"]
    approved_pa = (b"PA-TEST-0027", orjson.dumps({**pending_pa, "status": "approved"}))
    seed_records = records_received(
        cases[SEED]["claim"], "evt-seed-records", cases[APPROVED]["claim"]["documentation"]
    )
    not_appropriate = review(
        cases[BACLOFEN]["claim"], "evt-baclofen", "dose_not_appropriate", "medical_director"
    )
    # Two events that do not apply: a review of a claim pended for records, records for a
    # claim that was approved.
    rejected = {
        "ReviewNotRequested": review(
            cases[LATE]["claim"], "evt-late-review", "dose_appropriate", "pharmacist"
        ),
        "ClaimNotPending": records_received(
            cases[APPROVED]["claim"], "evt-approved-records", {"purpose": "idd_trial"}
        ),
    }
    followed = [ids[SEED], ids[BACLOFEN], ids[PA]]

    async def scenario(tail: Tail, sender: Sender) -> tuple[Lives, Lives]:
        await sender.send(settings.topic_submitted, feed.claims)
        await tail.until(lambda lives: len(lives) == len(ids), "first records", 60)
        await sender.send(settings.topic_documentation, [seed_records])
        await sender.send(settings.topic_reviews, [not_appropriate, rejected["ReviewNotRequested"]])
        await sender.send(settings.topic_prior_auth, [approved_pa])
        await sender.send(settings.topic_documentation, [rejected["ClaimNotPending"]])
        await sender.flush()
        await tail.until(
            lambda lives: all(len(lives[claim]) == 2 for claim in followed),
            "the re-adjudications",
            60,
        )
        before = await tail.settle()
        # The operator's command, as the daily CronJob runs it.
        monkeypatch.setenv("CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
        monkeypatch.setenv("CLAIMS_ADJ_TOPIC_CALENDAR", settings.topic_calendar)
        assert await asyncio.to_thread(main, ["calendar", "open", CALENDAR_DATE]) == 0
        await tail.until(lambda lives: len(lives[ids[LATE]]) == 2, "the deadline", 60)
        return before, await tail.settle()

    before, after = run.serve(scenario)
    dead = run.dead_letters(2)

    assert [trail(before[claim][:1]) for claim in ids.values()] == [
        [("pend", None, "claim_submitted")]
    ] * 4 + [[("approve", None, "claim_submitted")]]
    assert [before[ids[case]][0]["pend"]["reasons"] for case in (SEED, BACLOFEN, PA, LATE)] == [
        ["documentation_requested"],
        ["clinical_review_dose_outlier"],
        ["prior_authorization_pending"],
        ["documentation_requested"],
    ]
    # Nothing else: the approved claim keeps its one record, the calendar finalized one claim.
    assert [len(after[claim]) for claim in ids.values()] == [2, 2, 2, 2, 1]
    assert_readjudicated(after, ids, cases[APPROVED]["expected"]["rule_ids"])
    assert len(dead) == 2
    for record in dead:
        error_class = header_map(record)["error.class"].decode()
        topic = (
            settings.topic_reviews
            if error_class == "ReviewNotRequested"
            else settings.topic_documentation
        )
        assert_rejected(record, rejected[error_class], topic, settings.partitions)


def assert_readjudicated(after: Lives, ids: Mapping[str, str], approved_rules: list[str]) -> None:
    """Each follow-up's record, superseding the pend (claim-lifecycle.md L.1, L.2, L.5)."""
    # documentation_received: the seed approved with TC-002's facts, its E/I finding kept.
    pend, approval = after[ids[SEED]]
    assert (approval["decision"], approval["claim_status_category"]) == ("approve", "F1")
    assert approval["rule_ids"] == approved_rules
    assert [f["rule"] for f in approval["informational_findings"]] == ["ITDD-EI-01"]
    assert (approval["supersedes"], approval["trigger"], approval["processing_date"]) == (
        pend["decision_id"],
        "documentation_received",
        "2026-03-20",
    )
    # clinical_review_completed: the dose is not appropriate, CO-50/N661.
    pend, denial = after[ids[BACLOFEN]]
    assert codes(denial) == ("deny", "F2", "CO", "50", ["N661"], "1")
    assert "ITDD-SAFE-01" in denial["rule_ids"]
    assert (denial["supersedes"], denial["trigger"], denial["processing_date"]) == (
        pend["decision_id"],
        "clinical_review_completed",
        "2026-03-05",
    )
    # prior_authorization_updated: the approved PA approves the claim that waited on it.
    pend, approval = after[ids[PA]]
    assert (approval["decision"], approval["claim_status_category"]) == ("approve", "F1")
    assert (approval["supersedes"], approval["trigger"]) == (
        pend["decision_id"],
        "prior_authorization_updated",
    )
    # documentation_deadline: the calendar opened past 2026-03-02 + 45 days, CO-226/N706 on
    # every line, the pend's rule ids.
    pend, denial = after[ids[LATE]]
    assert codes(denial) == ("deny", "F2", "CO", "226", ["N706"], "1")
    assert {(line["carc"], tuple(line["rarc"])) for line in denial["line_decisions"]} == {
        ("226", ("N706",))
    }
    assert denial["rule_ids"] == pend["rule_ids"]
    assert (denial["supersedes"], denial["trigger"], denial["processing_date"]) == (
        pend["decision_id"],
        "documentation_deadline",
        CALENDAR_DATE,
    )


CODES = ("decision", "claim_status_category", "group_code", "carc", "rarc", "x12_835_clp02")


def codes(record: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(record[name] for name in CODES)


def assert_rejected(dead: Any, sent: Record, topic: str, partitions: int) -> None:
    """No decision, a dead letter: the six headers, the original key and bytes, and the
    coordinates of the topic the event arrived on (L.4 item 3)."""
    headers = header_map(dead)
    key, value = sent
    assert key is not None
    assert [name for name, _ in dead.headers] == DLQ_HEADERS
    assert (dead.key, dead.value) == (key, value)
    assert headers["error.stage"] == b"lifecycle"
    assert headers["source.topic"].decode() == topic
    assert int(headers["source.partition"]) == key_partition(key, partitions)
    assert int(headers["source.offset"]) >= 0


# -- faults in the middle of lifecycles -------------------------------------------------------


def sigkill_and_restart(run: Run) -> Callable[[], None]:
    def fault() -> None:
        run.worker.kill()
        run.worker.start()  # at once, under the same instance id

    return fault


def second_worker_joins_and_leaves(run: Run) -> Callable[[], None]:
    def fault() -> None:
        second = run.workers[1]
        second.start()
        second.wait_ready(timeout=120)
        deadline = time.monotonic() + 30
        while not assigned(second, run.settings.topic_by_member):
            assert time.monotonic() < deadline, "the second worker got no partition"
            time.sleep(0.25)
        time.sleep(2.0)
        second.stop()

    return fault


def broker_restart(broker: KafkaBroker) -> Callable[[], None]:
    return lambda: broker.restart_broker(downtime_s=2.0)


@pytest.mark.parametrize("fault", ["sigkill-restart", "rebalance", "broker-restart"])
def test_lifecycles_survive_a_fault_whole_and_end_as_without_it(
    fault: str,
    broker_container: KafkaBroker,
    undisturbed: Undisturbed,
    unused_tcp_port_factory: Callable[[], int],
    tmp_path: Path,
) -> None:
    stream = undisturbed.stream
    run = Run.prepare(broker_container.bootstrap, stream, unused_tcp_port_factory, tmp_path)
    faults: Mapping[str, Callable[[], None]] = {
        "sigkill-restart": sigkill_and_restart(run),
        "rebalance": second_worker_joins_and_leaves(run),
        "broker-restart": broker_restart(broker_container),
    }
    started = time.monotonic()
    lives = live(run, stream, faults[fault])
    print(
        f"\nLIFECYCLES {fault}: {len(stream)} claims, "
        f"{sum(map(len, lives.values()))} records in {time.monotonic() - started:.1f} s"
    )
    assert_lives_whole(lives, stream)
    last = last_records(lives)
    assert [claim for claim in last if last[claim] != undisturbed.last[claim]] == []
    assert_one_dead_letter_each(run, stream)


# -- the order of events across topics (L.4 item 5) ----------------------------------------------

Order = Callable[["Run", Tail, Sender], Awaitable[None]]


async def in_order(
    run: Run, claims: list[LifecycleClaim], order: Order, tail: Tail, sender: Sender
) -> Lives:
    """The claims' lives with their events sent in `order`."""
    await order(run, tail, sender)
    await sender.flush()
    await tail.until(all_final(claims), f"{order.__name__}: every last record", 90)
    return await tail.settle()


def test_the_interleaving_of_calendar_claims_pa_and_records_does_not_change_last_records(
    kafka_bootstrap: str,
    stream: list[LifecycleClaim],
    unused_tcp_port_factory: Callable[[], int],
    tmp_path: Path,
) -> None:
    """Run 1: the calendar first, then the claims (in rounds), then PA updates, records and
    reviews at once. Run 2: the claims, then reviews and records, then PA updates, each once
    the one before took effect, the calendar last."""
    claims = stream[:60]

    async def calendar_first(run: Run, tail: Tail, sender: Sender) -> None:
        await sender.open_calendar()
        await sender.flush()
        await asyncio.sleep(2.0)  # the worker has read it (its reference table is its own)
        # In rounds: after the first, the partitions know the business date already, and a
        # claim pended for records must still meet the deadline the calendar passed.
        for start in range(0, len(claims), ROUND):
            sent = claims[start : start + ROUND]
            await sender.send(run.settings.topic_submitted, [c.submitted for c in sent])
            await tail.until(all_read(sent), "first records", 60)
        unanswered = [c for c in claims if not c.follow_ups and c.final[2] == DEADLINE]
        await tail.until(all_final(unanswered), "deadline denials without another event", 20)
        for kind in (PRIOR_AUTH, DOCUMENTATION, REVIEWS):
            for claim in claims:
                await sender.follow_ups(claim, [kind])

    async def calendar_last(run: Run, tail: Tail, sender: Sender) -> None:
        await sender.send(run.settings.topic_submitted, [c.submitted for c in claims])
        await tail.until(all_read(claims), "first records", 60)
        for kinds in ((REVIEWS, DOCUMENTATION), (PRIOR_AUTH,)):
            answered = [c for c in claims if {kind for kind, _ in c.follow_ups} & set(kinds)]
            for claim in answered:
                await sender.follow_ups(claim, kinds)
            await tail.until(all_final(answered), f"the claims answered by {kinds}", 60)
        await sender.open_calendar()

    # The two runs side by side: each has a worker and topics of its own.
    runs = {
        order.__name__: (
            Run.prepare(kafka_bootstrap, claims, unused_tcp_port_factory, tmp_path / str(n)),
            order,
        )
        for n, order in enumerate((calendar_first, calendar_last))
    }
    with ThreadPoolExecutor(len(runs)) as pool:
        serving = {
            name: pool.submit(run.serve, partial(in_order, run, claims, order))
            for name, (run, order) in runs.items()
        }
        results = {name: future.result() for name, future in serving.items()}
    for lives in results.values():
        assert_lives_whole(lives, claims)

    first, last = (last_records(lives) for lives in results.values())
    assert [c for c in first if first[c] != last[c]] == []
    # The two runs took different paths: with the calendar first every records pend was
    # denied CO-226 before its records came; with the calendar last only those never answered.
    paths = {name: sum(map(len, lives.values())) for name, lives in results.items()}
    print(f"\nORDER records per run: {paths}")
    assert paths["calendar_first"] > paths["calendar_last"]
