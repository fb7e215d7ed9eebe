"""§4.1 medical-necessity criteria, ITDD-MN-01 … MN-05, as the policy data lists them.

A criterion is `pass`, `fail` or `missing` (a fact that is null, absent or of the wrong type,
§2.3); a group fails when any criterion fails, is missing when none fails but one is missing,
and otherwise passes (§5.5 step 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from models.request_data import DocumentationData
from models.values import is_number
from policy.catalog import Criterion, PolicyData

Result = Literal["pass", "fail", "missing"]
_MISSING = object()


# Per policy version: (name, type, enum values) of every Appendix C fact, read once.
_FACTS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {}


def typed_facts(documentation: DocumentationData | None, policy: PolicyData) -> dict[str, object]:
    """Every Appendix C fact with its value when it has the type of Appendix C, else the MISSING
    marker; typed once per line evaluation."""
    facts = _FACTS.get(policy.label)
    if facts is None:
        facts = _FACTS[policy.label] = tuple(
            (name, fact.type, fact.values) for name, fact in policy.facts.items()
        )
    typed: dict[str, object] = {}
    for name, kind, values in facts:
        value = getattr(documentation, name, None) if documentation is not None else None
        if kind == "integer":
            ok = type(value) is int
        elif kind == "boolean":
            ok = type(value) is bool
        elif kind == "enum":
            ok = type(value) is str and value in values
        elif kind == "number":
            ok = is_number(value)
        else:
            ok = type(value) is str
        typed[name] = value if ok else _MISSING
    return typed


class Check:
    """One §4.1 criterion with its fields read out of the policy data once (a pydantic
    attribute read costs as much as the test itself)."""

    def __init__(self, criterion: Criterion) -> None:
        self.name: str = criterion.name
        self.fact: str = criterion.fact
        self.test: str = criterion.test
        self.value: object = criterion.value
        condition = criterion.only_when
        # `only_when`: evaluated only when the fact `gate_fact` equals `gate_value`.
        self.gate_fact: str | None = None if condition is None else str(condition["fact"])
        self.gate_value: object = None if condition is None else condition["equals"]
        self.only_when_documented: bool = criterion.only_when_documented


def _evaluate(check: Check, facts: dict[str, object]) -> Result | None:
    """One criterion; None when the spec says it is not evaluated for these facts."""
    value = facts[check.fact]
    if check.gate_fact is not None:
        gate = facts[check.gate_fact]
        if gate is _MISSING or gate != check.gate_value:
            return None
    if value is _MISSING:
        return None if check.only_when_documented else "missing"
    test = check.test
    if test == "documented":
        return "pass"
    expected = check.value
    if test == "equals":
        return "pass" if value == expected and type(value) is type(expected) else "fail"
    assert isinstance(value, (int, float)) and isinstance(expected, (int, float))
    return "pass" if value >= expected else "fail"


@dataclass(init=False)  # a hand-written __init__ is compiled (policy/rules/outcome.py)
class GroupVerdict:
    group: str
    result: Result
    failed: list[str]
    missing: list[str]

    def __init__(self, group: str, result: Result) -> None:
        self.group = group
        self.result = result
        self.failed = []
        self.missing = []


@dataclass(init=False)
class MedicalNecessity:
    """Step 8 over the covered groups: verdicts, and the MN rule ids evaluated (§8.3)."""

    verdicts: list[GroupVerdict]
    rule_ids: list[str]

    def __init__(self, verdicts: list[GroupVerdict], rule_ids: list[str]) -> None:
        self.verdicts = verdicts
        self.rule_ids = rule_ids

    @property
    def any_pass(self) -> bool:
        return any(v.result == "pass" for v in self.verdicts)

    @property
    def any_missing(self) -> bool:
        return any(v.result == "missing" for v in self.verdicts)

    @property
    def criteria_failed(self) -> list[str]:
        return [f"{v.group}:{name}" for v in self.verdicts for name in v.failed]

    @property
    def criteria_missing(self) -> list[str]:
        return [f"{v.group}:{name}" for v in self.verdicts for name in v.missing]


_CRITERIA_SETS: dict[tuple[str, str, str], tuple[tuple[str, tuple[Check, ...]], ...]] = {}


def criteria_sets(
    group: str, agent: str, policy: PolicyData
) -> tuple[tuple[str, tuple[Check, ...]], ...]:
    """(rule id, checks) of the group's own criteria, then the agent's (MN-04), then every
    agent's (MN-05)."""
    key = (policy.label, group, agent)
    found = _CRITERIA_SETS.get(key)
    if found is None:
        rules = policy.medical_necessity
        sets = [rules.group_rules[group]] if group in rules.group_rules else []
        sets += [r for r in rules.agent_rules if agent in r.agents]
        sets.append(rules.all_agents_rule)
        found = _CRITERIA_SETS[key] = tuple(
            (s.rule, tuple(Check(c) for c in s.criteria)) for s in sets
        )
    return found


def evaluate_medical_necessity(
    covered: set[str], agent: str, documentation: DocumentationData | None, policy: PolicyData
) -> MedicalNecessity:
    verdicts: list[GroupVerdict] = []
    rule_ids: set[str] = set()
    facts = typed_facts(documentation, policy)
    for group in sorted(covered):
        verdict = GroupVerdict(group, "pass")
        for rule, checks in criteria_sets(group, agent, policy):
            rule_ids.add(rule)
            for check in checks:
                result = _evaluate(check, facts)
                if result == "fail":
                    verdict.failed.append(check.name)
                elif result == "missing":
                    verdict.missing.append(check.name)
        if verdict.failed:
            verdict.result = "fail"
        elif verdict.missing:
            verdict.result = "missing"
        verdicts.append(verdict)
    return MedicalNecessity(verdicts, sorted(rule_ids))
