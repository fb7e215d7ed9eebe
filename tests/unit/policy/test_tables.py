"""PolicyTables hold the same values as the policy data they are read from, for every version."""

from __future__ import annotations

import pytest

from policy.catalog import available_versions, load_policy
from policy.tables import Syntax, tables_for


@pytest.mark.parametrize("version", available_versions())
def test_the_tables_are_the_policy_data(version: str) -> None:
    policy = load_policy(version)
    tables = tables_for(policy)
    validation, drugs = policy.validation, policy.drugs
    assert tables.label == policy.label
    assert (tables.trigger_procedure_code, tables.jw_modifier, tables.earliest_header_dos) == (
        policy.scope.trigger_procedure_code,
        policy.scope.jw_modifier,
        policy.scope.earliest_header_dos,
    )
    assert tables.ndc.pattern is validation.ndc
    assert [s.pattern for s in tables.other_procedure_codes] == list(
        validation.other_procedure_codes
    )
    assert tables.outcomes == policy.outcomes and tables.hcpcs == drugs.hcpcs
    for threshold in policy.safety_thresholds:
        assert tables.dose_limit(threshold.agent, threshold.route) is not None
    assert tables.dose_limit("morphine", 7) is None
    assert tables.product(next(iter(drugs.products))) is not None
    assert tables.product(66794016002) is None


def test_a_syntax_answers_as_its_pattern_and_remembers() -> None:
    syntax = Syntax(load_policy("1.0.0").validation.modifier)
    assert [syntax.matches(v) for v in ("JW", "jw", 7, "JW")] == [True, False, False, True]
    assert syntax.seen == {"JW": True, "jw": False}
