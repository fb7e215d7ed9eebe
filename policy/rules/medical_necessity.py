"""§4.1 medical-necessity criteria, ITDD-MN-01 … MN-05, as the policy data lists them.

A criterion is `pass`, `fail` or `missing` (a fact that is null, absent or of the wrong type,
§2.3); a group fails when any criterion fails, is missing when none fails but one is missing,
and otherwise passes (§5.5 step 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from models.request import Documentation
from models.values import is_number
from policy.catalog import CriteriaSet, Criterion, Fact, PolicyData

Result = Literal["pass", "fail", "missing"]
_MISSING = object()


def fact_value(documentation: Documentation | None, name: str, fact: Fact) -> object:
    """The fact's value when it has the type of Appendix C, else the MISSING marker."""
    value = getattr(documentation, name, None) if documentation is not None else None
    kind = fact.type
    if kind == "integer":
        ok = type(value) is int
    elif kind == "boolean":
        ok = type(value) is bool
    elif kind == "enum":
        ok = type(value) is str and value in fact.values
    elif kind == "number":
        ok = is_number(value)
    else:
        ok = type(value) is str
    return value if ok else _MISSING


def typed_facts(documentation: Documentation | None, policy: PolicyData) -> dict[str, object]:
    """Every Appendix C fact, typed once per line evaluation (MISSING when of the wrong type)."""
    return {name: fact_value(documentation, name, fact) for name, fact in policy.facts.items()}


def _evaluate(criterion: Criterion, facts: dict[str, object]) -> Result | None:
    """One criterion; None when the spec says it is not evaluated for these facts."""
    value = facts[criterion.fact]
    condition = criterion.only_when
    if condition is not None:
        gate = facts[condition["fact"]]
        if gate is _MISSING or gate != condition["equals"]:
            return None
    if criterion.only_when_documented and value is _MISSING:
        return None
    if value is _MISSING:
        return "missing"
    if criterion.test == "documented":
        return "pass"
    if criterion.test == "equals":
        return (
            "pass" if value == criterion.value and type(value) is type(criterion.value) else "fail"
        )
    assert isinstance(value, int | float)
    return "pass" if value >= criterion.value else "fail"


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


_CRITERIA_SETS: dict[tuple[str, str, str], tuple[CriteriaSet, ...]] = {}


def criteria_sets(group: str, agent: str, policy: PolicyData) -> tuple[CriteriaSet, ...]:
    """The group's own criteria, then the agent's (MN-04), then every agent's (MN-05)."""
    key = (policy.label, group, agent)
    found = _CRITERIA_SETS.get(key)
    if found is None:
        rules = policy.medical_necessity
        sets = [rules.group_rules[group]] if group in rules.group_rules else []
        sets += [r for r in rules.agent_rules if agent in r.agents]
        sets.append(rules.all_agents_rule)
        found = _CRITERIA_SETS[key] = tuple(sets)
    return found


def evaluate_medical_necessity(
    covered: set[str], agent: str, documentation: Documentation | None, policy: PolicyData
) -> MedicalNecessity:
    verdicts: list[GroupVerdict] = []
    rule_ids: set[str] = set()
    facts = typed_facts(documentation, policy)
    for group in sorted(covered):
        verdict = GroupVerdict(group, "pass")
        for criteria_set in criteria_sets(group, agent, policy):
            rule_ids.add(criteria_set.rule)
            for criterion in criteria_set.criteria:
                result = _evaluate(criterion, facts)
                if result == "fail":
                    verdict.failed.append(criterion.name)
                elif result == "missing":
                    verdict.missing.append(criterion.name)
        if verdict.failed:
            verdict.result = "fail"
        elif verdict.missing:
            verdict.result = "missing"
        verdicts.append(verdict)
    return MedicalNecessity(verdicts, sorted(rule_ids))
