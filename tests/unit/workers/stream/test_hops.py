"""The hop adapter without a broker: what the sweep looks at after a reference change, the full
reconcile of a partition just opened, and what the observer counts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from tests.cases import load_cases
from tests.unit.workers.stream.step.messages import Record, envelope
from workers.settings import Settings
from workers.stream.hops import Hops
from workers.stream.metrics import Metrics
from workers.stream.reference import ReferenceTables
from workers.stream.runtime.changelog import State
from workers.stream.step.outcome import Outcome

CASES = {case["case_id"]: case for case in load_cases()}
SEED = CASES["ITDD-TC-001"]
PA_PEND = CASES["ITDD-TC-027"]  # pends P2: its PA is still pending
SEED_KEY = b"m:" + SEED["claim"]["member"]["member_id"].encode()


def loaded_tables(settings: Settings, *cases: dict[str, Any]) -> ReferenceTables:
    refs = ReferenceTables(settings)
    for case in cases:
        member_id = case["claim"]["member"]["member_id"]
        record = {"member_id": member_id, **case["context"]["eligibility"]}
        refs.apply(settings.topic_eligibility, member_id.encode(), orjson.dumps(record))
        for pa in case["context"]["prior_authorizations"]:
            refs.apply(settings.topic_prior_auth, pa["pa_number"].encode(), orjson.dumps(pa))
    refs.loaded.set()
    return refs


def calendar(day: str) -> bytes:
    return orjson.dumps(
        {
            "event_id": f"business_date.opened:{day}",
            "event_type": "business_date.opened",
            "schema_version": 1,
            "occurred_at": f"{day}T00:00:00Z",
            "processing_date": day,
        }
    )


async def decide(hops: Hops, state: State, case: dict[str, Any], *, live: bool = False) -> Outcome:
    """Hop 2 of the case's claim; `live`: it occurred just now (not a backlog)."""
    key = b"m:" + case["claim"]["member"]["member_id"].encode()
    value = envelope(case, case["case_id"])
    if live:
        now = datetime.now(UTC).isoformat()
        value = orjson.dumps({**orjson.loads(value), "occurred_at": now})
    record = Record(value, key=key, topic="by-member", partition=0)
    outcome = await hops.adjudicate(record, state)  # type: ignore[arg-type]
    assert outcome.state is not None
    state[key] = outcome.state
    return outcome


def sweep(hops: Hops, state: State, opened: bool = False) -> list[tuple[bytes, Outcome]]:
    swept = list(hops.sweep(0, state, opened))
    for key, outcome in swept:
        assert outcome.state is not None
        state[key] = outcome.state
    return swept


@pytest.fixture
def settings() -> Settings:
    return Settings()


async def test_a_business_date_past_the_deadline_finalizes_the_pend(settings: Settings) -> None:
    refs = loaded_tables(settings, SEED)
    hops, state = Hops(settings, refs, Metrics(), None), {}
    assert (await decide(hops, state, SEED)).record.decision == "pend"  # type: ignore[union-attr]
    assert sweep(hops, state, opened=True) == []  # nothing due on 2026-03-02
    refs.apply(settings.topic_calendar, b"business-date", calendar("2026-04-16"))
    assert sweep(hops, state) == []  # the deadline day itself
    refs.apply(settings.topic_calendar, b"business-date", calendar("2026-04-17"))
    [(key, outcome)] = sweep(hops, state)
    assert key == SEED_KEY and outcome.triggers == ["documentation_deadline"]
    record = outcome.record
    assert record is not None and (record.decision, record.carc) == ("deny", "226")
    assert sweep(hops, state) == []  # finalized once


async def test_a_pa_change_reaches_only_the_claims_waiting_on_it(settings: Settings) -> None:
    refs = loaded_tables(settings, SEED, PA_PEND)
    hops, state = Hops(settings, refs, Metrics(), None), {}
    await decide(hops, state, SEED)
    assert (await decide(hops, state, PA_PEND)).record.claim_status_category == "P2"  # type: ignore[union-attr]
    [pa] = PA_PEND["context"]["prior_authorizations"]
    refs.apply(settings.topic_prior_auth, b"OTHER-PA", orjson.dumps({**pa, "pa_number": "X"}))
    assert sweep(hops, state) == []  # another PA: nothing to look at
    approved = {**pa, "status": "approved"}
    refs.apply(settings.topic_prior_auth, pa["pa_number"].encode(), orjson.dumps(approved))
    [(key, outcome)] = sweep(hops, state)
    assert outcome.triggers == ["prior_authorization_updated"]
    assert key == b"m:" + PA_PEND["claim"]["member"]["member_id"].encode()


async def test_an_opened_partition_is_reconciled_whole_once_the_tables_are_loaded(
    settings: Settings,
) -> None:
    refs = loaded_tables(settings, SEED)
    hops, state = Hops(settings, refs, Metrics(), None), {}
    await decide(hops, state, SEED)
    # Another worker (or this one before a crash) saw the date; this task opens afterwards.
    restarted = Hops(settings, ReferenceTables(settings), Metrics(), None)
    restarted_refs = restarted._references  # noqa: SLF001 - the tables the sweep reads
    assert list(restarted.sweep(0, state, True)) == []  # tables not loaded yet: nothing
    restarted_refs.apply(settings.topic_calendar, b"business-date", calendar("2026-05-01"))
    restarted_refs.eligibility.update(refs.eligibility)
    restarted_refs.loaded.set()
    [(_, outcome)] = list(restarted.sweep(0, state, False))  # the first sweep once loaded
    assert outcome.triggers == ["documentation_deadline"]


async def test_a_parked_claim_is_released_by_its_eligibility_record(settings: Settings) -> None:
    refs = ReferenceTables(settings)
    refs.loaded.set()
    hops, state = Hops(settings, refs, Metrics(), None), {}
    outcome = await decide(hops, state, SEED, live=True)
    assert outcome.parked and outcome.records == []
    assert sweep(hops, state) == []  # still within the grace, still no record
    loaded = loaded_tables(settings, SEED)
    refs.eligibility.update(loaded.eligibility)
    [(key, released)] = sweep(hops, state)
    assert key == SEED_KEY and [r.decision for r in released.records] == ["pend"]
    assert state[SEED_KEY].parked == []


async def test_the_observer_counts_records_triggers_and_pending_claims(settings: Settings) -> None:
    refs = loaded_tables(settings, SEED)
    metrics = Metrics()
    hops, state = Hops(settings, refs, metrics, None), {}
    hops.observe(None, await decide(hops, state, SEED))
    assert hops.pending_summary(iter([state])) == ({"documentation_requested": 1}, 0)
    refs.apply(settings.topic_calendar, b"business-date", calendar("2026-04-17"))
    for _, outcome in sweep(hops, state):
        hops.observe(None, outcome)
    exposition = metrics.exposition().decode()
    assert 'claims_decisions_total{decision="pend"} 1.0' in exposition
    assert 'claims_decisions_total{decision="deny"} 1.0' in exposition
    assert 'claims_readjudications_total{trigger="documentation_deadline"} 1.0' in exposition
    assert "claims_days_to_final_record_count 1.0" in exposition
    assert hops.pending_summary(iter([state])) == ({}, None)


async def test_only_a_revived_claim_is_looked_at_again_and_denied_again(settings: Settings) -> None:
    """Records dated before the deadline revive a deadline denial (L.4 item 3); with facts still
    missing it pends again, already past its deadline: the next sweep denies it again, looking
    at that member only."""
    refs = loaded_tables(settings, SEED, PA_PEND)
    hops, state = Hops(settings, refs, Metrics(), None), {}
    await decide(hops, state, SEED)
    await decide(hops, state, PA_PEND)
    refs.apply(settings.topic_calendar, b"business-date", calendar("2026-04-17"))
    [(_, denied)] = sweep(hops, state)
    assert denied.record is not None and denied.record.carc == "226"
    value = orjson.dumps(
        {
            "event_id": "records-1",
            "event_type": "claim.documentation_received",
            "schema_version": 1,
            "occurred_at": "2026-04-20T10:00:00Z",
            "processing_date": "2026-04-15",
            "claim_id": SEED["claim"]["claim_id"],
            "member_id": SEED["claim"]["member"]["member_id"],
            "documentation": {"purpose": "idd_trial"},
        }
    )
    record = Record(
        value, key=SEED_KEY, topic="by-member", partition=0, headers=[("kind", b"documentation")]
    )
    revived = await hops.adjudicate(record, state)  # type: ignore[arg-type]
    assert revived.record is not None and revived.record.decision == "pend"
    assert revived.state is not None
    state[SEED_KEY] = revived.state
    [(key, again)] = sweep(hops, state)
    assert key == SEED_KEY and again.record is not None and again.record.carc == "226"
