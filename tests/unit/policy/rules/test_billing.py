"""policy/rules/billing.py: the §5.4 gates ITDD-COD-02 … COD-04 and DRUG-01 … DRUG-06, against
Appendix B (HCPCS, plan drug file, §B.3 units) in both versions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.conftest import decide_raw, request_of
from tests.unit.policy.claim_lines import DURAMORPH, GABLOFEN_50, MITIGO, drug_claim, drug_line
from tests.unit.policy.rulecases import (
    AGG,
    BASE,
    DAY2,
    JW_COPY,
    SECOND_DAY,
    V11,
    Expect,
    Mutation,
    add_line,
    all_of,
    check,
    copy_line,
    line,
    run,
    set_drug_lines,
    setter,
)
from tests.unit.policy.spec_tables import B1, B1_ADDED_110, B2, B2_ADDED_110
from tests.unit.policy.verdicts import (
    APPROVE_NC,
    APPROVED,
    N657,
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
        "ITDD-COD-02",
        "office setting",
        setter("claim.place_of_service", "11"),
        Expect("deny", "58", ("N428",)),
    ),
    (
        "ITDD-COD-03",
        "side modifier on 62327",
        setter("line1.modifiers", ["LT"]),
        Expect("deny", "4", ("N823",)),
    ),
    (
        "ITDD-COD-04",
        "two units of 62327",
        setter("line1.units", 2),
        Expect("deny", "16", ("N430",)),
    ),
    (
        "ITDD-COD-04",
        "two 62327 lines on one DOS",
        add_line(procedure_code="62327"),
        Expect("deny", "16", ("N430",)),
    ),
    (
        "ITDD-DRUG-01",
        "drug given on another day",
        setter("line2.service_date", "2026-02-11"),
        Expect("deny", "16", ("N349",)),
    ),
    (
        "ITDD-DRUG-02",
        "systemic morphine code",
        setter("line2.procedure_code", "J2270"),
        Expect("deny", "16", ("N657",)),
    ),
    (
        "ITDD-DRUG-03",
        "NDC not in the plan drug file",
        setter("drug2.ndc", "12345678901"),
        Expect("deny", "16", ("M119",)),
    ),
    (
        "ITDD-DRUG-04",
        "NDC of another HCPCS",
        setter("line2.procedure_code", "J0735"),
        Expect("deny", "16", ("N846",)),
    ),
    (
        "ITDD-DRUG-05",
        "below strength without dilution",
        setter("drug2.concentration_mg_per_ml", 0.5),
        Expect("deny", "16", ("M123",)),
    ),
    (
        "ITDD-DRUG-05",
        "above strength",
        all_of(setter("drug2.concentration_mg_per_ml", 2.0), setter("drug2.volume_ml", 0.5)),
        Expect("deny", "16", ("M123",)),
    ),
    (
        "ITDD-DRUG-06",
        "units do not match the dose",
        setter("line2.units", 2),
        Expect("deny", "16", ("M53",)),
    ),
]


@pytest.mark.parametrize(("rule_id", "mutation", "expect"), gate_params(GATE_CASES))
def test_gate_denies_claim_and_every_line(rule_id: str, mutation: Mutation, expect: Expect) -> None:
    check_gate_case(rule_id, mutation, expect)


PROBES: list[Probe] = [
    # §5.4 ITDD-COD-02.
    ("cod02-pos-19", BASE, setter("claim.place_of_service", "19"), Decided("approve")),
    ("cod02-pos-21", BASE, setter("claim.place_of_service", "21"), Decided("approve")),
    (
        "cod02-pos-24-v1.0",
        BASE,
        setter("claim.place_of_service", "24"),
        Gate("ITDD-COD-02", "CO", "58", ("N428",)),
    ),
    # ITDD-COD-03 (62327 lines only), then COD-04 across all 62327 lines.
    (
        "cod03-50",
        BASE,
        setter("line1.modifiers", ["50"]),
        Gate("ITDD-COD-03", "CO", "4", ("N823",)),
    ),
    (
        "cod03-RT-second",
        BASE,
        setter("line1.modifiers", ["59", "RT"]),
        Gate("ITDD-COD-03", "CO", "4", ("N823",)),
    ),
    (
        "cod03-drug-line-not-checked",
        BASE,
        setter("line2.modifiers", ["LT"]),
        Decided("approve"),
    ),
    (
        "cod03-second-62327-line",
        BASE,
        all_of(SECOND_DAY, setter("line3.modifiers", ["RT"])),
        Gate("ITDD-COD-03", "CO", "4", ("N823",)),
    ),
    (
        "cod03-before-cod04",
        BASE,
        all_of(SECOND_DAY, setter("line1.units", 2), setter("line3.modifiers", ["LT"])),
        Gate("ITDD-COD-03", "CO", "4", ("N823",)),
    ),
    ("cod04-two-days-ok", BASE, SECOND_DAY, Decided("approve")),
    (
        "cod04-same-dos",
        BASE,
        add_line(procedure_code="62327", dx_pointers=[1]),
        Gate("ITDD-COD-04", "CO", "16", ("N430",)),
    ),
    (
        "cod04-units-3",
        BASE,
        setter("line1.units", 3),
        Gate("ITDD-COD-04", "CO", "16", ("N430",)),
    ),
    (
        "cod04-before-drug01",
        BASE,
        add_line(procedure_code="62327", service_date=DAY2, units=2),
        Gate("ITDD-COD-04", "CO", "16", ("N430",)),
    ),
    # ITDD-DRUG-01: a drug line (JW excluded) on the 62327 line's DOS.
    (
        "drug01-only-jw-on-dos",
        BASE,
        all_of(JW_COPY, setter("line2.service_date", DAY2)),
        Gate("ITDD-DRUG-01", "CO", "16", ("N349",)),
    ),
    (
        "drug01-drugless-hcpcs-line-is-other",
        BASE,
        setter("line2.drug", None),
        Gate("ITDD-DRUG-01", "CO", "16", ("N349",)),
    ),
    (
        "drug01-second-62327-line",
        BASE,
        add_line(procedure_code="62327", service_date=DAY2),
        Gate("ITDD-DRUG-01", "CO", "16", ("N349",)),
    ),
    # ITDD-DRUG-02 … DRUG-06: every drug line (JW excluded), gate by gate.
    (
        "drug02-before-drug03-across-lines",
        BASE,
        all_of(copy_line(2, procedure_code="J2270"), setter("drug2.ndc", "12345678901")),
        Gate("ITDD-DRUG-02", "CO", "16", ("N657",)),
    ),
    (
        "drug02-jw-line-excluded",
        BASE,
        all_of(JW_COPY, setter("line3.procedure_code", "J2270")),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "drug02-j1170-not-in-b1-v1.0",
        BASE,
        setter("line2.procedure_code", "J1170"),
        Gate("ITDD-DRUG-02", "CO", "16", ("N657",)),
    ),
    (
        "drug03-hydromorphone-ndc-not-in-file-v1.0",
        BASE,
        setter("drug2.ndc", "63323085110"),
        Gate("ITDD-DRUG-03", "CO", "16", ("M119",)),
    ),
    (
        "drug03-jw-line-excluded",
        BASE,
        all_of(JW_COPY, setter("drug3.ndc", "12345678901")),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "drug04-oral-morphine-no-hcpcs",
        BASE,
        setter("drug2.ndc", "68094000162"),
        Gate("ITDD-DRUG-04", "CO", "16", ("N846",)),
    ),
    (
        "drug04-systemic-morphine-ndc-on-j2274",
        BASE,
        setter("drug2.ndc", "00409189101"),
        Gate("ITDD-DRUG-04", "CO", "16", ("N846",)),
    ),
    (
        "drug05-equal-strength-diluted-ok",
        BASE,
        setter("drug2.preparation", "diluted"),
        Decided("approve"),
    ),
    (
        "drug05-below-strength-Diluted-capital",
        BASE,
        all_of(
            setter("drug2.concentration_mg_per_ml", 0.5),
            setter("drug2.preparation", "Diluted"),
        ),
        Gate("ITDD-DRUG-05", "CO", "16", ("M123",)),
    ),
    (
        "drug05-below-strength-diluted-ok",
        BASE,
        all_of(
            setter("drug2.concentration_mg_per_ml", 0.5),
            setter("drug2.preparation", "diluted"),
        ),
        Decided("approve"),
    ),
    (
        "drug05-r9-equal-below",
        BASE,
        setter("drug2.concentration_mg_per_ml", 0.9999999996),
        Decided("approve"),
    ),
    (
        "drug05-r9-equal-above",
        BASE,
        setter("drug2.concentration_mg_per_ml", 1.0000000004),
        Decided("approve"),
    ),
    (
        "drug05-r9-above",
        BASE,
        setter("drug2.concentration_mg_per_ml", 1.000000001),
        Gate("ITDD-DRUG-05", "CO", "16", ("M123",)),
    ),
    (
        "drug05-jw-line-excluded",
        BASE,
        all_of(JW_COPY, setter("drug3.concentration_mg_per_ml", 5.0)),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "drug06-jw-line-excluded",
        BASE,
        all_of(JW_COPY, setter("line3.units", 7)),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "drug05-before-drug06-across-lines",
        BASE,
        all_of(copy_line(2, units=4), setter("drug2.concentration_mg_per_ml", 0.5)),
        Gate("ITDD-DRUG-05", "CO", "16", ("M123",)),
    ),
]


@pytest.mark.parametrize(("base", "mutation", "expect"), probe_params(PROBES))
def test_claim_level_rule(base: str, mutation: Mutation, expect: Expectation) -> None:
    verify(run(base, mutation), expect)


def test_units_use_r9_before_ceiling() -> None:
    # 0.05 mg/mL x 3 mL / 0.05 mg = 3.0000000000000004 in doubles: 3 units, not 4.
    mutate = all_of(
        setter("drug2.volume_ml", 3), setter("drug2.ndc_quantity", 3), setter("line2.units", 3)
    )
    assert run("ITDD-TC-016", mutate)["decision"] == "approve"


@pytest.mark.parametrize(
    ("product", "concentration", "volume", "units"),
    [
        (GABLOFEN_50, 0.05, 3, 3),  # 3.0000000000000004 -> r9 3 -> 3, not 4
        (GABLOFEN_50, 0.05, 2.1, 3),
        (DURAMORPH, 0.01, 1, 1),  # max(1, ...)
    ],
)
def test_b3_units(
    product: tuple[str, str], concentration: float, volume: float, units: int
) -> None:
    # §B.3 worked examples.
    mutate = set_drug_lines(
        drug_line(2, product, concentration, volume, "intrathecal", "bolus", units=units)
    )
    base = "ITDD-TC-016" if product[1] == "J0476" else "ITDD-TC-006"
    assert run(base, mutate)["decision"] == "approve"
    wrong = set_drug_lines(
        drug_line(2, product, concentration, volume, "intrathecal", "bolus", units=units + 1)
    )
    check(run(base, wrong), Expect("deny", "16", ("M53",), ("ITDD-DRUG-06",)))


V11_PROBES: list[Probe] = [
    (
        "v11-pos-24-allowed",
        BASE,
        setter("claim.place_of_service", "24"),
        Decided("approve"),
    ),
    (
        "v11-pos-11-still-denied",
        BASE,
        setter("claim.place_of_service", "11"),
        Gate("ITDD-COD-02", "CO", "58", ("N428",)),
    ),
    (
        "v11-j1171-still-drug02",
        "ITDD-TC-062",
        setter("line2.procedure_code", "J1171"),
        Gate("ITDD-DRUG-02", "CO", "16", ("N657",)),
    ),
    (
        "v11-j7799-other-ndc-drug03",
        "ITDD-TC-063",
        setter("drug2.ndc", "12345678901"),
        Gate("ITDD-DRUG-03", "CO", "16", ("M119",)),
    ),
    (
        "v11-j7799-units-always-1",
        "ITDD-TC-063",
        setter("line2.units", 2),
        Gate("ITDD-DRUG-06", "CO", "16", ("M53",)),
    ),
    (
        "v11-j7799-strength-checked",
        "ITDD-TC-063",
        all_of(
            setter("drug2.concentration_mg_per_ml", 25.0),
            setter("drug2.volume_ml", 0.4),
            setter("drug2.ndc_quantity", 0.4),
        ),
        Gate("ITDD-DRUG-05", "CO", "16", ("M123",)),
    ),
    (
        "v11-j1170-units-per-4mg",
        "ITDD-TC-062",
        all_of(setter("drug2.concentration_mg_per_ml", 2.5)),
        Gate("ITDD-DRUG-06", "CO", "16", ("M53",)),
    ),
    (
        "v11-j1170-ei03",
        "ITDD-TC-062",
        lambda raw: None,
        Decided("deny", "55", ("N623",), ("ITDD-EI-03", "ITDD-AGG-01", "ITDD-AGG-02")),
    ),
]


@pytest.mark.parametrize(("base", "mutation", "expect"), probe_params(V11_PROBES))
def test_claim_level_rule_under_1_1_0(base: str, mutation: Mutation, expect: Expectation) -> None:
    verify(run(base, mutation, "1.1.0"), expect)


def test_v11_office_setting_still_cod_02() -> None:
    # 1.1.0 §3.1: allowed POS are 19, 21, 22, 24 only.
    record = run("ITDD-TC-061", all_of(V11, setter("claim.place_of_service", "11")))
    check(record, Expect("deny", "58", ("N428",), ("ITDD-COD-02",)))


def test_v11_j1171_is_still_drug_02() -> None:
    # 1.1.0 §3.2: "hydromorphone billed under J1171 ... remain billing errors under DRUG-02".
    record = run("ITDD-TC-062", all_of(V11, setter("line2.procedure_code", "J1171")))
    check(record, Expect("deny", "16", ("N657",), ("ITDD-DRUG-02",)))


def test_v11_j7799_with_an_unlisted_ndc_is_drug_03() -> None:
    # 1.1.0 §3.2: "A J7799 line with any other NDC denies under ITDD-DRUG-03 (CO-16/M119)."
    record = run("ITDD-TC-063", all_of(V11, setter("drug2.ndc", "99207000199")))
    check(record, Expect("deny", "16", ("M119",), ("ITDD-DRUG-03",)))


@pytest.mark.parametrize(("units", "ok"), [(1, True), (2, False)])
def test_v11_j7799_is_one_unit_per_line(units: int, ok: bool) -> None:
    # 1.1.0 §3.4: "J7799: the expected units are 1 for each line, whatever the dose."
    mutate = all_of(
        V11,
        setter("drug2.volume_ml", 20),
        setter("drug2.ndc_quantity", 20),
        setter("line2.units", units),
    )
    record = run("ITDD-TC-063", mutate)
    if ok:
        check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-03", *AGG)))
    else:
        check(record, Expect("deny", "16", ("M53",), ("ITDD-DRUG-06",)))


@pytest.mark.parametrize(("volume", "units"), [(4, 1), (8, 1), (8.8, 2), (16.1, 3), (0.1, 1)])
def test_v11_j1170_units_per_4_mg(volume: float, units: int) -> None:
    # 1.1.0 §3.4: "J1170: units = max(1, ceil(r9(dose_mg ÷ 4)))" (0.5 mg/mL here).
    mutate = all_of(
        V11,
        setter("drug2.volume_ml", volume),
        setter("drug2.ndc_quantity", volume),
        setter("line2.units", units),
    )
    check(run("ITDD-TC-062", mutate), Expect("deny", "55", ("N623",), ("ITDD-EI-03", *AGG)))
    wrong = all_of(mutate, setter("line2.units", units + 1))
    check(run("ITDD-TC-062", wrong), Expect("deny", "16", ("M53",), ("ITDD-DRUG-06",)))


@pytest.mark.parametrize(
    ("concentration", "preparation", "expect"),
    [
        (20, None, Expect("deny", "55", ("N623",), ("ITDD-EI-03", *AGG))),
        (2.0, None, Expect("deny", "16", ("M123",), ("ITDD-DRUG-05",))),
        (25, "diluted", Expect("deny", "16", ("M123",), ("ITDD-DRUG-05",))),
    ],
)
def test_v11_j7799_concentration_against_plan_file_strength(
    concentration: float, preparation: str | None, expect: Expect
) -> None:
    # 1.1.0 §3.4: "DRUG-05 compares the reported concentration with the strength of the
    # plan-file entry, as for every other product" (20 mg/mL).
    mutate = all_of(
        V11,
        setter("drug2.concentration_mg_per_ml", concentration),
        setter("drug2.preparation", preparation),
    )
    check(run("ITDD-TC-063", mutate), expect)


def test_v11_j7799_billed_with_another_products_listed_ndc_is_drug_03() -> None:
    # 1.1.0 §3.2: "A compounded product is accepted only when its identifier is listed in the
    # plan drug file (§B.2). A J7799 line with any other NDC denies under ITDD-DRUG-03
    # (CO-16/M119)." The Mitigo NDC is in the plan file, but not as a J7799 (compounded)
    # entry, so DRUG-03 fires before DRUG-04 (N846) would.
    mutate = all_of(
        setter("drug2.ndc", MITIGO[0]),
        setter("drug2.concentration_mg_per_ml", 1.0),
        setter("drug2.preparation", "diluted"),
    )
    record = run("ITDD-TC-063", mutate, "1.1.0")
    check(record, Expect("deny", "16", ("M119",), ("ITDD-DRUG-03",), "CO", "F2"))


N846 = ("deny", "16", ["N846"], ["ITDD-DRUG-04"])
M119 = ("deny", "16", ["M119"], ["ITDD-DRUG-03"])


EI = "ITDD-EI-0"


# What TC-006's pain claim gets with each plan-file product billed under its own HCPCS, on its
# labeled route and mode (§5.5): PAIN_NONCANCER is labeled for the morphine products and Prialt
# (PA-01 then denies: no PA, CO-197/M62), not for baclofen (EI-01) nor clonidine (PAIN_CANCER
# only, EI-01); fentanyl / bupivacaine are "none" (EI-03).
OWN_CODE_OUTCOME = {
    "00641601910": APPROVE_NC,
    "66794016002": APPROVE_NC,
    "00641604001": APPROVE_NC,
    "66794015101": ("deny", "55", ["N623"], [f"{EI}1", *AGG]),
    "66794015702": ("deny", "55", ["N623"], [f"{EI}1", *AGG]),
    "70720072010": ("deny", "197", ["M62"], ["ITDD-PA-01", *AGG]),
    "39822200001": ("deny", "55", ["N623"], [f"{EI}1", *AGG]),
    "00409909422": ("deny", "55", ["N623"], [f"{EI}3", *AGG]),
    "31722027531": ("deny", "55", ["N623"], [f"{EI}3", *AGG]),
}


def _crosswalk_cases(version: str) -> list[tuple[str, str, tuple[Any, ...]]]:
    b1 = dict(B1) if version == "1.0.0" else {**B1, **B1_ADDED_110}
    b2 = dict(B2) if version == "1.0.0" else {**B2, **B2_ADDED_110}
    cases = []
    for ndc, (own, _, _) in b2.items():
        for code in [*b1, "J2270", "J1171"]:
            if code not in b1:
                expected = N657  # DRUG-02: not in §B.1
            elif own != code:
                # DRUG-04: §B.2 HCPCS differs, or "(none)"; but 1.1.0 §3.2: "A J7799 line with
                # any other NDC denies under ITDD-DRUG-03 (CO-16/M119)".
                expected = M119 if code == "J7799" else N846
            elif ndc in OWN_CODE_OUTCOME:
                expected = OWN_CODE_OUTCOME[ndc]
            else:  # 1.1.0 hydromorphone, compounded: "none" -> EI-03
                expected = ("deny", "55", ["N623"], [f"{EI}3", *AGG])
            cases.append((ndc, code, expected))
    return cases


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_b1_b2_crosswalk(version: str) -> None:
    # Every plan-file NDC billed under every HCPCS. §5.4 DRUG-02 ("procedure_code is not in
    # §B.1"), DRUG-04 ("the HCPCS that §B.2 gives for the NDC differs from the billed
    # procedure_code, or §B.2 gives none"). 1.1.0 (policy-changes §3.2–§3.3): J1170 and J7799
    # accepted; J1171 "remain billing errors under ITDD-DRUG-02 (CO-16/N657)"; hydromorphone
    # and compounded products deny EI-03 (CO-55/N623).
    wrong = [
        (ndc, code, got, "spec:", expected)
        for ndc, code, expected in _crosswalk_cases(version)
        if (got := claim_outcome(drug_claim(ndc, code, version))) != expected
    ]
    assert wrong == []


@pytest.mark.parametrize("ndc", ["63323085110", "99207000120", "00409263401", "12345678901"])
def test_ndc_outside_the_1_0_0_drug_file_is_drug_03(ndc: str) -> None:
    # §5.4 DRUG-03 "a drug line's NDC is not in the plan drug file (§B.2)" -> CO-16/M119; the
    # 1.1.0 rows are not in 1.0.0.
    record = drug_claim("66794016002", "J2274", "1.0.0", ndc=ndc)
    assert claim_outcome(record) == M119


@pytest.mark.parametrize("ndc", ["00409263401", "12345678901", "99207000121"])
def test_j7799_with_an_unlisted_identifier_is_drug_03(ndc: str) -> None:
    # policy-changes-1.1.0 §3.2: "A J7799 line with any other NDC denies under ITDD-DRUG-03
    # (CO-16/M119)" (NDCs that are not in the plan drug file).
    record = drug_claim("99207000120", "J7799", "1.1.0", ndc=ndc)
    assert claim_outcome(record) == M119


def test_j7799_with_another_plan_file_ndc_is_drug_03() -> None:
    # policy-changes-1.1.0 §3.2: "A J7799 line with any other NDC denies under ITDD-DRUG-03
    # (CO-16/M119)": any other, a plan-file NDC of another code (Mitigo's) included, which
    # under the general tables alone would reach DRUG-04 (N846).
    assert claim_outcome(drug_claim("66794016002", "J7799", "1.1.0")) == M119


@pytest.mark.parametrize(("ndc", "strength"), sorted((n, v[2]) for n, v in B2.items() if v[0]))
def test_b2_strength_drives_drug_05(ndc: str, strength: float) -> None:
    # §5.4 DRUG-05: r9(concentration) > r9(strength) -> M123; below and not "diluted" -> M123;
    # equal passes; below and "diluted" passes.
    code = B2[ndc][0]
    m123 = ("deny", "16", ["M123"], ["ITDD-DRUG-05"])
    if code == "J2270":
        return  # DRUG-02 decides first
    assert drug_claim(ndc, code, "1.0.0")["rule_ids"][0] != "ITDD-DRUG-05"
    assert claim_outcome(drug_claim(ndc, code, "1.0.0", concentration=strength * 1.01)) == m123
    assert claim_outcome(drug_claim(ndc, code, "1.0.0", concentration=strength / 2)) == m123
    diluted = drug_claim(ndc, code, "1.0.0", concentration=strength / 2, preparation="diluted")
    assert diluted["rule_ids"][0] != "ITDD-DRUG-05"


@pytest.mark.parametrize(
    ("ndc", "strength"), [("63323085110", 10.0), ("99207000120", 20.0)], ids=["J1170", "J7799"]
)
def test_b2_strength_of_1_1_0_rows(ndc: str, strength: float) -> None:
    # policy-changes-1.1.0 §3.4: "DRUG-05 compares the reported concentration with the strength
    # of the plan-file entry, as for every other product."
    code = B2_ADDED_110[ndc][0]
    m123 = ("deny", "16", ["M123"], ["ITDD-DRUG-05"])
    ei03 = ("deny", "55", ["N623"], ["ITDD-EI-03", *AGG])
    assert claim_outcome(drug_claim(ndc, code, "1.1.0")) == ei03
    assert claim_outcome(drug_claim(ndc, code, "1.1.0", concentration=strength + 0.5)) == m123
    assert claim_outcome(drug_claim(ndc, code, "1.1.0", concentration=strength / 4)) == m123


@pytest.mark.parametrize(("billed", "decision"), [(1, "deny"), (2, "deny"), (3, None)])
def test_j7799_drug_06_expects_one_unit(billed: int, decision: str | None) -> None:
    # policy-changes-1.1.0 §3.4: "J7799: the expected units are 1 for each line".
    raw = request_of("ITDD-TC-063")
    line(raw, 2)["units"] = billed
    record = decide_raw(raw, "1.1.0")
    expected_rule = "ITDD-EI-03" if billed == 1 else "ITDD-DRUG-06"
    assert record["rule_ids"][0] == expected_rule
    if billed != 1:
        assert (record["carc"], record["rarc"]) == ("16", ["M53"])


@pytest.mark.parametrize(("billed", "rule"), [(1, "ITDD-EI-03"), (2, "ITDD-DRUG-06")])
def test_j1170_units_per_4_mg(billed: int, rule: str) -> None:
    # policy-changes-1.1.0 §3.4 example: 0.5 mg/mL × 4 mL = 2 mg -> 1 unit (TC-062).
    raw = request_of("ITDD-TC-062")
    line(raw, 2)["units"] = billed
    assert decide_raw(raw, "1.1.0")["rule_ids"][0] == rule


def test_hydromorphone_ndc_on_j2274_per_version() -> None:
    # 1.0.0: NDC 63323085110 is not in §B.2 -> DRUG-03 M119; 1.1.0: it is, with HCPCS J1170,
    # so on J2274 -> DRUG-04 N846.
    raw = request_of("ITDD-TC-062")
    line(raw, 2)["procedure_code"] = "J2274"
    assert claim_outcome(decide_raw(raw, "1.0.0")) == M119
    assert claim_outcome(decide_raw(raw, "1.1.0")) == N846
