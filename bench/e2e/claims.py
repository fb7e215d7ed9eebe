"""The claims every peer gets: samples/cases.jsonl cycled, with fresh claim, event and member ids.

Each case is serialised once as an envelope with placeholder ids; a claim is that template's
bytes with the placeholders replaced, so generating 100,000 claims costs a few byte copies
each, not a JSON encoding. Claim `n` of any phase belongs to member `n mod members`, whose
eligibility record (from the same case) is loaded once before any peer starts: no claim waits
for its member, and the load phases give members a handful of claims, as in production.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from .engine import Engine, MemberState

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "samples" / "cases.jsonl"

CLAIM_TOKEN = b"CLM-QZQZQZQZQZQZ"
MEMBER_TOKEN = b"TSTMBR-QZQZQZQZQZ"
EVENT_TOKEN = b"EVT-QZQZQZQZQZQZ"

Record = tuple[bytes, bytes]


def claim_id(phase: str, n: int) -> bytes:
    """`CLM-<phase>-<n>`: valid for VAL-01 and tells the reader which phase a decision is of."""
    return b"CLM-%s-%08d" % (phase.encode(), n)


def phase_of(key: bytes) -> str:
    return key[4 : key.index(b"-", 4)].decode()


@dataclass(frozen=True)
class Template:
    envelope: bytes
    eligibility: bytes | None
    published: bool


class ClaimSet:
    """Claims for every phase of a run, and the reference records they need."""

    def __init__(self, members: int, cases_path: Path = CASES) -> None:
        self.members = members
        cases = [orjson.loads(line) for line in cases_path.read_bytes().splitlines() if line]
        occurred_at = datetime.now(UTC).isoformat()
        drafts = [_template(case, occurred_at) for case in cases]
        self._prior_auths: list[Record] = [
            (str(pa["pa_number"]).encode(), orjson.dumps(pa))
            for case in cases
            for pa in case["context"].get("prior_authorizations") or ()
        ]
        published = _published(drafts, self._prior_auths)
        self._templates = [
            Template(envelope, eligibility, flag)
            for (envelope, eligibility), flag in zip(drafts, published, strict=True)
        ]

    def _template_of(self, n: int) -> Template:
        return self._templates[(n % self.members) % len(self._templates)]

    def claim(self, phase: str, n: int) -> Record:
        """(key, envelope) of claim `n` of `phase`."""
        key = claim_id(phase, n)
        member = b"TSTMBR-%08d" % (n % self.members)
        event = b"EVT-%s-%08d" % (phase.encode(), n)
        value = (
            self._template_of(n)
            .envelope.replace(CLAIM_TOKEN, key)
            .replace(MEMBER_TOKEN, member)
            .replace(EVENT_TOKEN, event)
        )
        return key, value

    def claims(self, phase: str, count: int) -> Iterator[Record]:
        return (self.claim(phase, n) for n in range(count))

    def published(self, count: int) -> int:
        """How many of the first `count` claims of a phase get a decision (not `ignore`)."""
        return sum(1 for n in range(count) if self._template_of(n).published)

    def eligibility(self) -> list[Record]:
        records: list[Record] = []
        for n in range(self.members):
            template = self._template_of(n).eligibility
            if template is not None:
                member = b"TSTMBR-%08d" % n
                records.append((member, template.replace(MEMBER_TOKEN, member)))
        return records

    def prior_auths(self) -> list[Record]:
        return list(self._prior_auths)


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


def _published(drafts: list[tuple[bytes, bytes | None]], prior_auths: list[Record]) -> list[bool]:
    """Whether each case gets a decision, by the peers' own path (hop 1, then hop 2 on an
    empty member): `ignore` is settled by the scope gates, which read no history."""
    member = b"TSTMBR-PROBE0001"
    pas = {key.decode(): orjson.loads(value) for key, value in prior_auths}
    flags = []
    for envelope, eligibility in drafts:
        known = (
            {}
            if eligibility is None
            else {member.decode(): orjson.loads(eligibility.replace(MEMBER_TOKEN, member))}
        )
        value = (
            envelope.replace(CLAIM_TOKEN, b"CLM-PROBE-00000001")
            .replace(MEMBER_TOKEN, member)
            .replace(EVENT_TOKEN, b"EVT-PROBE-00000001")
        )
        routed = Engine.route(value) is not None
        flags.append(routed and Engine(known, pas).adjudicate(value, MemberState()) is not None)
    return flags
