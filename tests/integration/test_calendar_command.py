"""`claims-adjudicator calendar open DATE` on the real broker: one event per run, the same
event every run (L.4.6: idempotent), and a missing topic named in one line."""

from __future__ import annotations

import asyncio

import pytest

from models.envelope import decode_business_date
from tests.integration.kafka_util import create_topics, unique_name
from workers.cli import main
from workers.demo.driver import read_topic

pytestmark = pytest.mark.integration


def test_opening_a_date_twice_publishes_the_same_event_twice(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = unique_name("business.calendar")
    asyncio.run(create_topics(kafka_bootstrap, {topic: 1}, {"cleanup.policy": "compact"}))
    monkeypatch.setenv("CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    monkeypatch.setenv("CLAIMS_ADJ_TOPIC_CALENDAR", topic)

    for _ in range(2):
        assert main(["calendar", "open", "2026-04-17"]) == 0
        assert capsys.readouterr().out == f"business date 2026-04-17 opened on {topic}\n"

    records = asyncio.run(read_topic(kafka_bootstrap, topic, timeout=20, idle=2))
    assert [record.key for record in records] == [b"business-date", b"business-date"]
    assert records[0].value == records[1].value
    event = decode_business_date(records[0].value)
    assert (event.event_id, event.processing_date) == (
        "business_date.opened:2026-04-17",
        "2026-04-17",
    )


def test_a_missing_calendar_topic_is_named_in_one_line(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = unique_name("business.calendar.missing")
    monkeypatch.setenv("CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    monkeypatch.setenv("CLAIMS_ADJ_TOPIC_CALENDAR", topic)
    assert main(["calendar", "open", "today"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"claims-adjudicator calendar: error: topic {topic} does not exist")
    assert err.count("\n") == 1
