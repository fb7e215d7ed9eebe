"""End to end on the real broker: every case of samples/cases.jsonl, fed through the topics the
worker reads, yields the same decision record as the offline engine on the case's snapshot
(`ignore` publishes nothing), and the worker's whole log output carries none of the cases' PHI.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from models.request import parse_request
from policy.engine import decide
from tests.cases import load_cases
from tests.integration.kafka_util import header_map
from workers.demo.driver import (
    WorkerProcess,
    case_feed,
    isolated_settings,
    load_feed,
    produce,
    read_settled,
)
from workers.stream.topics import ensure_topics

pytestmark = pytest.mark.integration

UNSTAMPED = ("decision_id", "decided_at")


def offline(case: dict[str, Any]) -> dict[str, Any]:
    record = decide(parse_request({"claim": case["claim"], "context": case["context"]}))
    return {k: v for k, v in record.to_dict().items() if k not in UNSTAMPED}


def phi_values(cases: list[dict[str, Any]]) -> set[str]:
    """Member ids, dates of birth and diagnosis codes of every case."""
    values: set[str] = set()
    for case in cases:
        member = case["claim"].get("member") or {}
        for name in ("member_id", "dob"):
            if isinstance(member.get(name), str) and member[name]:
                values.add(member[name])
        values.update(c for c in case["claim"].get("diagnosis_codes") or () if isinstance(c, str))
    return values


def assert_decided_as_offline(
    records: list[Any], cases: list[dict[str, Any]]
) -> dict[str, list[Any]]:
    """Each published record is the offline engine's for its case; the records by claim id."""
    by_claim: dict[str, list[Any]] = {}
    for record in records:
        by_claim.setdefault(record.key.decode(), []).append(record)
    for case in cases:
        claim_id = case["claim"]["claim_id"]
        if case["expected"]["decision"] == "ignore":
            assert claim_id not in by_claim
            continue
        (record,) = by_claim[claim_id]
        got = orjson.loads(record.value)
        assert got["decision_id"] and got["decided_at"]
        assert {k: v for k, v in got.items() if k not in UNSTAMPED} == offline(case), case[
            "case_id"
        ]
        assert header_map(record)["decision"] == got["decision"].encode()
    return by_claim


def assert_fhir_mirrors(fhir: list[Any], decisions: dict[str, list[Any]]) -> None:
    """The same decisions as FHIR, in the same transactions: one Bundle per decision, its
    ClaimResponse and ExplanationOfBenefit rendered from the published record."""
    assert sorted(r.key.decode() for r in fhir) == sorted(decisions)
    for record in fhir:
        bundle = orjson.loads(record.value)
        kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
        assert kinds == ["ClaimResponse", "ExplanationOfBenefit"]
        decided = orjson.loads(decisions[record.key.decode()][0].value)
        assert bundle["entry"][0]["resource"]["id"] == decided["input_digest"]


def test_every_case_decided_as_offline(
    kafka_bootstrap: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    cases = load_cases()
    name = f"e2e-{uuid.uuid4().hex[:10]}"
    settings = isolated_settings(
        kafka_bootstrap, name, unused_tcp_port, tmp_path / "data", topic_fhir=f"{name}.fhir"
    )
    asyncio.run(ensure_topics(settings))
    now = datetime.now(UTC).isoformat()
    asyncio.run(load_feed(settings, case_feed(cases, now)))
    published = [c for c in cases if c["expected"]["decision"] != "ignore"]

    log_path = tmp_path / "worker.log"
    worker = WorkerProcess(settings, log_path)
    worker.start()
    try:
        worker.wait_ready()
        records = asyncio.run(
            read_settled(kafka_bootstrap, settings.topic_decisions, len(published))
        )
        assert settings.topic_fhir is not None
        fhir = asyncio.run(read_settled(kafka_bootstrap, settings.topic_fhir, len(published)))
        metrics = worker.metrics()
    finally:
        assert worker.stop() == 0

    assert len(records) == len(published), "one decision per non-ignored case, no more"
    by_claim = assert_decided_as_offline(records, cases)

    assert_fhir_mirrors(fhir, by_claim)
    assert "claims_ignored_total 2.0" in metrics
    assert 'claims_decisions_total{decision="approve"}' in metrics

    # A new worker process recovers the member state from the changelog: the approved claim
    # re-submitted (new event id) is DUP-01, a re-sent event (same event id) decides nothing.
    approved = next(c for c in cases if c["expected"]["decision"] == "approve")
    feed = case_feed([approved], now, event_suffix="-resubmitted")
    resent = case_feed([approved], now)  # the original event, byte for byte
    worker = WorkerProcess(settings, log_path)
    worker.start()
    try:
        worker.wait_ready()
        asyncio.run(produce(kafka_bootstrap, settings.topic_submitted, resent.claims + feed.claims))
        after = asyncio.run(
            read_settled(kafka_bootstrap, settings.topic_decisions, len(published) + 1)
        )
    finally:
        assert worker.stop() == 0
    assert len(after) == len(published) + 1
    claim_key = approved["claim"]["claim_id"].encode()
    ours = sorted((r for r in after if r.key == claim_key), key=lambda r: r.offset)
    assert [orjson.loads(r.value)["rule_ids"][:1] for r in ours][1:] == [["ITDD-DUP-01"]]

    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    assert "worker starting" in log_text
    leaked = sorted(value for value in phi_values(cases) if value in log_text)
    assert leaked == [], f"PHI in logs: {leaked[:5]}"
