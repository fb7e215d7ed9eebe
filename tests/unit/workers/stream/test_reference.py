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


def test_changes_are_told_and_the_business_date_never_goes_backwards() -> None:
    settings = Settings()
    refs = ReferenceTables(settings)
    changes: list[tuple[str, str]] = []
    refs.on_change = lambda topic, key: changes.append((topic, key))

    def opened(day: str) -> bytes:
        return orjson.dumps(
            {
                "event_id": f"business-date-{day}",
                "event_type": "business_date.opened",
                "schema_version": 1,
                "occurred_at": f"{day}T06:00:00Z",
                "processing_date": day,
            }
        )

    refs.apply(settings.topic_prior_auth, b"PA-1", orjson.dumps({"pa_number": "PA-1"}))
    refs.apply(settings.topic_calendar, b"business-date", opened("2026-04-17"))
    refs.apply(settings.topic_calendar, b"business-date", opened("2026-04-16"))  # older: ignored
    refs.apply(
        settings.topic_calendar, b"business-date", b"not an event"
    )  # dead-lettered elsewhere
    refs.apply(settings.topic_prior_auth, b"PA-1", None)
    refs.apply(settings.topic_prior_auth, b"PA-2", None)  # nothing to delete: no change
    assert refs.business_date == "2026-04-17"
    assert changes == [
        (settings.topic_prior_auth, "PA-1"),
        (settings.topic_calendar, "2026-04-17"),
        (settings.topic_prior_auth, "PA-1"),
    ]
