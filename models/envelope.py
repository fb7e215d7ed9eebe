"""The claim envelope of `claims.submitted.v1` (contract README), and its one codec.

An envelope that fails this model is a dead letter. The `claim` inside is only required to be
a JSON object here: its field-level problems are decided by the policy (VAL-* rules). Both hops
of the worker and the topic replay decode envelopes here and nowhere else: a dead letter must
keep the exact bytes that arrived, so nothing decodes them on the way in but this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    StrictStr,
    ValidationError,
    field_validator,
)

from models import json_codec
from models.request import IsoDateStr, StructureError, parse_request

SCHEMA_VERSION = 1


class ClaimEnvelope(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: StrictStr
    event_type: Literal["claim.submitted"]
    schema_version: Literal[1]
    occurred_at: AwareDatetime
    processing_date: IsoDateStr
    claim: dict[str, Any]

    @field_validator("schema_version", mode="before")
    @classmethod
    def _exact_version(cls, value: object) -> object:
        # `1.0` and `true` compare equal to 1 in Python; only the integer 1 is version 1.
        if type(value) is not int:
            # The reason without the value: a dead letter's error.message never quotes input.
            raise ValueError(f"must be the integer 1, not a JSON {_json_type(value)}")
        return value


def _json_type(value: object) -> str:
    """The JSON type of a decoded value, for messages that must not quote the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class EnvelopeError(ValueError):
    """The message is not a valid claim envelope: it is a dead letter.

    `error_class` and `stage` go into the DLQ headers; the message names the problem (field and
    reason) without quoting input values.
    """

    def __init__(self, error_class: str, stage: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.stage = stage


def decode_envelope(value: bytes | None) -> ClaimEnvelope:
    """Parse and validate one envelope, or raise EnvelopeError."""
    if value is None:
        raise EnvelopeError("EmptyValue", "decode", "message has no value (tombstone)")
    try:
        data = json_codec.loads(value)
    except json_codec.JSONDecodeError as exc:
        # orjson's message names the position only (and for bad UTF-8, the reason).
        raise EnvelopeError("JSONDecodeError", "decode", str(exc)) from None
    if not isinstance(data, dict):
        raise EnvelopeError(
            "NotAnObject", "envelope", f"envelope is a JSON {_json_type(data)}, not an object"
        )
    try:
        envelope = ClaimEnvelope.model_validate(data)
    except ValidationError as exc:
        raise EnvelopeError("ValidationError", "envelope", describe_validation(exc)) from None
    try:
        # §E.3: a claim without the request structure gets no decision; it is a dead letter.
        parse_request(
            {"claim": envelope.claim, "context": {"processing_date": envelope.processing_date}}
        )
    except StructureError as exc:
        raise EnvelopeError("StructureError", "structure", str(exc)) from None
    return envelope


@dataclass(frozen=True)
class Forwarded:
    """An envelope the intake hop validated, as the adjudication hop reads it (no second
    validation: the claim itself is validated by the engine's request)."""

    event_id: str
    occurred_at: float  # epoch seconds
    processing_date: str
    claim: dict[str, Any]


def decode_forwarded(value: bytes | None) -> Forwarded:
    """An envelope on the worker's by-member topic; anything else written there (it is a topic
    like any other) is a dead letter, not a crashed worker."""
    try:
        data = json_codec.loads(value) if value is not None else None
        if (
            isinstance(data, dict)
            and isinstance(data.get("event_id"), str)
            and isinstance(data.get("claim"), dict)
            and isinstance(data.get("processing_date"), str)
        ):
            occurred_at = datetime.fromisoformat(data["occurred_at"]).timestamp()
            return Forwarded(data["event_id"], occurred_at, data["processing_date"], data["claim"])
    except (json_codec.JSONDecodeError, KeyError, TypeError, ValueError):
        pass
    raise EnvelopeError("InvalidForward", "by-member", "not an envelope validated by intake")


def describe_validation(exc: ValidationError) -> str:
    """`field: reason` of the first problem, plus the count; input values are never quoted."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "envelope"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {str(first['msg']).removeprefix('Value error, ')}{more}"


def member_id_of(claim: dict[str, Any]) -> str | None:
    """The claim's member id when it is a usable key (a non-empty string)."""
    member = claim.get("member")
    member_id = member.get("member_id") if isinstance(member, dict) else None
    return member_id if isinstance(member_id, str) and member_id else None


def member_routing_key(envelope: ClaimEnvelope) -> bytes:
    """Key of the by-member topic: the member id, or the claim/event id when it is unusable.

    A claim without a usable member id is denied by VAL-02 without reading any history, so any
    stable key serves; the prefixes keep the three kinds from colliding in the member state.
    """
    member_id = member_id_of(envelope.claim)
    if member_id is not None:
        return b"m:" + member_id.encode()
    claim_id = envelope.claim.get("claim_id")
    if isinstance(claim_id, str) and claim_id:
        return b"c:" + claim_id.encode()
    return b"e:" + envelope.event_id.encode()


def claim_key(claim: dict[str, Any], fallback: str) -> bytes:
    """Key of a decision record: the claim id (contract), or `fallback` when it is not a string."""
    claim_id = claim.get("claim_id")
    return (claim_id if isinstance(claim_id, str) else fallback).encode()
