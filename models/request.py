"""The adjudication request (claim + enrichment snapshot) and its structure check (§E.3).

Only what §E.3 calls structurally unusable is rejected here. Every other field is kept as the
decoded JSON value (`Any`) so that the VAL-* rules, not the parser, decide about a bad NPI,
date or code: a field-level problem is a policy decision, never an exception.

These models are the definition (JSON Schemas, the wording of a structure error); the engine
reads the plain classes of models/request_data.py, which a hand-written reader builds for the
common, valid request, falling back to these models for everything else.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

# Re-exported: the request type every caller of parse_request names.
from models.request_data import AdjudicationRequest as AdjudicationRequest  # noqa: PLC0414
from models.request_data import ClaimData, ContextData, NotPlain, read_request
from models.values import iso_date


class StructureError(ValueError):
    """The request breaks §E.3: no decision can be made from it."""


def _must_be_iso_date(value: str) -> str:
    if iso_date(value) is None:
        raise ValueError("not an ISO date (YYYY-MM-DD)")
    return value


IsoDateStr = Annotated[StrictStr, AfterValidator(_must_be_iso_date)]


class _Lenient(BaseModel):
    """Keys not named in §E.3 are ignored; values are kept as decoded."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Drug(_Lenient):
    ndc: Any = None
    ndc_quantity: Any = None
    ndc_unit_of_measure: Any = None
    concentration_mg_per_ml: Any = None
    volume_ml: Any = None
    route: Any = None
    delivery_mode: Any = None
    preparation: Any = None
    admixture_group: Any = None


def _at_least_one(number: int) -> int:
    if number < 1:
        raise ValueError("line_number must be an integer >= 1")
    return number


class Line(_Lenient):
    line_number: Annotated[StrictInt, AfterValidator(_at_least_one)]
    service_date: Any = None
    procedure_code: Any = None
    modifiers: list[Any] | None = None
    units: Any = None
    charge: Any = None
    dx_pointers: list[Any] | None = None
    drug: Drug | None = None


class Member(_Lenient):
    member_id: Any = None
    dob: Any = None
    sex: Any = None
    plan_id: Any = None


class Provider(_Lenient):
    rendering_npi: Any = None
    billing_npi: Any = None


class Documentation(_Lenient):
    """Appendix C facts, untyped: a fact of the wrong type is *missing* (§2.3), not an error."""

    prior_auth_number: Any = None
    purpose: Any = None
    conservative_therapy_failed_months: Any = None
    systemic_opioids_failed_or_intolerant: Any = None
    psych_eval_done: Any = None
    psych_eval_contraindication: Any = None
    life_expectancy_months: Any = None
    oral_antispasmodic_failed_weeks: Any = None
    months_since_brain_injury: Any = None
    history_of_psychosis: Any = None
    active_infection: Any = None
    anticoagulation_or_bleeding_diathesis: Any = None
    drug_hypersensitivity: Any = None
    trial_result_percent_relief: Any = None


class Claim(_Lenient):
    claim_id: Any = None
    claim_type: Any = None
    member: Member | None = None
    provider: Provider | None = None
    service_date: Any = None
    place_of_service: Any = None
    diagnosis_codes: list[Any] | None = None
    lines: list[Line] | None = None
    documentation: Documentation | None = None

    @field_validator("lines")
    @classmethod
    def _unique_line_numbers(cls, lines: list[Line] | None) -> list[Line] | None:
        if lines is not None:
            numbers = [line.line_number for line in lines]
            if len(set(numbers)) != len(numbers):
                raise ValueError("line_number repeats another line's line_number")
        return lines


class Eligibility(_Lenient):
    """Coverage fields are read (and so checked) only when `found` is true (§E.3)."""

    found: Any = None
    coverage_start: Any = None
    coverage_end: Any = None
    plan_exclusions: Any = None

    @model_validator(mode="after")
    def _coverage_when_found(self) -> Eligibility:
        if self.found is True:
            for name in ("coverage_start", "coverage_end"):
                value = getattr(self, name)
                if value is not None and iso_date(value) is None:
                    raise ValueError(f"{name} is not an ISO date")
            exclusions = self.plan_exclusions
            if exclusions is not None and not (
                isinstance(exclusions, list) and all(type(x) is str for x in exclusions)
            ):
                raise ValueError("plan_exclusions is not an array of strings")
        return self


class PriorAuthorization(_Lenient):
    pa_number: StrictStr
    member_id: StrictStr
    status: StrictStr
    procedure_code: StrictStr
    hcpcs: list[StrictStr]
    indication_groups: list[StrictStr]
    valid_from: IsoDateStr | None = None
    valid_to: IsoDateStr | None = None
    provider_npi: StrictStr


class HistoryItem(_Lenient):
    """One drug line of an earlier decided ITDD claim of the member (§E.2)."""

    claim_id: StrictStr | None = None
    service_date: IsoDateStr
    procedure_code: StrictStr | None = None
    agent: StrictStr
    decision: StrictStr


ReviewDetermination = Literal["dose_appropriate", "dose_not_appropriate"]


# Choice: L.1's "objects each with exactly those value types and allowed values" is read as
# every named field having its type and value; other keys are ignored, as everywhere in §E.3.
class ClinicalReviewEntry(_Lenient):
    """One determination (L.1 values). Other keys are ignored, as in every envelope: the worker
    adds `reviewed_on` itself (L.3), so a producer's own is not taken."""

    # `ge=1` rather than `_at_least_one`: the bound is then in both JSON Schemas (the review
    # event's, for producers, and the snapshot's), with pydantic's own message.
    line_number: StrictInt = Field(ge=1)
    rule: Literal["ITDD-SAFE-01"]
    determination: ReviewDetermination
    reviewer_role: Literal["pharmacist", "medical_director"]


# A review event's entry as the snapshot keeps it: with the date the worker received it.
class ClinicalReview(ClinicalReviewEntry):
    """A pharmacist's or medical director's determination on a SAFE-01 dose outlier (L.1)."""

    reviewed_on: IsoDateStr


class Context(_Lenient):
    """The enrichment snapshot (§E.2, with the two re-adjudication fields of addendum L.1)."""

    processing_date: IsoDateStr
    eligibility: Eligibility | None = None
    prior_authorizations: list[PriorAuthorization] | None = None
    claims_history: list[HistoryItem] | None = None
    adjudicated_claim_ids: list[StrictStr] | None = None
    # L.1: the processing_date of the claim's earliest record that pended a line under DOC-01.
    documentation_requested_on: IsoDateStr | None = None
    clinical_reviews: list[ClinicalReview] | None = None


def parse_request(raw: object, *, strict_json: bool = False) -> AdjudicationRequest:
    """Check §E.3 and build the request; raise StructureError with a readable reason."""
    if not isinstance(raw, dict):
        raise StructureError("request is not a JSON object")
    raw_claim = raw.get("claim")
    raw_context = raw.get("context")
    if not isinstance(raw_claim, dict):
        raise StructureError("claim is not a JSON object")
    if not isinstance(raw_context, dict):
        raise StructureError("context is not a JSON object")
    try:
        return read_request(raw_claim, raw_context, strict_json=strict_json)
    except NotPlain:
        return _read_validated(raw_claim, raw_context, strict_json=strict_json)


def _read_validated(
    raw_claim: dict[str, Any], raw_context: dict[str, Any], *, strict_json: bool
) -> AdjudicationRequest:
    """What the reader refused, checked by the models: a structure error in their words, or a
    value they normalise (a tuple for a list), read as they give it back (the digest still
    covers the claim and context as given)."""
    try:
        claim = Claim.model_validate(raw_claim)
    except ValidationError as exc:
        raise StructureError(_describe("claim", exc)) from None
    try:
        context = Context.model_validate(raw_context)
    except ValidationError as exc:
        raise StructureError(_describe("context", exc)) from None
    return AdjudicationRequest(
        ClaimData(claim.model_dump()),
        ContextData(context.model_dump()),
        raw_claim,
        raw_context,
        strict_json=strict_json,
    )


def _describe(prefix: str, exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    where = ".".join([prefix, *(str(part) for part in first["loc"])])
    return f"{where}: {first['msg']} ({exc.error_count()} problem(s))"
