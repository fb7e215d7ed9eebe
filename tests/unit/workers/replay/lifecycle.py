"""Claims' lives made by the worker's own pure step (workers/stream/step/), written down as a
file of events (workers/replay/events_file.py): the input events and each published record with
its `input.event_id` and `enrichment.snapshot` headers, in the order they happened."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from models.envelope import decode_documentation, decode_forwarded, decode_review
from policy.member_history import MemberState
from tests.unit.conftest import CASES
from tests.unit.workers.replay.helpers import write_lines
from workers.replay.events_file import export_events
from workers.replay.pipeline import run_replay
from workers.replay.report import ReplayReport
from workers.replay.sinks import FileSink
from workers.replay.sources import FileSource
from workers.replay.work import ReplayOptions
from workers.stream.step.member import adjudicate
from workers.stream.step.outcome import Destination, Origin, Outcome
from workers.stream.step.outcome import Tables as StepTables
from workers.stream.step.pended import follow_up, reconcile

NOW = datetime(2026, 3, 2, 14, 3, tzinfo=UTC)


@dataclass
class Tables:
    eligibility: dict[str, dict[str, Any]] = field(default_factory=dict)
    prior_auths: dict[str, dict[str, Any]] = field(default_factory=dict)


def case(case_id: str) -> dict[str, Any]:
    return copy.deepcopy(CASES[case_id])


def facts(case_id: str) -> dict[str, Any]:
    """A public case's Appendix C facts, as a documentation event sends them."""
    return dict(CASES[case_id]["claim"]["documentation"])


@dataclass
class Life:
    """The worker's step for the members of `cases`, and what it read and published."""

    references: Tables = field(default_factory=Tables)
    members: dict[str, MemberState] = field(default_factory=dict)
    calendar: str | None = None
    latest: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)  # the file of events
    records: list[dict[str, Any]] = field(default_factory=list)  # the published records
    _ids: int = 0

    @classmethod
    def of(cls, *cases: dict[str, Any]) -> Life:
        life = cls()
        for given in cases:
            context = given["context"]
            if context["eligibility"].get("found"):
                member_id = given["claim"]["member"]["member_id"]
                life.references.eligibility[member_id] = context["eligibility"]
            for pa in context.get("prior_authorizations", ()):
                life.references.prior_auths[pa["pa_number"]] = pa
        return life

    def tables(self) -> StepTables:
        date = max(filter(None, (self.calendar, self.latest)), default=None)
        return StepTables(self.references, NOW, business_date=date)

    def submit(self, given: dict[str, Any]) -> None:
        claim = given["claim"]
        value = self._event("claim.submitted", given["context"]["processing_date"], claim=claim)
        member = self._member(claim["member"]["member_id"])
        self._published(adjudicate(decode_forwarded(value), member, self.tables()))

    def document(self, given: dict[str, Any], documentation: dict[str, Any], date: str) -> None:
        value = self._follow_up(given, "claim.documentation_received", date, documentation)
        self._follow(given, decode_documentation(value), value)

    def review(self, given: dict[str, Any], determination: str, date: str) -> None:
        reviews = [
            {
                "line_number": line["line_number"],
                "rule": "ITDD-SAFE-01",
                "determination": determination,
                "reviewer_role": "medical_director",
            }
            for line in given["claim"]["lines"]
        ]
        value = self._follow_up(given, "claim.clinical_review_completed", date, reviews=reviews)
        self._follow(given, decode_review(value), value)

    def open_date(self, date: str) -> None:
        """A calendar event, and the sweep that follows it."""
        self.events.append(orjson.loads(self._event("business_date.opened", date)))
        self.calendar = date
        self._reconcile(None)

    def update_pa(self, pa: dict[str, Any]) -> None:
        """A record on the PA topic, and the sweep of the claims waiting on that number."""
        self.references.prior_auths[pa["pa_number"]] = pa
        self._reconcile({pa["pa_number"]})

    def write(self, path: Path) -> Path:
        return write_lines(path, self.events)

    def _member(self, member_id: str) -> MemberState:
        return self.members.setdefault(member_id, MemberState())

    def _event(self, event_type: str, date: str, **body: Any) -> bytes:
        self._ids += 1
        value = orjson.dumps(
            {
                "event_id": f"evt-{self._ids}",
                "event_type": event_type,
                "schema_version": 1,
                "occurred_at": f"{date}T09:00:00Z",
                "processing_date": date,
                **body,
            }
        )
        if event_type != "business_date.opened":
            self.events.append(orjson.loads(value))
        return value

    def _follow_up(
        self,
        given: dict[str, Any],
        event_type: str,
        date: str,
        documentation: dict[str, Any] | None = None,
        **body: Any,
    ) -> bytes:
        claim = given["claim"]
        if documentation is not None:
            body["documentation"] = documentation
        return self._event(
            event_type,
            date,
            claim_id=claim["claim_id"],
            member_id=claim["member"]["member_id"],
            **body,
        )

    def _follow(self, given: dict[str, Any], event: Any, value: bytes) -> None:
        self.latest = max(self.latest or "", event.processing_date)
        origin = Origin(None, "follow-ups", 0, self._ids)
        member = self._member(given["claim"]["member"]["member_id"])
        self._published(follow_up(event, lambda: origin, value, member, self.tables()))

    def _reconcile(self, changed_pas: set[str] | None) -> None:
        for member in self.members.values():
            outcome = reconcile(member, self.tables(), changed_pas)
            if outcome is not None:
                self._published(outcome)

    def _published(self, outcome: Outcome) -> None:
        for output in outcome.outputs:
            if output.destination is not Destination.DECISION:
                continue
            record = orjson.loads(output.value or b"")
            headers = {name: value.decode() for name, value in output.headers}
            self.records.append(record)
            self.events.append({"record": record, "headers": headers})


def replay_events(
    path: Path, out: Path, version: str | None = None
) -> tuple[ReplayReport, list[dict[str, Any]]]:
    """Replay a file of events as `replay FILE --events` does; the report and the records."""
    spool = export_events(str(path), path.with_suffix(".history.jsonl"))
    assert spool.unreadable == 0
    report = run_replay(
        FileSource(str(path.with_suffix(".history.jsonl"))),
        FileSink(str(out)),
        ReplayOptions(version=version),
    )
    return report, [orjson.loads(line) for line in out.read_bytes().splitlines()]
