"""policy/engine.py across lines and rules: a gate's denial on every line kind (§6 last paragraph),
and line decisions and rule_ids in line_number order whatever the array order (§2.6, §8.2, §8.3)."""

from __future__ import annotations

from tests.unit.policy.claim_lines import DURAMORPH, MITIGO, catheter_line, drug_line
from tests.unit.policy.rulecases import (
    AGG,
    BASE,
    JW_COPY,
    PAIN_MN,
    REVERSED,
    Expect,
    Raw,
    add_line,
    all_of,
    check,
    claim_of,
    outcomes,
    run,
    setter,
)
from tests.unit.policy.verdicts import Gate, verify


def test_gate_denial_reaches_jw_and_other_lines() -> None:
    # "every line of the claim — 62327 lines, drug lines, JW lines and other lines alike —
    # receives the same denial"; findings are [] after a gate (§8.1).
    mutate = all_of(
        JW_COPY,
        add_line(procedure_code="62319"),
        setter("claim.place_of_service", "11"),
    )
    record = run(BASE, mutate)
    verify(record, Gate("ITDD-COD-02", "CO", "58", ("N428",)))
    assert [d["line_number"] for d in record["line_decisions"]] == [1, 2, 3, 4]


def test_gate_line_decisions_in_line_number_order() -> None:
    # §8.2: one entry per claim line, in ascending line_number, whatever the array order.
    record = run(BASE, all_of(JW_COPY, REVERSED, setter("claim.place_of_service", "11")))
    assert [d["line_number"] for d in record["line_decisions"]] == [1, 2, 3]


def test_gate_denial_covers_lines_out_of_order_with_jw_and_other_lines() -> None:
    # §6 last paragraph: "every line of the claim — 62327 lines, drug lines, JW lines and other
    # lines alike — receives the same denial"; §8.2 "in ascending line_number". DRUG-01 fires
    # for the day-2 62327 line whose only drug line is a JW line (§2.4: excluded in §5.4).
    lines = [
        drug_line(
            4,
            DURAMORPH,
            1.0,
            2,
            "intrathecal",
            "bolus",
            dos="2026-02-11",
            modifiers=["JW"],
            pointers=[1],
        ),
        catheter_line(3, "2026-02-11", [1]),
        {**catheter_line(5, "2026-02-11", [1]), "procedure_code": "77003"},
        drug_line(2, DURAMORPH, 1.0, 2, "intrathecal", "bolus", pointers=[1]),
        catheter_line(1, "2026-02-10", [1]),
    ]
    record = run("ITDD-TC-006", claim_of(["M96.1"], lines))
    check(record, Expect("deny", "16", ("N349",), ("ITDD-DRUG-01",), "CO", "F2"))
    assert [d["line_number"] for d in record["line_decisions"]] == [1, 2, 3, 4, 5]
    assert {(d["decision"], d["carc"], tuple(d["rarc"])) for d in record["line_decisions"]} == {
        ("deny", "16", ("N349",))
    }


def test_rule_ids_follow_line_number_not_array_order() -> None:
    # §2.6 / §8.3: lines in ascending line_number whatever their order in the array; each id
    # once (first occurrence); JW and other lines contribute the rule that decided them.
    def mutate(raw: Raw) -> None:
        raw["claim"]["lines"] = [
            drug_line(5, MITIGO, 0.1, 10, "intrathecal", "bolus"),
            drug_line(4, DURAMORPH, 1.0, 0.5, "intrathecal", "bolus"),
            {**catheter_line(3, "2026-02-10"), "procedure_code": "77003"},
            drug_line(2, DURAMORPH, 1.0, 0.5, "intrathecal", "bolus", modifiers=["JW"]),
            catheter_line(1, "2026-02-10"),
        ]

    record = run("ITDD-TC-006", mutate)
    check(
        record,
        Expect(
            "approve",
            rule_ids=("ITDD-SCOPE-03", "ITDD-BUN-01", *PAIN_MN, "ITDD-EI-02", *AGG),
        ),
    )
    assert [d["line_number"] for d in record["line_decisions"]] == [1, 2, 3, 4, 5]
    assert outcomes(record) == [
        (1, "approve", None),
        (2, "not_reviewed", None),
        (3, "deny", "97"),
        (4, "approve", None),
        (5, "deny", "55"),
    ]
