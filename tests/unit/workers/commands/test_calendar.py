"""`claims-adjudicator calendar open DATE`: arguments, the event it publishes, exit statuses."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from models.envelope import decode_business_date
from workers.cli import main
from workers.commands.calendar import BadDate, business_date, opened_event

PROG = "claims-adjudicator calendar"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "argv",
    [
        ["calendar"],
        ["calendar", "close", "2026-04-17"],
        ["calendar", "open"],
        ["calendar", "open", "2026-04-17", "2026-04-18"],
        ["calendar", "open", "2026-04-17", "--topic", "other"],
    ],
)
def test_a_bad_command_line_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text", ["2026-02-30", "2026-4-17", "20260417", "2026-04-17T00:00:00Z", "Today", "yesterday"]
)
def test_a_bad_date_is_one_line_and_exit_2_before_any_broker(
    text: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A broker nobody answers on: a bad date must fail before it is even tried.
    monkeypatch.setenv("CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{_closed_port()}")
    assert main(["calendar", "open", text]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"{PROG}: error: DATE must be an ISO date (YYYY-MM-DD) or 'today', not {text!r}\n"
    )


def test_a_bad_setting_is_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMS_ADJ_KAFKA_SECURITY_PROTOCOL", "TLS")
    assert main(["calendar", "open", "2026-04-17"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{PROG}: error: invalid setting CLAIMS_ADJ_KAFKA_SECURITY_PROTOCOL")
    assert err.count("\n") == 1


def test_an_unreachable_broker_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("CLAIMS_ADJ_KAFKA_CONNECT_TIMEOUT_SECONDS", "0.3")
    assert main(["calendar", "open", "2026-04-17"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"{PROG}: error: broker unreachable: no answer from 127.0.0.1:")
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 4, 17, 0, 0, tzinfo=UTC), date(2026, 4, 17)),
        (datetime(2026, 4, 17, 23, 59, 59, tzinfo=UTC), date(2026, 4, 17)),
        # 23:30 on the 16th in New York is the 17th in UTC: `today` is the UTC date.
        (datetime(2026, 4, 16, 23, 30, tzinfo=timezone(timedelta(hours=-4))), date(2026, 4, 17)),
    ],
)
def test_today_is_the_date_in_utc(now: datetime, expected: date) -> None:
    assert business_date("today", now=now) == expected


def test_an_iso_date_is_taken_as_given() -> None:
    assert business_date("2026-04-17") == date(2026, 4, 17)
    with pytest.raises(BadDate):
        business_date("")


def test_the_event_is_a_valid_business_date_opened_and_the_same_bytes_every_time() -> None:
    value = opened_event(date(2026, 4, 17))
    assert value == opened_event(date(2026, 4, 17)) != opened_event(date(2026, 4, 18))
    event = decode_business_date(value)
    assert event.processing_date == "2026-04-17"
    assert event.event_id == "business_date.opened:2026-04-17"
    assert event.occurred_at == datetime(2026, 4, 17, tzinfo=UTC).timestamp()
