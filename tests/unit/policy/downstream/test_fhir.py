"""The FHIR renderers: every public case as a ClaimResponse and an ExplanationOfBenefit.

Each resource is parsed with fhir.resources (R4B, whose ClaimResponse, ExplanationOfBenefit and
Bundle match R4 4.0.1, the version of the PAS and CARIN guides) and written back: the round
trip must give the same JSON, so nothing was dropped, renamed or coerced. Then the profile
rules below, each a `check_*` function; `test_the_profile_checks_bite` breaks a copy once per
rule family to prove they fail.

- PAS-style ClaimResponse: status `active`; `use` `preauthorization` only for a pre-service
  request, else `claim`, and the PAS profile named only then; `outcome` from PAS's value set and
  the decision; `type`, `request`, `patient`, `insurer`, `created` present; one item per claim
  line echoing its number as `itemSequence`; each item one adjudication of the fixed category
  `submitted` with the line charge and the review action (X12 306) of the line decision;
  CARC/RARC reason exactly on denied lines; `wasHumanReviewedFlag` false; note numbers resolve.
- CARIN BB Professional NonClinician 2.1.0: meta.lastUpdated and the versioned profile; one
  `uc` identifier; status, type `professional`, use `claim`, patient, billablePeriod.start,
  created, insurer, provider, outcome; one focal insurance with its coverage; diagnoses with a
  principal first; items with sequence, productOrService, servicedDate and location; per item
  exactly one `benefitpaymentstatus`, at most one `adjustmentreason` (CARC then RARCs, as on the
  line), at least one amount-type adjudication, each with an amount; submitted = charge; a
  denied line's eligible amount 0 with its group code; no other amount on any line (no payment
  is invented) and a note saying approved lines are priced downstream; total = the charges.

A re-adjudication (claim-lifecycle L.2, `supersedes` set) points to the decision it replaces
(fhir_common's docstring): the EOB by `related` (relationship `prior`, the replaced decision id
as `reference`), the ClaimResponse by a contained Provenance (`revision`, target `#`); a first
record has neither. The seed's pend and its re-adjudication after TC-002's records are checked
as a pair: the link names the decision id the pend's resources carry.

Not checked here: base R4's own rules (tests/integration/test_fhir_validator.py runs the HL7
FHIR Validator on some of these resources); the profiles' FHIRPath invariants beyond the ones
restated here and the PAS extensions' own structure (their packages are not offline); and
terminology bindings (that CPT, HCPCS, ICD-10-CM, POS, CARC and RARC codes exist in their code
systems; systems and codes are checked against the record instead).

Golden files: golden/seed.claimresponse.json and golden/seed.eob.json, the seed case; regenerate
with `.venv/bin/python -c "from tests.unit.policy.downstream.test_fhir import write_goldens;
write_goldens()"` and review the difference.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from policy.downstream.fhir_claim_response import PAS_PROFILE, claim_response
from policy.downstream.fhir_common import (
    ADJUDICATION,
    CARC,
    CLAIM_TYPE,
    DATA_OPERATION,
    DECISION_ID_SYSTEM,
    GROUP_CODE,
    RARC,
    RELATED_CLAIM_RELATIONSHIP,
    OutOfScope,
    RenderError,
    bundle,
)
from policy.downstream.fhir_eob import explanation_of_benefit
from policy.engine import internal_error_record
from tests.unit.conftest import CASES, decide_raw, request_of

GOLDEN = Path(__file__).parent / "golden"
SEED = "ITDD-TC-001"
DECIDED = {case_id: (decide_raw(request_of(case_id)), request_of(case_id)) for case_id in CASES}
IGNORED = sorted(c for c, (record, _) in DECIDED.items() if record["decision"] == "ignore")

PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition"
X12_306 = "https://codesystem.x12.org/005010/306"
C4BB = "http://hl7.org/fhir/us/carin-bb"
CARIN_PROFILE = (
    f"{C4BB}/StructureDefinition/C4BB-ExplanationOfBenefit-Professional-NonClinician|2.1.0"
)
DISCRIMINATOR = f"{C4BB}/CodeSystem/C4BBAdjudicationDiscriminator"
PAYER_STATUS = f"{C4BB}/CodeSystem/C4BBPayerAdjudicationStatus"
C4BB_ADJUDICATION = f"{C4BB}/CodeSystem/C4BBAdjudication"
REVIEW_ACTION = {"approve": "A1", "deny": "A3", "pend": "A4", "not_reviewed": "NA"}

Record = Mapping[str, Any]


def round_trip(model: Any, resource: dict[str, Any]) -> None:
    """fhir.resources parses the resource and writes the same JSON back."""
    assert json.loads(model.model_validate(resource).model_dump_json()) == resource


def outcomes(record: Record, request: Record) -> dict[int, str]:
    """line number -> the line's outcome (the claim's where the record has no line decision)."""
    decided: dict[int, str] = {ld["line_number"]: ld["decision"] for ld in record["line_decisions"]}
    return {
        line["line_number"]: decided.get(line["line_number"], str(record["decision"]))
        for line in request["claim"]["lines"]
    }


def line_decision(record: Record, number: int) -> Record:
    return next((ld for ld in record["line_decisions"] if ld["line_number"] == number), {})


def has(reference: Any) -> bool:
    """A reference that names something, or says why it cannot (data-absent-reason)."""
    return isinstance(reference, dict) and bool(
        reference.get("reference") or reference.get("identifier") or reference.get("extension")
    )


def codings(concept: Any) -> list[tuple[str, str]]:
    return [(c["system"], c["code"]) for c in (concept or {}).get("coding", [])]


def expected_created(record: Record) -> str:
    return str(record["decided_at"] or record["processing_date"])


def check_notes(resource: Record) -> dict[int, str]:
    notes = {note["number"]: note["text"] for note in resource.get("processNote", [])}
    assert list(notes) == list(range(1, len(notes) + 1)) and all(notes.values())
    items = resource.get("item", [])
    assert all(set(item.get("noteNumber", [])) <= set(notes) for item in items)
    return notes


def replaced(record: Record) -> list[dict[str, str]]:
    """The identifier of the decision a re-adjudication replaces; none on a first record."""
    supersedes = record.get("supersedes")
    return [{"system": DECISION_ID_SYSTEM, "value": supersedes}] if supersedes else []


def check_decision_link(resource: Record, record: Record) -> None:
    """The resource carries its own decision id once stamped (what a later re-adjudication
    points to), and its first note names the decision it replaces, if any."""
    own = [{"system": DECISION_ID_SYSTEM, "value": record["decision_id"]}]
    ids = [i for i in resource["identifier"] if i.get("system") == DECISION_ID_SYSTEM]
    assert ids == (own if record.get("decision_id") else [])
    first = resource["processNote"][0]["text"]
    assert ("replaces decision" in first) == bool(replaced(record))
    assert all(f"replaces decision {r['value']}." in first for r in replaced(record))


def check_claim_response(cr: Record, record: Record, request: Record) -> None:
    """The PAS ClaimResponse rules (module docstring)."""
    assert cr["resourceType"] == "ClaimResponse" and cr["id"] == record["input_digest"]
    assert cr["status"] == "active"
    pre_service = request["claim"].get("claim_type") == "278"
    assert cr["use"] == ("preauthorization" if pre_service else "claim")
    assert (PAS_PROFILE in cr.get("meta", {}).get("profile", [])) == pre_service
    assert cr["outcome"] in ("complete", "error", "partial")
    assert cr["outcome"] == ("partial" if record["decision"] == "pend" else "complete")
    assert cr["type"] and has(cr["request"]) and has(cr["patient"]) and has(cr["insurer"])
    assert cr["created"] == expected_created(record)
    reviewer = [e for e in cr["extension"] if e["url"] == f"{PAS}/extension-claimResponseReviewer"]
    assert [e["extension"] for e in reviewer] == [
        [{"url": "wasHumanReviewedFlag", "valueBoolean": False}]
    ]
    assert "payment" not in cr and "total" not in cr
    check_decision_link(cr, record)
    revisions = [
        (p["resourceType"], p["target"], [(e["role"], e["what"]) for e in p["entity"]])
        for p in cr.get("contained", [])
    ]
    assert revisions == [
        (
            "Provenance",
            [{"reference": "#"}],
            [("revision", {"type": "ClaimResponse", "identifier": r})],
        )
        for r in replaced(record)
    ]
    lines = {line["line_number"]: line for line in request["claim"]["lines"]}
    items = cr.get("item", [])
    assert [item["itemSequence"] for item in items] == sorted(lines)
    notes = check_notes(cr)
    for item, (number, outcome) in zip(
        items, sorted(outcomes(record, request).items()), strict=True
    ):
        (adjudication,) = item["adjudication"]
        assert codings(adjudication["category"]) == [(ADJUDICATION, "submitted")]
        (action,) = [e for e in adjudication["extension"] if e["url"].endswith("reviewAction")]
        (code,) = action["extension"]
        assert codings(code["valueCodeableConcept"]) == [(X12_306, REVIEW_ACTION[outcome])]
        assert adjudication["amount"] == {"value": lines[number]["charge"], "currency": "USD"}
        check_reason(adjudication.get("reason"), line_decision(record, number), outcome)
        if outcome == "approve":
            assert any("downstream" in notes[n] for n in item["noteNumber"])


def check_reason(reason: Any, decision: Record, outcome: str) -> None:
    """CARC then the RARCs of a denied line, nothing on other lines."""
    if outcome != "deny":
        assert reason is None
        return
    assert codings(reason) == [(CARC, decision["carc"])] + [(RARC, r) for r in decision["rarc"]]


def check_eob(eob: Record, record: Record, request: Record) -> None:
    """The CARIN BB Professional NonClinician rules (module docstring)."""
    claim = request["claim"]
    assert eob["resourceType"] == "ExplanationOfBenefit" and eob["id"] == record["input_digest"]
    assert datetime.fromisoformat(eob["meta"]["lastUpdated"]).tzinfo is not None
    assert eob["meta"]["lastUpdated"].startswith(expected_created(record)[:10])
    assert CARIN_PROFILE in eob["meta"]["profile"]
    unique_claim_id = [(f"{C4BB}/CodeSystem/C4BBIdentifierType", "uc")]
    (unique,) = [i for i in eob["identifier"] if codings(i.get("type")) == unique_claim_id]
    assert unique["value"]
    assert eob["status"] == "active" and eob["use"] == "claim"
    check_decision_link(eob, record)
    related = [(codings(r["relationship"]), r["reference"]) for r in eob.get("related", [])]
    assert related == [([(RELATED_CLAIM_RELATIONSHIP, "prior")], r) for r in replaced(record)]
    assert codings(eob["type"]) == [(CLAIM_TYPE, "professional")]
    assert has(eob["patient"]) and has(eob["insurer"]) and has(eob["provider"])
    assert eob["billablePeriod"]["start"]
    assert eob["created"] == expected_created(record)
    assert eob["outcome"] == ("partial" if record["decision"] == "pend" else "complete")
    (focal,) = [i for i in eob["insurance"] if i["focal"]]
    assert has(focal["coverage"])
    diagnoses = eob.get("diagnosis", [])
    assert len(diagnoses) == len(claim.get("diagnosis_codes") or [])
    for n, diagnosis in enumerate(diagnoses, start=1):
        assert diagnosis["sequence"] == n and diagnosis["diagnosisCodeableConcept"]
        kind = "principal" if n == 1 else "secondary"
        assert [code for _, code in codings(diagnosis["type"][0])] == [kind]
    notes = check_notes(eob)
    lines = {line["line_number"]: line for line in claim["lines"]}
    items = eob["item"]
    assert [item["sequence"] for item in items] == sorted(lines)
    for item, (number, outcome) in zip(
        items, sorted(outcomes(record, request).items()), strict=True
    ):
        assert item["productOrService"] and item["servicedDate"]
        assert item["locationCodeableConcept"]
        check_item_adjudication(item, lines[number], line_decision(record, number), outcome)
        if outcome == "approve":
            assert any("downstream" in notes[n] for n in item["noteNumber"])
    (total,) = eob["total"]
    assert codings(total["category"]) == [(ADJUDICATION, "submitted")]
    assert total["amount"]["value"] == pytest.approx(sum(line["charge"] for line in lines.values()))
    if record["decision"] == "deny":
        assert eob["payment"] == {
            "type": {"coding": [{"system": PAYER_STATUS, "code": "denied", "display": "Denied"}]}
        }
    else:
        assert "payment" not in eob


def check_item_adjudication(item: Record, line: Record, decision: Record, outcome: str) -> None:
    by_category: dict[tuple[str, str], list[Record]] = {}
    for adjudication in item["adjudication"]:
        (category,) = codings(adjudication["category"])
        by_category.setdefault(category, []).append(adjudication)
    (status,) = by_category.pop((DISCRIMINATOR, "benefitpaymentstatus"))
    assert codings(status["reason"])[0] in {
        (PAYER_STATUS, code) for code in ("innetwork", "outofnetwork", "other")
    }
    reasons = by_category.pop((DISCRIMINATOR, "adjustmentreason"), [])
    assert len(reasons) <= 1
    check_reason(reasons[0]["reason"] if reasons else None, decision, outcome)
    amount_types = by_category  # what remains: the adjudicationamounttype slice
    assert amount_types and all(
        system in (ADJUDICATION, C4BB_ADJUDICATION) and len(entries) == 1
        for (system, _), entries in amount_types.items()
    )
    assert all("amount" in entries[0] for entries in amount_types.values())
    (submitted,) = amount_types.pop((ADJUDICATION, "submitted"))
    assert submitted["amount"] == {"value": line["charge"], "currency": "USD"}
    if outcome == "deny":
        (eligible,) = amount_types.pop((ADJUDICATION, "eligible"))
        assert eligible["amount"] == {"value": 0, "currency": "USD"}
        assert codings(eligible["reason"]) == [(GROUP_CODE, decision["group_code"])]
    assert amount_types == {}  # no benefit, payment or patient amount is ever stated


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_each_public_case_renders_a_valid_claim_response(case_id: str) -> None:
    record, request = DECIDED[case_id]
    if case_id in IGNORED:
        with pytest.raises(OutOfScope):
            claim_response(record, request)
        return
    resource = claim_response(record, request)
    round_trip(ClaimResponse, resource)
    check_claim_response(resource, record, request)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_each_public_case_renders_a_valid_eob(case_id: str) -> None:
    record, request = DECIDED[case_id]
    if case_id in IGNORED:
        with pytest.raises(OutOfScope):
            explanation_of_benefit(record, request)
        return
    resource = explanation_of_benefit(record, request)
    round_trip(ExplanationOfBenefit, resource)
    check_eob(resource, record, request)


def test_the_ignored_public_cases_are_the_two_scope_cases() -> None:
    assert IGNORED == ["ITDD-TC-034", "ITDD-TC-035"]


def test_a_bundle_of_every_resource_is_a_collection() -> None:
    """Every resource once, in order, under a distinct stable fullUrl; fhir.resources parses
    the seed's bundle (each resource itself is parsed above)."""
    resources = [
        render(record, request)
        for case_id, (record, request) in sorted(DECIDED.items())
        if case_id not in IGNORED
        for render in (claim_response, explanation_of_benefit)
    ]
    document = bundle(resources)
    assert document["resourceType"] == "Bundle" and document["type"] == "collection"
    assert [entry["resource"] for entry in document["entry"]] == resources
    urls = [entry["fullUrl"] for entry in document["entry"]]
    assert len(set(urls)) == len(urls) and all(url.startswith("urn:uuid:") for url in urls)
    assert bundle(resources) == document
    round_trip(Bundle, bundle(resources[:2]))


@pytest.mark.parametrize(
    ("render", "name"),
    [(claim_response, "seed.claimresponse.json"), (explanation_of_benefit, "seed.eob.json")],
)
def test_the_seed_matches_its_golden_file(render: Callable[..., Any], name: str) -> None:
    record, request = DECIDED[SEED]
    assert _golden_text(render(record, request)) == (GOLDEN / name).read_text(encoding="utf-8")


def _golden_text(resource: Record) -> str:
    return json.dumps(resource, indent=2, ensure_ascii=False) + "\n"


def write_goldens() -> None:
    record, request = DECIDED[SEED]
    for render, name in (
        (claim_response, "seed.claimresponse.json"),
        (explanation_of_benefit, "seed.eob.json"),
    ):
        (GOLDEN / name).write_text(_golden_text(render(record, request)), encoding="utf-8")


def test_a_stamped_record_dates_the_resources() -> None:
    record, request = DECIDED[SEED]
    stamped = {
        **record,
        "decided_at": "2026-03-03T01:02:03.456Z",
        "decision_id": "0195f3a0-0000-7000-8000-000000000001",
    }
    cr, eob = claim_response(stamped, request), explanation_of_benefit(stamped, request)
    assert cr["created"] == eob["created"] == eob["meta"]["lastUpdated"] == stamped["decided_at"]
    assert {"system": "urn:claims-adjudicator:decision-id", "value": stamped["decision_id"]} in cr[
        "identifier"
    ]
    assert cr["id"] == eob["id"] == record["input_digest"]  # ids never depend on the stamp
    check_claim_response(cr, stamped, request)
    check_eob(eob, stamped, request)


PEND_DECISION_ID = "0195f3a0-0000-7000-8000-000000000001"


def seed_lifecycle() -> tuple[tuple[Record, Record], tuple[Record, Record]]:
    """claim-lifecycle L.5: the seed's pend (P3, stamped) and its re-adjudication after the
    records of TC-002 arrived on 2026-03-20 (approve, `supersedes` the pend)."""
    pend_request = request_of(SEED)
    pend = {
        **decide_raw(pend_request),
        "decision_id": PEND_DECISION_ID,
        "decided_at": "2026-03-02T14:00:00Z",
    }
    request = request_of(SEED)
    request["claim"]["documentation"] = request_of("ITDD-TC-002")["claim"]["documentation"]
    request["context"].update(processing_date="2026-03-20", documentation_requested_on="2026-03-02")
    again = {
        **decide_raw(request),
        "decision_id": "0195f3a0-0000-7000-8000-000000000002",
        "decided_at": "2026-03-20T09:30:00Z",
        "supersedes": PEND_DECISION_ID,
        "trigger": "documentation_received",
    }
    return (pend, pend_request), (again, request)


def test_a_readjudication_points_to_the_decision_it_replaces() -> None:
    (pend, pend_request), (again, request) = seed_lifecycle()
    assert (pend["decision"], again["decision"]) == ("pend", "approve")
    link = {"system": DECISION_ID_SYSTEM, "value": PEND_DECISION_ID}
    for render, model, check in (
        (claim_response, ClaimResponse, check_claim_response),
        (explanation_of_benefit, ExplanationOfBenefit, check_eob),
    ):
        first, second = render(pend, pend_request), render(again, request)
        for resource, (record, req) in ((first, (pend, pend_request)), (second, (again, request))):
            round_trip(model, resource)
            check(resource, record, req)
        assert link in first["identifier"] and link not in second["identifier"]
        assert first["id"] != second["id"]  # a new resource, the old one is never changed
    cr = claim_response(again, request)
    (provenance,) = cr["contained"]
    assert provenance["entity"] == [
        {"role": "revision", "what": {"type": "ClaimResponse", "identifier": link}}
    ]
    assert codings(provenance["activity"]) == [(DATA_OPERATION, "UPDATE")]
    assert provenance["activity"]["text"] == "re-adjudication: documentation_received"
    assert provenance["recorded"] == again["decided_at"] and provenance["agent"][0]["who"]
    eob = explanation_of_benefit(again, request)
    assert eob["related"] == [
        {
            "relationship": {
                "coding": [
                    {
                        "system": RELATED_CLAIM_RELATIONSHIP,
                        "code": "prior",
                        "display": "Prior Claim",
                    }
                ]
            },
            "reference": link,
        }
    ]
    assert eob["processNote"][0]["text"].endswith(
        f"Re-adjudicated (documentation_received): replaces decision {PEND_DECISION_ID}."
    )


def test_an_internal_error_pend_renders_every_line_pended() -> None:
    seed = request_of(SEED)
    record = internal_error_record(
        seed["claim"], seed["context"]["processing_date"], RuntimeError("boom"), seed["context"]
    ).to_dict()
    assert record["line_decisions"] == []
    cr, eob = claim_response(record, seed), explanation_of_benefit(record, seed)
    round_trip(ClaimResponse, cr)
    round_trip(ExplanationOfBenefit, eob)
    check_claim_response(cr, record, seed)
    check_eob(eob, record, seed)
    assert "boom" not in json.dumps([cr, eob])  # the error is for operators, not readers
    odd_claim = {"claim_id": "CLM-ODD-0001", "member": "M1", "lines": {"1": {"units": 1}}}
    odd_context = {"processing_date": "2026-03-02"}
    odd = internal_error_record(odd_claim, "2026-03-02", TypeError("x"), odd_context).to_dict()
    odd_request = {"claim": odd_claim, "context": odd_context}
    round_trip(ClaimResponse, claim_response(odd, odd_request))
    round_trip(ExplanationOfBenefit, explanation_of_benefit(odd, odd_request))


def test_claims_the_gates_reject_still_render_valid_resources() -> None:
    """Values of the wrong type or shape (VAL-* denials) never break the FHIR types."""
    changes: list[Callable[[dict[str, Any]], Any]] = [
        lambda c: c.update(claim_id=None, member=None, provider=None),
        lambda c: c.update(diagnosis_codes=[None, " M96.1"], place_of_service=22),
        lambda c: c["lines"][0].update(charge="1450", units=None, service_date="2026-02-30"),
        lambda c: c["lines"][1].update(procedure_code=7, modifiers=[" 5", None]),
    ]
    for change in changes:
        request = request_of(SEED)
        change(request["claim"])
        record = decide_raw(request)
        assert record["decision"] == "deny"
        round_trip(ClaimResponse, claim_response(record, request))
        round_trip(ExplanationOfBenefit, explanation_of_benefit(record, request))


def test_a_request_that_is_not_the_records_is_refused() -> None:
    record, _ = DECIDED[SEED]
    for render in (claim_response, explanation_of_benefit):
        with pytest.raises(RenderError, match="input_digest"):
            render(record, request_of("ITDD-TC-002"))


def test_a_pre_service_request_claims_the_pas_profile() -> None:
    request = request_of("ITDD-TC-002")
    request["claim"]["claim_type"] = "278"
    record = decide_raw(request)
    resource = claim_response(record, request)
    assert resource["use"] == "preauthorization"
    assert resource["meta"] == {"profile": [PAS_PROFILE]}
    check_claim_response(resource, record, request)


def _break(resource: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    broken = copy.deepcopy(resource)
    change(broken)
    return broken


def _first_adjudication(r: dict[str, Any]) -> dict[str, Any]:
    adjudication: dict[str, Any] = r["item"][0]["adjudication"][0]
    return adjudication


CLAIM_RESPONSE_BREAKS: list[Callable[[dict[str, Any]], None]] = [
    lambda r: r.update(status="draft"),
    lambda r: r.update(use="preauthorization"),
    lambda r: r.update(outcome="queued"),
    lambda r: r.pop("request"),
    lambda r: r["item"][0].update(itemSequence=9),
    lambda r: r["extension"][0]["extension"][0].update(valueBoolean=True),
    lambda r: _first_adjudication(r)["category"]["coding"][0].update(code="eligible"),
    lambda r: _first_adjudication(r)["extension"][0]["extension"][0]["valueCodeableConcept"][
        "coding"
    ][0].update(code="A1"),
    lambda r: _first_adjudication(r).update(reason={"coding": [{"system": CARC, "code": "50"}]}),
    lambda r: r.update(payment={"amount": {"value": 1, "currency": "USD"}}),
    lambda r: r.update(contained=[{"resourceType": "Provenance", "target": [], "entity": []}]),
    lambda r: r["processNote"][0].update(text="Re-adjudicated: replaces decision x."),
]
EOB_BREAKS: list[Callable[[dict[str, Any]], None]] = [
    lambda r: r["meta"].update(profile=[]),
    lambda r: r.update(identifier=[]),
    lambda r: r.update(use="preauthorization"),
    lambda r: r.pop("billablePeriod"),
    lambda r: r["insurance"][0].update(focal=False),
    lambda r: r["diagnosis"][1]["type"][0]["coding"][0].update(code="principal"),
    lambda r: r["item"][0].update(sequence=7),
    lambda r: r["item"][0]["adjudication"].pop(),  # benefitpaymentstatus
    lambda r: r["item"][0]["adjudication"][0]["amount"].update(value=1),
    lambda r: r["item"][0]["adjudication"].append(
        {
            "category": {"coding": [{"system": ADJUDICATION, "code": "benefit"}]},
            "amount": {"value": 1450.0, "currency": "USD"},
        }
    ),
    lambda r: r["total"][0]["amount"].update(value=0),
    lambda r: r.update(payment={"type": {"coding": [{"system": PAYER_STATUS, "code": "paid"}]}}),
    lambda r: r.update(related=[{"reference": {"system": DECISION_ID_SYSTEM, "value": "x"}}]),
    lambda r: r["identifier"].append({"system": DECISION_ID_SYSTEM, "value": "x"}),
]


@pytest.mark.parametrize(
    ("render", "check", "breaks"),
    [
        (claim_response, check_claim_response, CLAIM_RESPONSE_BREAKS),
        (explanation_of_benefit, check_eob, EOB_BREAKS),
    ],
    ids=["claim_response", "eob"],
)
def test_the_profile_checks_bite(
    render: Callable[..., dict[str, Any]],
    check: Callable[[Record, Record, Record], None],
    breaks: list[Callable[[dict[str, Any]], None]],
) -> None:
    record, request = DECIDED[SEED]
    resource = render(record, request)
    check(resource, record, request)
    for number, change in enumerate(breaks):
        try:
            check(_break(resource, change), record, request)
        except (AssertionError, KeyError, ValueError):
            continue
        pytest.fail(f"{check.__name__} did not catch break {number}")
