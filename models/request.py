"""The adjudication request (claim + enrichment snapshot) and its structure check (§E.3).

Only what §E.3 calls structurally unusable is rejected here. Every other field is kept as the
decoded JSON value (`JsonValue`) so that the VAL-* rules, not the parser, decide about a bad NPI,
date or code: a field-level problem is a policy decision, never an exception.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    JsonValue,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

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
    ndc: JsonValue = None
    ndc_quantity: JsonValue = None
    ndc_unit_of_measure: JsonValue = None
    concentration_mg_per_ml: JsonValue = None
    volume_ml: JsonValue = None
    route: JsonValue = None
    delivery_mode: JsonValue = None
    preparation: JsonValue = None
    admixture_group: JsonValue = None


def _at_least_one(number: int) -> int:
    if number < 1:
        raise ValueError("line_number must be an integer >= 1")
    return number


class Line(_Lenient):
    line_number: Annotated[StrictInt, AfterValidator(_at_least_one)]
    service_date: JsonValue = None
    procedure_code: JsonValue = None
    modifiers: list[JsonValue] | None = None
    units: JsonValue = None
    charge: JsonValue = None
    dx_pointers: list[JsonValue] | None = None
    drug: Drug | None = None


class Member(_Lenient):
    member_id: JsonValue = None
    dob: JsonValue = None
    sex: JsonValue = None
    plan_id: JsonValue = None


class Provider(_Lenient):
    rendering_npi: JsonValue = None
    billing_npi: JsonValue = None


class Documentation(_Lenient):
    """Appendix C facts, untyped: a fact of the wrong type is *missing* (§2.3), not an error."""

    prior_auth_number: JsonValue = None
    purpose: JsonValue = None
    conservative_therapy_failed_months: JsonValue = None
    systemic_opioids_failed_or_intolerant: JsonValue = None
    psych_eval_done: JsonValue = None
    psych_eval_contraindication: JsonValue = None
    life_expectancy_months: JsonValue = None
    oral_antispasmodic_failed_weeks: JsonValue = None
    months_since_brain_injury: JsonValue = None
    history_of_psychosis: JsonValue = None
    active_infection: JsonValue = None
    anticoagulation_or_bleeding_diathesis: JsonValue = None
    drug_hypersensitivity: JsonValue = None
    trial_result_percent_relief: JsonValue = None


class Claim(_Lenient):
    claim_id: JsonValue = None
    claim_type: JsonValue = None
    member: Member | None = None
    provider: Provider | None = None
    service_date: JsonValue = None
    place_of_service: JsonValue = None
    diagnosis_codes: list[JsonValue] | None = None
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

    found: JsonValue = None
    coverage_start: JsonValue = None
    coverage_end: JsonValue = None
    plan_exclusions: JsonValue = None

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


class Context(_Lenient):
    """The enrichment snapshot (§E.2)."""

    processing_date: IsoDateStr
    eligibility: Eligibility | None = None
    prior_authorizations: list[PriorAuthorization] | None = None
    claims_history: list[HistoryItem] | None = None
    adjudicated_claim_ids: list[StrictStr] | None = None


class AdjudicationRequest(BaseModel):
    """A claim with its snapshot, plus the decoded JSON they came from (for `input_digest`)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    claim: Claim
    context: Context
    raw_claim: Any
    raw_context: Any


def parse_request(raw: object) -> AdjudicationRequest:
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
        claim = Claim.model_validate(raw_claim)
    except ValidationError as exc:
        raise StructureError(_describe("claim", exc)) from None
    try:
        context = Context.model_validate(raw_context)
    except ValidationError as exc:
        raise StructureError(_describe("context", exc)) from None
    return AdjudicationRequest.model_construct(
        claim=claim, context=context, raw_claim=raw_claim, raw_context=raw_context
    )


def _describe(prefix: str, exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    where = ".".join([prefix, *(str(part) for part in first["loc"])])
    return f"{where}: {first['msg']} ({exc.error_count()} problem(s))"
