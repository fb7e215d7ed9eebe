"""policy/rules/prior_auth.py: the §5.6 PA lookup and the checks of ITDD-PA-02 (the E/I exception,
§5.5 step 3) and ITDD-PA-01 (ziconotide, step 6), in their written order, on the line DOS."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.unit.policy.claim_lines import GABLOFEN_50, MITIGO, PRIALT, catheter_line, drug_line
from tests.unit.policy.rulecases import (
    AGG,
    FOLLOWUP_P2,
    PAIN_MN,
    V11,
    Expect,
    Raw,
    add_lines,
    all_of,
    check,
    claim_of,
    move_lines,
    outcomes,
    pa,
    run,
    setter,
)

# --- ITDD-PA-02: the E/I exception (§5.5 step 3) ----------------------------------------------


# The focused tests' PA: valid from 2026-01-01 to 2026-06-30, around the DOS.
WINDOW = {"valid_from": "2026-01-01", "valid_to": "2026-06-30"}


def test_pa_02_grants_the_exception() -> None:
    check(
        run("ITDD-TC-032", lambda raw: None),
        Expect("approve", rule_ids=("ITDD-PA-02", *PAIN_MN, *AGG)),
    )


def test_pa_02_pending_pends_p2_with_the_e_i_rule() -> None:
    record = run("ITDD-TC-031", pa(**WINDOW, status="pending", hcpcs=["J3010", "J0665"]))
    check(record, Expect("pend", rule_ids=("ITDD-EI-03", "ITDD-PA-02", *AGG), category="P2"))
    assert record["pend"]["reasons"] == ["prior_authorization_pending"]
    assert record["pend"]["followup"] == "route to clinical/UM review queue"


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "denied"},
        {"hcpcs": ["J3010"]},  # does not cover every HCPCS of the admixture
        {"valid_to": "2026-02-09"},
        {"provider_npi": "1999000023"},
        {"indication_groups": ["PAIN_CANCER"]},
    ],
)
def test_pa_02_failures_keep_the_e_i_denial(fields: dict[str, Any]) -> None:
    record = run("ITDD-TC-031", pa(**{**WINDOW, "hcpcs": ["J3010", "J0665"], **fields}))
    check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-03", *AGG)))


def test_pa_02_exception_on_symptom_only_group_then_ind_03() -> None:
    # §5.5 step 3: exception granted, covered = groups ∩ indication_groups, "continue at
    # step 4"; step 5: SPASTICITY_SYMPTOM removed, covered empty -> CO-167/N569.
    record = run("ITDD-TC-004", pa(indication_groups=["SPASTICITY_SYMPTOM"]))
    check(record, Expect("deny", "167", ("N569",), ("ITDD-PA-02", "ITDD-IND-03", *AGG)))


def test_pa_02_exception_skips_pa_01_and_applies_mn_03_to_ziconotide() -> None:
    # §5.5 step 6: PA-01 "unless PA-02 granted an exception on this line"; A-12: MN-03 applies
    # unchanged to a PA-02-excepted agent; MN-04 for ziconotide.
    mutate = all_of(
        pa(indication_groups=["SPASTICITY_ETIOLOGY"], hcpcs=["J2278"]),
        setter("doc.oral_antispasmodic_failed_weeks", 8),
    )
    record = run("ITDD-TC-028", mutate)
    check(
        record,
        Expect("approve", rule_ids=("ITDD-PA-02", "ITDD-MN-03", "ITDD-MN-04", "ITDD-MN-05", *AGG)),
    )


FINDING_NOTE = (
    "E/I for this indication; not payment-determinative because another pointed indication "
    "is covered"
)


def test_pa_02_exception_records_uncovered_groups_as_findings() -> None:
    # §5.5 step 4 after PA-02; §8.3: PA-02, then EI-01 and IND-02; §8.5 finding format.
    record = run("ITDD-TC-032", setter("claim.diagnosis_codes", ["M96.1", "C61"]))
    check(
        record,
        Expect("approve", rule_ids=("ITDD-PA-02", "ITDD-EI-01", "ITDD-IND-02", *PAIN_MN, *AGG)),
    )
    assert record["informational_findings"] == [
        {
            "line_number": 2,
            "rule": "ITDD-EI-01",
            "indication_group": "PAIN_CANCER",
            "agent": "fentanyl",
            "note": FINDING_NOTE,
        },
        {
            "line_number": 3,
            "rule": "ITDD-EI-01",
            "indication_group": "PAIN_CANCER",
            "agent": "bupivacaine",
            "note": FINDING_NOTE,
        },
    ]


@pytest.mark.parametrize(
    ("fields", "granted"),
    [
        ({"valid_from": "2026-02-12", "valid_to": "2026-02-12"}, True),  # both ends inclusive
        ({"valid_from": "2026-02-13"}, False),
        ({"valid_to": "2026-02-11"}, False),
        ({"valid_from": None, "valid_to": "2026-02-12"}, True),
        ({"status": "Approved"}, False),  # any other value counts as denied
        ({"procedure_code": "62350"}, False),
        ({"member_id": "TSTMBR000099"}, False),  # not the claim's member: no PA
    ],
)
def test_pa_02_window_uses_the_line_dos(fields: dict[str, Any], granted: bool) -> None:
    # §2.4 / A-30: "the PA validity window (PA-01, PA-02)" uses the drug line's DOS; §5.6
    # "includes both ends"; every PA-02 failure is CO-55/N623. Header DOS stays 2026-02-10.
    mutate = all_of(move_lines("2026-02-12"), pa(**{"hcpcs": ["J3010", "J0665"], **fields}))
    record = run("ITDD-TC-031", mutate)
    if granted:
        check(record, Expect("approve", rule_ids=("ITDD-PA-02", *PAIN_MN, *AGG)))
    else:
        check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-03", *AGG)))


def test_pa_02_pending_on_an_ei_02_line() -> None:
    # §8.3 step 2–3: "the EI rule then ITDD-PA-02 when PA-02 pends"; P2 (§5.5 step 3).
    mutate = all_of(setter("drug2.delivery_mode", "continuous"), pa(status="pending"))
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("pend", None, (), ("ITDD-EI-02", "ITDD-PA-02", *AGG), category="P2"))
    assert record["pend"] == {
        "status_category": "P2",
        "reasons": ["prior_authorization_pending"],
        "documentation_missing": [],
        "followup": FOLLOWUP_P2,
    }


def test_pa_02_does_not_need_the_hcpcs_of_a_jw_line_in_the_admixture() -> None:
    # §5.5 step 3: "hcpcs does not contain every HCPCS of the admixture"; A-17: JW lines are
    # excluded from admixtures.
    mutate = all_of(
        pa(hcpcs=["J3010", "J0665"]),
        add_lines(
            drug_line(4, MITIGO, 0.1, 1, "intrathecal", "continuous", mix="A", modifiers=["JW"])
        ),
    )
    record = run("ITDD-TC-031", mutate)
    check(record, Expect("approve", rule_ids=("ITDD-PA-02", *PAIN_MN, "ITDD-SCOPE-03", *AGG)))


def test_pa_02_on_an_admixture_ignores_its_jw_member() -> None:
    # §5.5 step 3: "hcpcs does not contain every HCPCS of the admixture"; step 2: the admixture
    # is "the drug lines on the same DOS that share its admixture_group", and §2.4 / A-17: JW
    # lines are excluded from admixtures. A JW baclofen line in group A adds no J0476 to it.
    lines = [
        catheter_line(1, "2026-02-10", [1]),
        drug_line(2, MITIGO, 1.0, 2, "intrathecal", "continuous", mix="A", pointers=[1]),
        drug_line(3, PRIALT, 0.005, 0.48, "intrathecal", "continuous", mix="A", pointers=[1]),
        drug_line(
            4, GABLOFEN_50, 0.05, 1, "intrathecal", "bolus", mix="A", modifiers=["JW"], pointers=[1]
        ),
    ]
    pa_on_the_dos = pa(hcpcs=["J2274", "J2278"], valid_from="2026-02-10", valid_to="2026-02-10")
    record = run("ITDD-TC-006", all_of(claim_of(["M96.1"], lines), pa_on_the_dos))
    # PA-02 granted on both admixed lines; step 6 (PA-01) is skipped for the ziconotide line.
    ids = ("ITDD-PA-02", "ITDD-MN-01", "ITDD-MN-05", "ITDD-MN-04", "ITDD-SCOPE-03", *AGG)
    check(record, Expect("approve", rule_ids=ids, category="F1"))
    assert outcomes(record) == [
        (1, "approve", None),
        (2, "approve", None),
        (3, "approve", None),
        (4, "not_reviewed", None),
    ]


def test_v11_hydromorphone_with_pa_02_exception_is_approved() -> None:
    # 1.1.0 §3.2: "unless an approved ITDD-PA-02 exception covers it".
    record = run("ITDD-TC-062", all_of(V11, pa(hcpcs=["J1170"])))
    check(record, Expect("approve", rule_ids=("ITDD-PA-02", *PAIN_MN, *AGG)))


# --- §5.6: which PA the claim names -----------------------------------------------------------


def test_pa_lookup_takes_the_first_matching_record() -> None:
    # §5.6: "The PA is the first record of prior_authorizations whose pa_number equals ...
    # and whose member_id equals the claim's member.member_id."
    def two_records(raw: Raw) -> None:
        first = copy.deepcopy(raw["context"]["prior_authorizations"][0])
        other_member = {**first, "member_id": "TSTMBR000099", "status": "approved"}
        pending = {**first, "status": "pending"}
        raw["context"]["prior_authorizations"] = [other_member, pending, first]

    record = run("ITDD-TC-025", two_records)
    check(record, Expect("pend", None, (), ("ITDD-PA-01", *AGG), category="P2"))


@pytest.mark.parametrize("number", ["", None, 25, ["PA-TEST-0025"]])
def test_pa_01_no_usable_pa_number_means_no_pa(number: object) -> None:
    # §5.6: "the claim names no PA number (prior_auth_number is null, absent, empty or not a
    # string)" -> PA-01 "no PA found" -> CO-197/M62.
    record = run("ITDD-TC-025", setter("doc.prior_auth_number", number))
    check(record, Expect("deny", "197", ("M62",), ("ITDD-PA-01", *AGG)))


# --- ITDD-PA-01: ziconotide (§5.5 step 6) -----------------------------------------------------


ZICONOTIDE_MN = ("ITDD-MN-01", "ITDD-MN-04", "ITDD-MN-05")


@pytest.mark.parametrize(
    ("fields", "expect"),
    [
        ({}, Expect("approve", rule_ids=("ITDD-PA-01", *ZICONOTIDE_MN, *AGG))),
        ({"status": "pending"}, Expect("pend", rule_ids=("ITDD-PA-01", *AGG), category="P2")),
        ({"status": "withdrawn"}, Expect("deny", "39", (), ("ITDD-PA-01", *AGG))),
        ({"procedure_code": "62350"}, Expect("deny", "284", ("N54",), ("ITDD-PA-01", *AGG))),
        ({"valid_from": "2026-02-11"}, Expect("deny", "302", (), ("ITDD-PA-01", *AGG))),
        ({"provider_npi": "1999000023"}, Expect("deny", "296", ("N54",), ("ITDD-PA-01", *AGG))),
        ({"member_id": "TSTMBR000099"}, Expect("deny", "197", ("M62",), ("ITDD-PA-01", *AGG))),
    ],
)
def test_pa_01_ziconotide_checks_in_order(fields: dict[str, Any], expect: Expect) -> None:
    check(run("ITDD-TC-025", pa(**{**WINDOW, "hcpcs": ["J2278"], **fields})), expect)


@pytest.mark.parametrize(
    ("fields", "carc"),
    [
        ({"status": "denied", "hcpcs": ["J2274"]}, "39"),  # status before service
        ({"hcpcs": ["J2274"], "valid_to": "2026-01-01"}, "284"),  # service before window
        ({"valid_to": "2026-01-01", "provider_npi": "1999000023"}, "302"),  # window before NPI
    ],
)
def test_pa_01_checks_run_in_written_order(fields: dict[str, Any], carc: str) -> None:
    # §5.5 step 6: "The checks run in this order, and the first failure decides".
    mutate = pa(**{"hcpcs": ["J2278"], **fields})
    record = run("ITDD-TC-025", mutate)
    assert record["decision"] == "deny"
    assert record["carc"] == carc
    assert record["rule_ids"] == ["ITDD-PA-01", *AGG]


def test_pa_01_window_uses_the_line_dos() -> None:
    # §2.4 / A-30: PA-01 window on the drug line's DOS; header DOS 2026-02-10 is inside.
    def mutate(raw: Raw) -> None:
        move_lines("2026-07-01")(raw)
        raw["context"]["processing_date"] = "2026-07-02"

    check(run("ITDD-TC-025", mutate), Expect("deny", "302", (), ("ITDD-PA-01", *AGG)))


def test_pa_01_window_end_is_inclusive_on_the_line_dos() -> None:
    # §5.6: the window "includes both ends".
    def mutate(raw: Raw) -> None:
        move_lines("2026-06-30")(raw)
        raw["context"]["processing_date"] = "2026-07-02"

    record = run("ITDD-TC-025", mutate)
    assert record["decision"] == "approve"


def test_pa_01_does_not_look_at_indication_groups() -> None:
    # §5.5 step 6: "PA-01 does not look at indication_groups."
    def mutate(raw: Raw) -> None:
        raw["context"]["prior_authorizations"][0]["indication_groups"] = []

    check(
        run("ITDD-TC-025", mutate),
        Expect("approve", rule_ids=("ITDD-PA-01", "ITDD-MN-01", "ITDD-MN-04", "ITDD-MN-05", *AGG)),
    )


def test_pa_01_hcpcs_must_contain_the_line_code() -> None:
    # §5.5 step 6: "hcpcs does not contain the line's HCPCS" -> CO-284/N54.
    def mutate(raw: Raw) -> None:
        raw["context"]["prior_authorizations"][0]["hcpcs"] = ["J2274", "J0735"]

    check(run("ITDD-TC-025", mutate), Expect("deny", "284", ("N54",), ("ITDD-PA-01", *AGG)))
