"""A file of events as a replay source: the topics' messages in the order they happened.

Each line is one of
* an input event, its JSON value as on its topic: a claim envelope (`claim.submitted`), a
  documentation or review event (L.3); other events (calendar, eligibility, PA) are accepted
  and not needed (their effect is in each record's snapshot);
* a published decision: `{"record": {§8 record}, "headers": {"input.event_id": "…",
  "enrichment.snapshot": <the context, as JSON text or object>}}`, the record and the two
  headers the worker publishes.

Read once, in order, in this process: events are indexed as they come, and each decision is
joined with them and with its claim's earlier records (workers/replay/join.py), exactly as a
topic range is, into the history lines the replay decides. A line that is neither is a
not-replayable line of the report, never skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.json_codec import JSONDecodeError, loads
from workers.jsonl import encode, numbered, open_input
from workers.replay.join import (
    EVENT_ID_HEADER,
    SNAPSHOT_HEADER,
    EnvelopeIndex,
    Joiner,
    PublishedDecision,
)

NOT_AN_EVENT = "neither an input event (event_type) nor a published decision {record, headers}"


@dataclass
class EventStats:
    decisions: int = 0
    events: int = 0
    unreadable: int = 0


def export_events(path: str | None, out: Path) -> EventStats:
    """Write the history lines of the events file `path` (None or `-`: stdin) to `out`."""
    stats = EventStats()
    index = EnvelopeIndex()
    joiner = Joiner(index)
    with open_input(path) as stream, out.open("wb") as spool:
        for number, text in numbered(stream):
            try:
                value = loads(text)
            except JSONDecodeError as error:
                value, problem = None, f"not valid JSON: {error}"
            else:
                problem = NOT_AN_EVENT
            if isinstance(value, dict) and "event_type" in value:
                stats.events += 1
                index.take_value(value, number)
            elif isinstance(value, dict) and isinstance(value.get("record"), dict):
                stats.decisions += 1
                spool.write(encode(joiner.join(_decision(value, number))))
            else:
                stats.unreadable += 1
                spool.write(encode(joiner.unreadable({"events_line": number}, problem)))
    return stats


def _decision(value: dict[str, Any], number: int) -> PublishedDecision:
    headers = value.get("headers")
    headers = headers if isinstance(headers, dict) else {}
    snapshot = headers.get(SNAPSHOT_HEADER)
    if isinstance(snapshot, str):
        try:
            snapshot = loads(snapshot)
        except JSONDecodeError:
            snapshot = None
    event_id = headers.get(EVENT_ID_HEADER)
    return PublishedDecision(
        {"events_line": number},
        number,
        value["record"],
        snapshot,
        event_id if isinstance(event_id, str) else None,
    )
