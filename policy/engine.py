"""The ITDD engine: (claim, enrichment snapshot, policy version) -> decision record.

A pure, deterministic function: no clock, no randomness, no I/O. The gates run in the order of
policy-spec §5; the first that fires settles the claim. Otherwise every line is decided (§5.5)
and the 62327 lines and the claim are aggregated (§6).
"""

from __future__ import annotations

from datetime import date

from models.decision import DecisionRecord, InformationalFinding, LineDecision, LineRules
from models.request_data import AdjudicationRequest
from models.values import iso_date
from policy.catalog import PolicyData, load_policy, select_version
from policy.claim_view import ClaimView
from policy.codeset import code_set_for
from policy.digest import input_digest
from policy.record import (
    RecordHeader,
    denied_line,
    error_info,
    line_decision,
    line_rules,
    pend_block,
    relief,
)
from policy.rules import administrative, billing, diagnosis, scope, structural
from policy.rules.aggregation import agg_01_catheter_line, agg_02_claim
from policy.rules.drug_lines import decide_drug_line
from policy.rules.other_lines import decide_jw_line, decide_other_line
from policy.rules.outcome import GateDenial, GateResult, Ignore, LineResult

# §5: SCOPE-01 → VAL-01 … VAL-10 → SCOPE-04 → DUP-01 → ELIG-01 → ELIG-03 → ELIG-02 → DATE-01
# → DX-01 → DX-02, then (diagnoses mapped to groups) SCOPE-02 → BEN-01 → DX-03 → DX-04 →
# COD-02 → COD-03 → COD-04 → DRUG-01 … DRUG-06. Written as calls, not a tuple of gates to loop
# over: compiled, a direct call skips Python's call protocol, which cost more than many gates.


def _gates_before_groups(view: ClaimView) -> GateResult:
    return (
        scope.scope_01_trigger(view)
        or structural.val_01_claim_id(view)
        or structural.val_02_member(view)
        or structural.val_03_dob_sex(view)
        or structural.val_04_rendering_npi(view)
        or structural.val_05_dates(view)
        or structural.val_06_place_of_service(view)
        or structural.val_07_codes_and_modifiers(view)
        or structural.val_08_units_and_charge(view)
        or structural.val_09_pointers(view)
        or structural.val_10_drug_fields(view)
        or scope.scope_04_effective_date(view)
        or administrative.dup_01_duplicate(view)
        or administrative.elig_01_member_found(view)
        or administrative.elig_03_born_after_service(view)
        or administrative.elig_02_coverage_dates(view)
        or administrative.date_01_future_service(view)
        or diagnosis.dx_01_no_diagnosis(view)
        or diagnosis.dx_02_code_set(view)
    )


def _gates_after_groups(view: ClaimView) -> GateResult:
    return (
        scope.scope_02_acute(view)
        or diagnosis.ben_01_plan_exclusion(view)
        or diagnosis.dx_03_no_itdd_diagnosis(view)
        or diagnosis.dx_04_catheter_pointer(view)
        or billing.cod_02_setting(view)
        or billing.cod_03_bilateral(view)
        or billing.cod_04_catheter_units(view)
        or billing.drug_01_catheter_without_drug(view)
        or billing.drug_02_accepted_hcpcs(view)
        or billing.drug_03_plan_drug_file(view)
        or billing.drug_04_crosswalk(view)
        or billing.drug_05_concentration(view)
        or billing.drug_06_units(view)
    )


AGGREGATION_RULE_IDS = ("ITDD-AGG-01", "ITDD-AGG-02")
AGG_01 = AGGREGATION_RULE_IDS[0]


def policy_for(
    processing_date: date | None, header_dos: date | None, version: str | None = None
) -> PolicyData:
    """The named version (a what-if), else the version in force for the claim (§1.6)."""
    if version is not None:
        return load_policy(version)
    return select_version(processing_date, header_dos)


def fiscal_year_label(header_dos: date | None) -> str | None:
    """`reference_versions.icd10cm`: the code set A.8 applies for the header DOS."""
    return None if header_dos is None else code_set_for(header_dos).name


def decide(request: AdjudicationRequest, version: str | None = None) -> DecisionRecord:
    """Decide one request under `version` (a what-if) or the version in force (§1.6)."""
    processing_date = iso_date(request.context.processing_date)
    assert processing_date is not None  # §E.3: checked by the request model
    header_dos = iso_date(request.claim.service_date)
    policy = policy_for(processing_date, header_dos, version)
    view = ClaimView(request, policy, processing_date, header_dos)
    header = RecordHeader(
        request.claim.claim_id,
        policy,
        fiscal_year_label(view.header_dos),
        request.context.processing_date,
        relief(request.claim.documentation),
        input_digest(request.raw_claim, request.raw_context, strict_json=request.strict_json),
    )
    outcome = _gates_before_groups(view)
    if outcome is None:
        view.enrich_diagnoses()
        outcome = _gates_after_groups(view)
    if isinstance(outcome, Ignore):
        return header.ignore(outcome.rule_id)
    if isinstance(outcome, GateDenial):
        return _gate_denial(view, header, outcome)
    return _decide_lines(view, header)


def _gate_denial(view: ClaimView, header: RecordHeader, denial: GateDenial) -> DecisionRecord:
    """§6: every line (62327, drug, JW, other) gets the gate's denial; one rule id (§8.3),
    which decided every line."""
    adjustment, rule_id = denial.adjustment, denial.rule_id
    lines: list[LineDecision] = []
    rules: list[LineRules] = []
    for line in view.lines:
        number = line.line_number
        lines.append(denied_line(number, "deny", adjustment))
        rules.append(line_rules(number, [rule_id]))
    return header.denial([rule_id], adjustment, lines, rules)


def _decide_lines(view: ClaimView, header: RecordHeader) -> DecisionRecord:
    # Loops, not comprehensions: under CPython 3.11 each comprehension builds a function object
    # (~1k instructions), more than a claim's two or three lines cost to visit.
    drug_results: dict[int, LineResult] = {}
    for line in view.drug_lines:
        drug_results[line.line_number] = decide_drug_line(view, line)
    catheter_results: dict[int, LineResult] = {}
    for line in view.catheter_lines:
        catheter_results[line.line_number] = agg_01_catheter_line(view, line, drug_results)
    results: list[LineResult] = []
    line_decisions: list[LineDecision] = []
    per_line: list[LineRules] = []
    rule_ids: list[str] = []
    findings: list[InformationalFinding] = []
    for line in view.lines:
        number = line.line_number
        if number in drug_results:
            result = drug_results[number]
        elif number in catheter_results:
            result = catheter_results[number]
        elif line.drug is not None:  # a drug line that is not in drug_lines: a JW line
            result = decide_jw_line(line)
        else:
            result = decide_other_line(view, line)
        results.append(result)
        line_decisions.append(line_decision(result))
        # §8.3: a 62327 line contributes nothing to `rule_ids`; AGG-01 decided it.
        decided_by = [AGG_01] if number in catheter_results else result.rule_ids
        per_line.append(line_rules(number, decided_by))
        for rule_id in result.rule_ids:
            if rule_id not in rule_ids:
                rule_ids.append(rule_id)
        findings.extend(result.findings)
    rule_ids.extend(AGGREGATION_RULE_IDS)

    claim = agg_02_claim(results, list(catheter_results.values()), view.policy)
    if claim.decision == "deny":
        assert claim.adjustment is not None
        return header.denial(rule_ids, claim.adjustment, line_decisions, per_line, findings)
    if claim.decision == "approve":
        return header.record(
            "approve",
            partial=claim.partial,
            claim_status_category="F1",
            x12_835_clp02="1",
            rule_ids=rule_ids,
            line_decisions=line_decisions,
            line_rule_ids=per_line,
            informational_findings=findings,
        )
    pended = [r for r in results if r.decision == "pend" and r.pend_reason is not None]
    return header.record(
        "pend",
        claim_status_category=claim.category,
        rule_ids=rule_ids,
        pend=pend_block(
            view.policy,
            claim.category,
            {r.pend_reason for r in pended if r.pend_reason},
            {c.split(":", 1)[1] for r in pended for c in r.criteria_missing},
        ),
        line_decisions=line_decisions,
        line_rule_ids=per_line,
        informational_findings=findings,
    )


def internal_error_record(
    claim: object,
    processing_date: str | None,
    error: BaseException,
    context: object = None,
) -> DecisionRecord:
    """A `pend` P2 `internal_error` record: a claim the engine could not decide is never lost.

    It names the error so the claim can be re-run once the defect is fixed. Choice: no rule
    decided it, so `rule_ids` and `line_decisions` are empty and `pend.reasons` is
    ["internal_error"] (the contract's reason; §8.4 lists only the policy's own reasons).
    """
    claim_fields = claim if isinstance(claim, dict) else {}
    policy = select_version(iso_date(processing_date), iso_date(claim_fields.get("service_date")))
    header = RecordHeader(
        claim_fields.get("claim_id"),
        policy,
        fiscal_year_label(iso_date(claim_fields.get("service_date"))),
        processing_date or "",
        None,
        input_digest(claim, context),
    )
    return header.record(
        "pend",
        claim_status_category="P2",
        rule_ids=[],
        pend=pend_block(policy, "P2", {"internal_error"}, set()),
        error=error_info(error),
    )


def decide_or_pend(request: AdjudicationRequest, version: str | None = None) -> DecisionRecord:
    """`decide`, with any defect inside the engine turned into an `internal_error` pend."""
    try:
        return decide(request, version)
    except Exception as error:  # noqa: BLE001 - any defect of the engine becomes a P2 pend
        return internal_error_record(
            request.raw_claim, str(request.context.processing_date), error, request.raw_context
        )
