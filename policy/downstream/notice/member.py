"""The member notice: the same decision told to the patient, in plain words (a reading grade
of 8 or below), with what they can do about it.

A denial says what 29 CFR 2560.503-1(g) and 45 CFR 147.136 / 29 CFR 2590.715-2719 ask of a
notice of adverse benefit determination: the specific reason, the plan provision it rests on,
what would make the claim payable, the appeal steps and their time limits, external review, the
right to go to court, the free copies the member may ask for (the rule and criteria; for
medical-necessity and experimental denials, the clinical reasoning; the codes and their
meanings), the claim's identification, what the member owes for that group code, and where to
get help. The plan's values (name, phones, addresses, deadlines) come from the plan
configuration; the words per rule from `policy/data/notice-<version>.json`.

Choices:

- No rule ids, status categories, adjustment codes, field names or digests: a member cannot act
  on them; they are in the provider notice. Diagnosis and procedure codes are not listed either
  (the notice says they are available on request, as (g)(1)(i) allows).
- The provider is named by the NPI the claim carries (the claim holds no provider name).
- A partial approval is an adverse benefit determination for its denied lines: it carries the
  whole denial part.
- Which rule denied a line: the claim's gate, else the outcome of the policy data with the
  line's group code and CARC among the claim's `rule_ids` (for CO-50, the rules of the failed
  criteria). The member needs the reason, not the rule's id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models.values import iso_date
from policy.downstream.notice.facts import (
    Facts,
    as_list,
    by_group,
    criterion_rule,
    labeled_routes,
    long_date,
    mapping,
    money,
    show,
)
from policy.downstream.notice.language import NoticeWords, PlanConfig, notice_words
from policy.downstream.notice.lifecycle import change_paragraphs
from policy.downstream.notice.model import Block, Fields, Items, Notice, Para, Section

_LINE_WORDS = {
    "approve": "approved",
    "deny": "not paid",
    "pend": "not decided yet",
    "not_reviewed": "decided under other plan rules",
}
# Rules whose denial rests on a clinical judgment: §4.2 E/I, §4.1 medical necessity, the dose
# review (29 CFR 2560.503-1(g)(1)(v)(B): the clinical reasoning is available free of charge).
_CLINICAL = ("ITDD-EI-", "ITDD-PA-02", "ITDD-MN-", "ITDD-IND-03", "ITDD-SAFE-01", "ITDD-FREQ-01")


def build_member(facts: Facts, plan: PlanConfig) -> Notice:
    words = notice_words(facts.policy.version)
    sections = [_decision_section(facts, words)]
    if facts.lines:
        sections.append(_services_section(facts, words))
    denied = facts.denied_lines()
    if denied:
        rules = _denial_rules(facts, denied)
        sections += [
            _why_section(facts, words, rules),
            _owe_section(facts, denied),
            *_rights_sections(facts, plan, rules),
        ]
    if facts.decision == "pend":
        sections.append(_waiting_section(facts, words))
    if facts.findings:
        sections.append(_findings_section(facts, words))
    sections.append(_help_section(plan))
    return Notice(
        title=f"{plan.plan_name}: about your claim",
        subtitle="This is not a bill.",
        fields=_header_fields(facts),
        sections=tuple(sections),
    )


def _header_fields(facts: Facts) -> Fields:
    claim = facts.claim
    provider = mapping(claim.get("provider"))
    rows = [
        ("Claim number", show(facts.record.get("claim_id"))),
        ("Date of care", _date(claim.get("service_date"))),
        ("Provider number", show(provider.get("rendering_npi"))),
    ]
    billed = facts.billed()
    if billed is not None:
        rows.append(("Amount billed", billed))
    rows.append(("Date of this letter", long_date(facts.processing_date)))
    return Fields(tuple(rows))


def _decision_section(facts: Facts, words: NoticeWords) -> Section:
    decision = facts.decision
    if decision == "ignore":
        text = (
            f'Our policy "{words.policy_name}" does not decide this claim. Your plan\'s other '
            "rules do. You will get a separate letter about it."
        )
    elif facts.internal_error:
        text = "We need more time for this claim. Our staff is checking it by hand."
    elif decision == "pend":
        text = "We have not decided this claim yet. Below we say what we are waiting for."
    elif decision == "approve" and facts.denied_lines():
        text = (
            "We approved part of this claim. We will not pay for some of the care. Below we "
            "say why."
        )
    elif decision == "approve":
        text = "We approved this claim. We will pay our share of the cost under your plan."
    else:
        text = "We will not pay for this claim. Below we say why and what you can do."
    blocks: list[Block] = [Para(p) for p in change_paragraphs(facts, "member")]
    blocks.append(Para(text))
    return Section("What we decided", tuple(blocks))


def _services_section(facts: Facts, words: NoticeWords) -> Section:
    items = []
    for decided in facts.lines:
        line = facts.claim_lines.get(decided.get("line_number"), {})
        outcome = _LINE_WORDS.get(str(decided.get("decision")), "not decided yet")
        charge = line.get("charge")
        cost = f" ({money(charge)})" if isinstance(charge, int | float) else ""
        items.append(
            f"{_service(line, facts, words)} on {_date(line.get('service_date'))}{cost}: {outcome}."
        )
    return Section("Your care on this claim", (Items(tuple(items)),))


def _why_section(facts: Facts, words: NoticeWords, rules: list[str]) -> Section:
    blocks: list[Block] = []
    for rule in rules:
        said = words.rule(rule)
        if said is not None:
            blocks.append(Para(said.summary))
    failed = [
        words.facts.get(name, name)
        for line in facts.denied_lines()
        for group, names in by_group(line.get("criteria_failed")).items()
        for name in names
    ]
    if failed:
        blocks.append(Para("The records did not show:"))
        blocks.append(Items(tuple(dict.fromkeys(failed))))
    provisions = [
        f'Section {said.section} of our policy "{words.policy_name}" (version '
        f"{facts.policy.version})."
        for rule in rules
        if (said := words.rule(rule)) is not None
    ]
    blocks.append(Para("The plan rule we used:"))
    blocks.append(Items(tuple(dict.fromkeys(provisions))))
    payable = [said.payable for rule in rules if (said := words.rule(rule)) is not None]
    blocks.append(Para("What would make this care payable:"))
    blocks.append(Items(tuple(dict.fromkeys(payable))))
    return Section("Why we did not pay", tuple(blocks))


def _owe_section(facts: Facts, denied: list[Mapping[str, Any]]) -> Section:
    """What the member owes, by the group code of the denied lines (CO, OA: the provider
    cannot bill the member; PR: the member may owe it)."""
    blocks: list[Block] = []
    groups = {str(line.get("group_code")) for line in denied}
    if groups & {"CO", "OA"}:
        blocks.append(
            Para(
                "You do not owe the amount we did not pay. Your provider may not bill you for "
                "it. If you get a bill for it, call us."
            )
        )
    patient = [line for line in denied if line.get("group_code") == "PR"]
    if patient:
        charges = [
            facts.claim_lines.get(line.get("line_number"), {}).get("charge") for line in patient
        ]
        amounts = [c for c in charges if isinstance(c, int | float) and not isinstance(c, bool)]
        owed = f" of {money(sum(amounts))}" if len(amounts) == len(charges) else ""
        blocks.append(
            Para(f"You may owe the amount{owed} we did not pay. Your provider may bill you for it.")
        )
        blocks += _coverage_paragraphs(facts, patient)
    return Section("What you owe", tuple(blocks))


def _coverage_paragraphs(facts: Facts, patient: list[Mapping[str, Any]]) -> list[Block]:
    eligibility = mapping(facts.context.get("eligibility"))
    carcs = {str(line.get("carc")) for line in patient}
    out: list[Block] = []
    if "27" in carcs:
        out.append(
            Para(f"Your coverage with us ended on {_date(eligibility.get('coverage_end'))}.")
        )
    if "26" in carcs:
        out.append(
            Para(f"Your coverage with us started on {_date(eligibility.get('coverage_start'))}.")
        )
    if "31" in carcs:
        out.append(Para("We could not find your coverage with us on the date of care."))
    return out


def _rights_sections(facts: Facts, plan: PlanConfig, rules: list[str]) -> list[Section]:
    appeals, review = plan.appeals, plan.external_review
    address = ", ".join(appeals.address)
    appeal = Section(
        "How to appeal",
        (
            Para(
                f"If you do not agree, you can ask us to look again. This is an appeal. You "
                f"must ask within {appeals.filing_days} days of getting this letter."
            ),
            Items(
                (
                    f"Write to: {address}. Or fax {appeals.fax}.",
                    f"Or call {appeals.phone}.",
                    "Tell us the claim number and why you do not agree. You can send "
                    "records, letters or notes from your doctor.",
                    "You can ask your provider or someone else to appeal for you.",
                )
            ),
            Para(f"We will answer within {appeals.decision_days} days of getting your appeal."),
            Para(
                "If waiting could harm your health, ask for a fast appeal. We will answer "
                f"within {appeals.urgent_decision_hours} hours."
            ),
        ),
    )
    outside = Section(
        "Outside review",
        (
            Para(
                "If we still say no after your appeal, you can ask for an outside review. A "
                "reviewer who does not work for us will decide. You must ask within "
                f"{review.filing_months} months of our answer to your appeal. If waiting could "
                "harm your health, you can ask for a fast outside review at the same time as "
                "your appeal."
            ),
        ),
    )
    law = "section 502(a) of the federal law called ERISA" if plan.erisa else "the law"
    court = Section(
        "Your right to go to court",
        (Para(f"After your appeal, you have the right to file a lawsuit under {law}."),),
    )
    free = [
        "You can ask us for free copies of the rule and the criteria we used, and of all "
        "papers about your claim.",
    ]
    if any(rule.startswith(_CLINICAL) for rule in rules):
        free.append(
            "This decision rests on a medical judgment. You can also ask for a free copy of "
            "the medical reasons we used."
        )
    free.append(
        "You can also ask for the codes for your health problems and your care on this "
        "claim, and what they mean."
    )
    copies = Section("Free copies you can ask for", tuple(Para(p) for p in free))
    return [appeal, outside, court, copies]


def _waiting_section(facts: Facts, words: NoticeWords) -> Section:
    pend = facts.pend
    if facts.internal_error:
        return Section(
            "What happens next",
            (
                Para(
                    "You do not need to do anything. We will send you a new letter when we decide."
                ),
            ),
        )
    # The facts in the order the plan lists them (the record sorts them by name).
    order = list(words.facts)
    names = sorted(
        (str(m) for m in as_list(pend.get("documentation_missing"))),
        key=lambda m: order.index(m) if m in order else len(order),
    )
    missing = [words.facts.get(name, name) for name in names]
    provider = show(mapping(facts.claim.get("provider")).get("rendering_npi"))
    blocks: list[Block] = []
    reasons = {str(r) for r in as_list(pend.get("reasons"))}
    if "documentation_requested" in reasons:
        due = long_date(facts.documentation_due)
        blocks += [
            Para(f"We asked your provider (number {provider}) for records. They need to show:"),
            Items(tuple(missing)),
            Para(f"The records must reach us by {due}."),
            Para(
                "What you can do: nothing is needed from you. You may ask your provider to "
                "send the records soon."
            ),
            Para(
                f"If they do not reach us by {due}, we will not pay for this care. You would "
                "not owe that amount. Your provider may not bill you for it."
            ),
        ]
    if "clinical_review_dose_outlier" in reasons:
        blocks.append(
            Para(
                "The dose of your medicine is above the amount we always check. A pharmacist "
                "or doctor who works for us is checking it. You do not need to do anything."
            )
        )
    if "prior_authorization_pending" in reasons:
        blocks.append(
            Para(
                "This care needs our approval before it is given. We have not decided on the "
                "approval yet. You do not need to do anything."
            )
        )
    if missing and "documentation_requested" not in reasons:
        blocks.append(Para("The reviewer may ask your provider for records that show:"))
        blocks.append(Items(tuple(missing)))
    blocks.append(Para("We will send you a new letter when we decide."))
    return Section("What we are waiting for", tuple(blocks))


def _findings_section(facts: Facts, words: NoticeWords) -> Section:
    """An E/I finding that did not decide payment, told calmly: what the drug is approved for,
    what is approved for the other problem, and that the decision did not change."""
    blocks: list[Block] = []
    for finding in facts.findings:
        group = str(finding.get("indication_group"))
        agent = show(finding.get("agent"))
        problem = words.groups.get(group, "another health problem")
        approved_for = [
            words.groups.get(g, g) for g in sorted(_label_groups(agent, facts)) if g != group
        ]
        others = [a for a in labeled_routes(group, facts.policy) if a != agent]
        text = [f"Your claim also lists {problem}."]
        if approved_for:
            text.append(f"{agent.capitalize()} is approved for {' and for '.join(approved_for)}.")
        text.append(f"It is not approved for {problem}, so the plan calls that use experimental.")
        if others:
            text.append(
                f"The drug given into the spine that is approved for {problem} is "
                f"{' or '.join(others)}."
            )
        text.append(
            f"This note did not change our decision. We looked at the {agent} for the health "
            "problem it is approved for."
        )
        blocks.append(Para(" ".join(text)))
    return Section("A note about your medicine", tuple(blocks))


def _help_section(plan: PlanConfig) -> Section:
    services, help_ = plan.member_services, plan.consumer_assistance
    blocks: list[Block] = [
        Para(
            f"Call Member Services at {services.phone} (TTY {services.tty}). We are open "
            f"{services.hours} We can help in your language, for free."
        ),
        Para(f"You can also call {help_.name} at {help_.phone}."),
    ]
    if plan.erisa:
        blocks.append(
            Para(
                "Or call the U.S. Department of Labor's Employee Benefits Security "
                f"Administration at {plan.ebsa_phone}."
            )
        )
    return Section("Where to get help", tuple(blocks))


# -------------------------------------------------------------------------------------------


def _denial_rules(facts: Facts, denied: list[Mapping[str, Any]]) -> list[str]:
    """The rules that denied the lines, in line order, each once."""
    rules: list[str] = []
    for line in denied:
        for rule in _line_denial_rules(facts, line):
            if rule not in rules:
                rules.append(rule)
    return rules


def _line_denial_rules(facts: Facts, line: Mapping[str, Any]) -> list[str]:
    if facts.gate is not None:
        return [facts.gate]
    carc, group = str(line.get("carc")), line.get("group_code")
    if carc == "50":
        # A catheter line carries its drug line's CO-50 (AGG-01) without the criteria.
        failed = [
            rule
            for denied in facts.denied_lines()
            for criteria_group, names in by_group(denied.get("criteria_failed")).items()
            for name in names
            if (rule := criterion_rule(criteria_group, name, facts.policy))
        ]
        if failed:
            return list(dict.fromkeys(failed))
        if "ITDD-SAFE-01" in facts.rule_ids:
            return ["ITDD-SAFE-01"]
    if carc == "226":
        return ["ITDD-DOC-01"]
    matches = [
        key.split("/", 1)[0]
        for key, outcome in facts.policy.outcomes.items()
        if outcome.carc == carc and outcome.group_code == group
    ]
    in_claim = [
        claimed
        for rule in matches
        for claimed in facts.rule_ids
        if claimed == rule or (rule == "ITDD-MN" and claimed.startswith("ITDD-MN-"))
    ]
    return list(dict.fromkeys(in_claim or matches[:1]))


def _label_groups(agent: str, facts: Facts) -> set[str]:
    return {
        group
        for product in facts.policy.drugs.products.values()
        if product.agent == agent and product.label is not None
        for group in product.label.groups
    }


def _service(line: Mapping[str, Any], facts: Facts, words: NoticeWords) -> str:
    code = line.get("procedure_code")
    drug = line.get("drug")
    if isinstance(drug, Mapping):
        ndc = drug.get("ndc")
        product = facts.policy.drugs.products.get(ndc) if isinstance(ndc, str) else None
        name = product.agent.capitalize() if product else "A drug"
        return f"{name} given through the tube"
    said = words.services.get(str(code))
    return said[0].upper() + said[1:] if said else f"Other care (code {show(code)})"


def _date(value: object) -> str:
    day = iso_date(value)
    return long_date(day) if day is not None else show(value)
