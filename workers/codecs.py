"""Bytes in, bytes out: the envelope decoder and the decision encoder.

faust's own codecs are bypassed (`raw`): orjson is several times faster than faust's json
codec, and a dead letter must keep the exact bytes that arrived, which only works if nothing
decoded them on the way in.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from models.decision import DecisionRecord
from models.envelope import ClaimEnvelope
from models.request import StructureError, parse_request


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
    """Parse and validate one `claims.submitted.v1` value, or raise EnvelopeError."""
    if value is None:
        raise EnvelopeError("EmptyValue", "decode", "message has no value (tombstone)")
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        # orjson's message names the position only (and for bad UTF-8, the reason).
        raise EnvelopeError("JSONDecodeError", "decode", str(exc)) from None
    if not isinstance(data, dict):
        raise EnvelopeError(
            "NotAnObject", "envelope", f"envelope is a JSON {type(data).__name__}, not an object"
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


def describe_validation(exc: ValidationError) -> str:
    """`field: reason` of the first problem, plus the count; input values are never quoted."""
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "envelope"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {str(first['msg']).removeprefix('Value error, ')}{more}"


def member_routing_key(envelope: ClaimEnvelope) -> bytes:
    """Key of the by-member topic: the member id, or the claim/event id when it is unusable.

    A claim without a usable member id is denied by VAL-02 without reading any history, so any
    stable key serves; the prefixes keep the three kinds from colliding in the member table.
    """
    member = envelope.claim.get("member")
    if isinstance(member, dict):
        member_id = member.get("member_id")
        if isinstance(member_id, str) and member_id:
            return b"m:" + member_id.encode()
    claim_id = envelope.claim.get("claim_id")
    if isinstance(claim_id, str) and claim_id:
        return b"c:" + claim_id.encode()
    return b"e:" + envelope.event_id.encode()


def claim_key(claim: dict[str, Any], fallback: str) -> bytes:
    """Key of a decision record: the claim id (contract), or `fallback` when it is not a string."""
    claim_id = claim.get("claim_id")
    return (claim_id if isinstance(claim_id, str) else fallback).encode()


def encode_decision(record: DecisionRecord) -> bytes:
    """The published decision record (policy-spec §8 key order)."""
    return record.to_json()
