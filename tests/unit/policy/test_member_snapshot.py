"""The enrichment snapshot the worker builds equals the case file's snapshot."""

from __future__ import annotations

import orjson
import pytest

from policy.member_history import MemberState, build_context, eligibility_snapshot
from tests.cases import load_cases
from workers.demo.driver import case_feed
from workers.settings import Settings
from workers.stream.reference import ReferenceTables

CASES = load_cases()


def tables_from_feed() -> tuple[ReferenceTables, Settings]:
    settings = Settings()
    refs = ReferenceTables(settings)
    feed = case_feed(CASES, "2026-03-02T14:03:00Z")
    for key, value in feed.eligibility:
        refs.apply(settings.topic_eligibility, key, value)
    for key, value in feed.prior_auths:
        refs.apply(settings.topic_prior_auth, key, value)
    return refs, settings


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["case_id"])
def test_snapshot_from_topics_equals_case_context(case: dict[str, object]) -> None:
    refs, _ = tables_from_feed()
    context = case["context"]
    assert isinstance(context, dict)
    state = MemberState()
    state.merge_import(context)
    claim = case["claim"]
    assert isinstance(claim, dict)
    assert build_context(claim, context["processing_date"], refs, state) == context


def test_tombstone_deletes_and_missing_member_is_not_found() -> None:
    refs, settings = tables_from_feed()
    refs.apply(settings.topic_eligibility, b"TSTMBR000001", None)
    assert "TSTMBR000001" not in refs.eligibility
    assert eligibility_snapshot(None) == {"found": False}
    refs.apply(settings.topic_eligibility, b"X", b"not json")  # ignored, logged
    refs.apply(settings.topic_eligibility, b"Y", orjson.dumps([1]))
    assert "X" not in refs.eligibility and "Y" not in refs.eligibility


async def test_eligibility_wait_wakes_on_arrival_and_gives_up_after_timeout() -> None:
    import asyncio

    settings = Settings()
    refs = ReferenceTables(settings)
    record = orjson.dumps({"member_id": "M1", "coverage_start": None})
    asyncio.get_running_loop().call_later(
        0.05, refs.apply, settings.topic_eligibility, b"M1", record
    )
    assert await refs.wait_for_eligibility("M1", timeout=2.0)
    assert not await refs.wait_for_eligibility("M2", timeout=0.05)
    assert not refs._waiters  # noqa: SLF001 - no waiter is left behind
