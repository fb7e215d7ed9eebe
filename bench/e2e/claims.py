"""The claims every peer gets: samples/cases.jsonl cycled, with fresh claim, event and member ids.

Each case is serialised once as an envelope with placeholder ids; a claim is that template's
bytes with the placeholders replaced, so generating 100,000 claims costs a few byte copies
each, not a JSON encoding. Claim `n` of any phase belongs to member `n mod members`, whose
eligibility record (from the same case) is loaded once before any peer starts: no claim waits
for its member, and the load phases give members a handful of claims, as in production.

The lifecycle stream (`follow_ups` > 0, claim-lifecycle.md L.5): every `1/follow_ups`-th member
is given the seed case (TC-001, which pends P3 for records) instead of the cycled case, so that
share of the claims pends; records received (TC-002's facts, dated 2026-03-20, as in the demo)
re-adjudicate a pended seed to an approval that supersedes the pend. The records of a backlog
follow up claims that pended *before* it (the `PRELUDE` phase, on members of their own): a
stream in its steady state, where the claims that pend today are followed up days later, and
records never overtake their claim (a peer reads the claim and documentation topics
independently; records for a claim not yet decided would be dead letters, `ClaimNotPending`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from .engine import Destination, Engine, MemberState, Message

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "samples" / "cases.jsonl"
SEED_CASE = "ITDD-TC-001"
RECORDS_CASE = "ITDD-TC-002"
RECORDS_DATE = "2026-03-20"  # L.5: in time for the seed's 45-day deadline (2026-04-16)

CLAIM_TOKEN = b"CLM-QZQZQZQZQZQZ"
MEMBER_TOKEN = b"TSTMBR-QZQZQZQZQZ"
EVENT_TOKEN = b"EVT-QZQZQZQZQZQZ"
DOCUMENTATION_TOKEN = b"DOC-QZQZQZQZQZQZ"

FOLLOWED = "F"  # the backlog of the lifecycle stream: claims, and records for the prelude's
PRELUDE = "P"  # seed claims pended before it, on members of their own

Record = tuple[bytes, bytes]
Routed = tuple[bool, bytes, bytes]  # (records received?, key, value): which topic, what


def claim_id(phase: str, n: int) -> bytes:
    """`CLM-<phase>-<n>`: valid for VAL-01 and tells the reader which phase a decision is of."""
    return b"CLM-%s-%08d" % (phase.encode(), n)


def phase_of(key: bytes) -> str:
    """The phase of a claim id, or of an event id (`EVT-<phase>-<n>`, `DOC-<phase>-<n>`)."""
    return key[4 : key.index(b"-", 4)].decode()


def is_documentation(event_id: bytes) -> bool:
    return event_id.startswith(DOCUMENTATION_TOKEN[:4])


@dataclass(frozen=True)
class Template:
    envelope: bytes
    eligibility: bytes | None
    published: bool


class ClaimSet:
    """Claims for every phase of a run, and the reference records they need."""

    def __init__(self, members: int, follow_ups: float = 0.0, cases_path: Path = CASES) -> None:
        self.members = members
        cases = [orjson.loads(line) for line in cases_path.read_bytes().splitlines() if line]
        occurred_at = datetime.now(UTC).isoformat()
        drafts = [_template(case, occurred_at) for case in cases]
        self._prior_auths: list[Record] = [
            (str(pa["pa_number"]).encode(), orjson.dumps(pa))
            for case in cases
            for pa in case["context"].get("prior_authorizations") or ()
        ]
        pas = {key.decode(): orjson.loads(value) for key, value in self._prior_auths}
        self._templates = [
            Template(
                envelope,
                eligibility,
                _decisions([(False, envelope)], eligibility, pas)[0] is not None,
            )
            for envelope, eligibility in drafts
        ]
        self.every = round(1 / follow_ups) if follow_ups > 0 else 0
        self._seed = self._templates[_index(cases, SEED_CASE)]
        records = cases[_index(cases, RECORDS_CASE)]["claim"]["documentation"]
        self._documentation = _documentation(records, occurred_at)
        if self.every:
            # The lifecycle backlog expects one record per follow-up: the seed pends on a
            # fresh member, and its records decide it once more.
            life = [(False, self._seed.envelope), (True, self._documentation)]
            decided = _decisions(life, self._seed.eligibility, pas)
            if decided[0] != "pend" or decided[1] is None:
                raise RuntimeError(f"{SEED_CASE} then {RECORDS_CASE}'s records: {decided}")

    # -- members --------------------------------------------------------------------------

    def _member(self, phase: str, n: int) -> int:
        """Members 0 .. members-1 for every phase but the lifecycle backlog's (the next
        `members`, so that its claims meet the same history as the plain backlog's: none)
        and the prelude's (after those, one each)."""
        if phase == PRELUDE:
            return 2 * self.members + n
        if phase == FOLLOWED:
            return self.members + n % self.members
        return n % self.members

    def _template_of(self, member: int) -> Template:
        if member >= 2 * self.members:
            return self._seed
        position = member % self.members
        if self.every and position % self.every == 0:
            return self._seed
        return self._templates[position % len(self._templates)]

    # -- claims -----------------------------------------------------------------------------

    def claim(self, phase: str, n: int) -> Record:
        """(key, envelope) of claim `n` of `phase`."""
        key = claim_id(phase, n)
        member = self._member(phase, n)
        event = b"EVT-%s-%08d" % (phase.encode(), n)
        value = (
            self._template_of(member)
            .envelope.replace(CLAIM_TOKEN, key)
            .replace(MEMBER_TOKEN, b"TSTMBR-%08d" % member)
            .replace(EVENT_TOKEN, event)
        )
        return key, value

    def claims(self, phase: str, count: int) -> Iterator[Record]:
        return (self.claim(phase, n) for n in range(count))

    def published(self, count: int, phase: str = "") -> int:
        """How many of the first `count` claims of `phase` get a decision (not `ignore`)."""
        return sum(1 for n in range(count) if self._template_of(self._member(phase, n)).published)

    # -- the lifecycle stream ----------------------------------------------------------------

    def follow_up_count(self, count: int) -> int:
        """Records received in a lifecycle backlog of `count` claims: one per `every` claims."""
        return math.ceil(count / self.every) if self.every else 0

    def documentation(self, phase: str, i: int) -> Record:
        """(key, value) of the records received in `phase` for prelude claim `i`: keyed by its
        claim id, as the contract keys `claims.documentation.v1`."""
        key = claim_id(PRELUDE, i)
        value = (
            self._documentation.replace(CLAIM_TOKEN, key)
            .replace(MEMBER_TOKEN, b"TSTMBR-%08d" % self._member(PRELUDE, i))
            .replace(DOCUMENTATION_TOKEN, b"DOC-%s-%08d" % (phase.encode(), i))
        )
        return key, value

    def followed(self, count: int) -> Iterator[Routed]:
        """The lifecycle backlog: `count` claims, and after every `every`-th one the records
        for the next prelude claim."""
        follow_ups = 0
        for n in range(count):
            yield (False, *self.claim(FOLLOWED, n))
            if n % self.every == 0:
                yield (True, *self.documentation(FOLLOWED, follow_ups))
                follow_ups += 1

    # -- reference data ----------------------------------------------------------------------

    def eligibility(self) -> list[Record]:
        """Every member's eligibility (with the lifecycle stream, its backlog's and prelude's
        members too)."""
        count = self.members
        if self.every:
            count = 2 * self.members + self.follow_up_count(self.members)
        records: list[Record] = []
        for member in range(count):
            template = self._template_of(member).eligibility
            if template is not None:
                member_id = b"TSTMBR-%08d" % member
                records.append((member_id, template.replace(MEMBER_TOKEN, member_id)))
        return records

    def prior_auths(self) -> list[Record]:
        return list(self._prior_auths)


def _index(cases: list[dict[str, Any]], case_id: str) -> int:
    return next(n for n, case in enumerate(cases) if case["case_id"] == case_id)


def _template(case: dict[str, Any], occurred_at: str) -> tuple[bytes, bytes | None]:
    claim = copy.deepcopy(case["claim"])
    context = case["context"]
    claim["claim_id"] = CLAIM_TOKEN.decode()
    eligibility: bytes | None = None
    member = claim.get("member")
    if isinstance(member, dict) and member.get("member_id"):
        member["member_id"] = MEMBER_TOKEN.decode()
        if isinstance(context.get("eligibility"), dict):
            record = {"member_id": MEMBER_TOKEN.decode(), **context["eligibility"]}
            eligibility = orjson.dumps(record)
    envelope = orjson.dumps(
        {
            "event_id": EVENT_TOKEN.decode(),
            "event_type": "claim.submitted",
            "schema_version": 1,
            "occurred_at": occurred_at,
            "processing_date": context["processing_date"],
            "claim": claim,
        }
    )
    return envelope, eligibility


def _documentation(records: dict[str, Any], occurred_at: str) -> bytes:
    """A `claim.documentation_received` event (L.3) with placeholder ids."""
    return orjson.dumps(
        {
            "event_id": DOCUMENTATION_TOKEN.decode(),
            "event_type": "claim.documentation_received",
            "schema_version": 1,
            "occurred_at": occurred_at,
            "processing_date": RECORDS_DATE,
            "claim_id": CLAIM_TOKEN.decode(),
            "member_id": MEMBER_TOKEN.decode(),
            "documentation": records,
        }
    )


# -- what a template decides, by the peers' own path (hop 1, then hop 2) ------------------------

PROBE_MEMBER = b"TSTMBR-PROBE0001"


def _decisions(
    events: list[tuple[bool, bytes]], eligibility: bytes | None, pas: dict[str, Any]
) -> list[str | None]:
    """The decision each event (records received?, template) gets in turn on one fresh
    member (None: nothing published, as for `ignore`, which the scope gates settle without
    reading any history, or a dead letter)."""
    known = (
        {} if eligibility is None else {PROBE_MEMBER.decode(): orjson.loads(_probe(eligibility))}
    )
    engine = Engine(known, pas)
    state = MemberState()
    decided: list[str | None] = []
    for documentation, template in events:
        message = Message("probe", 0, 0, b"probe", _probe(template))
        hop1 = engine.intake_documentation(message) if documentation else engine.intake(message)
        decided.append(None)
        forward = hop1.outputs[0]
        if forward.destination is not Destination.FORWARD:
            continue
        forwarded = Message("probe", 0, 0, forward.key, forward.value, forward.headers)
        hop2 = engine.by_member(forwarded, state)
        for output in hop2.outputs:
            if output.destination is Destination.DECISION:
                decided[-1] = dict(output.headers)["decision"].decode()
    return decided


def _probe(template: bytes) -> bytes:
    return (
        template.replace(CLAIM_TOKEN, b"CLM-PROBE-00000001")
        .replace(MEMBER_TOKEN, PROBE_MEMBER)
        .replace(EVENT_TOKEN, b"EVT-PROBE-00000001")
        .replace(DOCUMENTATION_TOKEN, b"DOC-PROBE-00000001")
    )
