"""The PHI allow-list: unknown keys never reach a log line, exception messages neither."""

from __future__ import annotations

import io
import json
import logging

from workers.logging_setup import configure_logging, get_logger


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
