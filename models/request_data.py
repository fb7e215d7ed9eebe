"""The request as the engine reads it: plain classes (native ones under mypyc), and the reader
that builds them from decoded JSON.

The pydantic models of models/request.py define §E.3 (the JSON Schemas, the wording of a
structure error). Validating with them cost as much as deciding, and every attribute the rules
read on a pydantic model goes through its `__getattr__` hook. `read_request` checks the same
structure by hand on what a JSON decoder gives (dict, list, str, int, float, bool, None) and
refuses (raises NotPlain) whatever it does not vouch for: parse_request then asks the models,
which word the error or, for a Python value JSON cannot hold (a tuple for a list), accept it.

A field §E.3 does not type is kept as decoded (`Any`): the VAL rules judge it. Lists are the
decoded lists themselves, not copies: nothing in the engine mutates its input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from models.values import iso_date

R = TypeVar("R")

REVIEW_RULE = "ITDD-SAFE-01"
REVIEW_DETERMINATIONS = frozenset({"dose_appropriate", "dose_not_appropriate"})
REVIEWER_ROLES = frozenset({"pharmacist", "medical_director"})


class NotPlain(ValueError):
    """Input the reader does not vouch for: the request models decide, and word any error."""


class DrugData:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.ndc: Any = raw.get("ndc")
        self.ndc_quantity: Any = raw.get("ndc_quantity")
        self.ndc_unit_of_measure: Any = raw.get("ndc_unit_of_measure")
        self.concentration_mg_per_ml: Any = raw.get("concentration_mg_per_ml")
        self.volume_ml: Any = raw.get("volume_ml")
        self.route: Any = raw.get("route")
        self.delivery_mode: Any = raw.get("delivery_mode")
        self.preparation: Any = raw.get("preparation")
        self.admixture_group: Any = raw.get("admixture_group")


class LineData:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.line_number: int = _line_number(raw.get("line_number"))
        self.service_date: Any = raw.get("service_date")
        self.procedure_code: Any = raw.get("procedure_code")
        self.modifiers: list[Any] | None = _list(raw.get("modifiers"))
        self.units: Any = raw.get("units")
        self.charge: Any = raw.get("charge")
        self.dx_pointers: list[Any] | None = _list(raw.get("dx_pointers"))
        drug = _object(raw.get("drug"))
        self.drug: DrugData | None = None if drug is None else DrugData(drug)


class MemberData:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.member_id: Any = raw.get("member_id")
        self.dob: Any = raw.get("dob")
        self.sex: Any = raw.get("sex")
        self.plan_id: Any = raw.get("plan_id")


class ProviderData:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.rendering_npi: Any = raw.get("rendering_npi")
        self.billing_npi: Any = raw.get("billing_npi")


class DocumentationData:
    """Appendix C facts, untyped: a fact of the wrong type is *missing* (§2.3), not an error."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.prior_auth_number: Any = raw.get("prior_auth_number")
        self.purpose: Any = raw.get("purpose")
        self.conservative_therapy_failed_months: Any = raw.get("conservative_therapy_failed_months")
        self.systemic_opioids_failed_or_intolerant: Any = raw.get(
            "systemic_opioids_failed_or_intolerant"
        )
        self.psych_eval_done: Any = raw.get("psych_eval_done")
        self.psych_eval_contraindication: Any = raw.get("psych_eval_contraindication")
        self.life_expectancy_months: Any = raw.get("life_expectancy_months")
        self.oral_antispasmodic_failed_weeks: Any = raw.get("oral_antispasmodic_failed_weeks")
        self.months_since_brain_injury: Any = raw.get("months_since_brain_injury")
        self.history_of_psychosis: Any = raw.get("history_of_psychosis")
        self.active_infection: Any = raw.get("active_infection")
        self.anticoagulation_or_bleeding_diathesis: Any = raw.get(
            "anticoagulation_or_bleeding_diathesis"
        )
        self.drug_hypersensitivity: Any = raw.get("drug_hypersensitivity")
        self.trial_result_percent_relief: Any = raw.get("trial_result_percent_relief")


class ClaimData:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.claim_id: Any = raw.get("claim_id")
        self.claim_type: Any = raw.get("claim_type")
        member = _object(raw.get("member"))
        self.member: MemberData | None = None if member is None else MemberData(member)
        provider = _object(raw.get("provider"))
        self.provider: ProviderData | None = None if provider is None else ProviderData(provider)
        self.service_date: Any = raw.get("service_date")
        self.place_of_service: Any = raw.get("place_of_service")
        self.diagnosis_codes: list[Any] | None = _list(raw.get("diagnosis_codes"))
        self.lines: list[LineData] | None = _lines(raw.get("lines"))
        documentation = _object(raw.get("documentation"))
        self.documentation: DocumentationData | None = (
            None if documentation is None else DocumentationData(documentation)
        )


class EligibilityData:
    """Coverage fields are read (and so checked) only when `found` is true (§E.3)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.found: Any = raw.get("found")
        self.coverage_start: Any = raw.get("coverage_start")
        self.coverage_end: Any = raw.get("coverage_end")
        self.plan_exclusions: Any = raw.get("plan_exclusions")
        if self.found is True:
            for value in (self.coverage_start, self.coverage_end):
                if value is not None and iso_date(value) is None:
                    raise NotPlain
            exclusions = self.plan_exclusions
            if exclusions is not None:
                _strings(exclusions)


class PriorAuthorizationData:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.pa_number: str = _string(raw.get("pa_number"))
        self.member_id: str = _string(raw.get("member_id"))
        self.status: str = _string(raw.get("status"))
        self.procedure_code: str = _string(raw.get("procedure_code"))
        self.hcpcs: list[str] = _strings(raw.get("hcpcs"))
        self.indication_groups: list[str] = _strings(raw.get("indication_groups"))
        self.valid_from: str | None = _optional_date(raw.get("valid_from"))
        self.valid_to: str | None = _optional_date(raw.get("valid_to"))
        self.provider_npi: str = _string(raw.get("provider_npi"))


class HistoryItemData:
    """One drug line of an earlier decided ITDD claim of the member (§E.2)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.claim_id: str | None = _optional_string(raw.get("claim_id"))
        self.service_date: str = _date(raw.get("service_date"))
        self.procedure_code: str | None = _optional_string(raw.get("procedure_code"))
        self.agent: str = _string(raw.get("agent"))
        self.decision: str = _string(raw.get("decision"))


class ClinicalReviewData:
    """A pharmacist's or medical director's determination on a SAFE-01 dose outlier (L.1)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.line_number: int = _line_number(raw.get("line_number"))
        self.rule: str = _one_of(raw.get("rule"), frozenset({REVIEW_RULE}))
        self.determination: str = _one_of(raw.get("determination"), REVIEW_DETERMINATIONS)
        self.reviewer_role: str = _one_of(raw.get("reviewer_role"), REVIEWER_ROLES)
        self.reviewed_on: str = _date(raw.get("reviewed_on"))


class ContextData:
    """The enrichment snapshot (§E.2, with the two re-adjudication fields of addendum L.1)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.processing_date: str = _date(raw.get("processing_date"))
        eligibility = _object(raw.get("eligibility"))
        self.eligibility: EligibilityData | None = (
            None if eligibility is None else EligibilityData(eligibility)
        )
        self.prior_authorizations: list[PriorAuthorizationData] | None = _records(
            raw.get("prior_authorizations"), PriorAuthorizationData
        )
        self.claims_history: list[HistoryItemData] | None = _records(
            raw.get("claims_history"), HistoryItemData
        )
        ids = raw.get("adjudicated_claim_ids")
        self.adjudicated_claim_ids: list[str] | None = None if ids is None else _strings(ids)
        self.documentation_requested_on: str | None = _optional_date(
            raw.get("documentation_requested_on")
        )
        self.clinical_reviews: list[ClinicalReviewData] | None = _records(
            raw.get("clinical_reviews"), ClinicalReviewData
        )


class AdjudicationRequest:
    """A claim with its snapshot, plus the decoded JSON they came from (for `input_digest`)."""

    def __init__(
        self,
        claim: ClaimData,
        context: ContextData,
        raw_claim: Any,
        raw_context: Any,
        *,
        strict_json: bool,
    ) -> None:
        self.claim = claim
        self.context = context
        self.raw_claim = raw_claim
        self.raw_context = raw_context
        # Decoded by models.json_codec.loads (no NaN or Infinity; integers exact, §2.5): lets the
        # digest take its fast path. False for values built in Python, which may hold NaN.
        self.strict_json = strict_json


def read_request(
    raw_claim: dict[str, Any], raw_context: dict[str, Any], *, strict_json: bool
) -> AdjudicationRequest:
    """The request, checked as the request models check it; NotPlain when unsure."""
    return AdjudicationRequest(
        ClaimData(raw_claim),
        ContextData(raw_context),
        raw_claim,
        raw_context,
        strict_json=strict_json,
    )


# The checks of §E.3, one per kind of field, on exact types: a JSON decoder gives nothing else.
# The request models also take subclasses (an IntEnum for an int) and other containers (a tuple
# for a list), and normalise them; such a value is refused here, so it reaches them.


def _dict(value: object) -> dict[str, Any]:
    if type(value) is dict:
        return value
    raise NotPlain


def _object(value: object) -> dict[str, Any] | None:
    if value is None or type(value) is dict:
        return value
    raise NotPlain


def _list(value: object) -> list[Any] | None:
    if value is None or type(value) is list:
        return value
    raise NotPlain


def _records(value: object, record: Callable[[dict[str, Any]], R]) -> list[R] | None:
    """A list of objects read by `record`: None stays None, and an empty list (the usual
    snapshot) is given back as it is, without building a new one."""
    if value is None:
        return None
    if type(value) is not list:
        raise NotPlain
    return [record(_dict(item)) for item in value] if value else value


def _lines(value: object) -> list[LineData] | None:
    found = _list(value)
    if found is None:
        return None
    # A loop, not comprehensions (each builds a function object under CPython 3.11); numbers
    # in ascending order, as claims list them, cannot repeat, so only others are counted.
    lines: list[LineData] = []
    ascending = True
    previous = 0  # line numbers are >= 1
    for item in found:
        line = LineData(_dict(item))
        ascending = ascending and line.line_number > previous
        previous = line.line_number
        lines.append(line)
    if not ascending and len({line.line_number for line in lines}) != len(lines):
        raise NotPlain  # a line_number repeats another line's
    return lines


def _line_number(value: object) -> int:
    """A StrictInt >= 1 (a bool is not one)."""
    if type(value) is int and value >= 1:
        return value
    raise NotPlain


def _string(value: object) -> str:
    if type(value) is str:
        return value
    raise NotPlain


def _optional_string(value: object) -> str | None:
    return None if value is None else _string(value)


def _strings(value: object) -> list[str]:
    # A loop, not all() over a generator: most of these lists are empty, and building the
    # generator cost more than the test.
    if type(value) is not list:
        raise NotPlain
    for item in value:
        if type(item) is not str:
            raise NotPlain
    return value


def _date(value: object) -> str:
    if type(value) is str and iso_date(value) is not None:
        return value
    raise NotPlain


def _optional_date(value: object) -> str | None:
    return None if value is None else _date(value)


def _one_of(value: object, allowed: frozenset[str]) -> str:
    if type(value) is str and value in allowed:
        return value
    raise NotPlain
