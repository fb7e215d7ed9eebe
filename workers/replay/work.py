"""The unit of parallel work: a block of raw lines in, their outputs and a summary out.

Runs in worker processes, so it is a module-level function of picklable arguments and does all
the CPU work there (splitting, decode, structure check, engine, comparison, encoding): the parent
only moves bytes. It never raises for bad input; every line gets exactly one outcome, so outputs
stay aligned with inputs.
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from models.json_codec import dumps
from models.request import AdjudicationRequest, StructureError, parse_request
from policy.engine import decide_or_pend
from policy.lifecycle import DEADLINE_TRIGGER
from workers.jsonl import DecodeError, RawLine, decode, split_lines
from workers.offline.adjudicate import error_record
from workers.replay.chains import SUBMITTED
from workers.replay.compare import (
    CHAINED,
    PROVENANCE,
    UNSTAMPED,
    differing_fields,
    link_holds,
    outcome_label,
    rule_changes,
    same_but_stamps,
)
from workers.replay.inputs import NotAReplayLine, ReplayInput, read_input
from workers.stamp import decided_at_text, uuid7_text

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
    `keep_records`: return each publishable record (key, decision, bytes) for a topic sink.
    `run_seed`/`run_millis`: what the run's decision ids are made of (`replay_id`)."""

    version: str | None = None
    stamp: bool = True
    keep_records: bool = False
    run_seed: bytes = field(default_factory=lambda: os.urandom(16))
    run_millis: int = field(default_factory=lambda: time.time_ns() // 1_000_000)


def replay_id(options: ReplayOptions, line: int) -> str:
    """The replayed record's `decision_id` on `line`: a UUIDv7 of the run's moment whose random
    bits are a hash of the run's seed and the line. A re-adjudication's `supersedes` is the id
    of the line holding the record it replaces, which the process replaying it can compute
    without seeing that line (it may be in another block, in another process)."""
    digest = hashlib.blake2b(line.to_bytes(8, "big"), key=options.run_seed, digest_size=10)
    return uuid7_text(options.run_millis, int.from_bytes(digest.digest(), "big") >> 6)


class FinalStep(NamedTuple):
    """What a what-if line tells about its claim's final outcome (the claim's last record):
    whether a later record may still supersede it (`opens`: a pend or a deadline denial),
    whether it supersedes an earlier one (`continues`), and its change (None: unchanged)."""

    claim_id: str | None
    opens: bool
    continues: bool
    change: dict[str, Any] | None


class Outcome(NamedTuple):
    kind: str
    line: int
    output: bytes  # what the file sink writes for this line (a record or an error record)
    key: bytes | None  # the topic sink's key; None: nothing to publish
    decision: str | None
    detail: dict[str, Any] | None  # report entry, only for kinds a reader must see
    unchecked: tuple[str, ...] = ()  # record fields a partial original could not confirm
    final: FinalStep | None = None  # what-if: only for lines of a chain or that changed


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
    finals: list[FinalStep] = field(default_factory=list)  # what-if, in line order


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
        finals=[o.final for o in outcomes if o.final is not None],
    )


def replay_chunk(lines: list[Line], options: ReplayOptions) -> list[Outcome]:
    """Replay each line; outcomes in line order."""
    decided_at = decided_at_text(datetime.now(UTC)) if options.stamp else None
    return [_replay_line(number, text, options, decided_at) for number, text in lines]


def _replay_line(
    number: int, text: bytes, options: ReplayOptions, decided_at: str | None
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
    record = _decide(request, item, options.version)
    if decided_at is not None:
        record["decision_id"], record["decided_at"] = replay_id(options, number), decided_at
    record["supersedes"] = _supersedes(item, options)
    final = None
    if options.version is None:
        output = dumps(record)
        kind, detail, unchecked = _check_reproduced(number, item, record, output)
    else:
        baseline = item.original
        if baseline is None:
            baseline = _decide(request, item, None)
        kind, detail, unchecked = _check_what_if(number, item, baseline, record)
        output = dumps(record)
        final = _final_step(item, baseline, detail if kind == CHANGED else None)
    claim_id = record["claim_id"]
    return Outcome(
        kind,
        number,
        output,
        claim_id.encode() if isinstance(claim_id, str) else None,
        record["decision"],
        detail,
        unchecked,
        final,
    )


def _decide(request: AdjudicationRequest, item: ReplayInput, what_if: str | None) -> dict[str, Any]:
    """The record as the worker made it: a re-adjudication under its chain's first version
    (L.4 item 2), with the trigger of the event that caused it (L.2)."""
    record = decide_or_pend(request, what_if or item.policy_version).to_dict()
    record["trigger"] = item.trigger
    return record


def _supersedes(item: ReplayInput, options: ReplayOptions) -> str | None:
    """The replayed id of the record this one replaces when that record is in the replay;
    else the original's link, kept (it names a record outside the replay, or none)."""
    chain = item.chain
    if chain is not None and chain.previous_line is not None:
        return replay_id(options, chain.previous_line) if options.stamp else None
    kept = (item.original or {}).get("supersedes")
    return kept if isinstance(kept, str) else None


def _final_step(
    item: ReplayInput, baseline: dict[str, Any], change: dict[str, Any] | None
) -> FinalStep | None:
    """The line's part in its claim's final outcome; None for a claim of one unchanged record
    (nothing to tell: the report only counts it)."""
    claim_id = baseline.get("claim_id")
    opens = isinstance(claim_id, str) and (
        baseline.get("decision") == "pend"
        or (baseline.get("decision") == "deny" and baseline.get("trigger") == DEADLINE_TRIGGER)
    )
    continues = item.trigger != SUBMITTED or baseline.get("supersedes") is not None
    if not (opens or continues or change):
        return None
    if change is not None:
        change = {k: v for k, v in change.items() if k not in ("original", "replayed", "fields")}
    return FinalStep(claim_id if isinstance(claim_id, str) else None, opens, continues, change)


def _check_reproduced(
    number: int, item: ReplayInput, record: dict[str, Any], output: bytes
) -> tuple[str, dict[str, Any] | None, tuple[str, ...]]:
    if item.original is None:
        return DECIDED, None, ()
    chain = item.chain
    # A record whose predecessor is outside the replay keeps the original's link: unchecked.
    linked = (
        chain is None
        or chain.previous_line is None
        or link_holds(item.original, chain.previous_decision_id)
    )
    if linked and same_but_stamps(item.original, record, output, UNSTAMPED + CHAINED):
        return REPRODUCED, None, ()
    differ, unchecked = differing_fields(item.original, record, UNSTAMPED + CHAINED)
    if not linked:  # in the record's field order
        differ = [name for name in record if name in differ or name in CHAINED]
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
    differ, unchecked = differing_fields(baseline, record, UNSTAMPED + CHAINED + PROVENANCE)
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
