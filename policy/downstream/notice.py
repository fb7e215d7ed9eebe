"""The plain-language decision notice: what was decided for each line and why, in the plan's words.

The member and the provider read the decision here, not in rule ids and X12 codes alone. Both
renderings (`notice_text`, `notice_html`) are pure functions of (decision record, request): no
I/O, no clock, the same output for the same input. They build one document and differ only in
how they write it, so the two formats can never tell different stories.

The plan's wording is versioned policy data (`plan_language` of `policy/data/itdd-*.json`),
read for the version that decided the record: an old record's notice quotes the text in force
when it was decided.

Choices:

- Documentation deadline: DOC-01 (§5.5 step 10) requests the facts when the claim pends, and the
  decision's business date is `processing_date` (§1.5, §E.2). The notice counts the policy's
  `documentation_request_days` (45 calendar days) from `processing_date`, never from
  `decided_at`, which §8.1 lets differ between two runs of the same decision.
- Member identification: the member id only. The claim carries no name; the date of birth and
  sex serve to match the member, not to inform them, and are left out. Diagnosis codes are not
  listed either: an indication is named by the plan's meaning of its group (§2.3).
- `ignore`: the notice says plainly that the claim is outside this policy, quotes the scope rule
  and says that standard adjudication handles it; there are no line decisions.
- `internal_error` pend: the notice says the claim is being reviewed by the plan and nothing is
  needed now; the error class and message are for the operators and are not shown.
- Which rules decided a line: the record lists the claim's rules (§8.3), not each line's. The
  notice re-runs the engine's own line rules on the request under the record's version (pure
  and deterministic) and uses a line's rules only where they reproduce that line's recorded
  decision; otherwise the line refers to the claim's rules, which are always quoted. The input
  digest proves that the request is the one the record decided.
"""

from __future__ import annotations

import html
import json
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from models.request import StructureError, parse_request
from models.values import iso_date
from policy.catalog import CriteriaSet, PolicyData, UnknownPolicyVersion, load_policy
from policy.claim_view import ClaimView
from policy.digest import input_digest
from policy.engine import AGGREGATION_RULE_IDS
from policy.record import line_decision
from policy.rules.aggregation import agg_01_catheter_line
from policy.rules.drug_lines import decide_drug_line
from policy.rules.other_lines import decide_jw_line, decide_other_line
from policy.rules.outcome import LineResult

WIDTH = 78
_MAX_VALUE = 120  # characters of one input value shown; a notice is not a data dump

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
_CSS = (
    "body{font-family:sans-serif;max-width:48em;margin:2em auto;padding:0 1em;line-height:1.4}"
    "blockquote{border-left:3px solid #888;margin:.5em 0 .5em 1em;padding-left:1em}"
    "dt{font-weight:bold;float:left;clear:left;width:13em}dd{margin:0 0 .2em 14em}"
    "h2{border-bottom:1px solid #888}"
)


class NoticeError(ValueError):
    """The (record, request) pair cannot be explained: no record, another request, or a policy
    version that is not shipped."""


def notice_text(record: Mapping[str, Any], request: Mapping[str, Any]) -> str:
    """The notice as plain text, lines of at most 78 characters (wider only where a single
    word is longer)."""
    return _write_text(_build(record, request))


def notice_html(record: Mapping[str, Any], request: Mapping[str, Any]) -> str:
    """The notice as one self-contained HTML document: no script, no external resource, every
    value from the input escaped."""
    return _write_html(_build(record, request))


# -------------------------------------------------------------------------------------------
# The document both renderings write
# -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Para:
    text: str


@dataclass(frozen=True, slots=True)
class Items:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Fields:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Quote:
    """A rule's own words, with its criteria rows (MN rules) under it."""

    label: str
    text: str
    rows: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Part:
    """A titled part of a section: one line, one finding."""

    heading: str
    blocks: tuple[Para | Items | Fields | Quote, ...]


Block = Para | Items | Fields | Quote | Part


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Notice:
    title: str
    subtitle: str
    fields: Fields
    sections: tuple[Section, ...]


def _build(record: Mapping[str, Any], request: Mapping[str, Any]) -> Notice:
    decision = record.get("decision")
    if decision not in _HEADLINE or not isinstance(record.get("rule_ids"), list):
        raise NoticeError("not a decision record (decision and rule_ids expected)")
    claim = _mapping(request.get("claim"))
    context = request.get("context")
    if record.get("input_digest") != input_digest(request.get("claim"), context):
        raise NoticeError("the request is not the one this record decided (input_digest differs)")
    try:
        policy = load_policy(str(record.get("policy_version")))
    except UnknownPolicyVersion as error:
        raise NoticeError(str(error)) from None
    facts = _Facts(record, request, claim, policy)
    sections = [_decision_section(facts)]
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


class _Facts:
    """What the sections read: the record, the claim's lines by number, the policy version."""

    def __init__(
        self,
        record: Mapping[str, Any],
        request: Mapping[str, Any],
        claim: Mapping[str, Any],
        policy: PolicyData,
    ) -> None:
        self.record = record
        self.claim = claim
        self.policy = policy
        self.decision: str = record["decision"]
        self.rule_ids: list[str] = [str(r) for r in record["rule_ids"]]
        self.lines: list[Mapping[str, Any]] = [
            _mapping(line) for line in _list(record.get("line_decisions"))
        ]
        self.findings = [_mapping(f) for f in _list(record.get("informational_findings"))]
        self.pend = _mapping(record.get("pend"))
        self.claim_lines = {
            line["line_number"]: line
            for line in map(_mapping, _list(claim.get("lines")))
            if type(line.get("line_number")) is int
        }
        self.internal_error = "internal_error" in _list(self.pend.get("reasons"))
        self.line_level = AGGREGATION_RULE_IDS[-1] in self.rule_ids
        # A gate denial lists exactly the gate (§8.3 case 1) and gives every line its denial.
        gated = self.lines and self.rule_ids and not self.line_level
        self.gate = self.rule_ids[0] if gated else None
        self.line_rules = _line_rules(request, policy, self.lines) if self.line_level else {}


# -------------------------------------------------------------------------------------------
# Sections
# -------------------------------------------------------------------------------------------


def _header_fields(facts: _Facts) -> Fields:
    claim, record = facts.claim, facts.record
    member = _mapping(claim.get("member"))
    provider = _mapping(claim.get("provider"))
    rows = [
        ("Claim", _show(record.get("claim_id"))),
        ("Member ID", _show(member.get("member_id"))),
        ("Rendering provider NPI", _show(provider.get("rendering_npi"))),
        ("Date of service", _show(claim.get("service_date"))),
        ("Decision date", _show(record.get("processing_date"))),
    ]
    if record.get("decision_id") is not None:
        rows.append(("Decision reference", _show(record.get("decision_id"))))
    return Fields(tuple(rows))


def _decision_section(facts: _Facts) -> Section:
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
        reasons = [_PEND_REASON.get(str(r), str(r)) for r in _list(facts.pend.get("reasons"))]
        waiting = (
            "we need records from the provider"
            if status == "P3"
            else "the plan's reviewers must look at it first"
        )
        blocks.append(
            Para(
                f"We cannot decide this claim yet: {waiting} (claim status {_show(status)}). "
                f"Why: {'; and '.join(reasons)}."
            )
        )
    elif decision == "approve":
        text = f"We approved this claim{status_words}."
        if record.get("partial") is True:
            text += " Some lines were denied; each line's decision and reason are below."
        blocks.append(Para(text))
    else:
        text = f"We denied this claim{status_words}: {_adjustment(record)}."
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


def _lines_section(facts: _Facts) -> Section:
    blocks: list[Block] = []
    mn_rules = set(facts.policy.plan_language.criteria)
    for decided in facts.lines:
        number = decided.get("line_number")
        line = facts.claim_lines.get(number, {})
        outcome = str(decided.get("decision"))
        rules = facts.line_rules.get(number) if isinstance(number, int) else None
        if facts.gate is not None:
            rules = [facts.gate]
        rows = [("Decision", _line_outcome(outcome, rules))]
        if outcome == "deny":
            rows.append(("Adjustment", _adjustment(decided)))
        rows.append(("Rules applied", ", ".join(rules) if rules else "the claim's, quoted below"))
        parts: list[Para | Items | Fields | Quote] = [Fields(tuple(rows))]
        if facts.line_level and _is_catheter(line, facts.policy):
            parts.append(Para(_catheter_sentence(line, facts)))
        if outcome == "approve" and rules and any(r in mn_rules for r in rules):
            parts.append(Para("The records show that the plan's criteria are met (quoted below)."))
        parts.extend(_criteria_blocks(decided, facts.policy))
        if rules and "ITDD-SAFE-01" in rules:
            parts.extend(_threshold_blocks(line, facts.policy))
        heading = f"Line {_show(number)}: {_describe_line(line, facts.policy)}"
        blocks.append(Part(heading, tuple(parts)))
    return Section("What we decided for each line", tuple(blocks))


def _waiting_section(facts: _Facts) -> Section:
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
    missing = [str(m) for m in _list(pend.get("documentation_missing"))]
    blocks: list[Block] = []
    followup = _show(pend.get("followup"))
    if pend.get("status_category") == "P3":
        blocks.append(Para("The provider is asked to send records that show:"))
        blocks.append(Items(tuple(_documentation_item(m, facts) for m in missing)))
        days = policy.documentation_request_days
        processed = iso_date(facts.record.get("processing_date"))
        if processed is not None:
            due = (processed + timedelta(days=days)).isoformat()
            blocks.append(
                Para(
                    f"They must arrive by {due}: {days} calendar days after the decision date, "
                    f"{processed.isoformat()} (ITDD-DOC-01, quoted below)."
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


def _findings_section(facts: _Facts) -> Section:
    policy = facts.policy
    language = policy.plan_language
    blocks: list[Block] = [
        Para("These findings are recorded with the decision; they did not decide payment.")
    ]
    for finding in facts.findings:
        group = str(finding.get("indication_group"))
        agent = _show(finding.get("agent"))
        labeled = _labeled_agents(group, policy)
        rule = _show(finding.get("rule"))
        fields = Fields(
            (
                ("Finding", f"experimental/investigational ({rule})"),
                ("Note", _show(finding.get("note"))),
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
        heading = f"Line {_show(finding.get('line_number'))}: {agent} for {_group(group, policy)}"
        blocks.append(Part(heading, (fields, words)))
    blocks.append(
        Quote("Experimental or investigational (§2.1)", language.experimental_investigational)
    )
    blocks.append(Quote("Labeled agents (§4.1)", language.labeled_agents))
    return Section("Other findings", tuple(blocks))


def _plan_section(facts: _Facts) -> Section:
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


def _about_section(facts: _Facts) -> Section:
    record = facts.record
    versions = _mapping(record.get("reference_versions"))
    return Section(
        "About this notice",
        (
            Para(
                f"This notice explains the decision record of claim {_show(record.get('claim_id'))}"
                f" made under {facts.policy.label} (drug file {_show(versions.get('drug_file'))}, "
                f"ICD-10-CM {_show(versions.get('icd10cm'))}). The rule ids and the adjustment "
                "codes (group code, CARC / RARC) are those the provider receives on the X12 "
                "remittance or claim status."
            ),
            Fields((("Input digest", _show(record.get("input_digest"))),)),
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


def _adjustment(decided: Mapping[str, Any]) -> str:
    code = f"{_show(decided.get('group_code'))}-{_show(decided.get('carc'))}"
    rarc = [_show(r) for r in _list(decided.get("rarc"))]
    return f"{code} / {', '.join(rarc)}" if rarc else code


def _describe_line(line: Mapping[str, Any], policy: PolicyData) -> str:
    """Code, date and, for a drug line, the product and how it was given."""
    code = _show(line.get("procedure_code"))
    dos = _show(line.get("service_date"))
    drug = line.get("drug")
    if not isinstance(drug, Mapping):
        return f"procedure {code}, date of service {dos}"
    ndc = drug.get("ndc")
    product = policy.drugs.products.get(ndc) if isinstance(ndc, str) else None
    name = f"{product.agent} ({product.product})" if product else f"NDC {_show(ndc)}"
    amount = (
        f"{_show(drug.get('concentration_mg_per_ml'))} mg/mL × {_show(drug.get('volume_ml'))} mL"
    )
    given = f"{_show(drug.get('route'))}, {_show(drug.get('delivery_mode'))}"
    return f"drug {code}, {name}, {amount}, {given}, date of service {dos}"


def _is_catheter(line: Mapping[str, Any], policy: PolicyData) -> bool:
    return line.get("procedure_code") == policy.scope.trigger_procedure_code


def _catheter_sentence(line: Mapping[str, Any], facts: _Facts) -> str:
    jw = facts.policy.scope.jw_modifier
    drug_lines = [
        str(number)
        for number, other in sorted(facts.claim_lines.items())
        if isinstance(other.get("drug"), Mapping)
        and jw not in _list(other.get("modifiers"))
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
    failed = _by_group(decided.get("criteria_failed"))
    for group, names in failed.items():
        blocks.append(Para(f"Criteria not met, for {_group(group, policy)}:"))
        blocks.append(Items(tuple(_criterion_item(group, n, policy) for n in names)))
    for group, names in _by_group(decided.get("criteria_missing")).items():
        rules = sorted({r for n in names if (r := _criterion_rule(group, n, policy))})
        blocks.append(
            Para(
                f"The records do not show these criteria ({', '.join(rules)}), for "
                f"{_group(group, policy)}: {', '.join(names)}."
            )
        )
    return blocks


def _by_group(entries: object) -> dict[str, list[str]]:
    """§8.2 "GROUP:criterion" entries by group, in their recorded order."""
    out: dict[str, list[str]] = {}
    for entry in _list(entries):
        group, _, name = str(entry).partition(":")
        out.setdefault(group, []).append(name)
    return out


def _criterion_item(group: str, name: str, policy: PolicyData) -> str:
    rule = _criterion_rule(group, name, policy)
    cell = policy.plan_language.criteria.get(rule or "", {}).get(name)
    return f"{name} ({rule}): {cell}" if rule and cell else name


def _criterion_rule(group: str, name: str, policy: PolicyData) -> str | None:
    """The MN rule a "GROUP:criterion" entry belongs to (§8.2: MN-04/05 repeated per group)."""
    mn = policy.medical_necessity
    own = mn.group_rules.get(group)
    sets: list[CriteriaSet] = [*((own,) if own else ()), *mn.agent_rules, mn.all_agents_rule]
    for criteria_set in sets:
        if any(c.name == name for c in criteria_set.criteria):
            return criteria_set.rule
    return None


def _documentation_item(name: str, facts: _Facts) -> str:
    """A missing fact with what the plan requires of it, from the pending lines' criteria."""
    cells: list[str] = []
    for decided in facts.lines:
        for entry in _list(decided.get("criteria_missing")):
            group, _, criterion = str(entry).partition(":")
            if criterion != name:
                continue
            item = _criterion_item(group, name, facts.policy)
            if item not in cells:
                cells.append(item)
    return "; ".join(cells) if cells else name


def _threshold_blocks(line: Mapping[str, Any], policy: PolicyData) -> list[Para]:
    drug = _mapping(line.get("drug"))
    ndc = drug.get("ndc")
    product = policy.drugs.products.get(ndc) if isinstance(ndc, str) else None
    for threshold in policy.safety_thresholds:
        if product and threshold.agent == product.agent and threshold.route == drug.get("route"):
            return [
                Para(
                    f"The plan reviews more than {_show(threshold.max_mg_per_dos)} mg of "
                    f"{threshold.agent}, {threshold.route}, on one date of service (all lines "
                    "of that date together)."
                )
            ]
    return []


def _labeled_agents(group: str, policy: PolicyData) -> list[str]:
    """Agents of the plan drug file labeled for the group, with their labeled routes."""
    routes: dict[str, set[str]] = {}
    for product in policy.drugs.products.values():
        if product.label is not None and group in product.label.groups:
            routes.setdefault(product.agent, set()).update(product.label.routes)
    return [f"{agent}, {' or '.join(sorted(r))}" for agent, r in sorted(routes.items())]


def _group(group: str, policy: PolicyData) -> str:
    meaning = policy.plan_language.indication_groups.get(group)
    return f'"{meaning}" ({group})' if meaning else _show(group)


def _line_rules(
    request: Mapping[str, Any], policy: PolicyData, decided: list[Mapping[str, Any]]
) -> dict[int, list[str]]:
    """Each line's §8.3 contribution, from the engine's own line rules re-run on the request;
    a line whose re-run does not give its recorded decision is left out."""
    try:
        results = _rerun_lines(request, policy)
    except Exception:  # the engine's own defects become internal_error records; explain none
        return {}
    out: dict[int, list[str]] = {}
    for entry in decided:
        number = entry.get("line_number")
        if not isinstance(number, int) or number not in results:
            continue
        result, rules = results[number]
        if line_decision(result).to_dict() == dict(entry):
            out[number] = rules
    return out


def _rerun_lines(
    request: Mapping[str, Any], policy: PolicyData
) -> dict[int, tuple[LineResult, list[str]]]:
    """§5.5 and AGG-01 for every line, as `policy.engine` runs them once the gates passed."""
    try:
        parsed = parse_request(dict(request))
    except StructureError:
        return {}
    processing = iso_date(parsed.context.processing_date)
    header = iso_date(parsed.claim.service_date)
    if processing is None or header is None:
        return {}
    view = ClaimView(parsed, policy, processing, header)
    for line in view.lines:
        dos = iso_date(line.service_date)
        if dos is None:
            return {}
        view.line_dos[line.line_number] = dos
    view.enrich_diagnoses()
    drug = {line.line_number: decide_drug_line(view, line) for line in view.drug_lines}
    out = {number: (result, list(result.rule_ids)) for number, result in drug.items()}
    for line in view.catheter_lines:
        result = agg_01_catheter_line(view, line, drug)
        out[line.line_number] = (result, [AGGREGATION_RULE_IDS[0]])
    for line in view.jw_lines:
        result = decide_jw_line(line)
        out[line.line_number] = (result, list(result.rule_ids))
    for line in view.other_lines:
        result = decide_other_line(view, line)
        out[line.line_number] = (result, list(result.rule_ids))
    return out


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _show(value: object) -> str:
    """An input value as one line of text: strings as written (control characters escaped),
    anything else as JSON; cut at a readable length."""
    if value is None:
        return "not given"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


# -------------------------------------------------------------------------------------------
# Writers
# -------------------------------------------------------------------------------------------


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def _write_text(notice: Notice) -> str:
    out = [notice.title.upper(), *_wrap(notice.subtitle), "=" * WIDTH, ""]
    out += _text_fields(notice.fields, "")
    for section in notice.sections:
        out += ["", section.title.upper(), "-" * WIDTH]
        out += _text_blocks(section.blocks, "")
    return "\n".join(out) + "\n"


def _text_blocks(blocks: Sequence[Block], indent: str) -> list[str]:
    """Blocks one blank line apart; a list stays with the paragraph that introduces it."""
    out: list[str] = []
    for n, block in enumerate(blocks):
        if n and not isinstance(block, Items):
            out.append("")
        out += _text_block(block, indent)
    return out


def _text_block(block: Block, indent: str) -> list[str]:
    if isinstance(block, Para):
        return _wrap(block.text, indent)
    if isinstance(block, Items):
        inner = indent + "    "
        return [line for item in block.items for line in _wrap(item, inner, indent + "  - ")]
    if isinstance(block, Fields):
        return _text_fields(block, indent)
    if isinstance(block, Part):
        return [*_wrap(block.heading, indent), *_text_blocks(block.blocks, indent + "  ")]
    lines = [*_wrap(block.label, indent), *_wrap(f'"{block.text}"', indent + "  ")]
    for row in block.rows:
        lines += _wrap(row, indent + "    ", indent + "  - ")
    return lines


def _text_fields(fields: Fields, indent: str) -> list[str]:
    width = max(len(name) for name, _ in fields.rows) + 2
    lines: list[str] = []
    for name, value in fields.rows:
        lead = f"{indent}{name}:".ljust(len(indent) + width)
        lines += _wrap(value, " " * len(lead), lead)
    return lines


def _write_html(notice: Notice) -> str:
    e = _escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{e(notice.title)}: {e(notice.fields.rows[0][1])}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(notice.title)}</h1>",
        f"<p>{e(notice.subtitle)}</p>",
        *_html_fields(notice.fields),
    ]
    for section in notice.sections:
        out += ["<section>", f"<h2>{e(section.title)}</h2>"]
        for block in section.blocks:
            out += _html_block(block)
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _html_block(block: Block) -> list[str]:
    e = _escape
    if isinstance(block, Para):
        return [f"<p>{e(block.text)}</p>"]
    if isinstance(block, Items):
        return ["<ul>", *(f"<li>{e(item)}</li>" for item in block.items), "</ul>"]
    if isinstance(block, Fields):
        return _html_fields(block)
    if isinstance(block, Part):
        inner = [line for child in block.blocks for line in _html_block(child)]
        return ["<article>", f"<h3>{e(block.heading)}</h3>", *inner, "</article>"]
    lines = [f"<h4>{e(block.label)}</h4>", f"<blockquote><p>{e(block.text)}</p>"]
    if block.rows:
        lines += ["<ul>", *(f"<li>{e(row)}</li>" for row in block.rows), "</ul>"]
    lines.append("</blockquote>")
    return lines


def _html_fields(fields: Fields) -> list[str]:
    e = _escape
    rows = [f"<dt>{e(name)}</dt><dd>{e(value)}</dd>" for name, value in fields.rows]
    return ["<dl>", *rows, "</dl>"]


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
