"""The provider notice: what a billing office needs to act on a decision — each line's
decision with its adjustment codes (group code, CARC / RARC, as on the X12 remittance and
claim status), the rules and criteria that decided it in the plan's own words, the records
requested and the date they are due, and, on a re-adjudication, what changed and why.

The plan's wording is versioned policy data (`plan_language` of `policy/data/itdd-*.json`),
read for the version that decided the record: an old record's notice quotes the text in force
when it was decided.

Choices:

- Member identification: the member id only. The claim carries no name; the date of birth and
  sex serve to match the member, not to inform them, and are left out. Diagnosis codes are not
  listed either: an indication is named by the plan's meaning of its group (§2.3).
- `ignore`: the notice says plainly that the claim is outside this policy, quotes the scope rule
  and says that standard adjudication handles it; there are no line decisions.
- `internal_error` pend: the notice says the claim is being reviewed by the plan and nothing is
  needed now; the error class and message are for the operators and are not shown.
- Which rules decided a line: the record's `line_rule_ids`. A record decided before the engine
  reported them names, for each line, the gate of a gate denial, else the claim's rules (all
  quoted in the plan's section).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policy.catalog import PolicyData
from policy.downstream.notice.facts import (
    Facts,
    adjustment,
    as_list,
    by_group,
    criterion_rule,
    labeled_routes,
    mapping,
    show,
)
from policy.downstream.notice.lifecycle import change_paragraphs
from policy.downstream.notice.model import Block, Fields, Items, Notice, Para, Part, Quote, Section
from policy.engine import AGGREGATION_RULE_IDS

_HEADLINE = {
    "approve": "APPROVED",
    "deny": "DENIED",
    "pend": "PENDING",
    "ignore": "NO DECISION UNDER THIS POLICY",
}
_LINE_DECISION = {
    "approve": "Approved",
    "deny": "Denied",
    "pend": "Pending",
    "not_reviewed": "Not reviewed under this policy",
}
# §8.4 pend reasons in words.
_PEND_REASON = {
    "documentation_requested": (
        "the records sent with the claim do not show whether the plan's criteria are met, so "
        "the plan asks the provider for them"
    ),
    "clinical_review_dose_outlier": (
        "the dose on a date of service is above the plan's review threshold, so a pharmacist "
        "or medical director reviews it"
    ),
    "prior_authorization_pending": (
        "the prior authorization this service needs has not been decided yet"
    ),
    "internal_error": (
        "the claim could not be processed automatically and has been sent to the plan's staff"
    ),
}
_STATUS = {
    "F1": "finalized, paid",
    "F2": "finalized, denied",
    "A6": "rejected for missing information",
    "A7": "rejected for invalid information",
    "P2": "pending payer review",
    "P3": "pending information from the provider",
}


def build_provider(facts: Facts) -> Notice:
    decision, policy = facts.decision, facts.policy
    sections = [_decision_section(facts)]
    if facts.supersedes is not None or facts.trigger != "claim_submitted":
        sections.append(_change_section(facts))
    if facts.lines:
        sections.append(_lines_section(facts))
    if decision == "pend":
        sections.append(_waiting_section(facts))
    if facts.findings:
        sections.append(_findings_section(facts))
    sections.append(_plan_section(facts))
    sections.append(_about_section(facts))
    return Notice(
        title="Notice of decision on a claim",
        subtitle=f"{policy.title}: plan policy {policy.label}",
        fields=_header_fields(facts),
        sections=tuple(sections),
    )


def _change_section(facts: Facts) -> Section:
    """L.2: what this record replaces and the follow-up that made it."""
    blocks: list[Block] = [Para(text) for text in change_paragraphs(facts, "provider")]
    if facts.supersedes is not None:
        blocks.append(Fields((("Replaces decision", show(facts.supersedes)),)))
    return Section("What changed", tuple(blocks))


def _header_fields(facts: Facts) -> Fields:
    claim, record = facts.claim, facts.record
    member = mapping(claim.get("member"))
    provider = mapping(claim.get("provider"))
    rows = [
        ("Claim", show(record.get("claim_id"))),
        ("Member ID", show(member.get("member_id"))),
        ("Rendering provider NPI", show(provider.get("rendering_npi"))),
        ("Date of service", show(claim.get("service_date"))),
        ("Decision date", show(record.get("processing_date"))),
    ]
    if record.get("decision_id") is not None:
        rows.append(("Decision reference", show(record.get("decision_id"))))
    return Fields(tuple(rows))


def _decision_section(facts: Facts) -> Section:
    record, decision = facts.record, facts.decision
    headline = _HEADLINE[decision]
    if decision == "approve" and record.get("partial") is True:
        headline = "APPROVED IN PART"
    blocks: list[Block] = []
    status = record.get("claim_status_category")
    status_words = f" (claim status {status}, {_STATUS[status]})" if status in _STATUS else ""
    if decision == "ignore":
        rule = facts.rule_ids[0] if facts.rule_ids else "a scope rule"
        blocks.append(
            Para(
                f"This claim is outside the plan's {facts.policy.policy_id} policy ({rule}, "
                "quoted below), so this policy makes no decision on it. The claim is handled "
                "by the plan's standard adjudication instead."
            )
        )
    elif facts.internal_error:
        blocks.append(
            Para(
                "We could not finish processing this claim automatically. It has been sent to "
                f"the plan's staff for review{status_words}."
            )
        )
    elif decision == "pend":
        reasons = [_PEND_REASON.get(str(r), str(r)) for r in as_list(facts.pend.get("reasons"))]
        waiting = (
            "we need records from the provider"
            if status == "P3"
            else "the plan's reviewers must look at it first"
        )
        blocks.append(
            Para(
                f"We cannot decide this claim yet: {waiting} (claim status {show(status)}). "
                f"Why: {'; and '.join(reasons)}."
            )
        )
    elif decision == "approve":
        text = f"We approved this claim{status_words}."
        if record.get("partial") is True:
            text += " Some lines were denied; each line's decision and reason are below."
        blocks.append(Para(text))
    else:
        text = f"We denied this claim{status_words}: {adjustment(record)}."
        if facts.gate is not None:
            text += (
                f" The claim did not pass {facts.gate} (quoted below), so its lines were not "
                "reviewed one by one and every line has the same denial."
            )
        blocks.append(Para(text))
    if facts.line_level and decision != "ignore":
        blocks.append(
            Para(
                f"The claim's decision follows its lines ({AGGREGATION_RULE_IDS[-1]}, quoted "
                "below)."
            )
        )
    return Section(f"Decision: {headline}", tuple(blocks))


def _lines_section(facts: Facts) -> Section:
    blocks: list[Block] = []
    mn_rules = set(facts.policy.plan_language.criteria)
    for decided in facts.lines:
        number = decided.get("line_number")
        line = facts.claim_lines.get(number, {})
        outcome = str(decided.get("decision"))
        rules = facts.line_rules.get(number) if isinstance(number, int) else None
        if rules is None and facts.gate is not None:  # a gate denial without `line_rule_ids`
            rules = [facts.gate]
        rows = [("Decision", _line_outcome(outcome, rules))]
        if outcome == "deny":
            rows.append(("Adjustment", adjustment(decided)))
        rows.append(("Rules applied", ", ".join(rules) if rules else "the claim's, quoted below"))
        parts: list[Para | Items | Fields | Quote] = [Fields(tuple(rows))]
        if facts.line_level and _is_catheter(line, facts.policy):
            parts.append(Para(_catheter_sentence(line, facts)))
        if outcome == "approve" and rules and any(r in mn_rules for r in rules):
            parts.append(Para("The records show that the plan's criteria are met (quoted below)."))
        parts.extend(_criteria_blocks(decided, facts.policy))
        if rules and "ITDD-SAFE-01" in rules:
            parts.extend(_threshold_blocks(line, facts.policy))
        heading = f"Line {show(number)}: {_describe_line(line, facts.policy)}"
        blocks.append(Part(heading, tuple(parts)))
    return Section("What we decided for each line", tuple(blocks))


def _waiting_section(facts: Facts) -> Section:
    pend, policy = facts.pend, facts.policy
    if facts.internal_error:
        return Section(
            "What happens next",
            (
                Para(
                    "The plan's staff review the claim and decide it again; the new decision "
                    "comes with a notice of its own. Nothing is needed from the member or the "
                    "provider now."
                ),
            ),
        )
    missing = [str(m) for m in as_list(pend.get("documentation_missing"))]
    blocks: list[Block] = []
    followup = show(pend.get("followup"))
    if pend.get("status_category") == "P3":
        blocks.append(Para("The provider is asked to send records that show:"))
        blocks.append(Items(tuple(_documentation_item(m, facts) for m in missing)))
        days = policy.documentation_request_days
        requested, due = facts.requested_on, facts.documentation_due
        if requested is not None and due is not None:
            blocks.append(
                Para(
                    f"They must arrive by {due.isoformat()}: {days} calendar days after the "
                    f"records were requested, {requested.isoformat()} (ITDD-DOC-01, quoted "
                    "below)."
                )
            )
        else:
            blocks.append(Para(f"They must arrive within {days} calendar days (ITDD-DOC-01)."))
        blocks.append(Para(f'If they do not, the plan\'s follow-up applies: "{followup}".'))
    else:
        blocks.append(
            Para(
                "The plan's reviewers decide the pending lines; there is no deadline for the "
                f'member or the provider. The plan\'s follow-up: "{followup}".'
            )
        )
        if missing:
            blocks.append(Para("The reviewers may ask the provider for records that show:"))
            blocks.append(Items(tuple(_documentation_item(m, facts) for m in missing)))
    return Section("What we are waiting for, and by when", tuple(blocks))


def _findings_section(facts: Facts) -> Section:
    policy = facts.policy
    language = policy.plan_language
    blocks: list[Block] = [
        Para("These findings are recorded with the decision; they did not decide payment.")
    ]
    for finding in facts.findings:
        group = str(finding.get("indication_group"))
        agent = show(finding.get("agent"))
        labeled = [
            f"{agent}, {' or '.join(sorted(routes))}"
            for agent, routes in labeled_routes(group, policy).items()
        ]
        rule = show(finding.get("rule"))
        fields = Fields(
            (
                ("Finding", f"experimental/investigational ({rule})"),
                ("Note", show(finding.get("note"))),
                (
                    "Labeled for this indication",
                    "; ".join(labeled) if labeled else "no product in the plan drug file",
                ),
            )
        )
        words = Para(
            f"The use of {agent} for this indication is not labeled, so the plan treats it as "
            f"experimental/investigational ({rule}); the line proceeds on its covered "
            "indication (ITDD-IND-02). Both rules are quoted below."
        )
        heading = f"Line {show(finding.get('line_number'))}: {agent} for {_group(group, policy)}"
        blocks.append(Part(heading, (fields, words)))
    blocks.append(
        Quote("Experimental or investigational (§2.1)", language.experimental_investigational)
    )
    blocks.append(Quote("Labeled agents (§4.1)", language.labeled_agents))
    return Section("Other findings", tuple(blocks))


def _plan_section(facts: Facts) -> Section:
    language = facts.policy.plan_language
    blocks: list[Block] = []
    for rule in facts.rule_ids:
        text = language.rules.get(rule)
        if text is None:
            blocks.append(Quote(rule, f"(no plan text for {rule} in {facts.policy.label})"))
            continue
        rows = tuple(f"{name}: {cell}" for name, cell in language.criteria.get(rule, {}).items())
        blocks.append(Quote(rule, text, rows))
    if not blocks:
        blocks.append(Para("No rule of the policy decided this claim."))
    return Section(f"What the plan says ({facts.policy.label})", tuple(blocks))


def _about_section(facts: Facts) -> Section:
    record = facts.record
    versions = mapping(record.get("reference_versions"))
    return Section(
        "About this notice",
        (
            Para(
                f"This notice explains the decision record of claim {show(record.get('claim_id'))}"
                f" made under {facts.policy.label} (drug file {show(versions.get('drug_file'))}, "
                f"ICD-10-CM {show(versions.get('icd10cm'))}). The rule ids and the adjustment "
                "codes (group code, CARC / RARC) are those the provider receives on the X12 "
                "remittance or claim status."
            ),
            Fields((("Input digest", show(record.get("input_digest"))),)),
        ),
    )


# -------------------------------------------------------------------------------------------
# Pieces
# -------------------------------------------------------------------------------------------


def _line_outcome(outcome: str, rules: Sequence[str] | None) -> str:
    words = _LINE_DECISION.get(outcome, outcome)
    if outcome != "pend" or not rules:
        return words
    if "ITDD-DOC-01" in rules:
        return f"{words}: documentation requested"
    if "ITDD-SAFE-01" in rules:
        return f"{words}: dose review by a pharmacist or medical director"
    if {"ITDD-PA-01", "ITDD-PA-02"} & set(rules):
        return f"{words}: prior authorization not yet decided"
    return words


def _describe_line(line: Mapping[str, Any], policy: PolicyData) -> str:
    """Code, date and, for a drug line, the product and how it was given."""
    code = show(line.get("procedure_code"))
    dos = show(line.get("service_date"))
    drug = line.get("drug")
    if not isinstance(drug, Mapping):
        return f"procedure {code}, date of service {dos}"
    ndc = drug.get("ndc")
    product = policy.drugs.products.get(ndc) if isinstance(ndc, str) else None
    name = f"{product.agent} ({product.product})" if product else f"NDC {show(ndc)}"
    amount = f"{show(drug.get('concentration_mg_per_ml'))} mg/mL × {show(drug.get('volume_ml'))} mL"
    given = f"{show(drug.get('route'))}, {show(drug.get('delivery_mode'))}"
    return f"drug {code}, {name}, {amount}, {given}, date of service {dos}"


def _is_catheter(line: Mapping[str, Any], policy: PolicyData) -> bool:
    return line.get("procedure_code") == policy.scope.trigger_procedure_code


def _catheter_sentence(line: Mapping[str, Any], facts: Facts) -> str:
    jw = facts.policy.scope.jw_modifier
    drug_lines = [
        str(number)
        for number, other in sorted(facts.claim_lines.items())
        if isinstance(other.get("drug"), Mapping)
        and jw not in as_list(other.get("modifiers"))
        and other.get("service_date") == line.get("service_date")
    ]
    which = ", ".join(drug_lines) if drug_lines else "none"
    return (
        "The catheter placement follows the decision on the drug given through it on the same "
        f"date (drug line {which}; {AGGREGATION_RULE_IDS[0]})."
    )


def _criteria_blocks(decided: Mapping[str, Any], policy: PolicyData) -> list[Para | Items]:
    """Failed criteria with what the plan requires; missing ones by name (the requirements are
    listed once, with the documentation the pend waits for)."""
    blocks: list[Para | Items] = []
    failed = by_group(decided.get("criteria_failed"))
    for group, names in failed.items():
        blocks.append(Para(f"Criteria not met, for {_group(group, policy)}:"))
        blocks.append(Items(tuple(_criterion_item(group, n, policy) for n in names)))
    for group, names in by_group(decided.get("criteria_missing")).items():
        rules = sorted({r for n in names if (r := criterion_rule(group, n, policy))})
        blocks.append(
            Para(
                f"The records do not show these criteria ({', '.join(rules)}), for "
                f"{_group(group, policy)}: {', '.join(names)}."
            )
        )
    return blocks


def _criterion_item(group: str, name: str, policy: PolicyData) -> str:
    rule = criterion_rule(group, name, policy)
    cell = policy.plan_language.criteria.get(rule or "", {}).get(name)
    return f"{name} ({rule}): {cell}" if rule and cell else name


def _documentation_item(name: str, facts: Facts) -> str:
    """A missing fact with what the plan requires of it, from the pending lines' criteria."""
    cells: list[str] = []
    for decided in facts.lines:
        for entry in as_list(decided.get("criteria_missing")):
            group, _, criterion = str(entry).partition(":")
            if criterion != name:
                continue
            item = _criterion_item(group, name, facts.policy)
            if item not in cells:
                cells.append(item)
    return "; ".join(cells) if cells else name


def _threshold_blocks(line: Mapping[str, Any], policy: PolicyData) -> list[Para]:
    drug = mapping(line.get("drug"))
    ndc = drug.get("ndc")
    product = policy.drugs.products.get(ndc) if isinstance(ndc, str) else None
    for threshold in policy.safety_thresholds:
        if product and threshold.agent == product.agent and threshold.route == drug.get("route"):
            return [
                Para(
                    f"The plan reviews more than {show(threshold.max_mg_per_dos)} mg of "
                    f"{threshold.agent}, {threshold.route}, on one date of service (all lines "
                    "of that date together)."
                )
            ]
    return []


def _group(group: str, policy: PolicyData) -> str:
    meaning = policy.plan_language.indication_groups.get(group)
    return f'"{meaning}" ({group})' if meaning else show(group)
