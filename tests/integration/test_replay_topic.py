"""Topic replay on the real broker: a decisions-topic range joined with the input topic,
replayed into another topic, with the production consumer groups' offsets untouched.

`test_replay_of_published_decisions` produces envelopes and decision records itself (with the
snapshot headers the replay asks the worker for, in transactions, one of them aborted);
`test_replay_of_the_workers_decisions` replays what the real worker published;
`test_replay_of_a_claims_life` a claim's pend and the approval that supersedes it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from models.request import parse_request
from policy.engine import decide
from tests.cases import load_cases
from tests.integration.kafka_util import create_topics, header_map, unique_name
from workers.cli import main
from workers.demo.driver import (
    WorkerProcess,
    case_feed,
    envelope,
    isolated_settings,
    load_feed,
    produce,
    read_topic,
)
from workers.replay.join import EVENT_ID_HEADER, SNAPSHOT_HEADER
from workers.stamp import stamp
from workers.stream.topics import ensure_topics

pytestmark = pytest.mark.integration

NO_SNAPSHOT_CASES = {"ITDD-TC-003", "ITDD-TC-010", "ITDD-TC-020"}
TAMPERED_CASE = "ITDD-TC-006"


def published_cases() -> list[dict[str, Any]]:
    """The cases the worker publishes a decision for (ignore publishes nothing)."""
    return [c for c in load_cases() if c["expected"]["decision"] != "ignore"]


def decision_message(case: dict[str, Any]) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    request = {"claim": case["claim"], "context": case["context"]}
    record = stamp(decide(parse_request(request))).to_dict()
    if case["case_id"] == TAMPERED_CASE:
        record["carc"] = "96"
    headers = [
        ("decision", record["decision"].encode()),
        (EVENT_ID_HEADER, case["case_id"].encode()),
    ]
    if case["case_id"] not in NO_SNAPSHOT_CASES:
        headers.append((SNAPSHOT_HEADER, orjson.dumps(case["context"])))
    return case["claim"]["claim_id"].encode(), orjson.dumps(record), headers


async def produce_history(bootstrap: str, submitted: str, decisions: str) -> int:
    """Envelopes, then decisions, each in a committed transaction; then an aborted transaction
    of decisions that a read_committed replay must never see. The decisions published."""
    cases = published_cases()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, transactional_id=unique_name("replay-history-tx")
    )
    await producer.start()
    try:
        async with producer.transaction():
            for case in cases:
                value = envelope(
                    case["claim"],
                    case["case_id"],
                    case["context"]["processing_date"],
                    "2026-03-02T14:03:00Z",
                )
                await producer.send(submitted, value=value, key=case["claim"]["claim_id"].encode())
        async with producer.transaction():
            for case in cases:
                key, value, headers = decision_message(case)
                await producer.send(decisions, value=value, key=key, headers=headers)
        await producer.begin_transaction()
        for case in cases[:5]:
            key, value, headers = decision_message(case)
            await producer.send(decisions, value=value, key=key, headers=headers)
        await producer.abort_transaction()
    finally:
        await producer.stop()
    return len(cases)


async def commit_production_offsets(bootstrap: str, group: str, topic: str) -> None:
    """A downstream production consumer (say, payments) that has read part of the 3-partition
    topic."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        consumer.assign(partitions)
        await consumer.commit({tp: 1 + tp.partition for tp in partitions})
    finally:
        await consumer.stop()


async def group_offsets(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}


def read_report(directory: Path) -> dict[str, Any]:
    return dict(orjson.loads((directory / "report.json").read_bytes()))


def test_replay_of_published_decisions(kafka_bootstrap: str, tmp_path: Path) -> None:
    submitted, decisions, out = (unique_name(n) for n in ("submitted", "decisions", "replayed"))
    asyncio.run(create_topics(kafka_bootstrap, {submitted: 3, decisions: 3, out: 1}))
    since = int(time.time() * 1000) - 1000
    count = asyncio.run(produce_history(kafka_bootstrap, submitted, decisions))
    until = int(time.time() * 1000) + 1000
    group = unique_name("payments")
    asyncio.run(commit_production_offsets(kafka_bootstrap, group, decisions))
    before = asyncio.run(group_offsets(kafka_bootstrap, group))
    topic_args = [
        "--from-topic",
        "--bootstrap-servers",
        kafka_bootstrap,
        "--decisions-topic",
        decisions,
        "--input-topic",
        submitted,
        "--quiet",
    ]

    status = main(
        [
            "replay",
            *topic_args,
            "--since",
            str(since),
            "--until",
            str(until),
            "--out-topic",
            out,
            "--processes",
            "2",
            "--report-dir",
            str(tmp_path / "r"),
        ]
    )

    report = read_report(tmp_path / "r")
    assert status == 3  # the tampered record is an alarm
    assert report["lines"] == count  # the aborted transaction was not read
    assert report["counts"]["not_reproduced"] == 1
    assert report["counts"]["not_replayable"] == len(NO_SNAPSHOT_CASES)
    assert report["counts"]["reproduced"] == count - 1 - len(NO_SNAPSHOT_CASES)
    (tampered,) = report["not_reproduced"]
    assert tampered["claim_id"] == "CLM-ITDD-0006" and tampered["fields"] == ["carc"]
    assert tampered["source"]["topic"] == decisions
    assert {e["claim_id"] for e in report["not_replayable"]} == {
        f"CLM-ITDD-{c[-3:].zfill(4)}" for c in NO_SNAPSHOT_CASES
    }
    assert all("(no snapshot" in e["reason"] for e in report["not_replayable"])

    replayed = asyncio.run(read_topic(kafka_bootstrap, out, until=count - 3, timeout=30, idle=3))
    assert len(replayed) == count - len(NO_SNAPSHOT_CASES)
    assert all(header_map(r)["replay.mode"] == b"replay" for r in replayed)
    assert all(
        header_map(r)["decision"] == orjson.loads(r.value)["decision"].encode() for r in replayed
    )

    # A what-if of the same range into a file, and an offset range of one partition.
    status = main(
        [
            "replay",
            *topic_args,
            "--since",
            str(since),
            "--policy-version",
            "1.1.0",
            "--out",
            str(tmp_path / "what-if.jsonl"),
            "--report-dir",
            str(tmp_path / "w"),
        ]
    )
    what_if = read_report(tmp_path / "w")
    assert status == 1  # changes are no alarm; the claims without snapshot are incomplete
    # The four changes of policy-changes-1.1.0.md §4, and the tampered original (its carc).
    assert {(e["claim_id"], e["from"], e["to"]) for e in what_if["changed"]} == {
        ("CLM-ITDD-0061", "deny CO-58/N428", "approve"),
        ("CLM-ITDD-0062", "deny CO-16/N657", "deny CO-55/N623"),
        ("CLM-ITDD-0063", "deny CO-16/N657", "deny CO-55/N623"),
        ("CLM-ITDD-0064", "pend P2", "approve"),
        ("CLM-ITDD-0006", "approve", "approve"),
    }
    main(
        [
            "replay",
            *topic_args,
            "--offsets",
            "0:0-",
            "--out",
            str(tmp_path / "p0.jsonl"),
            "--report-dir",
            str(tmp_path / "p0"),
        ]
    )
    partition_0 = read_report(tmp_path / "p0")
    assert 0 < partition_0["lines"] < count
    assert all(e["source"]["partition"] == 0 for e in partition_0["not_replayable"])

    assert asyncio.run(group_offsets(kafka_bootstrap, group)) == before


def test_replay_of_the_workers_decisions(
    kafka_bootstrap: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    """Every decision the worker published in the range reproduces from the topics alone (the
    worker attaches the event id and the enrichment snapshot as headers), and the worker's
    consumer group offsets do not move."""
    settings = isolated_settings(
        kafka_bootstrap,
        f"replay-{uuid.uuid4().hex[:10]}",
        unused_tcp_port,
        tmp_path / "data",
        eligibility_grace_seconds=0,
    )
    asyncio.run(ensure_topics(settings))
    out = unique_name("replayed")
    asyncio.run(create_topics(kafka_bootstrap, {out: 1}))
    since = int(time.time() * 1000) - 1000
    cases = load_cases()
    asyncio.run(load_feed(settings, case_feed(cases, "2026-03-02T14:03:00Z")))
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready()
        published = asyncio.run(
            read_topic(
                kafka_bootstrap,
                settings.topic_decisions,
                until=len(published_cases()),
                timeout=90,
                idle=10,
            )
        )
    finally:
        assert worker.stop() == 0
    group = f"{settings.app_id}"
    before = asyncio.run(group_offsets(kafka_bootstrap, group))
    assert before, "the worker committed its input offsets"

    status = main(
        [
            "replay",
            "--from-topic",
            "--bootstrap-servers",
            kafka_bootstrap,
            "--decisions-topic",
            settings.topic_decisions,
            "--input-topic",
            settings.topic_submitted,
            "--since",
            str(since),
            "--out-topic",
            out,
            "--report-dir",
            str(tmp_path / "r"),
            "--quiet",
        ]
    )

    report = read_report(tmp_path / "r")
    assert report["lines"] == len(published) == len(published_cases())
    counts = report["counts"]
    assert counts["not_reproduced"] == 0 and counts["error"] == 0
    assert counts["not_replayable"] == 0, report["not_replayable"][:3]
    assert counts["reproduced"] == len(published)
    assert status == 0
    assert asyncio.run(group_offsets(kafka_bootstrap, group)) == before


def documentation_event(case: dict[str, Any], documentation: dict[str, Any]) -> bytes:
    """TC-002's records for the seed (claim-lifecycle.md L.5 row 1), on 2026-03-20."""
    return orjson.dumps(
        {
            "event_id": "docs-" + uuid.uuid4().hex,
            "event_type": "claim.documentation_received",
            "schema_version": 1,
            "occurred_at": "2026-03-20T09:00:00Z",
            "processing_date": "2026-03-20",
            "claim_id": case["claim"]["claim_id"],
            "member_id": case["claim"]["member"]["member_id"],
            "documentation": documentation,
        }
    )


def test_replay_of_a_claims_life(
    kafka_bootstrap: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    """The seed pends, TC-002's records arrive, the worker approves; the replay of the
    decisions-topic range rebuilds both requests from the claims and documentation topics and
    reproduces both records with equal digests, the approval superseding the pend."""
    settings = isolated_settings(
        kafka_bootstrap,
        f"replay-life-{uuid.uuid4().hex[:10]}",
        unused_tcp_port,
        tmp_path / "data",
        eligibility_grace_seconds=0,
    )
    asyncio.run(ensure_topics(settings))
    since = int(time.time() * 1000) - 1000
    cases = {c["case_id"]: c for c in load_cases()}
    seed = cases["ITDD-TC-001"]
    asyncio.run(load_feed(settings, case_feed([seed], "2026-03-02T14:03:00Z")))
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready()
        asyncio.run(read_topic(kafka_bootstrap, settings.topic_decisions, until=1, timeout=90))
        records = [
            (
                seed["claim"]["claim_id"].encode(),
                documentation_event(seed, cases["ITDD-TC-002"]["claim"]["documentation"]),
            )
        ]
        asyncio.run(produce(kafka_bootstrap, settings.topic_documentation, records))
        published = asyncio.run(
            read_topic(kafka_bootstrap, settings.topic_decisions, until=2, timeout=90, idle=5)
        )
    finally:
        assert worker.stop() == 0
    originals = [orjson.loads(r.value) for r in published]
    assert [(r["decision"], r["trigger"]) for r in originals] == [
        ("pend", "claim_submitted"),
        ("approve", "documentation_received"),
    ]

    status = main(
        [
            "replay",
            "--from-topic",
            "--bootstrap-servers",
            kafka_bootstrap,
            "--decisions-topic",
            settings.topic_decisions,
            "--input-topic",
            settings.topic_submitted,
            "--documentation-topic",
            settings.topic_documentation,
            "--reviews-topic",
            settings.topic_reviews,
            "--since",
            str(since),
            "--out",
            str(tmp_path / "replayed.jsonl"),
            "--report-dir",
            str(tmp_path / "r"),
            "--quiet",
        ]
    )

    report = read_report(tmp_path / "r")
    assert report["counts"]["reproduced"] == 2, report
    assert status == 0
    replayed = [
        orjson.loads(line) for line in (tmp_path / "replayed.jsonl").read_bytes().splitlines()
    ]
    assert [r["input_digest"] for r in replayed] == [r["input_digest"] for r in originals]
    assert replayed[0]["supersedes"] is None
    assert replayed[1]["supersedes"] == replayed[0]["decision_id"]
