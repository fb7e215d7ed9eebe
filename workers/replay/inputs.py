"""What one replay line holds: a request, an original decision, or both.

Three line shapes are accepted, so that an auditor can replay whatever the archive gives:

* history record — `{"request": {"claim", "context"}, "decision": {§8 record}, "source": {...}?,
  "chain": {...}?}`: what `generate --with-decisions` and the topic and event sources write.
  `decision` may be absent or null (nothing to check against); `request.context` null means the
  snapshot was not kept. `chain` (workers/replay/chains.py, written by the join) says how a
  record of a claim's life is re-decided; a line without it is re-decided as its record says
  (its trigger; a re-adjudication under its own policy version) and keeps its `supersedes`.
* case record — `{"case_id", "claim", "context", "expected"}` (samples/cases.jsonl): `expected`
  is a *partial* original (no decision_id, policy_version, input_digest, ...); only the fields it
  has are checked and the others are reported as unchecked.
* adjudication request — `{"claim", "context"}`: nothing to compare with, the claim is decided
  (and in a what-if, compared with the version in force).

A bare decision record (no request) cannot be replayed; it is reported, never skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.decision import Trigger
from workers.replay.chains import SUBMITTED, TRIGGERS, ChainLink

# Why a line cannot be replayed: the wording appears in reports, keep it stable.
NO_REQUEST = "not replayable (no request: the record does not carry the claim)"
NO_SNAPSHOT = "not replayable (no snapshot: the enrichment context was not kept)"


class NotAReplayLine(ValueError):
    """A JSON value that has none of the accepted shapes."""


@dataclass(frozen=True, slots=True)
class ReplayInput:
    """A line understood: the request (or why there is none) and the original record, if any."""

    request: dict[str, Any] | None
    original: dict[str, Any] | None
    partial_original: bool = False
    not_replayable: str | None = None
    source: Any = None  # topic coordinates of the original, for the report
    chain: ChainLink | None = None

    @property
    def trigger(self) -> Trigger:
        if self.chain is not None:
            return self.chain.trigger
        trigger = (self.original or {}).get("trigger")
        return TRIGGERS.get(trigger, SUBMITTED) if isinstance(trigger, str) else SUBMITTED

    @property
    def policy_version(self) -> str | None:
        """The version a re-adjudication is decided under: its chain's first record's (L.4
        item 2). Without the chain, the record's own: the best evidence the line has."""
        if self.chain is not None:
            return self.chain.policy_version
        if self.trigger == SUBMITTED or self.original is None:
            return None
        version = self.original.get("policy_version")
        return version if isinstance(version, str) else None

    @property
    def claim_id(self) -> Any:
        if self.original is not None and "claim_id" in self.original:
            return self.original["claim_id"]
        claim = self.request.get("claim") if self.request is not None else None
        return claim.get("claim_id") if isinstance(claim, dict) else None


def read_input(value: object) -> ReplayInput:
    """Classify one decoded line; raise NotAReplayLine when it has no accepted shape."""
    if not isinstance(value, dict):
        raise NotAReplayLine("line is not a JSON object")
    if "request" in value:
        return _history(value)
    if "claim" in value:
        expected = value.get("expected")
        if isinstance(expected, dict):
            original = {k: v for k, v in expected.items() if k != "rationale"}
            if "claim_id" not in original and isinstance(value["claim"], dict):
                original["claim_id"] = value["claim"].get("claim_id")
            return ReplayInput(_request_of(value), original, partial_original=True)
        return ReplayInput(_request_of(value), None)
    if isinstance(value.get("decision"), str) and "input_digest" in value:
        return ReplayInput(None, value, not_replayable=NO_REQUEST)
    raise NotAReplayLine(
        "not a request, history record ({request, decision}), case record or decision record"
    )


def _history(value: dict[str, Any]) -> ReplayInput:
    decision = value.get("decision")
    original = decision if isinstance(decision, dict) else None
    source = value.get("source")
    chain = ChainLink.from_json(value.get("chain"))
    problem = value.get("problem")  # set by the topic join (workers/replay/join.py)
    if problem is not None:
        request = value.get("request")
        return ReplayInput(
            request if isinstance(request, dict) else None,
            original,
            not_replayable=f"not replayable ({problem})",
            source=source,
            chain=chain,
        )
    request = value.get("request")
    if not isinstance(request, dict) or request.get("claim") is None:
        return ReplayInput(None, original, not_replayable=NO_REQUEST, source=source, chain=chain)
    if request.get("context") is None:
        return ReplayInput(
            request, original, not_replayable=NO_SNAPSHOT, source=source, chain=chain
        )
    return ReplayInput(request, original, source=source, chain=chain)


def _request_of(value: dict[str, Any]) -> dict[str, Any]:
    return {"claim": value.get("claim"), "context": value.get("context")}
