"""One partition of the worker with no broker, as the step's tests drive it: hop 1, hop 2 on
hop 1's forwards (headers included), the sweep's reconcile, the member states carried from
call to call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from models.decision import DecisionRecord
from models.envelope import decode_documentation, decode_review
from policy.lifecycle import PendingClaim
from policy.member_history import MemberState
from tests.unit.workers.stream.step.messages import NOW, Record, References, references_of
from workers.stream.step.intake import intake, intake_follow_up
from workers.stream.step.member import by_member
from workers.stream.step.outcome import HISTORY_IMPORT, KIND_HEADER, Destination, Outcome, Tables
from workers.stream.step.pended import reconcile

CLAIMS_TOPIC = "claims.submitted.v1"
DOCUMENTATION_TOPIC = "claims.documentation.v1"
REVIEWS_TOPIC = "claims.reviews.v1"
BY_MEMBER_TOPIC = "claims-by-member"


@dataclass
class Worker:
    """One partition of the worker, with no broker: hop 1, hop 2, the sweep's reconcile.

    The business date is the later of the calendar's and the latest event date of the
    partition, as `Hops._tables` makes it.
    """

    references: References = field(default_factory=References)
    members: dict[bytes, MemberState] = field(default_factory=dict)
    calendar: str | None = None
    latest_event_date: str | None = None
    offsets: dict[str, int] = field(default_factory=dict)
    last_value: bytes = b""  # the last event sent, as its producer wrote it
    finished_days: list[int] = field(default_factory=list)  # of the sweeps' final records

    @classmethod
    def of(cls, *cases: dict[str, Any]) -> Worker:
        worker = cls()
        for case in cases:
            refs = references_of(case)
            worker.references.eligibility.update(refs.eligibility)
            worker.references.prior_auths.update(refs.prior_auths)
        return worker

    @property
    def business_date(self) -> str | None:
        return max(filter(None, (self.calendar, self.latest_event_date)), default=None)

    def tables(self) -> Tables:
        return Tables(self.references, NOW, business_date=self.business_date)

    def _inbound(self, topic: str, key: bytes | None, value: bytes) -> Record:
        offset = self.offsets.get(topic, 0)
        self.offsets[topic] = offset + 1
        self.last_value = value
        return Record(value, key=key, topic=topic, partition=0, offset=offset)

    def _hop2(self, hop1: Outcome) -> Outcome:
        [forward] = hop1.outputs
        assert forward.destination is Destination.FORWARD and forward.key is not None
        record = Record(
            forward.value, key=forward.key, topic=BY_MEMBER_TOPIC, headers=forward.headers
        )
        member = self.members.setdefault(forward.key, MemberState())
        outcome = by_member(record, member, self.tables(), clock=NOW.timestamp(), grace_seconds=2.0)
        if outcome.event_date is not None:
            self.latest_event_date = max(self.latest_event_date or "", outcome.event_date)
        return outcome

    def import_history(self, case: dict[str, Any], history: dict[str, Any]) -> None:
        """Decisions from before the worker, on the by-member topic (`history-import`)."""
        key = b"m:" + case["claim"]["member"]["member_id"].encode()
        record = Record(
            orjson.dumps(history),
            key=key,
            topic=BY_MEMBER_TOPIC,
            headers=[(KIND_HEADER, HISTORY_IMPORT)],
        )
        member = self.members.setdefault(key, MemberState())
        outcome = by_member(record, member, self.tables(), clock=NOW.timestamp(), grace_seconds=2.0)
        assert outcome.imported

    def submit(
        self, case: dict[str, Any], processing_date: str | None = None, event_id: str = "evt-claim"
    ) -> Outcome:
        claim = case["claim"]
        value = event(
            event_id,
            "claim.submitted",
            processing_date or case["context"]["processing_date"],
            claim=claim,
        )
        return self._hop2(intake(self._inbound(CLAIMS_TOPIC, claim["claim_id"].encode(), value)))

    def document(
        self,
        case: dict[str, Any],
        documentation: dict[str, Any],
        processing_date: str,
        event_id: str = "evt-docs",
    ) -> Outcome:
        return self._follow_up(
            (DOCUMENTATION_TOPIC, "claim.documentation_received", decode_documentation),
            case,
            processing_date,
            event_id,
            documentation=documentation,
        )

    def review(
        self,
        case: dict[str, Any],
        determinations: list[tuple[int, str]],
        processing_date: str,
        event_id: str = "evt-review",
    ) -> Outcome:
        """A clinical review: (line_number, determination) pairs, in the event's order."""
        reviews = [
            {
                "line_number": line_number,
                "rule": "ITDD-SAFE-01",
                "determination": determination,
                "reviewer_role": "pharmacist",
            }
            for line_number, determination in determinations
        ]
        return self._follow_up(
            (REVIEWS_TOPIC, "claim.clinical_review_completed", decode_review),
            case,
            processing_date,
            event_id,
            reviews=reviews,
        )

    def _follow_up(
        self,
        kind: tuple[str, str, Callable[..., Any]],
        case: dict[str, Any],
        processing_date: str,
        event_id: str,
        **body: Any,
    ) -> Outcome:
        """A follow-up event about the case's claim, through hop 1 and hop 2; `kind` is its
        (topic, event type, envelope decoder)."""
        topic, event_type, decode = kind
        claim = case["claim"]
        value = event(
            event_id,
            event_type,
            processing_date,
            claim_id=claim["claim_id"],
            member_id=claim["member"]["member_id"],
            **body,
        )
        inbound = self._inbound(topic, claim["claim_id"].encode(), value)
        return self._hop2(intake_follow_up(inbound, decode))

    def open_date(self, business_date: str) -> list[DecisionRecord]:
        """A calendar event: every member reconciled with the new business date."""
        self.calendar = max(self.calendar or "", business_date)
        return self._reconcile(None)

    def update_pa(self, pa: dict[str, Any]) -> list[DecisionRecord]:
        """A record on the PA topic: the members reconciled with that number changed."""
        self.references.prior_auths[pa["pa_number"]] = pa
        return self._reconcile({pa["pa_number"]})

    def reopen(self) -> list[DecisionRecord]:
        """The sweep of a partition just opened: every PA number compared."""
        return self._reconcile(None)

    def sweep(self) -> list[DecisionRecord]:
        """The sweep after an event moved the partition's date (no PA changed)."""
        return self._reconcile(set())

    def pending(self, case: dict[str, Any]) -> PendingClaim | None:
        claim = case["claim"]
        member = self.members.get(b"m:" + claim["member"]["member_id"].encode(), MemberState())
        return member.pending.get(claim["claim_id"])

    def _reconcile(self, changed_pas: set[str] | None) -> list[DecisionRecord]:
        records: list[DecisionRecord] = []
        for member in self.members.values():
            outcome = reconcile(member, self.tables(), changed_pas)
            if outcome is not None:
                assert outcome.state is member
                records.extend(outcome.records)
                self.finished_days.extend(outcome.finished_days)
        return records


def event(event_id: str, event_type: str, processing_date: str, **body: Any) -> bytes:
    return orjson.dumps(
        {
            "event_id": event_id,
            "event_type": event_type,
            "schema_version": 1,
            "occurred_at": f"{processing_date}T09:00:00Z",
            "processing_date": processing_date,
            **body,
        }
    )
