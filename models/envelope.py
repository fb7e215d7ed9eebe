"""The envelopes of the worker's input topics (contract README, claim-lifecycle.md L.3), and
their one codec.

A claim envelope (`claims.submitted.v1`) or a lifecycle event (`claims.documentation.v1`,
`claims.reviews.v1`, `business.calendar.v1`) that fails its model is a dead letter. What is
inside is only required to have its shape here: the claim's and the documentation's field-level
problems are decided by the policy (VAL-* rules). The worker's hops and the topic replay decode
envelopes here and nowhere else: a dead letter must keep the exact bytes that arrived, so nothing
decodes them on the way in but this.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, NamedTuple, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictStr,
    ValidationError,
    WithJsonSchema,
    field_validator,
)

from models import json_codec
from models.request import ClinicalReviewEntry, IsoDateStr, StructureError, parse_request
from models.values import iso_date

SCHEMA_VERSION = 1

# RFC 3339 §5.6 `date-time`: the seconds and the offset are required (a time without an offset
# is no instant). `t`/`z` in lower case are RFC 3339 too (§5.6 note); the space separator it
# also allows is not taken: ISO 8601 does not have it. A leap second (`:60`) is refused: Python
# has no such instant, and producers clocked by POSIX time never write one.
RFC3339_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))?",
    re.ASCII,
)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# The date-times `datetime.fromisoformat` reads as RFC 3339 means them (once `t` and `z` are in
# upper case): an offset within ±23:59 (it reads `+01:60` as two hours).
_PLAIN_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])",
    re.ASCII,
)


def epoch_seconds(value: object) -> float:
    """An RFC 3339 `occurred_at` as epoch seconds, or ValueError with the reason (never the
    value). Both hops parse it here, so the adjudication hop accepts whatever intake accepted.

    Numbers and numeric strings are refused: epoch seconds or milliseconds would be a guess.
    The offset is the writer's, any within ±23:59; a fraction is cut to microseconds.
    """
    if type(value) is str and _PLAIN_RFC3339.fullmatch(value) is not None:
        # datetime's C parser, the same float (whole microseconds over 10**6, a fraction cut
        # to microseconds): 3.2 -> 1.05 us a call, two calls per event (issue 20). What it
        # refuses (a day or an hour that does not exist) gets its reason below.
        try:
            return datetime.fromisoformat(value.upper()).timestamp()
        except ValueError:
            pass
    return _epoch_seconds(value)


def _epoch_seconds(value: object) -> float:
    """`epoch_seconds` by hand, with the reason for what is not an RFC 3339 instant."""
    if type(value) is not str:
        raise ValueError(f"must be an RFC 3339 date-time string, not a JSON {_json_type(value)}")
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise ValueError("not an RFC 3339 date-time (YYYY-MM-DDThh:mm:ss[.fraction] and offset)")
    year, month, day, hour, minute, second, fraction, zulu, sign, offset_h, offset_m = (
        match.groups()
    )
    if zulu is None and sign is None:
        raise ValueError("has no UTC offset (Z or +hh:mm/-hh:mm)")
    offset = 0
    if sign is not None:
        if int(offset_h) > 23 or int(offset_m) > 59:
            raise ValueError("has a UTC offset outside -23:59..+23:59")
        offset = int(offset_h) * 3600 + int(offset_m) * 60
        offset = -offset if sign == "-" else offset
    # The arithmetic of `datetime(..., tzinfo).timestamp()` without building its objects
    # (6.0 -> 2.6 us a call, and both hops call it for every claim: issue 20): whole
    # microseconds over 10**6, the same float.
    hours, minutes, seconds = int(hour), int(minute), int(second)
    try:
        days = date(int(year), int(month), int(day)).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        days = None
    if days is None or hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError("not a real calendar date and time")
    micro = int((fraction or "")[:6].ljust(6, "0"))
    whole = days * 86400 + hours * 3600 + minutes * 60 + seconds - offset
    return (whole * 1_000_000 + micro) / 1_000_000


# Validated from the RFC 3339 string, held as epoch seconds (what the worker computes with).
OccurredAt = Annotated[
    float,
    PlainValidator(epoch_seconds),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": RFC3339_PATTERN}),
]
NonEmptyStr = Annotated[StrictStr, Field(min_length=1)]


class _Envelope(BaseModel):
    """What every envelope carries (L.3: "as claim envelopes do"). Unknown keys are ignored, so
    that a producer may add fields without the worker dead-lettering its events."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: StrictStr
    event_type: str  # each envelope narrows it to its one type
    schema_version: Literal[1]
    occurred_at: OccurredAt
    processing_date: IsoDateStr

    @field_validator("schema_version", mode="before")
    @classmethod
    def _exact_version(cls, value: object) -> object:
        # `1.0` and `true` compare equal to 1 in Python; only the integer 1 is version 1.
        if type(value) is not int:
            # The reason without the value: a dead letter's error.message never quotes input.
            raise ValueError(f"must be the integer 1, not a JSON {_json_type(value)}")
        return value


class ClaimEnvelope(_Envelope):
    event_type: Literal["claim.submitted"]
    claim: dict[str, Any]


class DocumentationReceivedEnvelope(_Envelope):
    """L.3 `claim.documentation_received`: the documentation's values are the policy's to judge
    (Appendix C facts), so only its being an object is checked here."""

    event_type: Literal["claim.documentation_received"]
    claim_id: NonEmptyStr
    member_id: NonEmptyStr
    documentation: dict[str, Any]


class ClinicalReviewCompletedEnvelope(_Envelope):
    event_type: Literal["claim.clinical_review_completed"]
    claim_id: NonEmptyStr
    member_id: NonEmptyStr
    reviews: list[ClinicalReviewEntry] = Field(min_length=1)


class BusinessDateOpenedEnvelope(_Envelope):
    """L.3 `business_date.opened`: `processing_date` is the date opened."""

    event_type: Literal["business_date.opened"]


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
    """The message is not a valid envelope of its topic: it is a dead letter.

    `error_class` and `stage` go into the DLQ headers; the message names the problem (field and
    reason) without quoting input values.
    """

    def __init__(self, error_class: str, stage: str, message: str) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.stage = stage


_Model = TypeVar("_Model", bound=_Envelope)


def _decode(value: bytes | None, model: type[_Model]) -> _Model:
    """Bytes to a validated envelope of `model`, or EnvelopeError: every input topic's one path."""
    return _validate(_object(value), model)


def _object(value: bytes | None) -> dict[str, Any]:
    """The JSON object an envelope is, or EnvelopeError."""
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
    return data


def _validate(data: dict[str, Any], model: type[_Model]) -> _Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise EnvelopeError("ValidationError", "envelope", describe_validation(exc)) from None


def decode_envelope(value: bytes | None) -> ClaimEnvelope:
    """Parse and validate one claim envelope, or raise EnvelopeError."""
    envelope = _decode(value, ClaimEnvelope)
    try:
        # §E.3: a claim without the request structure gets no decision; it is a dead letter.
        parse_request(
            {"claim": envelope.claim, "context": {"processing_date": envelope.processing_date}}
        )
    except StructureError as exc:
        raise EnvelopeError("StructureError", "structure", str(exc)) from None
    return envelope


# The events as the worker's hops read them are NamedTuples: immutable, as frozen dataclasses
# are, built at a third of the cost (3.3k against 10.3k instructions; two per follow-up, one
# per claim: issue 20).


class Forwarded(NamedTuple):
    """An envelope the intake hop validated, as the adjudication hop reads it (no second
    validation: the claim itself is validated by the engine's request)."""

    event_id: str
    occurred_at: float  # epoch seconds
    processing_date: str
    claim: dict[str, Any]


def decode_forwarded(value: bytes | None) -> Forwarded:
    """An envelope on the worker's by-member topic; anything else written there (it is a topic
    like any other) is a dead letter, not a crashed worker.

    Checks no more than intake did (the same JSON codec, the same `epoch_seconds`), so whatever
    intake forwarded is read here (tests/unit/models/test_hops_agree.py)."""
    data, occurred_at = _forwarded(value, _CLAIM_FIELDS)
    return Forwarded(data["event_id"], occurred_at, data["processing_date"], data["claim"])


_CLAIM_FIELDS = (("event_id", str), ("processing_date", str), ("claim", dict))


def _forwarded(value: bytes | None, fields: tuple[tuple[str, type], ...]) -> tuple[Any, float]:
    """What intake forwarded, read without validating it again: the JSON object with `fields`
    of these types, and its `occurred_at` in epoch seconds; anything else, a dead letter."""
    try:
        data = json_codec.loads(value) if value is not None else None
        if isinstance(data, dict):
            for name, kind in fields:
                if not isinstance(data.get(name), kind):
                    break
            else:
                return data, epoch_seconds(data.get("occurred_at"))
    except ValueError:  # json_codec.JSONDecodeError is one
        pass
    raise EnvelopeError("InvalidForward", "by-member", "not an envelope validated by intake")


# -- the lifecycle events (claim-lifecycle.md L.3), as the worker reads them ------------------


class DocumentationReceived(NamedTuple):
    event_id: str
    occurred_at: float  # epoch seconds
    processing_date: str
    claim_id: str
    member_id: str
    documentation: dict[str, Any]


class ReviewCompleted(NamedTuple):
    event_id: str
    occurred_at: float  # epoch seconds
    processing_date: str
    claim_id: str
    member_id: str
    # Each exactly {line_number, rule, determination, reviewer_role}, in the event's order.
    reviews: tuple[dict[str, Any], ...]


class BusinessDateOpened(NamedTuple):
    event_id: str
    occurred_at: float  # epoch seconds
    processing_date: str  # the business date opened


def decode_documentation(value: bytes | None) -> DocumentationReceived:
    """A `claims.documentation.v1` value, or EnvelopeError (a dead letter)."""
    data = _object(value)
    plain = _plain_documentation(data)
    if plain is not None:
        return plain
    event = _validate(data, DocumentationReceivedEnvelope)
    return DocumentationReceived(
        event.event_id,
        event.occurred_at,
        event.processing_date,
        event.claim_id,
        event.member_id,
        event.documentation,
    )


def _plain_documentation(data: dict[str, Any]) -> DocumentationReceived | None:
    """The event as `DocumentationReceivedEnvelope` reads it when every field is plainly valid,
    without building the model (12 -> 8 us, and every follow-up takes this path: issue 20);
    None: the model judges it and words the dead letter's reason. It accepts nothing the model
    refuses and reads what it accepts alike (tests/unit/models/test_lifecycle_events.py)."""
    event_id, claim_id, member_id = (
        data.get("event_id"),
        data.get("claim_id"),
        data.get("member_id"),
    )
    documentation, version = data.get("documentation"), data.get("schema_version")
    if not (
        data.get("event_type") == "claim.documentation_received"
        and type(version) is int
        and version == SCHEMA_VERSION
        and type(event_id) is str
        and type(claim_id) is str
        and type(member_id) is str
        and claim_id
        and member_id
        and type(documentation) is dict
        and iso_date(data.get("processing_date")) is not None
    ):
        return None
    try:
        occurred_at = epoch_seconds(data.get("occurred_at"))
    except ValueError:
        return None
    return DocumentationReceived(
        event_id, occurred_at, data["processing_date"], claim_id, member_id, documentation
    )


def decode_forwarded_documentation(value: bytes | None) -> DocumentationReceived:
    """Records received on the by-member topic, read as `decode_forwarded` reads a claim: the
    ids checked, the documentation trusted (its values are the policy's to judge), so whatever
    intake forwarded is read here (tests/unit/models/test_hops_agree.py), at two thirds of the
    cost of validating it again (issue 20).

    Choice: a review stays validated on both hops: its entries are what the pended claim keeps
    and hands to every later snapshot, and reviews are rare."""
    data, occurred_at = _forwarded(value, _DOCUMENTATION_FIELDS)
    return DocumentationReceived(
        data["event_id"],
        occurred_at,
        data["processing_date"],
        data["claim_id"],
        data["member_id"],
        data["documentation"],
    )


_DOCUMENTATION_FIELDS = (
    ("event_id", str),
    ("processing_date", str),
    ("claim_id", str),
    ("member_id", str),
    ("documentation", dict),
)


def decode_review(value: bytes | None) -> ReviewCompleted:
    """A `claims.reviews.v1` value, or EnvelopeError (a dead letter)."""
    event = _decode(value, ClinicalReviewCompletedEnvelope)
    return ReviewCompleted(
        event.event_id,
        event.occurred_at,
        event.processing_date,
        event.claim_id,
        event.member_id,
        tuple(review.model_dump() for review in event.reviews),
    )


def decode_business_date(value: bytes | None) -> BusinessDateOpened:
    """A `business.calendar.v1` value, or EnvelopeError (a dead letter)."""
    event = _decode(value, BusinessDateOpenedEnvelope)
    return BusinessDateOpened(event.event_id, event.occurred_at, event.processing_date)


def follow_up_routing_key(event: DocumentationReceived | ReviewCompleted) -> bytes:
    """Key of a follow-up on the by-member topic: with the member's claims, whose state it
    changes (the same `m:` key as `member_routing_key`)."""
    return b"m:" + event.member_id.encode()


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
