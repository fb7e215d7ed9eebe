"""§5.5 drug lines (JW excluded): steps 1–11, each line on its own in `line_number` order.

The first step that denies or pends ends the line. Each step appends the rule ids §8.3 lists
for it, so the line's contribution to `rule_ids` is built where the decision is made.
"""

from __future__ import annotations

from datetime import timedelta

from models.decision import InformationalFinding
from models.request_data import LineData
from models.values import iso_date, r9_compare
from policy.claim_view import ClaimView
from policy.enrichment import dose_mg
from policy.rules.experimental import admixture_of, determine_e_i, product_of
from policy.rules.medical_necessity import evaluate_medical_necessity
from policy.rules.outcome import LineResult, PendCategory
from policy.rules.prior_auth import check_prior_authorization, find_prior_authorization

PA_PENDING = "prior_authorization_pending"
DOSE_OUTLIER = "clinical_review_dose_outlier"
DOCUMENTATION_REQUESTED = "documentation_requested"


def _deny(view: ClaimView, result: LineResult, key: str) -> LineResult:
    result.decision = "deny"
    result.adjustment = view.tables.outcomes[key]
    return result


def _pend(result: LineResult, category: PendCategory, reason: str) -> LineResult:
    result.decision = "pend"
    result.pend_category = category
    result.pend_reason = reason
    return result


def decide_drug_line(view: ClaimView, line: LineData) -> LineResult:
    result = LineResult(line.line_number, "approve")
    ids = result.rule_ids
    product = product_of(view, line)
    agent = product.agent
    groups = view.pointed_groups(line)

    # Step 1, ITDD-IND-01: no pointed diagnosis in an ITDD group.
    if not groups:
        ids.append("ITDD-IND-01")
        return _deny(view, result, "ITDD-IND-01")

    # Step 2, E/I determination; step 3, ITDD-PA-02 (the E/I exception).
    determination = determine_e_i(view, line, groups)
    covered = set(determination.covered)
    excepted = False
    if determination.rule_id is not None:
        admixture = admixture_of(view, line) or [line]
        needed = {str(member.procedure_code) for member in admixture}
        record = find_prior_authorization(view)
        check = check_prior_authorization(view, record, needed, view.dos(line))
        if check == "pending":
            ids += [determination.rule_id, "ITDD-PA-02"]
            return _pend(result, "P2", PA_PENDING)
        if check == "passed":
            assert record is not None
            covered = set(groups) & set(record.indication_groups)
        if not covered:
            # Every PA-02 failure keeps the E/I denial, CO-55/N623; an approved PA
            # whose indication groups share none with the line's is such a failure.
            ids.append(determination.rule_id)
            return _deny(view, result, determination.rule_id)
        ids.append("ITDD-PA-02")
        excepted = True

    # Step 4, ITDD-IND-02: pointed groups that are not covered are informational E/I findings.
    uncovered = sorted(groups - covered)
    if uncovered:
        ids += ["ITDD-EI-01", "ITDD-IND-02"]
        result.findings = [
            InformationalFinding(
                line_number=line.line_number,
                rule="ITDD-EI-01",
                indication_group=group,
                agent=agent,
            )
            for group in uncovered
        ]

    # Step 5, ITDD-IND-03: symptom-only spasticity coding does not establish the etiology.
    symptom = view.tables.symptom_group
    if symptom in covered:
        covered.discard(symptom)
        if not covered:
            ids.append("ITDD-IND-03")
            return _deny(view, result, "ITDD-IND-03")

    # Step 6, ITDD-PA-01: agents that need a PA, unless PA-02 granted an exception.
    if agent in view.tables.prior_authorization_required_agents and not excepted:
        ids.append("ITDD-PA-01")
        check = check_prior_authorization(
            view, find_prior_authorization(view), {str(line.procedure_code)}, view.dos(line)
        )
        if check == "pending":
            return _pend(result, "P2", PA_PENDING)
        if check != "passed":
            return _deny(view, result, f"ITDD-PA-01/{check}")

    # Step 7, ITDD-FREQ-01: a repeat trial of the agent within the window after an approval.
    if _repeat_trial(view, line, agent):
        ids.append("ITDD-FREQ-01")
        return _deny(view, result, "ITDD-FREQ-01")

    # Step 8, ITDD-MN-01 … MN-05.
    necessity = evaluate_medical_necessity(covered, agent, view.documentation, view.policy)
    ids += necessity.rule_ids
    if not necessity.any_pass:
        result.criteria_failed = necessity.criteria_failed
        result.criteria_missing = necessity.criteria_missing
        if not necessity.any_missing:
            return _deny(view, result, "ITDD-MN")

    return _safety_and_documentation(view, line, agent, result, documented=necessity.any_pass)


def _safety_and_documentation(
    view: ClaimView, line: LineData, agent: str, result: LineResult, *, documented: bool
) -> LineResult:
    """Steps 9–11 for a line step 8 did not deny; it keeps its step-8 criteria lists whether
    it pends or is denied here (§8.2, addendum L.1)."""
    ids = result.rule_ids

    # Step 9, ITDD-SAFE-01: takes precedence over DOC-01; a recorded review decides instead.
    if _dose_outlier(view, line, agent):
        ids.append("ITDD-SAFE-01")
        review = _review_determination(view, line)
        if review is None:
            return _pend(result, "P2", DOSE_OUTLIER)
        if review == "dose_not_appropriate":
            return _deny(view, result, "ITDD-SAFE-01")

    # Step 10, ITDD-DOC-01: criteria missing, request records (P3); past the deadline counted
    # from the first request, deny (addendum L.1).
    if not documented:
        ids.append("ITDD-DOC-01")
        if _documentation_overdue(view):
            return _deny(view, result, "ITDD-DOC-01")
        return _pend(result, "P3", DOCUMENTATION_REQUESTED)

    # Step 11: approve.
    return result


def _repeat_trial(view: ClaimView, line: LineData, agent: str) -> bool:
    """ITDD-FREQ-01: an approved item of the same agent 0..window days before the line DOS."""
    history = view.context.claims_history
    if not history:
        return False
    rule = view.policy.frequency
    procedure_code, counted = rule.procedure_code, rule.counted_decision
    line_dos = view.dos(line)
    earliest = line_dos - timedelta(days=rule.window_days)
    for item in history:
        code = item.procedure_code if item.procedure_code is not None else procedure_code
        if code != procedure_code or item.agent != agent:
            continue
        if item.decision != counted:
            continue
        served = iso_date(item.service_date)
        if served is not None and earliest <= served <= line_dos:
            return True
    return False


def _review_determination(view: ClaimView, line: LineData) -> str | None:
    """L.1: the first SAFE-01 review recorded for this line decides; None when there is none."""
    for review in view.context.clinical_reviews or ():
        if review.line_number == line.line_number and review.rule == "ITDD-SAFE-01":
            return review.determination
    return None


def _documentation_overdue(view: ClaimView) -> bool:
    """L.1: `processing_date` more than the DOC-01 days after records were first requested."""
    requested = iso_date(view.context.documentation_requested_on)
    if requested is None:
        return False
    deadline = requested + timedelta(days=view.policy.documentation_request_days)
    return view.processing_date > deadline


def _dose_outlier(view: ClaimView, line: LineData, agent: str) -> bool:
    """ITDD-SAFE-01: the DOS total of agent and route, over every non-JW drug line of them."""
    drug = line.drug
    assert drug is not None
    route = drug.route
    threshold = view.tables.dose_limit(agent, route)
    if threshold is None:
        return False
    line_dos = view.line_dos
    day = line_dos[line.line_number]
    key = (agent, route, day)
    total = view.dose_totals.get(key)
    if total is None:  # once per agent, route and DOS: a claim of many lines stays linear
        total = 0.0
        for other in view.drug_lines:  # ascending line_number, as §2.5 sums
            assert other.drug is not None
            if (
                line_dos[other.line_number] == day
                and other.drug.route == route
                and product_of(view, other).agent == agent
            ):
                total += dose_mg(other.drug)
        view.dose_totals[key] = total
    return r9_compare(total, threshold) > 0
