"""policy/rules/scope.py: the §1 scope rules ITDD-SCOPE-01, SCOPE-02 and SCOPE-04 (disposition
`ignore`), each probed on its own and where it runs among the gates of §5."""

from __future__ import annotations

import pytest

from tests.unit.policy.claim_lines import DURAMORPH, catheter_line, drug_line
from tests.unit.policy.rulecases import (
    AGG,
    BASE,
    REVERSED,
    SECOND_DAY,
    Expect,
    Mutation,
    all_dates,
    all_of,
    check,
    claim_of,
    delete,
    dx,
    pointers,
    run,
    setter,
)
from tests.unit.policy.verdicts import (
    Decided,
    Expectation,
    Gate,
    Ignored,
    Probe,
    probe_params,
    structural,
    verify,
)

PROBES: list[Probe] = [
    # §1.1 ITDD-SCOPE-01: exact match "62327", no trimming; SCOPE-01 runs before VAL.
    (
        "scope01-code-62322",
        BASE,
        setter("line1.procedure_code", "62322"),
        Ignored("ITDD-SCOPE-01"),
    ),
    (
        "scope01-trailing-space",
        BASE,
        setter("line1.procedure_code", "62327 "),
        Ignored("ITDD-SCOPE-01"),
    ),
    (
        "scope01-integer-code",
        BASE,
        setter("line1.procedure_code", 62327),
        Ignored("ITDD-SCOPE-01"),
    ),
    ("scope01-lines-null", BASE, setter("claim.lines", None), Ignored("ITDD-SCOPE-01")),
    ("scope01-lines-empty", BASE, setter("claim.lines", []), Ignored("ITDD-SCOPE-01")),
    ("scope01-lines-absent", BASE, delete("claim.lines"), Ignored("ITDD-SCOPE-01")),
    (
        "scope01-before-val01",
        BASE,
        all_of(setter("line1.procedure_code", "62322"), setter("claim.claim_id", "bad")),
        Ignored("ITDD-SCOPE-01"),
    ),
    # §1.1 "at least one line": a drug line billed 62327 keeps the claim in scope, and
    # VAL-07 then denies it M20 (a drug line's code must be HCPCS Level II).
    (
        "scope01-62327-only-on-drug-line",
        BASE,
        all_of(
            setter("line1.procedure_code", "62322"),
            setter("line2.procedure_code", "62327"),
        ),
        structural("ITDD-VAL-07", "M20"),
    ),
    # §1.3 ITDD-SCOPE-04: header DOS before 2025-01-01; runs after VAL-01…VAL-10, before DUP-01.
    (
        "scope04-header-2024-12-31",
        BASE,
        all_of(all_dates("2024-12-31"), setter("eligibility.coverage_start", None)),
        Ignored("ITDD-SCOPE-04"),
    ),
    (
        "scope04-boundary-2025-01-01-in-scope",
        BASE,
        all_dates("2025-01-01"),
        Decided("approve"),
    ),
    (
        "scope04-header-only-decides",
        BASE,
        setter("claim.service_date", "2024-12-31"),
        Ignored("ITDD-SCOPE-04"),
    ),
    (
        "scope04-line-dos-early-header-in-scope",
        BASE,
        all_of(
            setter("claim.service_date", "2025-01-01"),
            setter("line1.service_date", "2024-12-31"),
            setter("line2.service_date", "2024-12-31"),
        ),
        Gate("ITDD-ELIG-02", "PR", "26"),
    ),
    (
        "scope04-after-val04",
        BASE,
        all_of(all_dates("2024-12-31"), setter("provider.rendering_npi", "1999000016")),
        structural("ITDD-VAL-04", "N290"),
    ),
    (
        "scope04-after-val10",
        BASE,
        all_of(all_dates("2024-12-31"), setter("drug2.route", "iv")),
        structural("ITDD-VAL-10", "N349"),
    ),
    (
        "scope04-before-dup01",
        BASE,
        all_of(
            all_dates("2024-12-31"),
            setter("context.adjudicated_claim_ids", ["CLM-ITDD-0006"]),
        ),
        Ignored("ITDD-SCOPE-04"),
    ),
    # §1.2 ITDD-SCOPE-02: dx_pointers[0] of the first 62327 line (lowest line_number) only.
    ("scope02-g89.18-first", BASE, dx("G89.18", "M96.1"), Ignored("ITDD-SCOPE-02")),
    ("scope02-g89.11-first", BASE, dx("G89.11", "M96.1"), Ignored("ITDD-SCOPE-02")),
    ("scope02-g89.12-first", BASE, dx("G89.12", "M96.1"), Ignored("ITDD-SCOPE-02")),
    ("scope02-acute-second-pointer", BASE, dx("M96.1", "G89.18"), Decided("approve")),
    (
        "scope02-first-pointer-order-not-code-order",
        BASE,
        all_of(dx("G89.18", "M96.1"), pointers(1, 2, 1)),
        Decided("approve"),
    ),
    (
        "scope02-drug-line-pointer-not-looked-at",
        BASE,
        all_of(dx("M96.1", "G89.18"), pointers(2, 2)),
        Decided("deny", "11", (), ("ITDD-IND-01", "ITDD-AGG-01", "ITDD-AGG-02")),
    ),
    (
        "scope02-first-62327-by-line-number-ignores",
        BASE,
        all_of(
            dx("G89.18", "M96.1"),
            pointers(2, 2),
            SECOND_DAY,
            pointers(3, 2, 1),
            pointers(4, 2),
            REVERSED,
        ),
        Ignored("ITDD-SCOPE-02"),
    ),
    (
        "scope02-later-62327-not-looked-at",
        BASE,
        all_of(
            dx("G89.18", "M96.1"),
            pointers(1, 2, 1),
            pointers(2, 2),
            SECOND_DAY,
            pointers(3, 1, 2),
            pointers(4, 2),
            REVERSED,
        ),
        Decided("approve"),
    ),
    (
        "scope02-after-dx02",
        BASE,
        dx("G89.18", "G89.5"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "scope02-after-date01",
        BASE,
        all_of(dx("G89.18", "M96.1"), setter("context.processing_date", "2026-02-09")),
        Gate("ITDD-DATE-01", "CO", "110"),
    ),
    (
        "scope02-before-ben01",
        BASE,
        all_of(
            dx("G89.18", "M96.1"),
            setter("eligibility.plan_exclusions", ["INTRASPINAL_DRUG_DELIVERY"]),
        ),
        Ignored("ITDD-SCOPE-02"),
    ),
]


@pytest.mark.parametrize(("base", "mutation", "expect"), probe_params(PROBES))
def test_claim_level_rule(base: str, mutation: Mutation, expect: Expectation) -> None:
    verify(run(base, mutation), expect)


@pytest.mark.parametrize(
    ("rule_id", "mutation"),
    [
        ("ITDD-SCOPE-01", setter("line1.procedure_code", "62322")),
        ("ITDD-SCOPE-01", setter("line1.procedure_code", " 62327")),
        (
            "ITDD-SCOPE-04",
            all_of(all_dates("2024-12-31"), setter("eligibility.coverage_start", None)),
        ),
        ("ITDD-SCOPE-02", setter("claim.diagnosis_codes", ["G89.18", "M96.1"])),
    ],
)
def test_scope_rules_ignore(rule_id: str, mutation: Mutation) -> None:
    record = run("ITDD-TC-006", mutation)
    assert (record["decision"], record["rule_ids"], record["line_decisions"]) == (
        "ignore",
        [rule_id],
        [],
    )
    assert record["claim_status_category"] is None and record["x12_835_clp02"] is None


def test_scope_02_looks_only_at_the_first_pointer_of_the_first_62327_line() -> None:
    record = run("ITDD-TC-006", setter("claim.diagnosis_codes", ["M96.1", "G89.18"]))
    assert record["decision"] == "approve"


def test_scope_02_reads_the_lowest_numbered_62327_line_listed_last() -> None:
    # §1.2: "the first 62327 line (lowest line_number)"; "Other 62327 lines of the claim are
    # not looked at for this rule"; §2.6: array order does not matter.
    def two_days(first_pointer: int, second_pointer: int) -> Mutation:
        lines = [
            catheter_line(4, "2026-02-11", [second_pointer, 1]),
            drug_line(5, DURAMORPH, 1.0, 2, "intrathecal", "bolus", dos="2026-02-11", pointers=[1]),
            drug_line(2, DURAMORPH, 1.0, 2, "intrathecal", "bolus", pointers=[1]),
            catheter_line(1, "2026-02-10", [first_pointer, 1]),
        ]
        return claim_of(["M96.1", "G89.18"], lines)

    record = run("ITDD-TC-006", two_days(2, 1))
    check(record, Expect("ignore", rule_ids=("ITDD-SCOPE-02",)))
    assert record["line_decisions"] == []
    record = run("ITDD-TC-006", two_days(1, 2))
    check(record, Expect("approve", rule_ids=("ITDD-MN-01", "ITDD-MN-05", *AGG)))
