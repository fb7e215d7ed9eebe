"""What the FHIR R4 renderings share: the claim lines joined to their decisions, references,
codings, amounts, process notes, resource ids and the collection Bundle.

Both resources are pure functions of (decision record, request): ids come from `input_digest`
(one resource per decision; a re-adjudication is a new record and a new resource), `created`
from `decided_at` when stamped, else `processing_date`. No payment amount is ever written:
pricing is downstream of this engine, and the resources say so in a process note.

Choices:

- `ignore` records raise `OutOfScope`: the claim is outside this policy, no decision was made
  and the worker publishes none, so there is no response or explanation to give. The caller
  skips or reports them.
- People and organisations are logical references (an identifier, no resource): the claim
  carries member and provider identifiers, not demographics. A required reference the claim
  cannot fill (no member id, no NPI) carries the data-absent-reason extension instead.
- The identifier systems below under `urn:claims-adjudicator:` and the payer identity are
  placeholders a plan replaces with its own namespaces (`payer_name`, `payer_id`).

A re-adjudication (claim-lifecycle L.2: `supersedes` names the `decision_id` of the record it
replaces, `trigger` why) is a complete resource of its own that points to the one it replaces,
with what R4 (4.0.1) offers each resource; the pointer is the replaced decision's id
(`replaced_decision`), which every stamped record's resources carry as an identifier
(`decision_identifier`), so a reader finds the replaced resource by it:

- ExplanationOfBenefit has `related` (claims related to this one): one entry with
  `relationship` `prior` (ex-relatedclaimrelationship, "a prior claim instance for the same
  intended suite of services", the code CARIN BB uses for an adjusted claim) and `reference`
  the replaced decision's identifier. `related.claim` is left out: it is a Reference(Claim),
  and the claim is the same one (`request` / the `uc` identifier already name it).
- ClaimResponse has no `related` in R4, and no extension says it: none in hl7.fhir.r4.core
  4.0.1 or the extension pack (hl7.fhir.uv.extensions 5.3.0-ballot-tc1) has ClaimResponse in
  its context, and `replaces` is for canonical resources only. R4's general way to say
  that a resource revises another is Provenance with `entity.role` `revision`; it is
  `contained` in the ClaimResponse and targets its container (`"#"`, which dom-3 allows), so
  the response stays one self-contained resource.
- Both say it in words too, in the first process note.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from models.values import iso_date, number
from policy.digest import input_digest

PAYER_NAME = "ITDD Health Plan"
PAYER_ID = "ITDDPAYER"
PAYER_ID_SYSTEM = "urn:claims-adjudicator:payer-id"
MEMBER_ID_SYSTEM = "urn:claims-adjudicator:member-id"
CLAIM_ID_SYSTEM = "urn:claims-adjudicator:claim-id"
DECISION_ID_SYSTEM = "urn:claims-adjudicator:decision-id"
INPUT_DIGEST_SYSTEM = "urn:claims-adjudicator:input-digest"

NPI = "http://hl7.org/fhir/sid/us-npi"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
PLACE_OF_SERVICE = (
    "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
)
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
CARC = "https://x12.org/codes/claim-adjustment-reason-codes"
RARC = "https://x12.org/codes/remittance-advice-remark-codes"
GROUP_CODE = "https://x12.org/codes/claim-adjustment-group-codes"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
RELATED_CLAIM_RELATIONSHIP = "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"

# X12 CAS group codes (claim adjustment group codes list).
_GROUP_NAMES = {
    "CO": "Contractual Obligations",
    "CR": "Corrections and Reversals",
    "OA": "Other Adjustments",
    "PI": "Payor Initiated Reductions",
    "PR": "Patient Responsibility",
}
_CPT_CODE = re.compile(r"[0-9]{4}[0-9A-Z]")
_HCPCS_CODE = re.compile(r"[A-V][0-9]{4}")
_FHIR_CODE = re.compile(r"[^\s]+( [^\s]+)*")
_POS_CODE = re.compile(r"[0-9]{2}")
# Bundle entries are named urn:uuid:<uuid5 of "<type>/<id>"> in this namespace (fixed, so
# the same resource always gets the same fullUrl).
_FULL_URL_NAMESPACE = uuid.UUID("6f1c2f0e-4f1b-5b8e-9d55-2a7e3c1d9b40")


class RenderError(ValueError):
    """A (record, request) pair that cannot be rendered (not a pair, or not a decision)."""


class OutOfScope(RenderError):
    """An `ignore` record: the policy made no decision, so there is nothing to render."""


@dataclass(frozen=True, slots=True)
class Line:
    """A claim line with its outcome: the line decision, or the claim's when it has none."""

    number: int
    data: Mapping[str, Any]
    outcome: str  # approve | deny | pend | not_reviewed
    group_code: str | None
    carc: str | None
    rarc: tuple[str, ...]

    @property
    def service_date(self) -> str | None:
        day = iso_date(self.data.get("service_date"))
        return None if day is None else day.isoformat()


@dataclass(frozen=True, slots=True)
class DecisionView:
    """One record and its request, checked to belong together."""

    record: Mapping[str, Any]
    claim: Mapping[str, Any]
    lines: tuple[Line, ...]

    @property
    def decision(self) -> str:
        return str(self.record["decision"])

    @property
    def resource_id(self) -> str:
        """The input digest: 64 hex digits, a valid FHIR id, one per decision."""
        return str(self.record["input_digest"])

    @property
    def supersedes(self) -> str | None:
        """The `decision_id` of the record this one replaces (L.2), None on a first record."""
        return _text(self.record.get("supersedes"))

    @property
    def trigger(self) -> str:
        """Why the record was made (L.2); a record from before addendum L was a submission."""
        return _text(self.record.get("trigger")) or "claim_submitted"

    @property
    def claim_key(self) -> str:
        """The claim id when it is a usable identifier, else the input digest."""
        return _text(self.claim.get("claim_id")) or self.resource_id

    @property
    def created(self) -> str:
        """`decided_at` when stamped, else `processing_date` (a FHIR dateTime either way)."""
        decided_at = self.record.get("decided_at")
        if isinstance(decided_at, str) and _timestamp(decided_at):
            return decided_at
        day = iso_date(self.record.get("processing_date"))
        if day is None:
            raise RenderError(
                f"claim {self.record.get('claim_id')!r}: neither decided_at nor processing_date"
            )
        return day.isoformat()

    @property
    def last_updated(self) -> str:
        """An instant: `decided_at`, else midnight UTC of the processing date."""
        created = self.created
        return created if "T" in created else f"{created}T00:00:00Z"

    @property
    def service_period(self) -> tuple[str, str] | None:
        dates = sorted(d for d in (line.service_date for line in self.lines) if d)
        header = iso_date(self.claim.get("service_date"))
        if not dates and header is not None:
            dates = [header.isoformat()]
        return (dates[0], dates[-1]) if dates else None


def decision_view(record: Mapping[str, Any], request: Mapping[str, Any]) -> DecisionView:
    """Join the claim lines to their decisions; refuse a record the request did not produce."""
    decision = record.get("decision")
    if decision not in ("approve", "deny", "pend", "ignore"):
        raise RenderError("not a decision record (decision expected)")
    if decision == "ignore":
        raise OutOfScope(
            f"claim {record.get('claim_id')!r} is outside this policy ({_ids(record)}); "
            "no decision to render"
        )
    if record.get("input_digest") != input_digest(request.get("claim"), request.get("context")):
        raise RenderError(
            f"claim {record.get('claim_id')!r}: the request is not the one this record decided "
            "(input_digest differs)"
        )
    claim_data = request.get("claim")
    claim: Mapping[str, Any] = claim_data if isinstance(claim_data, Mapping) else {}
    by_number = {
        d.get("line_number"): d
        for d in record.get("line_decisions") or ()
        if isinstance(d, Mapping)
    }
    lines = []
    lines_data = claim.get("lines")
    for data in lines_data if isinstance(lines_data, list) else ():
        number = data.get("line_number") if isinstance(data, Mapping) else None
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            continue
        lines.append(_line(number, data, by_number.pop(number, None), str(decision)))
    if by_number:
        raise RenderError(
            f"claim {record.get('claim_id')!r}: line decisions for lines the claim does not have"
        )
    return DecisionView(record, claim, tuple(sorted(lines, key=lambda line: line.number)))


def _line(
    number: int, data: Mapping[str, Any], decision: Mapping[str, Any] | None, claim_decision: str
) -> Line:
    if decision is None:  # an internal_error pend has no line decisions: the claim's outcome
        return Line(number, data, claim_decision, None, None, ())
    rarc = decision.get("rarc")
    return Line(
        number=number,
        data=data,
        outcome=str(decision.get("decision")),
        group_code=_text(decision.get("group_code")),
        carc=_text(decision.get("carc")),
        rarc=tuple(str(r) for r in rarc) if isinstance(rarc, list) else (),
    )


def bundle(resources: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A Bundle of type collection, one entry per resource, fullUrls derived from the ids."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": full_url(resource), "resource": dict(resource)} for resource in resources
        ],
    }


def full_url(resource: Mapping[str, Any]) -> str:
    name = f"{resource.get('resourceType')}/{resource.get('id')}"
    return f"urn:uuid:{uuid.uuid5(_FULL_URL_NAMESPACE, name)}"


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"system": system, "code": code}
    if display is not None:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"coding": [coding(system, code, display)]}


def code_concept(system: str, value: object) -> dict[str, Any]:
    """A coding when `value` is a well-formed code, else the value as text (never dropped)."""
    code = _text(value)
    return concept(system, code) if code is not None else {"text": json_text(value)}


def json_text(value: object) -> str:
    """A claim value as text for a reader: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) and value else json.dumps(value)


def absent() -> dict[str, Any]:
    """The data-absent-reason extension (`unknown`), for a required element the claim lacks."""
    return {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": "unknown"}]}


def patient_reference(claim: Mapping[str, Any]) -> dict[str, Any]:
    member = claim.get("member")
    member_id = _text(member.get("member_id")) if isinstance(member, Mapping) else None
    if member_id is None:
        return {"type": "Patient", **absent()}
    return {"type": "Patient", "identifier": {"system": MEMBER_ID_SYSTEM, "value": member_id}}


def coverage_reference(claim: Mapping[str, Any]) -> dict[str, Any]:
    """The member's coverage, named by member id and plan id (the claim's only coverage data)."""
    member = claim.get("member")
    fields: Mapping[str, Any] = member if isinstance(member, Mapping) else {}
    member_id, plan_id = _text(fields.get("member_id")), _text(fields.get("plan_id"))
    if member_id is None:
        return {"type": "Coverage", **absent()}
    reference: dict[str, Any] = {
        "type": "Coverage",
        "identifier": {"system": MEMBER_ID_SYSTEM, "value": member_id},
    }
    if plan_id is not None:
        reference["display"] = f"plan {plan_id}"
    return reference


def insurer_reference(payer_name: str, payer_id: str) -> dict[str, Any]:
    return {
        "type": "Organization",
        "identifier": {"system": PAYER_ID_SYSTEM, "value": payer_id},
        "display": payer_name,
    }


def provider_reference(claim: Mapping[str, Any]) -> dict[str, Any]:
    """The billing provider by NPI, else the rendering provider."""
    provider = claim.get("provider")
    fields: Mapping[str, Any] = provider if isinstance(provider, Mapping) else {}
    for key, kind in (("billing_npi", "Organization"), ("rendering_npi", "Practitioner")):
        npi = fields.get(key)
        if isinstance(npi, str) and len(npi) == 10 and npi.isascii() and npi.isdigit():
            return {"type": kind, "identifier": {"system": NPI, "value": npi}}
    return {"type": "Organization", **absent()}


def claim_reference(view: DecisionView) -> dict[str, Any]:
    """The submitted claim, by the provider's claim id (no Claim resource is rendered)."""
    claim_id = _text(view.claim.get("claim_id"))
    if claim_id is None:
        return {"type": "Claim", **absent()}
    return {"type": "Claim", "identifier": {"system": CLAIM_ID_SYSTEM, "value": claim_id}}


def record_identifiers(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The decision's own identifiers: its input digest, and its decision id once stamped."""
    identifiers = [{"system": INPUT_DIGEST_SYSTEM, "value": str(record["input_digest"])}]
    decision = decision_identifier(record)
    if decision is not None:
        identifiers.append(decision)
    return identifiers


def decision_identifier(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The decision id as an identifier, once the worker has stamped it (what a later
    re-adjudication's resources point to)."""
    decision_id = _text(record.get("decision_id"))
    return None if decision_id is None else {"system": DECISION_ID_SYSTEM, "value": decision_id}


def replaced_decision(view: DecisionView) -> dict[str, Any] | None:
    """On a re-adjudication, the identifier of the decision it replaces (module docstring)."""
    if view.supersedes is None:
        return None
    return {"system": DECISION_ID_SYSTEM, "value": view.supersedes}


def product_or_service(code: object) -> dict[str, Any]:
    """CPT for 5-character CPT codes, HCPCS Level II for a letter and four digits."""
    text = _text(code)
    if text is not None and _CPT_CODE.fullmatch(text):
        return concept(CPT, text)
    if text is not None and _HCPCS_CODE.fullmatch(text):
        return concept(HCPCS, text)
    return {"text": json_text(code)}


def modifiers(line: Line) -> list[dict[str, Any]]:
    values = line.data.get("modifiers")
    codes = [_text(m) for m in values] if isinstance(values, list) else []
    return [concept(HCPCS if code[0].isalpha() else CPT, code) for code in codes if code]


def place_of_service(claim: Mapping[str, Any]) -> dict[str, Any]:
    code = _text(claim.get("place_of_service"))
    if code is not None and _POS_CODE.fullmatch(code):
        return concept(PLACE_OF_SERVICE, code)
    return {"text": json_text(claim.get("place_of_service"))}


def quantity(line: Line) -> dict[str, Any] | None:
    units = number(line.data.get("units"))
    return {"value": units} if units is not None else None


def money(value: object) -> dict[str, Any] | None:
    """A USD amount from a finite JSON number ≥ 0, else None."""
    amount = number(value)
    if amount is None or amount < 0:
        return None
    return {"value": amount, "currency": "USD"}


def total_charge(lines: Sequence[Line]) -> dict[str, Any] | None:
    """The sum of the line charges, exact in decimal, when every line has one."""
    amounts = [money(line.data.get("charge")) for line in lines]
    if not amounts or any(amount is None for amount in amounts):
        return None
    values = [amount["value"] for amount in amounts if amount is not None]
    total = sum((Decimal(repr(value)) for value in values), Decimal(0))
    return money(int(total) if all(isinstance(v, int) for v in values) else float(total))


def adjustment_reason(line: Line) -> dict[str, Any] | None:
    """A denied line's CARC and its RARCs, in the record's order, e.g. "CO-50 N661"."""
    if line.outcome != "deny" or line.carc is None:
        return None
    codings = [coding(CARC, line.carc)]
    codings.extend(coding(RARC, remark) for remark in line.rarc if _text(remark))
    label = f"{line.group_code}-{line.carc}" if line.group_code else line.carc
    return {"coding": codings, "text": " ".join((label, *line.rarc))}


def group_code(line: Line) -> dict[str, Any] | None:
    """A denied line's CAS group code (CO, OA, PR, ...)."""
    if line.outcome != "deny" or line.group_code is None:
        return None
    return concept(GROUP_CODE, line.group_code, _GROUP_NAMES.get(line.group_code))


@dataclass(frozen=True, slots=True)
class Notes:
    """The process notes of a decision and the note numbers of each line."""

    notes: tuple[dict[str, Any], ...]
    by_line: Mapping[int, tuple[int, ...]]


def process_notes(view: DecisionView) -> Notes:
    """Plain statements a reader needs beside the codes: the policy and rules that decided (and
    the decision a re-adjudication replaces), what a pend waits for, that approved lines are
    priced downstream, the E/I findings."""
    record = view.record
    header = (
        f"Decided under {record.get('policy_version')}: {view.decision}"
        f" ({record.get('claim_status_category')}); rules {_ids(record)}."
    )
    if view.supersedes is not None:
        header += f" Re-adjudicated ({view.trigger}): replaces decision {view.supersedes}."
    texts: list[str] = [header]
    by_line: dict[int, list[int]] = {line.number: [] for line in view.lines}

    def note(text: str, numbers: Sequence[int]) -> None:
        texts.append(text)
        for number in numbers:
            by_line[number].append(len(texts))

    approved = [line.number for line in view.lines if line.outcome == "approve"]
    if approved:
        note(
            "Approved: pricing and payment are determined downstream, not by this "
            "adjudication; no payment amount is stated.",
            approved,
        )
    pended = [line.number for line in view.lines if line.outcome == "pend"]
    pend = record.get("pend")
    if pended and isinstance(pend, Mapping):
        missing = ", ".join(str(m) for m in pend.get("documentation_missing") or ())
        reasons = ", ".join(str(r) for r in pend.get("reasons") or ())
        note(
            f"Pended ({pend.get('status_category')}): {reasons}."
            + (f" Documentation missing: {missing}." if missing else "")
            + f" Follow-up: {pend.get('followup')}.",
            pended,
        )
    not_reviewed = [line.number for line in view.lines if line.outcome == "not_reviewed"]
    if not_reviewed:
        note("Not reviewed under this policy; the plan's other rules decide it.", not_reviewed)
    for finding in record.get("informational_findings") or ():
        if not isinstance(finding, Mapping):
            continue
        number = finding.get("line_number")
        note(
            f"{finding.get('rule')}: {finding.get('indication_group')} with "
            f"{finding.get('agent')}. {finding.get('note')}.",
            [number] if number in by_line else [],
        )
    notes = tuple(
        {"number": n, "type": "display", "text": text} for n, text in enumerate(texts, start=1)
    )
    return Notes(notes, {number: tuple(ns) for number, ns in by_line.items()})


def disposition(record: Mapping[str, Any]) -> str:
    """One sentence for the header: the outcome, its category and the claim-level reason."""
    decision = record.get("decision")
    category = record.get("claim_status_category")
    if decision == "approve":
        partial = " in part (some lines denied)" if record.get("partial") else ""
        return f"Approved{partial} ({category}); priced downstream."
    if decision == "pend":
        pend = record.get("pend")
        reasons = pend.get("reasons") if isinstance(pend, Mapping) else None
        return f"Pended ({category}): {', '.join(str(r) for r in reasons or ())}."
    remarks = " ".join(str(r) for r in record.get("rarc") or ())
    adjustment = f"{record.get('group_code')}-{record.get('carc')}" + (
        f" {remarks}" if remarks else ""
    )
    return f"Denied ({category}): {adjustment}."


def _ids(record: Mapping[str, Any]) -> str:
    return ", ".join(str(rule) for rule in record.get("rule_ids") or ()) or "none"


def _text(value: object) -> str | None:
    """`value` as a FHIR string/code: a non-empty string without surrounding or double spaces."""
    if not isinstance(value, str) or not _FHIR_CODE.fullmatch(value):
        return None
    return value


def _timestamp(value: str) -> bool:
    """A FHIR dateTime with time and zone (what `decided_at` is when the worker stamps it)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return False
    return "T" in value and moment.tzinfo is not None
