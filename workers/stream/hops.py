"""The hops of the worker, between Kafka messages and the pure step (workers/stream/step/).

Hop 1 reads the claim, documentation, review and calendar topics and forwards each valid event
re-keyed by member; hop 2 reads the by-member topic, where a member's claims, follow-ups and
history meet, and decides. The sweep gives the step what time and the reference tables settle
for the claims waiting in a partition's member states (a parked claim's eligibility, a PA
update, the business date passing a documentation deadline). Only what needs the event loop or
the broker is here (the reference tables' first load, the topics' size limits, the clock) and
what operators see (metrics, log lines without PHI).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import ConsumerRecord

from models.envelope import decode_documentation, decode_review
from policy.downstream.notice import PlanConfig
from policy.lifecycle import business_days_between
from policy.member_history import MemberState
from workers.logging_setup import get_logger
from workers.settings import Settings
from workers.stream.metrics import Metrics
from workers.stream.reference import ReferenceTables
from workers.stream.runtime.changelog import State
from workers.stream.step import intake
from workers.stream.step.member import by_member, release
from workers.stream.step.outcome import Destination, Outcome, Tables
from workers.stream.step.pended import reconcile

log = get_logger(__name__)


@dataclass
class _Waiting:
    """Partition k's members with something waiting, and what changed since its last sweep."""

    pending: set[bytes] = field(default_factory=set)
    parked: set[bytes] = field(default_factory=set)
    latest_date: str | None = None  # the latest processing_date of an event of k
    changed_pas: set[str] = field(default_factory=set)
    eligibility_changed: bool = False
    date_changed: bool = False
    # Members a follow-up re-decided since the last sweep: a claim revived by records that were
    # in time may already be past its deadline by the business date known.
    revived: set[bytes] = field(default_factory=set)


# What an internal_error pend's stage says to an operator.
FAILURES = {
    "enrichment": "enrichment failed",
    "engine": "engine failed",
    "publish": "decision record too large for its topic",
}


class Hops:
    """The hops, the sweep, and the observer of their outcomes."""

    def __init__(
        self,
        settings: Settings,
        references: ReferenceTables,
        metrics: Metrics,
        notice_plan: PlanConfig | None,
    ) -> None:
        """`notice_plan`: the plan configuration notices are written with (workers/stream/app.py
        `notice_plan`, loaded once at start); None when no notices are published."""
        self._settings = settings
        self._references = references
        self._metrics = metrics
        self.limits: dict[Destination, int] = {}
        self._notice_plan = notice_plan
        self._waiting: dict[int, _Waiting] = defaultdict(_Waiting)
        # Partitions opened before the reference tables were loaded: reconciled once they are.
        self._unreconciled: set[int] = set()
        references.on_change = self._reference_changed

    # -- hop 1 ------------------------------------------------------------------------------

    async def intake(self, message: ConsumerRecord[Any, Any], state: State) -> Outcome:
        return intake.intake(message, self.limits.get(Destination.FORWARD))

    async def intake_documentation(
        self, message: ConsumerRecord[Any, Any], state: State
    ) -> Outcome:
        return intake.intake_follow_up(
            message, decode_documentation, self.limits.get(Destination.FORWARD)
        )

    async def intake_review(self, message: ConsumerRecord[Any, Any], state: State) -> Outcome:
        return intake.intake_follow_up(message, decode_review, self.limits.get(Destination.FORWARD))

    async def intake_calendar(self, message: ConsumerRecord[Any, Any], state: State) -> Outcome:
        return intake.intake_calendar(message)

    # -- hop 2 ------------------------------------------------------------------------------

    async def adjudicate(self, message: ConsumerRecord[Any, Any], state: State) -> Outcome:
        # Deciding before eligibility and PAs are loaded would deny claims ELIG-01 by mistake.
        await self._references.loaded.wait()
        key = message.key
        member = _member_state(state, key)
        outcome = by_member(
            message,
            member,
            self._tables(message.partition),
            clock=time.time(),
            grace_seconds=self._settings.eligibility_grace_seconds,
        )
        if key is not None and outcome.state is not None:
            self._note(message.partition, key, outcome.state)
        if outcome.event_date is not None:
            self._saw_date(message.partition, outcome.event_date)
        if outcome.triggers and key is not None:
            # A claim revived by records that were in time may already be past its deadline
            # by the business date known: the sweep looks again.
            self._waiting[message.partition].revived.add(key)
        return outcome

    def sweep(self, partition: int, state: State, opened: bool) -> Iterator[tuple[bytes, Outcome]]:
        """Release parked events whose wait is over and reconcile pended claims with what
        changed; a partition just opened is reconciled whole (a PA or a date that changed
        while no one owned it, or before a crash, is met here)."""
        if opened:
            self._unreconciled.add(partition)
        if not self._references.loaded.is_set():
            return
        opened = partition in self._unreconciled
        self._unreconciled.discard(partition)
        waiting = self._waiting[partition]
        if opened:
            self._waiting[partition] = waiting = _Waiting()
            for key, member in state.items():
                self._note(partition, key, member)
        tables = self._tables(partition)
        clock = time.time()
        for key in sorted(waiting.parked):
            outcome = release(state[key], tables, clock=clock)
            if outcome is not None:
                self._note(partition, key, state[key])
                if outcome.event_date is not None:
                    self._saw_date(partition, outcome.event_date)
                if outcome.triggers:
                    waiting.revived.add(key)
                yield key, outcome
        if not (opened or waiting.changed_pas or waiting.date_changed or waiting.revived):
            return
        changed_pas = None if opened else set(waiting.changed_pas)
        # Every pended member when a date or a PA changed; else only the revived ones.
        everyone = opened or bool(waiting.changed_pas) or waiting.date_changed
        keys = sorted(waiting.pending if everyone else waiting.revived & waiting.pending)
        waiting.changed_pas.clear()
        waiting.date_changed = False
        waiting.revived.clear()
        for key in keys:
            outcome = reconcile(state[key], tables, changed_pas)
            if outcome is not None:
                self._note(partition, key, state[key])
                yield key, outcome

    def _tables(self, partition: int) -> Tables:
        return Tables(
            references=self._references,
            now=datetime.now(UTC),
            business_date=max(
                filter(
                    None, (self._references.business_date, self._waiting[partition].latest_date)
                ),
                default=None,
            ),
            publish_fhir=self._settings.topic_fhir is not None,
            notice_plan=self._notice_plan,
            limits=self.limits,
        )

    def _note(self, partition: int, key: bytes, member: MemberState) -> None:
        """Keep the index of members with something waiting (the sweep looks at no other)."""
        waiting = self._waiting[partition]
        (waiting.pending.add if member.pending else waiting.pending.discard)(key)
        (waiting.parked.add if member.parked else waiting.parked.discard)(key)

    def _saw_date(self, partition: int, processing_date: str) -> None:
        waiting = self._waiting[partition]
        if waiting.latest_date is None or processing_date > waiting.latest_date:
            waiting.latest_date = processing_date
            waiting.date_changed = True

    def _reference_changed(self, topic: str, key: str) -> None:
        settings = self._settings
        for waiting in self._waiting.values():
            if topic == settings.topic_prior_auth:
                waiting.changed_pas.add(key)
            elif topic == settings.topic_calendar:
                waiting.date_changed = True
            # An eligibility record releases parked claims at the next sweep, which looks at
            # every parked member anyway (there are few: they wait seconds).

    # -- what operators see ---------------------------------------------------------------------

    def pending_summary(self, states: Iterator[State]) -> tuple[dict[str, int], int | None]:
        """Pended claims by reason over `states`, and the oldest one's age in business days
        (from its first record to the latest business date known)."""
        by_reason: dict[str, int] = defaultdict(int)
        oldest: str | None = None
        for state in states:
            for member in state.values():
                for pending in member.pending.values():
                    if not pending.is_pending:
                        continue
                    for reason in pending.reasons:
                        by_reason[reason] += 1
                    first = pending.first_processing_date
                    oldest = first if oldest is None or first < oldest else oldest
        latest = max(
            filter(
                None,
                (
                    self._references.business_date,
                    *(waiting.latest_date for waiting in self._waiting.values()),
                ),
            ),
            default=None,
        )
        age = business_days_between(oldest, latest) if oldest and latest else None
        return dict(by_reason), age

    def observe(self, message: ConsumerRecord[Any, Any] | None, outcome: Outcome) -> None:
        """Metrics and log lines of one event or sweep (ids and outcomes only, never PHI)."""
        metrics = self._metrics
        counted = metrics.counted
        if outcome.dead_letter is not None:
            error = outcome.dead_letter
            counted[metrics.dead_letters, error.error_class] += 1
            log.warning(
                "dead letter", error_class=error.error_class, stage=error.stage, **_where(message)
            )
        if outcome.duplicate:
            counted[metrics.duplicates, None] += 1
            log.info("duplicate event skipped", **_where(message))
        elif outcome.imported:
            log.info("history imported", **_where(message))
        elif outcome.parked and not outcome.records:
            counted[metrics.parked, None] += 1
            log.info("parked until the member's eligibility arrives", **_where(message))
        if outcome.internal_error_stage is not None:
            counted[metrics.internal_errors, None] += 1
            stage = outcome.internal_error_stage
            log.error(
                FAILURES[stage],
                stage=stage,
                claim_id=_claim_id(outcome),
                **_where(message),
            )
        for trigger in outcome.triggers:
            counted[metrics.readjudications, trigger] += 1
        for days in outcome.finished_days:
            metrics.days_to_final.observe(days)
        for decided in outcome.records:
            if decided.decision == "ignore":
                counted[metrics.ignored, None] += 1
                log.info(
                    "claim out of scope", claim_id=_claim_id(outcome), rule_ids=decided.rule_ids
                )
                continue
            counted[metrics.decisions, decided.decision] += 1
            for rule_id in decided.rule_ids:
                counted[metrics.rules, rule_id] += 1
            if decided.trigger != "claim_submitted":
                log.info(
                    "claim re-adjudicated",
                    claim_id=decided.claim_id if isinstance(decided.claim_id, str) else None,
                    trigger=decided.trigger,
                    decision=decided.decision,
                )
        if outcome.occurred_at is not None and outcome.records:
            metrics.latency.observe(max(0.0, time.time() - outcome.occurred_at))


def _where(message: ConsumerRecord[Any, Any] | None) -> dict[str, Any]:
    """The coordinates a log line about `message` carries (none for the sweep's)."""
    if message is None:
        return {}
    return {"topic": message.topic, "partition": message.partition, "offset": message.offset}


def _member_state(state: State, key: bytes | None) -> MemberState:
    """The member's state (a fresh one for a new member); the step changes it in place."""
    if key is None:
        return MemberState()
    found = state.get(key)
    return found if found is not None else MemberState()


def _claim_id(outcome: Outcome) -> str | None:
    claim_id = outcome.record.claim_id if outcome.record is not None else None
    return claim_id if isinstance(claim_id, str) else None
