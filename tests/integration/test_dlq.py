"""Poison messages on the real broker: every malformed envelope is a dead letter with the
contract's headers and its original key and bytes, and the worker keeps consuming."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import orjson
import pytest

from tests.cases import CASES_FILE, load_cases
from tests.integration.kafka_util import header_map
from tests.integration.streams import claim_stream
from workers.demo.driver import (
    WorkerProcess,
    case_feed,
    envelope,
    isolated_settings,
    produce,
    read_settled,
    read_topic,
)
from workers.stream.topics import ensure_topics

pytestmark = pytest.mark.integration

DLQ_HEADERS = [
    "error.class",
    "error.message",
    "error.stage",
    "source.topic",
    "source.partition",
    "source.offset",
]


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def seed_claim() -> dict[str, object]:
    with CASES_FILE.open() as cases:
        return dict(json.loads(cases.readline())["claim"])


def malformed_messages(valid: bytes) -> dict[str, tuple[bytes, str, str]]:
    """key -> (value, expected error.class, expected error.stage)."""
    good = orjson.loads(valid)
    missing = {k: v for k, v in good.items() if k != "processing_date"}
    wrong_type = {**good, "event_id": 12345}
    unknown_version = {**good, "schema_version": 2}
    version_as_text = {**good, "schema_version": "1"}
    claim_not_object = {**good, "claim": ["not", "an", "object"]}
    return {
        "not-json": (b"{this is not json", "JSONDecodeError", "decode"),
        "not-utf8": (b"\xff\xfe\xfa garbage", "JSONDecodeError", "decode"),
        "array": (b"[1, 2, 3]", "NotAnObject", "envelope"),
        "missing-field": (orjson.dumps(missing), "ValidationError", "envelope"),
        "wrong-type": (orjson.dumps(wrong_type), "ValidationError", "envelope"),
        "unknown-version": (orjson.dumps(unknown_version), "ValidationError", "envelope"),
        "version-as-text": (orjson.dumps(version_as_text), "ValidationError", "envelope"),
        "claim-not-object": (orjson.dumps(claim_not_object), "ValidationError", "envelope"),
        # ~1 MB of garbage: just under the broker's default message size limit.
        "huge-garbage": (b"\x00garbage" * 125_000, "JSONDecodeError", "decode"),
    }


def test_malformed_envelopes_go_to_dlq_and_worker_keeps_consuming(
    kafka_bootstrap: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    settings = isolated_settings(
        kafka_bootstrap, f"dlq-{uuid.uuid4().hex[:10]}", unused_tcp_port, tmp_path / "data"
    )
    claim = seed_claim()
    first = envelope(claim, "evt-good-1", "2026-03-02", "2026-03-02T14:03:00Z")
    last = envelope(claim, "evt-good-2", "2026-03-02", "2026-03-02T14:04:00Z")
    bad = malformed_messages(first)

    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready()
        records = [
            (b"good-1", first),
            *((key.encode(), value) for key, (value, _, _) in bad.items()),
            (b"good-2", last),
        ]
        asyncio.run(produce(kafka_bootstrap, settings.topic_submitted, records))
        dead = asyncio.run(
            read_topic(kafka_bootstrap, settings.topic_dlq, until=len(bad), timeout=60, idle=None)
        )
        # The good envelope sent after every bad one was still processed.
        forwarded = asyncio.run(
            read_topic(kafka_bootstrap, settings.topic_by_member, until=2, timeout=60)
        )
        decisions = asyncio.run(
            read_topic(kafka_bootstrap, settings.topic_decisions, until=2, timeout=60)
        )
        metrics = worker.metrics()
        # faust's table and router views would serve member data and topology: not served.
        hidden = [
            path
            for path in ("/table/", "/router/", "/graph/", "/stats/")
            if http_status(f"{worker.url}{path}") != 404
        ]
    finally:
        worker.stop()

    assert hidden == []
    assert sorted(r.key.decode() for r in dead) == sorted(bad)
    for record in dead:
        value, error_class, stage = bad[record.key.decode()]
        headers = header_map(record)
        assert [name for name, _ in record.headers] == DLQ_HEADERS
        assert record.value == value  # original bytes, unchanged
        assert headers["error.class"].decode() == error_class
        assert headers["error.stage"].decode() == stage
        assert headers["error.message"]
        assert headers["source.topic"].decode() == settings.topic_submitted
        assert int(headers["source.partition"]) in range(settings.partitions)
        assert int(headers["source.offset"]) >= 0

    # Keyed by claim, the two land on partitions of their own: Kafka orders neither before the
    # other (one fetch can hand over both, in partition order).
    assert sorted(orjson.loads(r.value)["event_id"] for r in forwarded) == [
        "evt-good-1",
        "evt-good-2",
    ]
    assert all(r.key == b"m:TSTMBR000001" for r in forwarded)
    assert 'claims_dlq_total{error_class="JSONDecodeError"} 3.0' in metrics
    # No eligibility record was loaded: ELIG-01; the same claim again (new event id) is DUP-01,
    # read from the worker's own state.
    assert [orjson.loads(r.value)["rule_ids"] for r in decisions] == [
        ["ITDD-ELIG-01"],
        ["ITDD-DUP-01"],
    ]


def test_thousand_poison_messages_mixed_into_thousand_good(
    kafka_bootstrap: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    cases = load_cases()
    name = f"poison-{uuid.uuid4().hex[:10]}"
    settings = isolated_settings(
        kafka_bootstrap, name, unused_tcp_port, tmp_path / "data", eligibility_grace_seconds=0
    )
    asyncio.run(ensure_topics(settings))
    feed = case_feed(cases, "2026-03-02T14:03:00Z")
    asyncio.run(produce(kafka_bootstrap, settings.topic_eligibility, feed.eligibility))
    asyncio.run(produce(kafka_bootstrap, settings.topic_prior_auth, feed.prior_auths))

    good = claim_stream(cases, 1000, prefix=name.upper())
    kinds = list(malformed_messages(good[0].record()[1]).items())
    kinds = [(kind, spec) for kind, spec in kinds if kind != "huge-garbage"]  # size: test above
    records: list[tuple[bytes, bytes]] = []
    poison: dict[bytes, tuple[bytes, str]] = {}
    for n, claim in enumerate(good):
        records.append(claim.record())
        kind, (value, error_class, _) = kinds[n % len(kinds)]
        key = f"poison-{n:04d}-{kind}".encode()
        value = value if n % 2 else value + b" " * (n % 7)  # not all byte-identical
        records.append((key, value))
        poison[key] = (value, error_class)
    expected = {claim.claim_id for claim in good if claim.decided}

    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready()
        asyncio.run(produce(kafka_bootstrap, settings.topic_submitted, records))
        dead = asyncio.run(read_settled(kafka_bootstrap, settings.topic_dlq, len(poison)))
        decisions = asyncio.run(
            read_settled(kafka_bootstrap, settings.topic_decisions, len(expected))
        )
    finally:
        worker.stop()

    assert len(dead) == len(poison) == 1000
    for record in dead:
        value, error_class = poison[record.key]
        assert record.value == value
        assert [name for name, _ in record.headers] == DLQ_HEADERS
        assert header_map(record)["error.class"].decode() == error_class
    decided = [record.key.decode() for record in decisions]
    assert sorted(decided) == sorted(expected)
