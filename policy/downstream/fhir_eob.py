"""The decision as a CARIN Blue Button ExplanationOfBenefit (C4BB Professional NonClinician,
IG 2.1.0 on FHIR 4.0.1), what members' apps and payer-to-payer exchange read.

Per item: the `submitted` amount is the line charge; a denied line adds an `eligible` amount of
0 whose reason is its CAS group code, and the `adjustmentreason` slice with its CARC
(https://x12.org/codes/claim-adjustment-reason-codes) and RARCs
(https://x12.org/codes/remittance-advice-remark-codes) as the codings of one reason (the slice
allows one adjudication per item). `benefitpaymentstatus` is required; the network status is not
known here, so it is `other`. An approved line gets no eligible, benefit or payment amount: a
process note says it is priced downstream. `total` is the submitted total.

Choices:

- `outcome` `complete` for an approval or denial; a pend, which CARIN does not expect (its EOBs
  are for adjudicated claims), is rendered with `partial` so that every record has its EOB.
- `payment.type` is `denied` on a denial (nothing is paid, a fact); otherwise no payment is
  stated, because it is not this engine's to state.
- The unique claim identifier is the claim id (this engine knows no payer claim number; a plan
  with one maps it here), else the input digest.
- No care team: CARIN requires a rendering provider's taxonomy qualification, which the claim
  does not carry; the billing provider is `provider`.
- Identifiers: the `uc` one, then the decision id once stamped. A re-adjudication's `related`
  names the decision it replaces, relationship `prior` (`fhir_common`'s docstring).
- `ignore` records raise `fhir_common.OutOfScope`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy.downstream.fhir_common import (
    ADJUDICATION,
    CLAIM_ID_SYSTEM,
    CLAIM_TYPE,
    ICD10CM,
    PAYER_ID,
    PAYER_NAME,
    RELATED_CLAIM_RELATIONSHIP,
    DecisionView,
    Line,
    absent,
    adjustment_reason,
    code_concept,
    concept,
    coverage_reference,
    decision_identifier,
    decision_view,
    disposition,
    group_code,
    insurer_reference,
    modifiers,
    money,
    patient_reference,
    place_of_service,
    process_notes,
    product_or_service,
    provider_reference,
    quantity,
    replaced_decision,
    total_charge,
)

C4BB = "http://hl7.org/fhir/us/carin-bb"
PROFILE = f"{C4BB}/StructureDefinition/C4BB-ExplanationOfBenefit-Professional-NonClinician|2.1.0"
IDENTIFIER_TYPE = f"{C4BB}/CodeSystem/C4BBIdentifierType"
DISCRIMINATOR = f"{C4BB}/CodeSystem/C4BBAdjudicationDiscriminator"
PAYER_STATUS = f"{C4BB}/CodeSystem/C4BBPayerAdjudicationStatus"
DIAGNOSIS_TYPE = f"{C4BB}/CodeSystem/C4BBClaimDiagnosisType"
HL7_DIAGNOSIS_TYPE = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype"


def explanation_of_benefit(
    record: Mapping[str, Any],
    request: Mapping[str, Any],
    *,
    payer_name: str = PAYER_NAME,
    payer_id: str = PAYER_ID,
) -> dict[str, Any]:
    """The ExplanationOfBenefit of one decision record, JSON-ready (placeholders: the payer)."""
    view = decision_view(record, request)
    notes = process_notes(view)
    identifiers = [
        {"type": concept(IDENTIFIER_TYPE, "uc"), "system": CLAIM_ID_SYSTEM, "value": view.claim_key}
    ]
    decision = decision_identifier(record)
    if decision is not None:
        identifiers.append(decision)
    related = _related(view)
    resource: dict[str, Any] = {
        "resourceType": "ExplanationOfBenefit",
        "id": view.resource_id,
        "meta": {"lastUpdated": view.last_updated, "profile": [PROFILE]},
        "identifier": identifiers,
        "status": "active",
        "type": concept(CLAIM_TYPE, "professional"),
        "use": "claim",
        "patient": patient_reference(view.claim),
        "billablePeriod": _billable_period(view),
        "created": view.created,
        "insurer": insurer_reference(payer_name, payer_id),
        "provider": provider_reference(view.claim),
        **({"related": related} if related else {}),
        "outcome": "partial" if view.decision == "pend" else "complete",
        "disposition": disposition(record),
    }
    diagnoses = _diagnoses(view.claim)
    if diagnoses:
        resource["diagnosis"] = diagnoses
    resource["insurance"] = [{"focal": True, "coverage": coverage_reference(view.claim)}]
    items = [_item(view, line, notes.by_line[line.number]) for line in view.lines]
    if items:
        resource["item"] = items
    total = total_charge(view.lines)
    if total is not None:
        resource["total"] = [{"category": concept(ADJUDICATION, "submitted"), "amount": total}]
    if view.decision == "deny":
        resource["payment"] = {"type": concept(PAYER_STATUS, "denied", "Denied")}
    resource["processNote"] = list(notes.notes)
    return resource


def _related(view: DecisionView) -> list[dict[str, Any]]:
    """A re-adjudication's replaced decision, relationship `prior`; nothing on a first record."""
    replaced = replaced_decision(view)
    if replaced is None:
        return []
    relationship = concept(RELATED_CLAIM_RELATIONSHIP, "prior", "Prior Claim")
    return [{"relationship": relationship, "reference": replaced}]


def _billable_period(view: DecisionView) -> dict[str, Any]:
    period = view.service_period
    if period is None:
        return {"_start": absent()}
    return {"start": period[0], "end": period[1]}


def _diagnoses(claim: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The claim's ICD-10-CM codes in claim order, the first principal (CMS-1500 box 21 A)."""
    codes = claim.get("diagnosis_codes")
    out: list[dict[str, Any]] = []
    for sequence, code in enumerate(codes if isinstance(codes, list) else (), start=1):
        diagnosis = code_concept(ICD10CM, code)
        kind = (
            concept(HL7_DIAGNOSIS_TYPE, "principal")
            if sequence == 1
            else concept(DIAGNOSIS_TYPE, "secondary")
        )
        out.append({"sequence": sequence, "diagnosisCodeableConcept": diagnosis, "type": [kind]})
    return out


def _item(view: DecisionView, line: Line, note_numbers: tuple[int, ...]) -> dict[str, Any]:
    item: dict[str, Any] = {"sequence": line.number}
    pointers = _diagnosis_pointers(view.claim, line)
    if pointers:
        item["diagnosisSequence"] = pointers
    if note_numbers:
        item["noteNumber"] = list(note_numbers)
    item["productOrService"] = product_or_service(line.data.get("procedure_code"))
    codes = modifiers(line)
    if codes:
        item["modifier"] = codes
    service_date = line.service_date or (view.service_period or (None,))[0]
    if service_date is not None:
        item["servicedDate"] = service_date
    else:
        item["_servicedDate"] = absent()
    item["locationCodeableConcept"] = place_of_service(view.claim)
    units = quantity(line)
    if units is not None:
        item["quantity"] = units
    item["adjudication"] = _adjudications(line)
    return item


def _adjudications(line: Line) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    charge = money(line.data.get("charge"))
    if charge is not None:
        out.append({"category": concept(ADJUDICATION, "submitted"), "amount": charge})
    group = group_code(line)
    if group is not None:
        out.append(
            {
                "category": concept(ADJUDICATION, "eligible"),
                "reason": group,
                "amount": {"value": 0, "currency": "USD"},
            }
        )
    reason = adjustment_reason(line)
    if reason is not None:
        out.append({"category": concept(DISCRIMINATOR, "adjustmentreason"), "reason": reason})
    out.append(
        {
            "category": concept(DISCRIMINATOR, "benefitpaymentstatus"),
            "reason": concept(PAYER_STATUS, "other", "Other"),
        }
    )
    return out


def _diagnosis_pointers(claim: Mapping[str, Any], line: Line) -> list[int]:
    """The line's diagnosis pointers that name one of the claim's diagnoses."""
    codes = claim.get("diagnosis_codes")
    count = len(codes) if isinstance(codes, list) else 0
    pointers = line.data.get("dx_pointers")
    valid = [
        p
        for p in (pointers if isinstance(pointers, list) else ())
        if isinstance(p, int) and not isinstance(p, bool) and 1 <= p <= count
    ]
    return list(dict.fromkeys(valid))
