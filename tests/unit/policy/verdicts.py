"""What a probe expects of a whole record: a gate fired, the claim ignored, or decided past the
gates (§6, §8.1–§8.3), and the record's outcome as one comparable tuple."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.unit.policy.rulecases import (
    AGG,
    BASE,
    PAIN_MN,
    SPAS_MN,
    Expect,
    Mutation,
    Raw,
    check,
    run,
)

APPROVED = (*PAIN_MN, *AGG)


@dataclass(frozen=True)
class Gate:
    """A claim-level gate fired: one rule id, the claim and every line carry its denial."""

    rule_id: str
    group_code: str
    carc: str
    rarc: tuple[str, ...] = ()
    category: str = "F2"


@dataclass(frozen=True)
class Ignored:
    """SCOPE-01/02/04: disposition `ignore`, only the scope rule, no line decisions."""

    rule_id: str


@dataclass(frozen=True)
class Decided:
    """Evaluation went past the gates (§8.3 case 2)."""

    decision: str
    carc: str | None = None
    rarc: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = APPROVED
    partial: bool = False


Expectation = Gate | Ignored | Decided
# (id, base case, mutation, expectation)
Probe = tuple[str, str, Mutation, Expectation]
# (rule id, title, mutation of TC-006, the gate's denial)
GateCase = tuple[str, str, Mutation, Expect]


def verify(record: Raw, expect: Expectation) -> None:
    got = (
        record["decision"],
        record["carc"],
        tuple(record["rarc"]),
        tuple(record["rule_ids"]),
    )
    if isinstance(expect, Gate):
        assert got == ("deny", expect.carc, expect.rarc, (expect.rule_id,))
        assert record["group_code"] == expect.group_code
        assert record["claim_status_category"] == expect.category
        assert record["x12_835_clp02"] == ("4" if expect.rule_id == "ITDD-ELIG-01" else "1")
        assert record["partial"] is False and record["pend"] is None
        assert record["informational_findings"] == []
        assert {
            (d["decision"], d["group_code"], d["carc"], tuple(d["rarc"]))
            for d in record["line_decisions"]
        } == {("deny", expect.group_code, expect.carc, expect.rarc)}
    elif isinstance(expect, Ignored):
        assert got == ("ignore", None, (), (expect.rule_id,))
        assert record["line_decisions"] == []
        assert record["claim_status_category"] is None and record["x12_835_clp02"] is None
    else:
        assert got == (expect.decision, expect.carc, expect.rarc, expect.rule_ids)
        assert record["partial"] is expect.partial


def structural(rule: str, rarc: str, category: str = "A7") -> Gate:
    """§5.1: structural denials carry MA130 first, then the specific RARC."""
    return Gate(rule, "CO", "16", ("MA130", rarc) if rarc else ("MA130",), category)


def probe_params(probes: list[Probe]) -> list[Any]:
    return [pytest.param(base, mutate, expect, id=name) for name, base, mutate, expect in probes]


def gate_params(cases: list[GateCase]) -> list[Any]:
    return [
        pytest.param(rule, mutate, expect, id=f"{rule}: {title}")
        for rule, title, mutate, expect in cases
    ]


def check_gate_case(rule_id: str, mutation: Mutation, expect: Expect) -> None:
    """One mutation of TC-006 trips exactly one gate, and a gate denial gives every line the
    same denial and lists only the gate (§6, §8.3)."""
    record = run(BASE, mutation)
    check(
        record,
        Expect(
            expect.decision,
            expect.carc,
            expect.rarc,
            (rule_id,),
            expect.group_code,
            expect.category or "F2",
        ),
    )
    assert record["x12_835_clp02"] == ("4" if rule_id == "ITDD-ELIG-01" else "1")
    assert {(d["decision"], d["carc"], tuple(d["rarc"])) for d in record["line_decisions"]} == {
        ("deny", expect.carc, expect.rarc)
    }
    assert record["informational_findings"] == []


# --- the record as (decision, CARC, RARCs, rule_ids) -----------------------------------------


def claim_outcome(record: Raw) -> tuple[Any, ...]:
    return (record["decision"], record["carc"], record["rarc"], record["rule_ids"])


APPROVE_NC: tuple[Any, ...] = ("approve", None, [], [*PAIN_MN, *AGG])
APPROVE_SP: tuple[Any, ...] = ("approve", None, [], [*SPAS_MN, *AGG])
N657 = ("deny", "16", ["N657"], ["ITDD-DRUG-02"])
