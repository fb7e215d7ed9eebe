"""Logging, configured once at start: structlog for our code, stdlib loggers routed through it.

Our own lines go from structlog straight to the stream (≈ 15 µs a line); the libraries' lines
(aiokafka, faust, mode) come through a stdlib handler and the same processors. Through stdlib
logging, as they once went, ours cost ≈ 70 µs (two LogRecords, a caller lookup): the worker
writes one for every re-adjudicated or out-of-scope claim (issue 20).

Claims carry PHI (member ids, names, dates of birth, diagnoses, drugs). Rather than trusting
every call site, an allow-list processor keeps only keys known to be safe and drops every other
key, so `log.info("x", member_id=...)` cannot leak by accident. Exceptions are reduced to their
class and stack frames: an exception *message* (pydantic quotes input values) is never logged.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, Literal, TextIO

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

# Keys a log line may carry. Everything here is an identifier, a coordinate, a count, a code or
# a duration; none of it identifies or describes a patient.
LOGGABLE_KEYS: frozenset[str] = frozenset(
    {
        # structlog / stdlib structure
        "event",
        "level",
        "timestamp",
        "logger",
        "exception",
        "error_class",
        "redacted_keys",
        # claim and message coordinates
        "claim_id",
        "event_id",
        "decision_id",
        "topic",
        "partition",
        "offset",
        "partitions",
        "stage",
        # outcome
        "decision",
        "rule_ids",
        "status_category",
        "policy_version",
        # counts and durations
        "count",
        "found",
        "counts",
        "latency_ms",
        "waited_ms",
        "elapsed_ms",
        "size_bytes",
        "records",
        # process
        "app_id",
        "bootstrap",
        "security_protocol",
        "cause",
        "port",
        "guarantee",
        "version",
    }
)

_STRUCTURE_KEYS = frozenset(
    {"event", "level", "timestamp", "logger", "exc_info", "_record", "_from_structlog"}
)


def drop_unlisted_keys(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Keep only LOGGABLE_KEYS; name (never show) what was dropped so the call site is found."""
    dropped = [key for key in event_dict if key not in LOGGABLE_KEYS and key not in _STRUCTURE_KEYS]
    for key in dropped:
        del event_dict[key]
    if dropped:
        event_dict["redacted_keys"] = sorted(dropped)
    return event_dict


def exception_without_message(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Render exc_info as class + frame locations; the message may quote PHI: left out."""
    exc_info = event_dict.pop("exc_info", None)
    if not exc_info:
        return event_dict
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    exc_type, _exc, tb = exc_info
    if exc_type is None:
        return event_dict
    # Frames as file:line:function only; source lines are left out with the message.
    frames = "".join(
        f"{frame.filename}:{frame.lineno} in {frame.name}\n" for frame in traceback.extract_tb(tb)
    )
    event_dict["error_class"] = exc_type.__name__
    event_dict["exception"] = f"{frames}{exc_type.__module__}.{exc_type.__qualname__}"
    return event_dict


class RepeatFilter(logging.Filter):
    """A library's warning or error said again and again (aiokafka's "Unable connect to node"
    every few hundred milliseconds while a broker is down) is written once per interval, the
    next one carrying how many were held back. Our own lines (structlog event dicts) and
    anything below WARNING pass untouched: those are per-event facts, not storms."""

    def __init__(self, interval_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self._interval_s = interval_s
        self._clock = clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not isinstance(record.msg, str):
            return True
        key = (record.name, record.levelno, record.msg)
        now = self._clock()
        last = self._seen.get(key)
        if last is not None and now - last[0] < self._interval_s:
            self._seen[key] = (last[0], last[1] + 1)
            return False
        held = 0 if last is None else last[1]
        self._seen[key] = (now, 0)
        if held:
            # The template, not the formatted text: `%` in the count cannot break formatting.
            record.msg = f"{record.msg} [{held} more like it in the last {self._interval_s:.0f} s]"
        return True


def _json_line(event_dict: EventDict, **dumps_kw: Any) -> str:
    """orjson (≈ 1 µs a line, the standard library's ≈ 8); the standard library for what orjson
    cannot write (an integer beyond 64 bits). `default` is structlog's fallback for objects."""
    try:
        return orjson.dumps(event_dict, default=dumps_kw.get("default")).decode()
    except TypeError:
        return json.dumps(event_dict, **dumps_kw)


class _Output:
    """Where our own lines go, and from which level: one object that every configuration
    changes, since loggers cached on their first use keep what they were made with."""

    def __init__(self) -> None:
        self.stream: TextIO = sys.stderr
        self.level = logging.INFO
        self.renderer: Processor = structlog.processors.JSONRenderer(_json_line)
        self.lock = threading.Lock()


class _Named:
    """What structlog hands a rendered line of logger `name` to (`add_logger_name` reads the
    name, as from a stdlib logger); structlog calls the method named after the level, which
    `_at_level` checked before anything was rendered."""

    def __init__(self, name: str = "") -> None:
        self.name = name

    def write(self, line: str) -> None:
        with _OUTPUT.lock:
            _OUTPUT.stream.write(line + "\n")
            _OUTPUT.stream.flush()

    debug = info = warning = error = critical = write


_OUTPUT = _Output()
_LEVELS = {name: logging.getLevelName(name.upper()) for name in ("debug", "info", "warning")}


def _at_level(_: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """Drop a line below the configured level before anything renders it."""
    if _LEVELS.get(method_name, logging.ERROR) < _OUTPUT.level:
        raise structlog.DropEvent
    return event_dict


def _render(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> Any:
    """The configured renderer, read at every line as the level is."""
    return _OUTPUT.renderer(logger, method_name, event_dict)


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        exception_without_message,
        drop_unlisted_keys,
    ]


def configure_logging(
    log_format: Literal["json", "console"] = "json",
    level: str = "INFO",
    stream: TextIO | None = None,
) -> None:
    """Configure structlog and the stdlib root logger (faust, aiokafka, mode) once."""
    shared = _shared_processors()
    renderer: Processor
    if log_format == "json":
        renderer = structlog.processors.JSONRenderer(_json_line)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    _OUTPUT.stream = stream if stream is not None else sys.stderr
    _OUTPUT.level = logging.getLevelName(level)
    _OUTPUT.renderer = renderer
    structlog.configure(
        processors=[_at_level, *shared, _render],
        logger_factory=_Named,
        # No level of its own (`_at_level` reads the configured one); `exception` adds exc_info.
        wrapper_class=structlog.make_filtering_bound_logger(logging.NOTSET),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(_OUTPUT.stream)
    handler.setFormatter(formatter)
    handler.addFilter(RepeatFilter())
    root = logging.getLogger()
    root.handlers.clear()
    root.addHandler(handler)
    root.setLevel(level)
    # aiokafka logs every coordinator hiccup at INFO; keep them, but not its DEBUG chatter.
    for name in ("aiokafka", "kafka"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))


def get_logger(name: str) -> Any:
    """A structlog logger whose lines name `name` as a stdlib logger's would."""
    return structlog.get_logger(name)
