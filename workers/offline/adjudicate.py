"""One JSON line in, one output object: the decision record, or an error record.

Shared by `decide` and `replay` so both treat bad lines the same way: reported with their line
number, and the rest of the input is still decided.
"""

from __future__ import annotations

from typing import Any

from models.decision import DecisionRecord
from models.request import StructureError, parse_request
from policy.engine import decide_or_pend
from workers.jsonl import DecodeError, RawLine, decode


def error_record(line: RawLine, stage: str, message: str) -> dict[str, Any]:
    """Stands in the output where a decision would be, so output lines match input lines."""
    return {"error": {"line": line.number, "stage": stage, "message": message}}


def adjudicate_line(line: RawLine, version: str | None = None) -> DecisionRecord | dict[str, Any]:
    """The decision record, or an error record for a line that is not a request; never raises
    for bad input."""
    try:
        raw = decode(line.text)
    except DecodeError as error:
        return error_record(line, "decode", str(error))
    try:
        # Decoded by models.json_codec: no NaN or Infinity, so the digest's fast path holds.
        request = parse_request(raw, strict_json=True)
    except StructureError as error:
        return error_record(line, "structure", str(error))
    return decide_or_pend(request, version)
