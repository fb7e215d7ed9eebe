"""policy/rules/experimental.py: the E/I determination of §5.5 step 2, ITDD-EI-03 > EI-04 >
EI-02 > EI-01 (§4.2): product labels (§B.2), admixtures, the clonidine + morphine exception and
its companion."""

from __future__ import annotations

import pytest

from tests.unit.conftest import decide_raw, request_of
from tests.unit.policy.claim_lines import (
    CLONIDINE,
    COMPOUNDED,
    FENTANYL,
    GABLOFEN_50,
    INFUMORPH,
    MITIGO,
    catheter_line,
    drug_claim,
    drug_line,
    labeled_route_mode,
    set_drug,
)
from tests.unit.policy.rulecases import (
    AGG,
    CANCER_MN,
    NOTHING,
    PAIN_MN,
    SPAS_MN,
    V11,
    Expect,
    Mutation,
    Raw,
    add_lines,
    all_of,
    check,
    claim_of,
    doc,
    drug,
    findings,
    line,
    line_decision,
    line_outcome,
    outcomes,
    run,
    set_drug_lines,
    setter,
)
from tests.unit.policy.spec_tables import B2, B2_LABELS, EP, IT
from tests.unit.policy.verdicts import APPROVE_NC, APPROVE_SP, claim_outcome


@pytest.mark.parametrize(
    ("rule_id", "base", "mutation"),
    [
        ("ITDD-EI-01", "ITDD-TC-006", setter("claim.diagnosis_codes", ["G82.22", "R25.2"])),
        ("ITDD-EI-02", "ITDD-TC-006", setter("drug2.delivery_mode", "continuous")),
        ("ITDD-EI-03", "ITDD-TC-031", lambda raw: None),
        ("ITDD-EI-04", "ITDD-TC-024", lambda raw: None),
    ],
)
# --- the E/I rules and their order ------------------------------------------------------------


def test_e_i_rules_deny_co_55(rule_id: str, base: str, mutation: Mutation) -> None:
    check(run(base, mutation), Expect("deny", "55", ("N623",), (rule_id, *AGG)))


def test_ei_03_precedes_ei_04_in_an_admixture() -> None:
    # §5.5 step 2: "EI-03 if the product is not labeled ...; else EI-04 if ... admixture".
    mutate = set_drug_lines(
        drug_line(2, MITIGO, 0.1, 10, "intrathecal", "continuous", mix="A"),
        drug_line(3, FENTANYL, 0.005, 5, "intrathecal", "continuous", mix="A"),
    )
    record = run("ITDD-TC-006", mutate)
    check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-04", "ITDD-EI-03", *AGG)))


def test_ei_04_precedes_ei_02() -> None:
    # §5.5 step 2 order: EI-04 before EI-02 (TC-024's J0476 bolus product runs continuous).
    record = run("ITDD-TC-024", NOTHING)
    check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-04", *AGG)))


def test_v11_hydromorphone_is_ei_03() -> None:
    # 1.1.0 §3.2: hydromorphone J1170 denies CO-55/N623 under EI-03 without a PA-02.
    record = run("ITDD-TC-062", V11)
    assert record["policy_version"] == "ITDD-1.1.0"
    check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-03", *AGG)))


# --- ITDD-EI-04: what an admixture is ---------------------------------------------------------


def test_admixture_of_one_agent_is_not_e_i_04() -> None:
    # §B.1: "Agents are compared by agent name: J0475 and J0476 are the same agent"; EI-04
    # needs "two or more distinct agents".
    mutate = set_drug_lines(
        drug_line(2, GABLOFEN_50, 0.05, 1, "intrathecal", "bolus", mix="A"),
        drug_line(3, GABLOFEN_50, 0.05, 1, "intrathecal", "bolus", mix="A"),
    )
    record = run("ITDD-TC-016", mutate)
    check(record, Expect("approve", rule_ids=(*SPAS_MN, *AGG)))


def test_two_morphine_products_in_one_reservoir_are_one_agent() -> None:
    # §B.1: "two J2274 products in one reservoir are one agent (morphine)".
    mutate = set_drug_lines(
        drug_line(2, MITIGO, 0.1, 10, "intrathecal", "continuous", mix="R"),
        drug_line(3, INFUMORPH, 0.1, 10, "intrathecal", "continuous", mix="R"),
    )
    check(run("ITDD-TC-006", mutate), Expect("approve", rule_ids=(*PAIN_MN, *AGG)))


@pytest.mark.parametrize("group", ["", 5, None])
def test_admixture_group_that_is_not_a_non_empty_string_is_no_admixture(group: object) -> None:
    # §5.1: "An admixture_group that is not a non-empty string counts as null".
    def mutate(raw: Raw) -> None:
        drug(raw, 2)["admixture_group"] = group
        drug(raw, 3)["admixture_group"] = group
        drug(raw, 3)["delivery_mode"] = "bolus"

    record = run("ITDD-TC-024", mutate)
    assert "ITDD-EI-04" not in record["rule_ids"]
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-MN-03", *AGG)))


def test_admixture_is_per_dos() -> None:
    # §5.5 step 2: an admixture is "the drug lines on the same DOS that share its
    # admixture_group"; the same label on another DOS is another admixture.
    def mutate(raw: Raw) -> None:
        line(raw, 3)["service_date"] = "2026-02-11"
        drug(raw, 3)["delivery_mode"] = "bolus"
        raw["claim"]["lines"].append(catheter_line(4, "2026-02-11"))

    record = run("ITDD-TC-024", mutate)
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-MN-03", *AGG)))


def test_same_admixture_label_on_another_dos_is_another_admixture() -> None:
    # §5.5 step 2: an admixture is "the drug lines on the same DOS that share its
    # admixture_group". Morphine (A) on day 1 and baclofen (A) on day 2 are not admixed.
    lines = [
        catheter_line(1, "2026-02-10", [1, 2]),
        drug_line(2, MITIGO, 1.0, 2, "intrathecal", "continuous", pointers=[1], mix="A"),
        catheter_line(3, "2026-02-11", [1, 2]),
        drug_line(4, GABLOFEN_50, 0.05, 2, "intrathecal", "bolus", dos="2026-02-11", pointers=[2]),
    ]
    lines[3]["drug"]["admixture_group"] = "A"
    record = run("ITDD-TC-006", claim_of(["M96.1", "G82.22"], lines))
    ids = ("ITDD-MN-01", "ITDD-MN-05", "ITDD-MN-03", *AGG)
    check(record, Expect("approve", rule_ids=ids))
    assert [d["decision"] for d in record["line_decisions"]] == ["approve"] * 4


def test_jw_line_is_not_part_of_an_admixture() -> None:
    # §2.4 / A-17: JW lines are excluded from admixtures.
    def mutate(raw: Raw) -> None:
        line(raw, 3)["modifiers"] = ["JW"]
        raw["claim"]["lines"].append(
            drug_line(4, GABLOFEN_50, 0.05, 2, "intrathecal", "bolus", pointers=[2])
        )

    record = run("ITDD-TC-024", mutate)
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-SCOPE-03", "ITDD-MN-03", *AGG)))
    assert line_decision(record, 3)["decision"] == "not_reviewed"


def test_v11_morphine_admixed_with_a_compounded_product_is_ei_04() -> None:
    # 1.1.0 §3.3: the admixture rule compares compounded products by the name "compounded";
    # §5.5 step 2: the morphine line is EI-04, the J7799 line EI-03.
    mutate = all_of(
        V11,
        set_drug_lines(
            drug_line(2, MITIGO, 0.1, 10, "intrathecal", "continuous", mix="A", dos="2026-07-15"),
            drug_line(
                3, COMPOUNDED, 2.0, 4, "intrathecal", "continuous", mix="A", dos="2026-07-15"
            ),
        ),
    )
    check(
        run("ITDD-TC-063", mutate),
        Expect("deny", "55", ("N623",), ("ITDD-EI-04", "ITDD-EI-03", *AGG)),
    )


# --- the clonidine + morphine exception (§4.2), judged per line -------------------------------


def test_admixture_exception_is_judged_per_line_on_pain_cancer() -> None:
    record = run("ITDD-TC-033", setter("line3.dx_pointers", [1]))
    assert record["decision"] == "approve"
    without_cancer = run(
        "ITDD-TC-033",
        all_of(
            setter("claim.diagnosis_codes", ["G89.3", "M96.1"]), setter("line3.dx_pointers", [2])
        ),
    )
    assert line_outcome(without_cancer, 3) == ("deny", "55")
    assert "ITDD-EI-04" in without_cancer["rule_ids"]


def test_clonidine_morphine_exception_needs_every_line_epidural() -> None:
    # §5.5 step 2: the exception needs "every line of the admixture is epidural".
    record = run("ITDD-TC-033", setter("drug2.route", "intrathecal"))
    check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-04", *AGG)))
    assert outcomes(record) == [(1, "deny", "55"), (2, "deny", "55"), (3, "deny", "55")]


def test_clonidine_morphine_exception_needs_exactly_those_two_agents() -> None:
    # §5.5 step 2: "unless the agents are exactly clonidine and morphine".
    mutate = add_lines(drug_line(4, FENTANYL, 0.005, 5, "epidural", "continuous", mix="A"))
    record = run("ITDD-TC-033", mutate)
    check(record, Expect("deny", "55", ("N623",), ("ITDD-EI-04", "ITDD-EI-03", *AGG)))


def test_admixture_exception_then_ei_02_for_a_bolus_clonidine() -> None:
    # §5.5 step 2: after the EI-04 exception, "else EI-02 if ... its mode is not among its
    # labeled modes" (clonidine is labeled continuous only). The morphine line is approved.
    record = run("ITDD-TC-033", setter("drug3.delivery_mode", "bolus"))
    check(record, Expect("approve", rule_ids=(*CANCER_MN, "ITDD-EI-02", *AGG)))
    assert record["partial"] is True
    assert outcomes(record) == [(1, "approve", None), (2, "approve", None), (3, "deny", "55")]


def test_admixture_exception_other_groups_go_to_ind_02_on_every_line() -> None:
    # §5.5 step 2: "... and PAIN_CANCER ∈ groups of this line (the exception is judged per
    # line; other groups of the line are handled by step 4)"; A-22: "The clonidine + morphine
    # admixture exception is judged per line on PAIN_CANCER among its pointed groups; other
    # groups go to IND-02". §4.2: "The single exception is epidural clonidine with epidural
    # PF morphine for PAIN_CANCER." So the morphine line of the admixture is covered for
    # PAIN_CANCER only and PAIN_NONCANCER is an informational EI-01 finding on both lines.
    record = run("ITDD-TC-033", setter("claim.diagnosis_codes", ["C61", "M96.1"]))
    check(
        record,
        Expect("approve", rule_ids=("ITDD-EI-01", "ITDD-IND-02", *CANCER_MN, *AGG)),
    )
    assert findings(record) == [
        (2, "PAIN_NONCANCER", "morphine"),
        (3, "PAIN_NONCANCER", "clonidine"),
    ]


def test_admixture_exception_morphine_line_is_not_paid_for_non_cancer_pain() -> None:
    # Same statements as above (§5.5 step 2, A-22, §4.2): the admixed morphine line is covered
    # for PAIN_CANCER only. Here PAIN_CANCER fails (idd_trial with 2 months of life
    # expectancy, §4.3) while the PAIN_NONCANCER criteria would pass: both lines deny
    # CO-50/N661 and so does the claim; PAIN_NONCANCER is only a finding.
    def mutate(raw: Raw) -> None:
        raw["claim"]["diagnosis_codes"] = ["C61", "M96.1"]
        doc(raw).update(
            purpose="idd_trial",
            life_expectancy_months=2,
            conservative_therapy_failed_months=12,
            psych_eval_done=True,
            psych_eval_contraindication=False,
        )

    record = run("ITDD-TC-033", mutate)
    check(
        record,
        Expect("deny", "50", ("N661",), ("ITDD-EI-01", "ITDD-IND-02", *CANCER_MN, *AGG)),
    )
    assert outcomes(record) == [(1, "deny", "50"), (2, "deny", "50"), (3, "deny", "50")]
    assert line_decision(record, 2)["criteria_failed"] == [
        "PAIN_CANCER:life_expectancy_months>=3_for_trial"
    ]


def test_clonidine_exception_line_by_line_with_a_pain_only_morphine_line() -> None:
    # §5.5 step 2: EI-04 "unless the agents are exactly clonidine and morphine, every line of
    # the admixture is epidural, and PAIN_CANCER ∈ groups of this line (the exception is judged
    # per line ...)". The morphine line points to non-cancer pain only (EI-04); the clonidine
    # line points to cancer pain, keeps the exception and has its companion "whatever that
    # line's own outcome" (A-23). AGG-02: approve, partial.
    lines = [
        catheter_line(1, "2026-02-10", [1, 2]),
        drug_line(3, CLONIDINE, 0.1, 5, "epidural", "continuous", pointers=[1], mix="A"),
        drug_line(2, MITIGO, 1.0, 5, "epidural", "continuous", pointers=[2], mix="A"),
    ]
    record = run("ITDD-TC-033", claim_of(["C61", "M96.1"], lines))
    ids = ("ITDD-EI-04", "ITDD-MN-02", "ITDD-MN-05", *AGG)
    check(record, Expect("approve", rule_ids=ids, category="F1"))
    assert record["partial"] is True
    assert outcomes(record) == [(1, "approve", None), (2, "deny", "55"), (3, "approve", None)]


# --- the clonidine companion (§B.2, A-23) -----------------------------------------------------


def test_clonidine_without_epidural_morphine_is_e_i() -> None:
    def drop_morphine_route(raw: Raw) -> None:
        drug(raw, 2)["route"] = "intrathecal"
        drug(raw, 2)["admixture_group"] = None
        drug(raw, 3)["admixture_group"] = None

    record = run("ITDD-TC-033", drop_morphine_route)
    assert line_outcome(record, 3) == ("deny", "55")
    assert "ITDD-EI-01" in record["rule_ids"]


def test_clonidine_companion_counts_whatever_its_outcome() -> None:
    # §5.5 step 2: "no drug line with agent morphine and route epidural is on the same DOS
    # (whatever that line's own outcome)" (A-23). Morphine line denied EI-02, clonidine paid.
    def mutate(raw: Raw) -> None:
        drug(raw, 2).update(admixture_group=None, delivery_mode="bolus")
        drug(raw, 3)["admixture_group"] = None

    record = run("ITDD-TC-033", mutate)
    check(record, Expect("approve", rule_ids=("ITDD-EI-02", *CANCER_MN, *AGG)))
    assert outcomes(record) == [(1, "approve", None), (2, "deny", "55"), (3, "approve", None)]
    assert record["partial"] is True


def test_clonidine_companion_must_be_on_the_same_dos() -> None:
    # §2.4: the clonidine companion test uses the DOS of the drug line being evaluated.
    def mutate(raw: Raw) -> None:
        for number in (2, 3):
            drug(raw, number)["admixture_group"] = None
        line(raw, 2)["service_date"] = "2026-02-11"
        raw["claim"]["lines"].append(catheter_line(4, "2026-02-11"))

    record = run("ITDD-TC-033", mutate)
    check(record, Expect("approve", rule_ids=(*CANCER_MN, "ITDD-EI-01", *AGG)))
    assert outcomes(record) == [
        (1, "deny", "55"),
        (2, "approve", None),
        (3, "deny", "55"),
        (4, "approve", None),
    ]
    assert record["partial"] is True


def test_clonidine_companion_is_not_a_jw_line() -> None:
    # "any non-JW epidural morphine line on the same DOS".
    def mutate(raw: Raw) -> None:
        for number in (2, 3):
            drug(raw, number)["admixture_group"] = None
        line(raw, 2)["modifiers"] = ["JW"]

    record = run("ITDD-TC-033", mutate)
    check(record, Expect("deny", "55", ("N623",), ("ITDD-SCOPE-03", "ITDD-EI-01", *AGG)))


def test_clonidine_with_companion_but_no_cancer_group_is_ei_01() -> None:
    # §B.2: clonidine's labeled group is PAIN_CANCER only; covered = ∅ -> EI-01 (not EI-04:
    # the line is in no admixture).
    def mutate(raw: Raw) -> None:
        raw["claim"]["diagnosis_codes"] = ["C61", "M96.1"]
        for number in (2, 3):
            drug(raw, number)["admixture_group"] = None
        line(raw, 3)["dx_pointers"] = [2]

    record = run("ITDD-TC-033", mutate)
    check(
        record,
        Expect("approve", rule_ids=("ITDD-MN-01", *CANCER_MN, "ITDD-EI-01", *AGG)),
    )
    assert line_decision(record, 3)["carc"] == "55"


# --- §B.2 labels on whole claims --------------------------------------------------------------


ROUTE_MODE = [(r, m) for r in (IT, EP) for m in ("bolus", "continuous")]
EI02 = ("deny", "55", ["N623"], ["ITDD-EI-02", *AGG])


def test_b2_morphine_labeled_routes_and_modes() -> None:
    # §B.2: Duramorph IT/EP bolus; Mitigo and Infumorph IT/EP continuous; outside -> EI-02.
    wrong = []
    for ndc in ("00641601910", "66794016002", "00641604001"):
        label = B2_LABELS[ndc]
        assert label is not None
        for route, mode in ROUTE_MODE:
            expected = APPROVE_NC if route in label[0] and mode in label[1] else EI02
            got = claim_outcome(drug_claim(ndc, "J2274", "1.0.0", route=route, mode=mode))
            if got != expected:
                wrong.append((ndc, route, mode, got, "spec:", expected))
    assert wrong == []


def _baclofen_claim(ndc: str, code: str, route: str, mode: str) -> Raw:
    raw = request_of("ITDD-TC-019")
    strength = B2[ndc][2]
    set_drug(raw, 2, ndc=ndc, code=code, concentration=strength, volume=0.2, route=route, mode=mode)
    return decide_raw(raw)


def test_b2_baclofen_labeled_routes_and_modes() -> None:
    # §B.2: Gablofen 50 mcg/mL intrathecal bolus; Gablofen 2000 mcg/mL intrathecal continuous.
    wrong = []
    for ndc, code in (("66794015101", "J0476"), ("66794015702", "J0475")):
        label = B2_LABELS[ndc]
        assert label is not None
        for route, mode in ROUTE_MODE:
            expected = APPROVE_SP if route in label[0] and mode in label[1] else EI02
            got = claim_outcome(_baclofen_claim(ndc, code, route, mode))
            if got != expected:
                wrong.append((ndc, route, mode, got, "spec:", expected))
    assert wrong == []


@pytest.mark.parametrize(("route", "mode"), ROUTE_MODE)
def test_b2_prialt_labeled_route_and_mode(route: str, mode: str) -> None:
    # §B.2 Prialt: intrathecal, continuous. TC-025's PA (approved, 62327, J2278,
    # PAIN_NONCANCER, same NPI) passes PA-01 on the labeled use; off the label EI-02 fires and
    # the same PA passes every PA-02 check of §5.5 step 3, so the exception is granted: PA-02
    # listed, PA-01 skipped, the EI rule not listed.
    raw = request_of("ITDD-TC-025")
    drug(raw, 2).update(route=route, delivery_mode=mode)
    record = decide_raw(raw)
    mn = ["ITDD-MN-01", "ITDD-MN-04", "ITDD-MN-05", *AGG]
    first = "ITDD-PA-01" if (route, mode) == (IT, "continuous") else "ITDD-PA-02"
    assert claim_outcome(record) == ("approve", None, [], [first, *mn])
    # Without a PA the off-label use is an EI-02 denial.
    raw["claim"]["documentation"]["prior_auth_number"] = None
    record = decide_raw(raw)
    if (route, mode) == (IT, "continuous"):
        assert claim_outcome(record) == ("deny", "197", ["M62"], ["ITDD-PA-01", *AGG])
    else:
        assert claim_outcome(record) == ("deny", "55", ["N623"], ["ITDD-EI-02", *AGG])


@pytest.mark.parametrize(("route", "mode"), ROUTE_MODE)
def test_b2_clonidine_labeled_route_and_mode(route: str, mode: str) -> None:
    # §B.2 Clonidine epidural: epidural, continuous, PAIN_CANCER with epidural morphine (TC-033:
    # morphine line 2 + clonidine line 3, both epidural continuous, admixture "A"). Take line 3
    # out of the admixture so that only the label is judged.
    raw = request_of("ITDD-TC-033")
    drug(raw, 3).update(route=route, delivery_mode=mode, admixture_group=None)
    drug(raw, 2).update(admixture_group=None)
    record = decide_raw(raw)
    line3 = record["line_decisions"][2]
    if (route, mode) == (EP, "continuous"):
        assert line3["decision"] == "approve"
    else:
        assert (line3["decision"], line3["carc"], line3["rarc"]) == ("deny", "55", ["N623"])
        assert "ITDD-EI-02" in record["rule_ids"]


@pytest.mark.parametrize(
    ("ndc", "code", "codes", "covered"),
    [
        # §B.2 labeled indication groups: morphine / Prialt pain (both), baclofen spasticity.
        ("66794016002", "J2274", ["C61"], True),
        ("66794016002", "J2274", ["G82.22"], False),
        ("66794016002", "J2274", ["S06.2X9S"], False),
        ("66794016002", "J2274", ["R25.2"], False),
        ("00641601910", "J2274", ["C61"], True),
        ("00641604001", "J2274", ["G89.3"], True),
        ("66794015101", "J0476", ["M96.1"], False),
        ("66794015101", "J0476", ["C61"], False),
    ],
)
def test_b2_labeled_groups(ndc: str, code: str, codes: list[str], covered: bool) -> None:
    raw = request_of("ITDD-TC-006")
    raw["claim"]["diagnosis_codes"] = codes
    for item in raw["claim"]["lines"]:
        item["dx_pointers"] = [1]
    route, mode = labeled_route_mode(ndc)
    strength = B2[ndc][2]
    set_drug(raw, 2, ndc=ndc, code=code, concentration=strength, volume=0.2, route=route, mode=mode)
    record = decide_raw(raw)
    assert ("ITDD-EI-01" in record["rule_ids"]) is (not covered)
    if not covered:
        assert (record["carc"], record["rarc"]) == ("55", ["N623"])
