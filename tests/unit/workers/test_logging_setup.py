"""The PHI allow-list: unknown keys never reach a log line, exception messages neither."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from workers.logging_setup import RepeatFilter, configure_logging, get_logger


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_only_allow_listed_keys_are_logged() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    get_logger("test").info(
        "decided",
        claim_id="CLM-1",
        decision="deny",
        member_id="TSTMBR000001",
        dob="1968-04-12",
        diagnosis_codes=["M96.1"],
    )
    (line,) = _lines(stream)
    assert line["claim_id"] == "CLM-1"
    assert line["decision"] == "deny"
    assert line["redacted_keys"] == ["diagnosis_codes", "dob", "member_id"]
    text = stream.getvalue()
    assert "TSTMBR000001" not in text and "1968-04-12" not in text and "M96.1" not in text


def test_exception_is_logged_without_its_message() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    try:
        raise ValueError("member TSTMBR000001 born 1968-04-12")
    except ValueError:
        get_logger("test").exception("engine failed", claim_id="CLM-1")
    (line,) = _lines(stream)
    assert line["error_class"] == "ValueError"
    assert "TSTMBR000001" not in stream.getvalue()


def test_stdlib_loggers_go_through_the_same_pipeline() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    logging.getLogger("faust.test").warning("rebalancing %s", "now")
    (line,) = _lines(stream)
    assert line == {**line, "event": "rebalancing now", "logger": "faust.test", "level": "warning"}


def test_a_logger_in_use_follows_a_new_configuration() -> None:
    """Loggers are cached on their first use; the stream, the level and the format are still
    the latest configuration's."""
    log = get_logger("workers.test")
    first = io.StringIO()
    configure_logging("json", "INFO", stream=first)
    log.info("one", claim_id="CLM-1")
    second = io.StringIO()
    configure_logging("json", "WARNING", stream=second)
    log.info("hidden")
    log.warning("two", claim_id="CLM-2")
    assert [line["event"] for line in _lines(first)] == ["one"]
    (line,) = _lines(second)
    assert line == {**line, "event": "two", "logger": "workers.test", "level": "warning"}
    console = io.StringIO()
    configure_logging("console", "INFO", stream=console)
    log.info("three", claim_id="CLM-3")
    assert "three" in console.getvalue() and "claim_id=CLM-3" in console.getvalue()


def test_a_library_warning_storm_is_said_once_per_interval_with_a_count() -> None:
    now = [0.0]
    limiter = RepeatFilter(interval_s=60, clock=lambda: now[0])

    def record(level: int = logging.ERROR, msg: object = "Unable connect to node %s") -> Any:
        return logging.LogRecord("aiokafka", level, __file__, 1, msg, ("1",), None)

    passed = []
    for second in range(0, 150):  # one a second, for 150 s
        now[0] = float(second)
        item = record()
        if limiter.filter(item):
            passed.append(item.getMessage())
    assert passed == [
        "Unable connect to node 1",
        "Unable connect to node 1 [59 more like it in the last 60 s]",
        "Unable connect to node 1 [59 more like it in the last 60 s]",
    ]
    # Info lines and our own structlog event dicts are never held back.
    assert all(limiter.filter(record(logging.INFO)) for _ in range(3))
    assert all(limiter.filter(record(msg={"event": "x"})) for _ in range(3))
