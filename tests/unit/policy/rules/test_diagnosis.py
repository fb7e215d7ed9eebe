"""policy/rules/diagnosis.py: the §5.3 gates ITDD-DX-01, DX-02, BEN-01, DX-03 and DX-04, on the
code set of the header DOS (§A.8) and the Appendix A groups, whole claim by whole claim."""

from __future__ import annotations

from typing import Any

import pytest

from policy.codeset import code_set_for
from policy.enrichment import indication_groups
from tests.unit.policy.claim_lines import decide_with_dx
from tests.unit.policy.rulecases import (
    AGG,
    BASE,
    CANCER_MN,
    DX,
    SECOND_DAY,
    Expect,
    Mutation,
    Raw,
    all_dates,
    all_of,
    delete,
    dx,
    pointers,
    run,
    setter,
)
from tests.unit.policy.spec_tables import A1, A3, A3_MS_FY26, CA, DOS, FY26_FIRST, V100
from tests.unit.policy.verdicts import (
    APPROVE_NC,
    APPROVE_SP,
    Decided,
    Expectation,
    Gate,
    GateCase,
    Probe,
    check_gate_case,
    claim_outcome,
    gate_params,
    probe_params,
    verify,
)

GATE_CASES: list[GateCase] = [
    (
        "ITDD-DX-01",
        "no diagnoses",
        setter("claim.diagnosis_codes", []),
        Expect("deny", "16", ("MA130", "M76"), category="A6"),
    ),
    (
        "ITDD-DX-02",
        "lower-case written form",
        setter("claim.diagnosis_codes", ["m96.1", "G89.29"]),
        Expect("deny", "146", ("M76",)),
    ),
    (
        "ITDD-DX-02",
        "code without its dot",
        setter("claim.diagnosis_codes", ["M961", "G89.29"]),
        Expect("deny", "146", ("M76",)),
    ),
    (
        "ITDD-DX-02",
        "header code",
        setter("claim.diagnosis_codes", ["M96.1", "M54.5"]),
        Expect("deny", "146", ("M81",)),
    ),
    (
        "ITDD-DX-02",
        "G35.A does not exist before FY2026",
        all_of(all_dates("2025-09-15"), setter("claim.diagnosis_codes", ["M96.1", "G35.A"])),
        Expect("deny", "146", ("M76",)),
    ),
    (
        "ITDD-BEN-01",
        "plan excludes the benefit",
        setter("eligibility.plan_exclusions", ["INTRASPINAL_DRUG_DELIVERY"]),
        Expect("deny", "96", ("N130",)),
    ),
    (
        "ITDD-DX-03",
        "only unrelated diagnoses",
        setter("claim.diagnosis_codes", ["J45.909", "I10"]),
        Expect("deny", "11", ()),
    ),
    (
        "ITDD-DX-03",
        "only an acute code off the first pointer",
        all_of(setter("claim.diagnosis_codes", ["J45.909", "G89.18"])),
        Expect("deny", "11", ()),
    ),
    (
        "ITDD-DX-04",
        "62327 line points to no ITDD diagnosis",
        all_of(
            setter("claim.diagnosis_codes", ["M96.1", "J45.909"]), setter("line1.dx_pointers", [2])
        ),
        Expect("deny", "11", ()),
    ),
]


@pytest.mark.parametrize(("rule_id", "mutation", "expect"), gate_params(GATE_CASES))
def test_gate_denies_claim_and_every_line(rule_id: str, mutation: Mutation, expect: Expect) -> None:
    check_gate_case(rule_id, mutation, expect)


PROBES: list[Probe] = [
    # §5.3 ITDD-DX-01 (A6).
    (
        "dx01-null",
        BASE,
        setter(DX, None),
        Gate("ITDD-DX-01", "CO", "16", ("MA130", "M76"), "A6"),
    ),
    (
        "dx01-absent",
        BASE,
        delete(DX),
        Gate("ITDD-DX-01", "CO", "16", ("MA130", "M76"), "A6"),
    ),
    # ITDD-DX-02: written form (§A.8) and existence → M76; header → M81; claim order.
    (
        "dx02-trailing-space",
        BASE,
        dx("M96.1 ", "G89.29"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-extra-digit",
        BASE,
        dx("M96.1", "G89.290"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-m96.9",
        BASE,
        dx("M96.1", "M96.9"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-lowercase-placeholder",
        BASE,
        dx("M96.1", "S06.0x0S"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-integer-code",
        BASE,
        setter(DX, ["M96.1", 961]),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-null-code",
        BASE,
        setter(DX, ["M96.1", None]),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-category-header",
        BASE,
        dx("M96.1", "C50"),
        Gate("ITDD-DX-02", "CO", "146", ("M81",)),
    ),
    (
        "dx02-7th-char-header",
        BASE,
        dx("M96.1", "S06.0X0"),
        Gate("ITDD-DX-02", "CO", "146", ("M81",)),
    ),
    (
        "dx02-g35-header-fy2026",
        BASE,
        dx("M96.1", "G35"),
        Gate("ITDD-DX-02", "CO", "146", ("M81",)),
    ),
    (
        "dx02-header-first",
        BASE,
        dx("M54.5", "G89.5"),
        Gate("ITDD-DX-02", "CO", "146", ("M81",)),
    ),
    (
        "dx02-unknown-first",
        BASE,
        dx("G89.5", "M54.5"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-unpointed-code-checked",
        BASE,
        dx("M96.1", "G89.29", "G89.5"),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-g35.c1-absent-fy2025",
        BASE,
        all_of(all_dates("2025-09-30"), dx("M96.1", "G35.C1")),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    (
        "dx02-code-set-of-header-dos-fy2025",
        BASE,
        all_of(
            all_dates("2025-10-01"),
            setter("claim.service_date", "2025-09-30"),
            dx("M96.1", "G35"),
            pointers(2, 1),
        ),
        Decided("approve"),
    ),
    (
        "dx02-code-set-of-header-dos-fy2026",
        BASE,
        all_of(
            all_dates("2025-09-30"),
            setter("claim.service_date", "2025-10-01"),
            dx("M96.1", "G35"),
        ),
        Gate("ITDD-DX-02", "CO", "146", ("M81",)),
    ),
    # ITDD-BEN-01 (after SCOPE-02, before DX-03).
    (
        "ben01-among-others",
        BASE,
        setter("eligibility.plan_exclusions", ["X", "INTRASPINAL_DRUG_DELIVERY"]),
        Gate("ITDD-BEN-01", "CO", "96", ("N130",)),
    ),
    (
        "ben01-case-sensitive",
        BASE,
        setter("eligibility.plan_exclusions", ["intraspinal_drug_delivery"]),
        Decided("approve"),
    ),
    (
        "ben01-before-dx03",
        BASE,
        all_of(
            dx("J45.909", "I10"),
            setter("eligibility.plan_exclusions", ["INTRASPINAL_DRUG_DELIVERY"]),
        ),
        Gate("ITDD-BEN-01", "CO", "96", ("N130",)),
    ),
    (
        "ben01-after-dx02",
        BASE,
        all_of(
            dx("M96.1", "G89.5"),
            setter("eligibility.plan_exclusions", ["INTRASPINAL_DRUG_DELIVERY"]),
        ),
        Gate("ITDD-DX-02", "CO", "146", ("M76",)),
    ),
    # ITDD-DX-03: no claim diagnosis (pointed or not) in an ITDD group; ACUTE_PERIOP not counted.
    ("dx03-none", BASE, dx("J45.909", "I10"), Gate("ITDD-DX-03", "CO", "11")),
    (
        "dx03-acute-only-not-first",
        BASE,
        dx("J45.909", "G89.18"),
        Gate("ITDD-DX-03", "CO", "11"),
    ),
    (
        "dx03-unpointed-itdd-code-counts",
        BASE,
        all_of(dx("J45.909", "M96.1"), pointers(1, 1), pointers(2, 1)),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    # ITDD-DX-04: each 62327 line needs a pointed ITDD group (Appendix A mapping).
    (
        "dx04-acute-pointer-does-not-count",
        BASE,
        all_of(dx("J45.909", "G89.18", "M96.1"), pointers(1, 1, 2), pointers(2, 3)),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    (
        "dx04-symptom-group-counts",
        BASE,
        all_of(dx("M96.1", "R25.2"), pointers(1, 2), pointers(2, 1)),
        Decided("approve"),
    ),
    (
        "dx04-spinal-cord-sequela",
        BASE,
        all_of(dx("M96.1", "S14.101S"), pointers(1, 2), pointers(2, 1)),
        Decided("approve"),
    ),
    (
        "dx04-spinal-cord-not-sequela",
        BASE,
        all_of(dx("M96.1", "S24.104D"), pointers(1, 2), pointers(2, 1)),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    (
        "dx04-tbi-sequela",
        BASE,
        all_of(dx("M96.1", "S06.0X0S"), pointers(1, 2), pointers(2, 1)),
        Decided("approve"),
    ),
    (
        "dx04-tbi-initial-encounter",
        BASE,
        all_of(dx("M96.1", "S06.0X0A"), pointers(1, 2), pointers(2, 1)),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    (
        "dx04-any-c-code",
        BASE,
        all_of(dx("M96.1", "C4A.0"), pointers(1, 2), pointers(2, 1)),
        Decided("approve"),
    ),
    (
        "dx04-d-code-not-cancer",
        BASE,
        all_of(dx("M96.1", "D49.6"), pointers(1, 2), pointers(2, 1)),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    (
        "dx04-ms-fy2026-code",
        BASE,
        all_of(dx("M96.1", "G35.C1"), pointers(1, 2), pointers(2, 1)),
        Decided("approve"),
    ),
    (
        "dx04-g35-group-fy2025",
        BASE,
        all_of(all_dates("2025-09-30"), dx("M96.1", "G35"), pointers(1, 2), pointers(2, 1)),
        Decided("approve"),
    ),
    (
        "dx04-second-62327-line",
        BASE,
        all_of(
            dx("M96.1", "J45.909"),
            SECOND_DAY,
            pointers(3, 2),
            pointers(4, 1),
            pointers(2, 1),
        ),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
    (
        "dx04-before-cod02",
        BASE,
        all_of(
            dx("M96.1", "J45.909"),
            pointers(1, 2),
            setter("claim.place_of_service", "11"),
        ),
        Gate("ITDD-DX-04", "CO", "11"),
    ),
]


@pytest.mark.parametrize(("base", "mutation", "expect"), probe_params(PROBES))
def test_claim_level_rule(base: str, mutation: Mutation, expect: Expectation) -> None:
    verify(run(base, mutation), expect)


def test_dx_02_runs_before_scope_02() -> None:
    record = run("ITDD-TC-006", setter("claim.diagnosis_codes", ["G89.18", "G89.5"]))
    assert record["rule_ids"] == ["ITDD-DX-02"]


def test_g35_is_billable_in_fy2025_and_header_in_fy2026() -> None:
    assert run("ITDD-TC-040", lambda raw: None)["decision"] == "approve"
    assert run("ITDD-TC-040", all_dates("2025-10-01"))["rule_ids"] == ["ITDD-DX-02"]


def test_header_code_groups_are_never_used() -> None:
    # §A: "A code is in a group when it is a valid code (DX-02)". The mapping function alone
    # still gives a header its pattern groups (C50 -> PAIN_CANCER), but DX-02 denies a header
    # (M81) before any group is read (§5 order: DX-02 → SCOPE-02 → … → DX-03), so the claim
    # outcome is M81 whatever the mapping. Documented here; see the report's questions.
    assert indication_groups("C50", DOS, V100) == {CA}
    for code in ("G35", "C50", "C50.9", "C7A", "S06.0X0", "M54.5", "G89.2", "R25"):
        assert code_set_for(FY26_FIRST).status(code) == "header"
        record = decide_with_dx("ITDD-TC-006", [code, "M96.1"])
        assert claim_outcome(record) == ("deny", "146", ["M81"], ["ITDD-DX-02"]), code


APPROVE_CA: tuple[Any, ...] = ("approve", None, [], [*CANCER_MN, *AGG])
DX03: tuple[Any, ...] = ("deny", "11", [], ["ITDD-DX-03"])
M76 = ("deny", "146", ["M76"], ["ITDD-DX-02"])
M81 = ("deny", "146", ["M81"], ["ITDD-DX-02"])


PAIN_NONCANCER_CLAIM_BY_CODE_CASES: list[tuple[Any, tuple[Any, ...]]] = [
    # TC-006 (Duramorph bolus, complete pain documentation) with the one diagnosis below.
    *[(code, APPROVE_NC) for code in sorted(A1)],
    ("M54.40", DX03),
    ("M54.18", DX03),
    ("M51.15", DX03),
    ("M48.07", DX03),
    ("M47.818", DX03),
    ("G54.1", DX03),
    ("R52", DX03),
    ("M54.9", DX03),
    ("M54.5", M81),  # §A.7 "M54.5: header since FY2022"
    ("M51.36", M81),
    ("G89.2", M81),
    ("M47.81", M81),
    ("G89.5", M76),  # §A.7 "does not exist"
    ("M96.9", M76),
    ("M961", M76),  # §A.8 written form
    ("m96.1", M76),
    ("M96.1 ", M76),
    ("m54.50", M76),
    ("M5450", M76),
    (961, M76),
    (None, M76),
    # §A.6 ACUTE_PERIOP as the first pointed diagnosis of the first 62327 line: ignore.
    ("G89.11", ("ignore", None, [], ["ITDD-SCOPE-02"])),
    ("G89.12", ("ignore", None, [], ["ITDD-SCOPE-02"])),
    ("G89.18", ("ignore", None, [], ["ITDD-SCOPE-02"])),
]


def test_pain_noncancer_claim_by_code() -> None:
    # §A.1, §A.6–§A.8, §5.3 DX-02 / SCOPE-02 / DX-03.
    wrong = [
        (code, got, "spec:", expected)
        for code, expected in PAIN_NONCANCER_CLAIM_BY_CODE_CASES
        if (got := claim_outcome(decide_with_dx("ITDD-TC-006", [code]))) != expected
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        # §A.6: a second ACUTE code does not scope out (§1.2 looks at dx_pointers[0] only) and
        # does not count for DX-03.
        (["M96.1", "G89.18"], APPROVE_NC),
        (["G89.18", "M96.1"], ("ignore", None, [], ["ITDD-SCOPE-02"])),
        (["G89.11", "G89.12"], ("ignore", None, [], ["ITDD-SCOPE-02"])),
        # DX-02 runs before SCOPE-02: an invalid code anywhere denies first.
        (["G89.18", "M54.5"], M81),
        (["g89.18", "M96.1"], M76),
        # DX-02 walks codes in claim order: first bad code decides the RARC (§2.6).
        (["M96.1", "G89.5", "M54.5"], M76),
        (["M96.1", "M54.5", "G89.5"], M81),
    ],
)
def test_acute_and_order_probes(codes: list[str], expected: tuple[Any, ...]) -> None:
    assert claim_outcome(decide_with_dx("ITDD-TC-006", codes)) == expected


PAIN_CANCER_CLAIM_BY_CODE_CASES: list[tuple[Any, tuple[Any, ...]]] = [
    # TC-012 (epidural Mitigo therapeutic infusion, cancer documentation) with one code.
    ("G89.3", APPROVE_CA),
    ("C79.51", APPROVE_CA),
    ("C50.911", APPROVE_CA),
    ("C61", APPROVE_CA),
    ("C00.0", APPROVE_CA),
    ("C7A.00", APPROVE_CA),
    ("C4A.9", APPROVE_CA),
    ("C80.1", APPROVE_CA),
    ("C91.00", APPROVE_CA),
    ("D49.9", DX03),
    ("D03.9", DX03),
    ("Z85.3", DX03),
    ("C50", M81),
    ("C50.9", M81),
    ("C80", M81),
    ("c61", M76),
    ("C50.9111", M76),
]


def test_pain_cancer_claim_by_code() -> None:
    # §A.2 "G89.3, and any code beginning with C"; §2.3 "(G89.3 or any C-code)".
    wrong = [
        (code, got, "spec:", expected)
        for code, expected in PAIN_CANCER_CLAIM_BY_CODE_CASES
        if (got := claim_outcome(decide_with_dx("ITDD-TC-012", [code]))) != expected
    ]
    assert wrong == []


SPASTICITY_CLAIM_BY_CODE_CASES: list[tuple[Any, tuple[Any, ...]]] = [
    # TC-019 (baclofen bolus, 8 weeks oral therapy failed) with one code.
    *[(code, APPROVE_SP) for code in sorted(A3)],
    *[(code, APPROVE_SP) for code in sorted(A3_MS_FY26)],
    ("S14.101S", APPROVE_SP),
    ("S14.159S", APPROVE_SP),
    ("S24.104S", APPROVE_SP),
    ("S34.114S", APPROVE_SP),
    ("S34.139S", APPROVE_SP),
    ("G80.3", DX03),
    ("G80.9", DX03),
    ("G81.90", DX03),
    ("G11.3", DX03),
    ("G25.81", DX03),
    ("I69.151", DX03),
    ("I69.331", DX03),
    ("S14.101A", DX03),
    ("S24.104D", DX03),
    ("S14.2XXS", DX03),
    ("S34.3XXS", DX03),
    ("S06.0X0A", DX03),
    ("S06.2X9D", DX03),
    ("G35", M81),  # §5.3: from 2025-10-01 a header
    ("G35.B", M81),
    ("G35.C", M81),
    ("S24.104", M81),
    ("S06.0X0", M81),
    ("S14.10XS", M76),
    ("G35.A0", M76),
    ("g35.a", M76),
    # §A.5 / IND-03: symptom-only coding denies CO-167/N569.
    ("R25.2", ("deny", "167", ["N569"], ["ITDD-IND-03", *AGG])),
    ("R25.1", DX03),
    ("M62.830", DX03),
]


def test_spasticity_claim_by_code() -> None:
    # §A.3, §A.5; §5.3.
    wrong = [
        (code, got, "spec:", expected)
        for code, expected in SPASTICITY_CLAIM_BY_CODE_CASES
        if (got := claim_outcome(decide_with_dx("ITDD-TC-019", [code]))) != expected
    ]
    assert wrong == []


def _dates(header: str, lines: str) -> Any:
    def mutate(raw: Raw) -> None:
        raw["claim"]["service_date"] = header
        for item in raw["claim"]["lines"]:
            item["service_date"] = lines

    return mutate


FY_BOUNDARY_CASES = [
    ("G35", "2025-09-30", "2025-09-30", APPROVE_SP, "FY2025"),
    ("G35", "2025-10-01", "2025-10-01", M81, "FY2026"),
    ("G35.A", "2025-09-30", "2025-09-30", M76, "FY2025"),
    ("G35.A", "2025-10-01", "2025-10-01", APPROVE_SP, "FY2026"),
    ("G35.B0", "2025-09-30", "2025-09-30", M76, "FY2025"),
    ("G35.B0", "2025-10-01", "2025-10-01", APPROVE_SP, "FY2026"),
    ("G35.C", "2025-10-01", "2025-10-01", M81, "FY2026"),
    ("G35.D", "2025-10-01", "2025-10-01", APPROVE_SP, "FY2026"),
    ("G35", "2025-01-01", "2025-01-01", APPROVE_SP, "FY2025"),
    # §2.4 / A-07: the header DOS decides the code set "for every line of the claim, even
    # when a line DOS falls in another fiscal year".
    ("G35", "2025-09-30", "2025-10-01", APPROVE_SP, "FY2025"),
    ("G35.C1", "2025-09-30", "2025-10-01", M76, "FY2025"),
    ("G35", "2025-10-01", "2025-09-30", M81, "FY2026"),
    ("G35.C1", "2025-10-01", "2025-09-30", APPROVE_SP, "FY2026"),
]


def test_fiscal_year_boundary_claims() -> None:
    # TC-040 (G35, baclofen, processed 2025-10-06) with the code and dates above; §A.3 MS rows,
    # §A.8, §5.3 DX-02; §8.1 reference_versions.icd10cm "the fiscal year of the header DOS".
    wrong = []
    for code, header, lines, expected, icd10cm in FY_BOUNDARY_CASES:
        record = decide_with_dx("ITDD-TC-040", [code], mutate=_dates(header, lines))
        got = (claim_outcome(record), record["reference_versions"]["icd10cm"])
        if got != (expected, icd10cm) or record["policy_version"] != "ITDD-1.0.0":
            wrong.append((code, header, lines, got, "spec:", (expected, icd10cm)))
    assert wrong == []
