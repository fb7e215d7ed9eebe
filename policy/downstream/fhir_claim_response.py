"""The decision as a FHIR R4 ClaimResponse in the style of Da Vinci PAS (prior authorization
support, FHIR 4.0.1), for portals and payer-to-payer exchange.

Each item echoes the claim line's number as `itemSequence` and carries one adjudication of
category `submitted` (PAS fixes the category) with the line charge, the PAS review action
(X12 element 306: A1 certified in total, A3 not certified, A4 pended, NA no action required for
a line this policy does not review) and, on a denied line, the CARC and RARCs as the
adjudication's reason. The reviewer extension says `wasHumanReviewedFlag` false: the engine
decided alone.

Choices:

- `use` is `preauthorization` only for a pre-service request (an X12 278 `claim_type`); the
  claims this engine decides are 837P claims, after the service, so their `use` is `claim`.
  PAS fixes `use` to `preauthorization`, so only those responses name the PAS profile in
  `meta.profile`; the others follow its structure without claiming conformance.
- `outcome`: `complete` for an approval or a denial (the adjudication finished, whatever it
  decided), `partial` for a pend (R4: some of the adjudication has been performed).
- PAS binds the review action's own reason codes to X12 list 886 (278 review decision
  reasons), which this policy does not produce; the CARC/RARC go in the adjudication `reason`.
- A re-adjudication contains a Provenance (`revision` of the replaced response, targeting its
  container): R4's ClaimResponse has no element for it (`fhir_common`'s docstring). Its agent
  is the payer, its activity v3 DataOperation `UPDATE` with the trigger as text.
- `ignore` records raise `fhir_common.OutOfScope`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy.downstream.fhir_common import (
    ADJUDICATION,
    CLAIM_TYPE,
    DATA_OPERATION,
    PAYER_ID,
    PAYER_NAME,
    DecisionView,
    Line,
    adjustment_reason,
    claim_reference,
    concept,
    decision_view,
    disposition,
    insurer_reference,
    money,
    patient_reference,
    process_notes,
    provider_reference,
    record_identifiers,
    replaced_decision,
)

PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition"
PAS_PROFILE = f"{PAS}/profile-claimresponse"
REVIEW_ACTION = f"{PAS}/extension-reviewAction"
REVIEW_ACTION_CODE = f"{PAS}/extension-reviewActionCode"
REVIEWER = f"{PAS}/extension-claimResponseReviewer"
X12_306 = "https://codesystem.x12.org/005010/306"

# Line outcome -> X12 306 (health care services review action) code and display.
_REVIEW_ACTION = {
    "approve": ("A1", "Certified in total"),
    "deny": ("A3", "Not Certified"),
    "pend": ("A4", "Pended"),
    "not_reviewed": ("NA", "No Action Required"),
}


def claim_response(
    record: Mapping[str, Any],
    request: Mapping[str, Any],
    *,
    payer_name: str = PAYER_NAME,
    payer_id: str = PAYER_ID,
) -> dict[str, Any]:
    """The ClaimResponse of one decision record, JSON-ready (placeholders: the payer)."""
    view = decision_view(record, request)
    notes = process_notes(view)
    use = "preauthorization" if _pre_service(view) else "claim"
    resource: dict[str, Any] = {"resourceType": "ClaimResponse", "id": view.resource_id}
    if use == "preauthorization":
        resource["meta"] = {"profile": [PAS_PROFILE]}
    revision = _revision(view, insurer_reference(payer_name, payer_id))
    if revision is not None:
        resource["contained"] = [revision]
    resource.update(
        {
            "extension": [
                {
                    "url": REVIEWER,
                    "extension": [{"url": "wasHumanReviewedFlag", "valueBoolean": False}],
                }
            ],
            "identifier": record_identifiers(record),
            "status": "active",
            "type": concept(CLAIM_TYPE, "professional"),
            "use": use,
            "patient": patient_reference(view.claim),
            "created": view.created,
            "insurer": insurer_reference(payer_name, payer_id),
            "requestor": provider_reference(view.claim),
            "request": claim_reference(view),
            "outcome": "partial" if view.decision == "pend" else "complete",
            "disposition": disposition(record),
            "item": [_item(line, notes.by_line[line.number]) for line in view.lines],
            "processNote": list(notes.notes),
        }
    )
    if not resource["item"]:
        del resource["item"]
    return resource


def _item(line: Line, note_numbers: tuple[int, ...]) -> dict[str, Any]:
    code, display = _REVIEW_ACTION.get(line.outcome, _REVIEW_ACTION["pend"])
    adjudication: dict[str, Any] = {
        "extension": [
            {
                "url": REVIEW_ACTION,
                "extension": [
                    {
                        "url": REVIEW_ACTION_CODE,
                        "valueCodeableConcept": concept(X12_306, code, display),
                    }
                ],
            }
        ],
        "category": concept(ADJUDICATION, "submitted"),
    }
    reason = adjustment_reason(line)
    if reason is not None:
        adjudication["reason"] = reason
    amount = money(line.data.get("charge"))
    if amount is not None:
        adjudication["amount"] = amount
    item: dict[str, Any] = {"itemSequence": line.number}
    if note_numbers:
        item["noteNumber"] = list(note_numbers)
    item["adjudication"] = [adjudication]
    return item


def _revision(view: DecisionView, payer: dict[str, Any]) -> dict[str, Any] | None:
    """On a re-adjudication, the Provenance saying this response revises the replaced one."""
    replaced = replaced_decision(view)
    if replaced is None:
        return None
    return {
        "resourceType": "Provenance",
        "id": "replaces",
        "target": [{"reference": "#"}],
        "recorded": view.last_updated,
        "activity": {
            "coding": [{"system": DATA_OPERATION, "code": "UPDATE", "display": "revise"}],
            "text": f"re-adjudication: {view.trigger}",
        },
        "agent": [{"who": payer}],
        "entity": [{"role": "revision", "what": {"type": "ClaimResponse", "identifier": replaced}}],
    }


def _pre_service(view: DecisionView) -> bool:
    """A request for services not yet given: an X12 278 services review, not an 837 claim."""
    return view.claim.get("claim_type") == "278"
