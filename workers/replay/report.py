"""The replay report: counts, transitions and every claim a reader must look at.

Detail entries (changed and not-reproduced claims with both records, not-replayable claims,
unreadable lines) are spooled to temporary JSON-lines files as they arrive and streamed into
`report.json` at the end, so a what-if over millions of claims that changes hundreds of
thousands of them needs no more memory than one that changes four.

A what-if also reports claims' FINAL outcomes (claim-lifecycle.md L.2: the last record of a
claim stands): a claim's change counts once, by its last record in the run. Only claims whose
last record so far may still be superseded (a pend, a deadline denial) are held in memory until
their next record or the end of the run.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

import orjson

from workers.jsonl import encode, values
from workers.replay.work import (
    ALARMS,
    CHANGED,
    DECIDED,
    ERROR,
    INPUT_MISMATCH,
    NOT_REPLAYABLE,
    NOT_REPRODUCED,
    REPRODUCED,
    UNCHANGED,
    BlockResult,
    FinalStep,
)

# Report sections holding one entry per claim or line, in input order.
SECTIONS = {
    NOT_REPRODUCED: "not_reproduced",
    INPUT_MISMATCH: "input_mismatch",
    CHANGED: "changed",
    NOT_REPLAYABLE: "not_replayable",
    ERROR: "errors",
}
# What-if: claims whose last record changed, one entry per claim.
FINAL_SECTION = "final_changed"
COUNTED = (
    DECIDED,
    REPRODUCED,
    NOT_REPRODUCED,
    UNCHANGED,
    CHANGED,
    INPUT_MISMATCH,
    NOT_REPLAYABLE,
    ERROR,
)

# Exit statuses of `replay` (documented in workers/commands/replay.py).
EXIT_OK = 0
EXIT_INCOMPLETE = 1  # unreadable lines or claims that could not be replayed
EXIT_ALARM = 3  # a claim did not reproduce, or a what-if saw other inputs than the original


class ReplayReport:
    def __init__(self, *, what_if_version: str | None, source: str, sink: str) -> None:
        self.what_if_version = what_if_version
        self.source = source
        self.sink = sink
        self.counts: Counter[str] = Counter()
        self.lines = 0
        self.partial_originals = 0
        self.unchecked_fields: set[str] = set()
        # (from, to) -> (rules removed, rules added) -> claims
        self.transitions: dict[tuple[str, str], Counter[tuple[tuple[str, ...], ...]]] = {}
        self.started_at = datetime.now(UTC)
        self.elapsed_seconds: float | None = None
        # (from, to) of a claim's last record -> claims
        self.final_transitions: Counter[tuple[str, str]] = Counter()
        # Claims whose last record so far may be superseded, with its change (None: none).
        self._open_claims: dict[str, dict[str, Any] | None] = {}
        # In memory until a section passes 8 MB, then on disk; closed in close().
        self._spools: dict[str, IO[bytes]] = {
            section: tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115
            for section in (*SECTIONS.values(), FINAL_SECTION)
        }

    @property
    def mode(self) -> str:
        return "replay" if self.what_if_version is None else "what-if"

    def add(self, result: BlockResult) -> None:
        self.lines += result.lines
        self.counts.update(result.counts)
        self.partial_originals += result.partial_originals
        self.unchecked_fields.update(result.unchecked_fields)
        for outcome in result.notable:
            section = SECTIONS.get(outcome.kind)
            if section is None or outcome.detail is None:
                continue
            self._spools[section].write(encode(outcome.detail))
            if outcome.kind in (CHANGED, NOT_REPRODUCED):
                detail = outcome.detail
                by_rules = self.transitions.setdefault((detail["from"], detail["to"]), Counter())
                by_rules[(tuple(detail["rules_removed"]), tuple(detail["rules_added"]))] += 1
        for step in result.finals:
            self._follow(step)

    def _follow(self, step: FinalStep) -> None:
        """A claim's record in run order: it replaces the claim's open record, and is final
        unless a later record may supersede it."""
        if step.continues and step.claim_id is not None:
            self._open_claims.pop(step.claim_id, None)
        if step.opens and step.claim_id is not None:
            self._open_claims[step.claim_id] = step.change
        elif step.change is not None:
            self._final_change(step.change)

    def _final_change(self, change: dict[str, Any]) -> None:
        self.final_transitions[(change["from"], change["to"])] += 1
        self._spools[FINAL_SECTION].write(encode(change))

    def finish(self) -> None:
        """The end of the run: claims still open stand by their last record."""
        for change in self._open_claims.values():
            if change is not None:
                self._final_change(change)
        self._open_claims.clear()

    @property
    def alarm(self) -> bool:
        return any(self.counts[kind] for kind in ALARMS)

    @property
    def exit_status(self) -> int:
        if self.alarm:
            return EXIT_ALARM
        if self.counts[NOT_REPLAYABLE] or self.counts[ERROR]:
            return EXIT_INCOMPLETE
        return EXIT_OK

    def summary(self) -> dict[str, Any]:
        """Everything but the per-claim sections: small, in a fixed key order."""
        return {
            "report_version": 1,
            "mode": self.mode,
            "what_if_policy_version": self.what_if_version,
            "source": self.source,
            "sink": self.sink,
            "started_at": self.started_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "elapsed_seconds": self.elapsed_seconds,
            "lines": self.lines,
            "counts": {kind: self.counts[kind] for kind in COUNTED},
            "partial_originals": self.partial_originals,
            "unchecked_fields": sorted(self.unchecked_fields),
            "alarm": self.alarm,
            "exit_status": self.exit_status,
            "transitions": self.transition_rows(),
            "final_outcomes": {
                "claims_changed": self.final_transitions.total(),
                "transitions": [
                    {"from": before, "to": after, "claims": n}
                    for (before, after), n in sorted(
                        self.final_transitions.items(), key=lambda item: (-item[1], item[0])
                    )
                ],
            },
        }

    def transition_rows(self) -> list[dict[str, Any]]:
        """One row per (from, to), most claims first, each broken down by the rules changed."""
        rows = []
        for (before, after), by_rules in self.transitions.items():
            rows.append(
                {
                    "from": before,
                    "to": after,
                    "claims": sum(by_rules.values()),
                    "by_rules": [
                        {"rules_removed": list(removed), "rules_added": list(added), "claims": n}
                        for (removed, added), n in sorted(
                            by_rules.items(), key=lambda item: (-item[1], item[0])
                        )
                    ],
                }
            )
        return sorted(rows, key=lambda row: (-row["claims"], row["from"], row["to"]))

    def entries(self, section: str, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The spooled entries of a section, in input order."""
        spool = self._spools[section]
        spool.flush()
        spool.seek(0)
        try:
            yield from values(islice(spool, limit))
        finally:
            spool.seek(0, 2)

    def write_json(self, path: Path) -> None:
        """report.json: the summary, then each section as a JSON array, streamed."""
        summary = orjson.dumps(self.summary())
        with path.open("wb") as out:
            out.write(summary[:-1])
            for section, spool in self._spools.items():
                out.write(b',"' + section.encode() + b'":[')
                spool.flush()
                spool.seek(0)
                first = True
                for line in spool:
                    if not first:
                        out.write(b",")
                    out.write(line.rstrip(b"\n"))
                    first = False
                spool.seek(0, 2)
                out.write(b"]")
            out.write(b"}\n")

    def close(self) -> None:
        for spool in self._spools.values():
            spool.close()
