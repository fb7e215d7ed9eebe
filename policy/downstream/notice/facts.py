"""What both builders read from one (decision record, request) pair: the record checked against
its request and its policy version, the claim's lines by number, and the claim's life
(claim-lifecycle.md L.2: `supersedes`, `trigger`; L.1: when records were requested, the clinical
reviews).

Choices:

- Documentation deadline: counted from the snapshot's `documentation_requested_on` when the
  claim pended before (L.1: the date of the first pend), else from this record's
  `processing_date` (§1.5, §E.2), never from `decided_at`, which §8.1 lets differ between two
  runs of the same decision.
- A record without `trigger` (one decided before addendum L) is a first record.
- A record without `line_rule_ids` (one decided before the engine reported each line's rules)
  names no rule for its lines; the provider notice then refers them to the claim's rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from models.values import iso_date
from policy.catalog import CriteriaSet, PolicyData, UnknownPolicyVersion, load_policy
from policy.digest import input_digest
from policy.engine import AGGREGATION_RULE_IDS

_MAX_VALUE = 120  # characters of one input value shown; a notice is not a data dump
DECISIONS = ("approve", "deny", "pend", "ignore")


class NoticeError(ValueError):
    """The (record, request) pair cannot be explained: no record, another request, or a policy
    version that is not shipped."""


class Facts:
    """What the sections read: the record, the claim's lines by number, the rules that decided
    each line, the policy version."""

    def __init__(self, record: Mapping[str, Any], request: Mapping[str, Any]) -> None:
        decision = record.get("decision")
        if decision not in DECISIONS or not isinstance(record.get("rule_ids"), list):
            raise NoticeError("not a decision record (decision and rule_ids expected)")
        context = request.get("context")
        if record.get("input_digest") != input_digest(request.get("claim"), context):
            raise NoticeError(
                "the request is not the one this record decided (input_digest differs)"
            )
        try:
            self.policy: PolicyData = load_policy(str(record.get("policy_version")))
        except UnknownPolicyVersion as error:
            raise NoticeError(str(error)) from None
        self.record = record
        self.request = request
        self.claim = mapping(request.get("claim"))
        self.context = mapping(context)
        self.decision: str = str(decision)
        self.rule_ids: list[str] = [str(r) for r in record["rule_ids"]]
        self.lines: list[Mapping[str, Any]] = [
            mapping(line) for line in as_list(record.get("line_decisions"))
        ]
        self.line_rules: dict[int, list[str]] = {
            entry["line_number"]: [str(r) for r in as_list(entry.get("rule_ids"))]
            for entry in map(mapping, as_list(record.get("line_rule_ids")))
            if type(entry.get("line_number")) is int
        }
        self.findings = [mapping(f) for f in as_list(record.get("informational_findings"))]
        self.pend = mapping(record.get("pend"))
        self.claim_lines = {
            line["line_number"]: line
            for line in map(mapping, as_list(self.claim.get("lines")))
            if type(line.get("line_number")) is int
        }
        self.internal_error = "internal_error" in as_list(self.pend.get("reasons"))
        self.line_level = AGGREGATION_RULE_IDS[-1] in self.rule_ids
        # A gate denial lists exactly the gate (§8.3 case 1) and gives every line its denial.
        gated = self.lines and self.rule_ids and not self.line_level
        self.gate = self.rule_ids[0] if gated else None
        trigger = record.get("trigger")
        self.trigger = trigger if isinstance(trigger, str) else "claim_submitted"
        supersedes = record.get("supersedes")
        self.supersedes = supersedes if isinstance(supersedes, str) else None

    @property
    def processing_date(self) -> date | None:
        return iso_date(self.record.get("processing_date"))

    @property
    def requested_on(self) -> date | None:
        """When the plan asked for the records (L.1), else this record's business date."""
        first = iso_date(self.context.get("documentation_requested_on"))
        return first or self.processing_date

    @property
    def documentation_due(self) -> date | None:
        requested = self.requested_on
        days = self.policy.documentation_request_days
        return None if requested is None else requested + timedelta(days=days)

    def latest_review(self) -> Mapping[str, Any] | None:
        """The last clinical review of the snapshot (L.1), the one a review trigger added."""
        reviews = [mapping(r) for r in as_list(self.context.get("clinical_reviews"))]
        return reviews[-1] if reviews else None

    def denied_lines(self) -> list[Mapping[str, Any]]:
        return [line for line in self.lines if line.get("decision") == "deny"]

    def billed(self) -> str | None:
        """The claim's billed amount (the sum of its lines' charges), when every charge is a
        number."""
        charges = [line.get("charge") for line in self.claim_lines.values()]
        amounts = [c for c in charges if isinstance(c, int | float) and not isinstance(c, bool)]
        if not charges or len(amounts) != len(charges):
            return None
        return money(sum(amounts))


def money(amount: float) -> str:
    return f"${amount:,.2f}"


def mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def show(value: object) -> str:
    """An input value as one line of text: strings as written (control characters escaped),
    anything else as JSON; cut at a readable length."""
    if value is None:
        return "not given"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def adjustment(decided: Mapping[str, Any]) -> str:
    """`CO-50 / N661`: group code and CARC, then the RARCs."""
    code = f"{show(decided.get('group_code'))}-{show(decided.get('carc'))}"
    rarc = [show(r) for r in as_list(decided.get("rarc"))]
    return f"{code} / {', '.join(rarc)}" if rarc else code


def long_date(day: date | None) -> str:
    """`March 2, 2026`: how a member reads a date."""
    return "a date not given" if day is None else f"{day:%B} {day.day}, {day.year}"


def by_group(entries: object) -> dict[str, list[str]]:
    """§8.2 "GROUP:criterion" entries by group, in their recorded order."""
    out: dict[str, list[str]] = {}
    for entry in as_list(entries):
        group, _, name = str(entry).partition(":")
        out.setdefault(group, []).append(name)
    return out


def criterion_rule(group: str, name: str, policy: PolicyData) -> str | None:
    """The MN rule a "GROUP:criterion" entry belongs to (§8.2: MN-04/05 repeated per group)."""
    mn = policy.medical_necessity
    own = mn.group_rules.get(group)
    sets: list[CriteriaSet] = [*((own,) if own else ()), *mn.agent_rules, mn.all_agents_rule]
    for criteria_set in sets:
        if any(c.name == name for c in criteria_set.criteria):
            return criteria_set.rule
    return None


def labeled_routes(group: str, policy: PolicyData) -> dict[str, set[str]]:
    """Agents of the plan drug file labeled for the group, with their labeled routes."""
    routes: dict[str, set[str]] = {}
    for product in policy.drugs.products.values():
        if product.label is not None and group in product.label.groups:
            routes.setdefault(product.agent, set()).update(product.label.routes)
    return dict(sorted(routes.items()))
