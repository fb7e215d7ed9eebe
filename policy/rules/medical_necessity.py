"""§4.1 medical-necessity criteria, ITDD-MN-01 … MN-05, as the policy data lists them.

A criterion is `pass`, `fail` or `missing` (a fact that is null, absent or of the wrong type,
§2.3); a group fails when any criterion fails, is missing when none fails but one is missing,
and otherwise passes (§5.5 step 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from models.request_data import DocumentationData
from models.values import number
from policy.catalog import Criterion, Fact, PolicyData

Result = Literal["pass", "fail", "missing"]
_MISSING = object()


class FactType:
    """An Appendix C fact type as a test: an exact Python type (a bool is not an integer) and,
    for an enum, its values; a number is any finite JSON number (§2.5)."""

    def __init__(self, fact: Fact) -> None:
        exact = {"integer": int, "boolean": bool, "enum": str, "string": str}
        self.exact: type | None = exact.get(fact.type)
        self.values: tuple[str, ...] = fact.values if fact.type == "enum" else ()


def _typed(documentation: DocumentationData | None, name: str, kind: FactType) -> object:
    """The fact's value when it has its Appendix C type, else the MISSING marker (§2.3).

    Typed where a criterion reads it, not all of Appendix C up front: a line's criteria read
    about half of the facts."""
    value = getattr(documentation, name, None) if documentation is not None else None
    exact = kind.exact
    if exact is None:
        return value if number(value) is not None else _MISSING
    if type(value) is not exact or (kind.values and value not in kind.values):
        return _MISSING
    return value


class Check:
    """One §4.1 criterion of one group, with its fields read out of the policy data once (a
    pydantic attribute read costs as much as the test itself)."""

    def __init__(self, criterion: Criterion, group: str, facts: dict[str, Fact]) -> None:
        self.name: str = criterion.name
        # What `criteria_failed` / `criteria_missing` list for it (§8.2).
        self.entry: str = f"{group}:{criterion.name}"
        self.fact: str = criterion.fact
        self.fact_type = FactType(facts[criterion.fact])
        self.test: str = criterion.test
        self.value: object = criterion.value
        condition = criterion.only_when
        # `only_when`: evaluated only when the fact `gate_fact` equals `gate_value`.
        self.gate_fact: str | None = None if condition is None else str(condition["fact"])
        self.gate_type = None if condition is None else FactType(facts[str(condition["fact"])])
        self.gate_value: object = None if condition is None else condition["equals"]
        self.only_when_documented: bool = criterion.only_when_documented


def _evaluate(check: Check, documentation: DocumentationData | None) -> Result | None:
    """One criterion; None when the spec says it is not evaluated for these facts."""
    if check.gate_fact is not None:
        assert check.gate_type is not None
        gate = _typed(documentation, check.gate_fact, check.gate_type)
        if gate is _MISSING or gate != check.gate_value:
            return None
    value = _typed(documentation, check.fact, check.fact_type)
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
class MedicalNecessity:
    """Step 8 over the covered groups: whether one passes, whether one misses facts, the
    criteria that failed or are missing ("group:criterion", by group), and the MN rule ids
    evaluated (§8.3)."""

    any_pass: bool
    any_missing: bool
    criteria_failed: list[str]
    criteria_missing: list[str]
    rule_ids: list[str]

    def __init__(self) -> None:
        self.any_pass = False
        self.any_missing = False
        self.criteria_failed = []
        self.criteria_missing = []
        self.rule_ids = []


@dataclass(init=False)
class GroupCriteria:
    """The rule ids and checks of one group for one agent: the group's own criteria, then the
    agent's (MN-04), then every agent's (MN-05)."""

    rule_ids: tuple[str, ...]
    checks: tuple[Check, ...]

    def __init__(self, rule_ids: tuple[str, ...], checks: tuple[Check, ...]) -> None:
        self.rule_ids = rule_ids
        self.checks = checks


_CRITERIA: dict[tuple[str, str, str], GroupCriteria] = {}


def criteria_of(group: str, agent: str, policy: PolicyData) -> GroupCriteria:
    key = (policy.label, group, agent)
    found = _CRITERIA.get(key)
    if found is None:
        rules = policy.medical_necessity
        sets = [rules.group_rules[group]] if group in rules.group_rules else []
        sets += [r for r in rules.agent_rules if agent in r.agents]
        sets.append(rules.all_agents_rule)
        found = _CRITERIA[key] = GroupCriteria(
            tuple(s.rule for s in sets),
            tuple(Check(c, group, policy.facts) for s in sets for c in s.criteria),
        )
    return found


def evaluate_medical_necessity(
    covered: set[str], agent: str, documentation: DocumentationData | None, policy: PolicyData
) -> MedicalNecessity:
    outcome = MedicalNecessity()
    rule_ids: set[str] = set()
    failed, missing = outcome.criteria_failed, outcome.criteria_missing
    for group in sorted(covered):
        criteria = criteria_of(group, agent, policy)
        rule_ids.update(criteria.rule_ids)
        group_failed = group_missing = False
        for check in criteria.checks:
            result = _evaluate(check, documentation)
            if result == "fail":
                failed.append(check.entry)
                group_failed = True
            elif result == "missing":
                missing.append(check.entry)
                group_missing = True
        if not group_failed:
            if group_missing:
                outcome.any_missing = True
            else:
                outcome.any_pass = True
    outcome.rule_ids = sorted(rule_ids)
    return outcome
