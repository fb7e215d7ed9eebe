"""The unit of parallel work: a block of raw lines in, their outputs and a summary out.

Runs in worker processes, so it is a module-level function of picklable arguments and does all
the CPU work there (splitting, decode, structure check, engine, comparison, encoding): the parent
only moves bytes. It never raises for bad input; every line gets exactly one outcome, so outputs
stay aligned with inputs.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import Any, NamedTuple

from models.json_codec import dumps
from models.request import StructureError, parse_request
from policy.engine import decide_or_pend
from workers.jsonl import DecodeError, RawLine, decode, split_lines
from workers.offline.adjudicate import error_record
from workers.replay.compare import (
    PROVENANCE,
    UNSTAMPED,
    differing_fields,
    outcome_label,
    rule_changes,
    same_but_stamps,
)
from workers.replay.inputs import NotAReplayLine, ReplayInput, read_input
from workers.stamp import stamps

# Outcome kinds. ALARMS make the run fail: the auditor must look at them.
DECIDED = "decided"  # no original to compare with
REPRODUCED = "reproduced"
NOT_REPRODUCED = "not_reproduced"
INPUT_MISMATCH = "input_mismatch"  # what-if: the request is not the one the original decided
UNCHANGED = "unchanged"
CHANGED = "changed"
NOT_REPLAYABLE = "not_replayable"
ERROR = "error"
ALARMS = frozenset({NOT_REPRODUCED, INPUT_MISMATCH})

Line = tuple[int, bytes]


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    """`version` None: the version in force for each claim (§1.6 replay); else a what-if.
    `keep_records`: return each publishable record (key, decision, bytes) for a topic sink."""

    version: str | None = None
    stamp: bool = True
    keep_records: bool = False


class Outcome(NamedTuple):
    kind: str
    line: int
    output: bytes  # what the file sink writes for this line (a record or an error record)
    key: bytes | None  # the topic sink's key; None: nothing to publish
    decision: str | None
    detail: dict[str, Any] | None  # report entry, only for kinds a reader must see
    unchecked: tuple[str, ...] = ()  # record fields a partial original could not confirm


@dataclass(frozen=True, slots=True)
class Block:
    """Whole lines: `data`, or the byte span `offset`/`length` of the plain file `path` (the
    worker reads it itself, so the lines never pass through a pipe). `first_line` is the number
    of the first physical line."""

    first_line: int
    data: bytes = b""
    path: str | None = None
    offset: int = 0
    length: int = 0

    def read(self) -> bytes:
        if self.path is None:
            return self.data
        with open(self.path, "rb") as source:  # noqa: PTH123 - one call, no Path needed
            source.seek(self.offset)
            return source.read(self.length)


@dataclass(slots=True)
class BlockResult:
    """What the parent needs from a block, and no more: moving a tuple per claim between
    processes costs more than the comparison itself, so reproduced claims are only counted."""

    lines: int
    output: bytes  # the file sink's lines for the block, newline-terminated
    counts: dict[str, int]
    notable: list[Outcome]  # outcomes with a report entry, without their output
    records: list[tuple[bytes, str, bytes]]  # (key, decision, record) if keep_records
    partial_originals: int = 0  # originals that lacked record fields (case files)
    unchecked_fields: frozenset[str] = frozenset()  # the fields they lacked


def split_block(block: Block) -> list[Line]:
    """Non-blank lines with their physical line numbers (blank lines are counted, skipped)."""
    return split_lines(block.read(), block.first_line)


def replay_block(block: Block, options: ReplayOptions) -> BlockResult:
    """Replay a block of lines; the parent-side summary of the outcomes, in line order."""
    outcomes = replay_chunk(split_block(block), options)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.kind] = counts.get(outcome.kind, 0) + 1
    records = []
    if options.keep_records:
        records = [
            (o.key, o.decision, o.output)
            for o in outcomes
            if o.key is not None and o.decision is not None
        ]
    partial = [o.unchecked for o in outcomes if o.unchecked]
    return BlockResult(
        lines=len(outcomes),
        output=b"".join(o.output + b"\n" for o in outcomes),
        counts=counts,
        notable=[o._replace(output=b"") for o in outcomes if o.detail is not None],
        records=records,
        partial_originals=len(partial),
        unchecked_fields=frozenset(name for fields in partial for name in fields),
    )


def replay_chunk(lines: list[Line], options: ReplayOptions) -> list[Outcome]:
    """Replay each line; outcomes in line order."""
    if options.stamp:
        ids, decided_at = stamps(len(lines))
        return [
            _replay_line(number, text, options, (ids[i], decided_at))
            for i, (number, text) in enumerate(lines)
        ]
    return [_replay_line(number, text, options, (None, "")) for number, text in lines]


def _replay_line(
    number: int, text: bytes, options: ReplayOptions, stamp: tuple[str | None, str]
) -> Outcome:
    try:
        item = read_input(decode(text))
    except DecodeError as error:
        return _error(number, text, "decode", str(error))
    except NotAReplayLine as error:
        return _error(number, text, "format", str(error))
    if item.not_replayable is not None:
        return _not_replayable(number, item)
    try:
        # Decoded by models.json_codec: no NaN or Infinity, so the digest's fast path holds.
        request = parse_request(item.request, strict_json=True)
    except StructureError as error:
        return _error(number, text, "structure", str(error))
    record = decide_or_pend(request, options.version).to_dict()
    if stamp[0] is not None:
        record["decision_id"], record["decided_at"] = stamp
    if options.version is None:
        output = dumps(record)
        kind, detail, unchecked = _check_reproduced(number, item, record, output)
    else:
        baseline = item.original
        if baseline is None:
            baseline = decide_or_pend(request, None).to_dict()
        kind, detail, unchecked = _check_what_if(number, item, baseline, record)
        output = dumps(record)
    claim_id = record["claim_id"]
    return Outcome(
        kind,
        number,
        output,
        claim_id.encode() if isinstance(claim_id, str) else None,
        record["decision"],
        detail,
        unchecked,
    )


def _check_reproduced(
    number: int, item: ReplayInput, record: dict[str, Any], output: bytes
) -> tuple[str, dict[str, Any] | None, tuple[str, ...]]:
    if item.original is None:
        return DECIDED, None, ()
    if same_but_stamps(item.original, record, output):
        return REPRODUCED, None, ()
    differ, unchecked = differing_fields(item.original, record, UNSTAMPED)
    if not differ:
        return REPRODUCED, None, tuple(unchecked)
    detail = _difference(number, item, item.original, record, differ)
    detail["input_mismatch"] = "input_digest" in differ
    return NOT_REPRODUCED, detail, tuple(unchecked)


def _check_what_if(
    number: int, item: ReplayInput, baseline: dict[str, Any], record: dict[str, Any]
) -> tuple[str, dict[str, Any] | None, tuple[str, ...]]:
    original_digest = baseline.get("input_digest")
    if original_digest is not None and original_digest != record["input_digest"]:
        detail = _difference(number, item, baseline, record, ["input_digest"])
        detail["input_mismatch"] = True
        return INPUT_MISMATCH, detail, ()
    differ, unchecked = differing_fields(baseline, record, UNSTAMPED + PROVENANCE)
    if not differ:
        return UNCHANGED, None, tuple(unchecked)
    detail = _difference(number, item, baseline, record, differ)
    detail["baseline"] = "original" if item.original is not None else "recomputed"
    return CHANGED, detail, tuple(unchecked)


def _difference(
    number: int,
    item: ReplayInput,
    before: dict[str, Any],
    after: dict[str, Any],
    fields: list[str],
) -> dict[str, Any]:
    removed, added = rule_changes(before, after)
    detail: dict[str, Any] = {
        "line": number,
        "claim_id": after.get("claim_id"),
        "from": outcome_label(before),
        "to": outcome_label(after),
        "rules_removed": removed,
        "rules_added": added,
        "fields": fields,
    }
    if item.source is not None:
        detail["source"] = item.source
    detail["original"] = before
    detail["replayed"] = after
    return detail


def _not_replayable(number: int, item: ReplayInput) -> Outcome:
    detail: dict[str, Any] = {
        "line": number,
        "claim_id": item.claim_id,
        "reason": item.not_replayable,
    }
    if item.source is not None:
        detail["source"] = item.source
    return Outcome(NOT_REPLAYABLE, number, dumps({"not_replayable": detail}), None, None, detail)


def _error(number: int, text: bytes, stage: str, message: str) -> Outcome:
    record = error_record(RawLine(number, text), stage, message)
    return Outcome(ERROR, number, dumps(record), None, None, record["error"])


def warm_up() -> None:
    """Process-pool initializer: load the policy data once per process, before timing starts."""
    from policy.catalog import available_versions, load_policy

    for version in available_versions():
        load_policy(version)
    # The code sets and policy tables are ~600k long-lived objects: moved out of the collector's
    # reach, they are no longer rescanned by every full collection the engine's garbage causes
    # (5-10 % of the replay's time).
    gc.freeze()
