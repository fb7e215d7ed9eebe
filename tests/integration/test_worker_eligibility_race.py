"""The claim-before-eligibility race: a claim whose member has no eligibility record yet waits
up to `eligibility_grace_seconds` after it occurred; a record arriving in that window is used,
otherwise the policy decides with the member not found (ELIG-01)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.cases import load_cases
from workers.demo.driver import (
    WorkerProcess,
    case_feed,
    isolated_settings,
    produce,
    read_topic,
)
from workers.stream.topics import ensure_topics

pytestmark = pytest.mark.integration

GRACE = 4.0


def test_claim_before_eligibility_waits_then_decides(
    kafka_bootstrap: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    cases = {c["case_id"]: c for c in load_cases()}
    late, never = (
        cases["ITDD-TC-001"],
        next(c for c in cases.values() if c["expected"]["decision"] == "approve"),
    )
    settings = isolated_settings(
        kafka_bootstrap,
        f"race-{uuid.uuid4().hex[:10]}",
        unused_tcp_port,
        tmp_path / "data",
        eligibility_grace_seconds=GRACE,
    )
    asyncio.run(ensure_topics(settings))
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready()
        now = datetime.now(UTC).isoformat()
        feed = case_feed([late, never], now)
        asyncio.run(produce(kafka_bootstrap, settings.topic_prior_auth, feed.prior_auths))
        started = time.monotonic()
        asyncio.run(produce(kafka_bootstrap, settings.topic_submitted, feed.claims))
        time.sleep(1.0)
        # Only the first member's eligibility arrives, a second after its claim.
        late_eligibility = [r for r in feed.eligibility if r[0] == b"TSTMBR000001"]
        asyncio.run(produce(kafka_bootstrap, settings.topic_eligibility, late_eligibility))
        decisions = asyncio.run(
            read_topic(kafka_bootstrap, settings.topic_decisions, until=2, timeout=60)
        )
        waited = time.monotonic() - started
    finally:
        worker.stop()

    by_claim: dict[str, dict[str, Any]] = {r.key.decode(): orjson.loads(r.value) for r in decisions}
    # Decided with the eligibility that arrived during the wait: the seed's documented pend.
    assert by_claim[late["claim"]["claim_id"]]["decision"] == "pend"
    # Never arrived: decided after the grace period as not found.
    assert by_claim[never["claim"]["claim_id"]]["rule_ids"] == ["ITDD-ELIG-01"]
    assert waited >= GRACE - 0.5
