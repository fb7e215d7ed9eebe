"""policy/rules/administrative.py: the §5.2 gates ITDD-DUP-01, ELIG-01, ELIG-03, ELIG-02 and
DATE-01, in that order."""

from __future__ import annotations

import pytest

from tests.unit.policy.rulecases import (
    BASE,
    DAY2,
    JW_COPY,
    REVERSED,
    Expect,
    Mutation,
    add_line,
    all_of,
    delete,
    run,
    setter,
)
from tests.unit.policy.verdicts import (
    Decided,
    Expectation,
    Gate,
    GateCase,
    Probe,
    check_gate_case,
    gate_params,
    probe_params,
    verify,
)

GATE_CASES: list[GateCase] = [
    (
        "ITDD-DUP-01",
        "claim already adjudicated",
        setter("context.adjudicated_claim_ids", ["CLM-ITDD-0006"]),
        Expect("deny", "18", ("N111",), group_code="OA", category="F2"),
    ),
    (
        "ITDD-ELIG-01",
        "no eligibility",
        setter("context.eligibility", None),
        Expect("deny", "31", (), group_code="PR"),
    ),
    (
        "ITDD-ELIG-01",
        "found is the string true",
        setter("eligibility.found", "true"),
        Expect("deny", "31", (), group_code="PR"),
    ),
    (
        "ITDD-ELIG-03",
        "born after the DOS",
        setter("member.dob", "2026-03-01"),
        Expect("deny", "14", (), group_code="CO"),
    ),
    (
        "ITDD-ELIG-02",
        "coverage starts later",
        setter("eligibility.coverage_start", "2026-02-11"),
        Expect("deny", "26", (), group_code="PR"),
    ),
    (
        "ITDD-ELIG-02",
        "coverage ended",
        setter("eligibility.coverage_end", "2026-02-09"),
        Expect("deny", "27", (), group_code="PR"),
    ),
    (
        "ITDD-DATE-01",
        "line DOS after processing date",
        setter("context.processing_date", "2026-02-09"),
        Expect("deny", "110", ()),
    ),
]


@pytest.mark.parametrize(("rule_id", "mutation", "expect"), gate_params(GATE_CASES))
def test_gate_denies_claim_and_every_line(rule_id: str, mutation: Mutation, expect: Expect) -> None:
    check_gate_case(rule_id, mutation, expect)


PROBES: list[Probe] = [
    # §5.2 ITDD-DUP-01.
    (
        "dup01-exact-id",
        BASE,
        setter("context.adjudicated_claim_ids", ["X", "CLM-ITDD-0006"]),
        Gate("ITDD-DUP-01", "OA", "18", ("N111",)),
    ),
    (
        "dup01-case-sensitive",
        BASE,
        setter("context.adjudicated_claim_ids", ["clm-itdd-0006"]),
        Decided("approve"),
    ),
    (
        "dup01-before-elig01",
        BASE,
        all_of(
            setter("context.adjudicated_claim_ids", ["CLM-ITDD-0006"]),
            setter("context.eligibility", None),
        ),
        Gate("ITDD-DUP-01", "OA", "18", ("N111",)),
    ),
    # ITDD-ELIG-01: only found: true means found (CLP02 4).
    (
        "elig01-absent",
        BASE,
        delete("context.eligibility"),
        Gate("ITDD-ELIG-01", "PR", "31"),
    ),
    (
        "elig01-found-false",
        BASE,
        setter("eligibility.found", False),
        Gate("ITDD-ELIG-01", "PR", "31"),
    ),
    (
        "elig01-found-one",
        BASE,
        setter("eligibility.found", 1),
        Gate("ITDD-ELIG-01", "PR", "31"),
    ),
    (
        "elig01-found-absent",
        BASE,
        delete("eligibility.found"),
        Gate("ITDD-ELIG-01", "PR", "31"),
    ),
    (
        "elig01-unread-fields-not-structure",
        BASE,
        all_of(
            setter("eligibility.found", False),
            setter("eligibility.coverage_start", "soon"),
        ),
        Gate("ITDD-ELIG-01", "PR", "31"),
    ),
    # ITDD-ELIG-03: dob after the header DOS (not the line DOS); runs before ELIG-02.
    (
        "elig03-dob-equals-header",
        BASE,
        setter("member.dob", "2026-02-10"),
        Decided("approve"),
    ),
    (
        "elig03-dob-day-after",
        BASE,
        setter("member.dob", "2026-02-11"),
        Gate("ITDD-ELIG-03", "CO", "14"),
    ),
    (
        "elig03-header-not-line",
        BASE,
        all_of(
            setter("member.dob", "2026-02-11"),
            setter("line1.service_date", "2026-02-12"),
            setter("line2.service_date", "2026-02-12"),
        ),
        Gate("ITDD-ELIG-03", "CO", "14"),
    ),
    (
        "elig03-line-before-dob-not-checked",
        BASE,
        all_of(
            setter("member.dob", "2026-02-11"),
            setter("claim.service_date", "2026-02-12"),
        ),
        Decided("approve"),
    ),
    (
        "elig03-before-elig02",
        BASE,
        all_of(
            setter("member.dob", "2026-02-11"),
            setter("eligibility.coverage_start", "2026-03-01"),
        ),
        Gate("ITDD-ELIG-03", "CO", "14"),
    ),
    # ITDD-ELIG-02: every line DOS (not the header); < start → 26, else > end → 27.
    (
        "elig02-line-on-start",
        BASE,
        setter("eligibility.coverage_start", "2026-02-10"),
        Decided("approve"),
    ),
    (
        "elig02-line-on-end",
        BASE,
        setter("eligibility.coverage_end", "2026-02-10"),
        Decided("approve"),
    ),
    (
        "elig02-header-before-start-not-checked",
        BASE,
        all_of(
            setter("claim.service_date", "2026-02-09"),
            setter("eligibility.coverage_start", "2026-02-10"),
        ),
        Decided("approve"),
    ),
    (
        "elig02-header-after-end-not-checked",
        BASE,
        all_of(
            setter("claim.service_date", "2026-02-11"),
            setter("eligibility.coverage_end", "2026-02-10"),
        ),
        Decided("approve"),
    ),
    (
        "elig02-bounds-absent",
        BASE,
        all_of(delete("eligibility.coverage_start"), delete("eligibility.coverage_end")),
        Decided("approve"),
    ),
    (
        "elig02-lower-line-decides",
        BASE,
        all_of(
            setter("eligibility.coverage_start", "2026-02-10"),
            setter("eligibility.coverage_end", "2026-02-10"),
            setter("line1.service_date", DAY2),
            setter("line2.service_date", "2026-02-09"),
            REVERSED,
        ),
        Gate("ITDD-ELIG-02", "PR", "27"),
    ),
    (
        "elig02-start-condition-first",
        BASE,
        all_of(
            setter("eligibility.coverage_start", "2026-03-01"),
            setter("eligibility.coverage_end", "2026-01-01"),
        ),
        Gate("ITDD-ELIG-02", "PR", "26"),
    ),
    (
        "elig02-other-line-counts",
        BASE,
        all_of(
            add_line(procedure_code="01996", service_date="2026-02-12"),
            setter("eligibility.coverage_end", DAY2),
        ),
        Gate("ITDD-ELIG-02", "PR", "27"),
    ),
    (
        "elig02-jw-line-counts",
        BASE,
        all_of(
            JW_COPY,
            setter("line3.service_date", DAY2),
            setter("eligibility.coverage_end", "2026-02-10"),
        ),
        Gate("ITDD-ELIG-02", "PR", "27"),
    ),
    # ITDD-DATE-01: header DOS or any line DOS after processing_date.
    (
        "date01-jw-line-counts",
        BASE,
        all_of(JW_COPY, setter("line3.service_date", "2026-03-03")),
        Gate("ITDD-DATE-01", "CO", "110"),
    ),
    (
        "date01-equal-processing",
        BASE,
        setter("context.processing_date", "2026-02-10"),
        Decided("approve"),
    ),
    (
        "date01-header-only",
        BASE,
        all_of(setter("claim.service_date", "2026-03-03")),
        Gate("ITDD-DATE-01", "CO", "110"),
    ),
    (
        "date01-one-line",
        BASE,
        add_line(procedure_code="01996", service_date="2026-03-03"),
        Gate("ITDD-DATE-01", "CO", "110"),
    ),
]


@pytest.mark.parametrize(("base", "mutation", "expect"), probe_params(PROBES))
def test_claim_level_rule(base: str, mutation: Mutation, expect: Expectation) -> None:
    verify(run(base, mutation), expect)


def test_null_coverage_bounds_do_not_limit() -> None:
    mutate = all_of(
        setter("eligibility.coverage_start", None), setter("eligibility.coverage_end", None)
    )
    assert run("ITDD-TC-006", mutate)["decision"] == "approve"


def test_elig01_denial_lines_and_clp02() -> None:
    # §5.2 ELIG-01: deny PR-31, 835 CLP02 = 4; every line PR-31.
    record = run(BASE, all_of(JW_COPY, setter("context.eligibility", None)))
    verify(record, Gate("ITDD-ELIG-01", "PR", "31"))
    assert record["x12_835_clp02"] == "4"
