"""policy/catalog.py: the data file of each version against the spec tables (Appendices A–F, §4.1,
§5, §6, policy-changes-1.1.0), and the version selection of §1.6 on dates and whole claims."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from policy.catalog import select_version
from tests.unit.conftest import decide_raw, request_of
from tests.unit.policy.rulecases import (
    AGG,
    BASE,
    FOLLOWUP_P2,
    FOLLOWUP_P3,
    NOTHING,
    PAIN_MN,
    SPAS_MN,
    V11,
    Expect,
    Mutation,
    Raw,
    all_dates,
    all_of,
    check,
    run,
    setter,
)
from tests.unit.policy.spec_tables import (
    A1,
    A3,
    A3_MS_FY26,
    A3_SCI_PREFIXES,
    A5,
    A6,
    AP,
    B1,
    B1_ADDED_110,
    B2,
    B2_ADDED_110,
    B2_LABELS,
    CA,
    D_100,
    D_110,
    EP,
    F_ACTIVE,
    F_DELETED,
    FY25_LAST,
    FY26_FIRST,
    IT,
    ITDD,
    NC,
    PRECEDENCE,
    S5,
    SE,
    SY,
    TBI,
    V100,
    V110,
    VERSIONS,
)
from tests.unit.policy.verdicts import (
    APPROVE_NC,
    APPROVE_SP,
    N657,
    Decided,
    Expectation,
    Gate,
    Ignored,
    claim_outcome,
    structural,
    verify,
)

# --- each data file against the spec tables ---------------------------------------------------


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_a_group_code_lists(policy: Any) -> None:
    # §A.1–§A.6: the literal code lists of every group (both versions: 1.1.0 changes no §A).
    members = policy.diagnosis_groups.members
    assert members[NC].codes == A1 and not members[NC].patterns and not members[NC].dated_codes
    assert members[CA].codes == {"G89.3"}  # §A.2 "G89.3, and any code beginning with C"
    assert [(p.prefix, p.suffix, p.length) for p in members[CA].patterns] == [("C", "", None)]
    assert members[SE].codes == A3
    dated = {(d.header_dos_from, d.header_dos_to): d.codes for d in members[SE].dated_codes}
    assert dated == {(FY26_FIRST, None): A3_MS_FY26, (None, FY25_LAST): {"G35"}}
    assert [(p.prefix, p.suffix, p.length) for p in members[SE].patterns] == [
        (prefix, "S", 8) for prefix in A3_SCI_PREFIXES
    ]
    assert not members[TBI].codes
    assert [(p.prefix, p.suffix, p.length) for p in members[TBI].patterns] == [("S06.", "S", 8)]
    assert members[SY].codes == A5 and not members[SY].patterns
    assert members[AP].codes == A6 and not members[AP].patterns
    # §2.3: the first five are the ITDD groups; ACUTE_PERIOP is the scope exclusion.
    assert set(policy.diagnosis_groups.itdd_groups) == ITDD
    assert policy.diagnosis_groups.scope_exclusion_group == AP
    assert policy.diagnosis_groups.symptom_group == SY
    assert set(members) == ITDD | {AP}


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_b1_hcpcs_table(policy: Any) -> None:
    # §B.1 (+ policy-changes-1.1.0 §3.3 for 1.1.0): agent name and billing unit per HCPCS.
    expected = dict(B1) if policy is V100 else {**B1, **B1_ADDED_110}
    got = {}
    for code, hcpcs in policy.drugs.hcpcs.items():
        unit = hcpcs.billing_unit_mg
        if unit is None:
            assert hcpcs.units_per_line == 1  # J7799: "one unit per line, whatever the dose"
        got[code] = (hcpcs.agent, unit)
    assert got == expected


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_b2_plan_drug_file(policy: Any) -> None:
    # §B.2 NDC-11 -> HCPCS, agent name, strength (+ 1.1.0 §3.3 added rows).
    expected = dict(B2) if policy is V100 else {**B2, **B2_ADDED_110}
    got = {
        ndc: (p.hcpcs, p.agent, p.strength_mg_per_ml) for ndc, p in policy.drugs.products.items()
    }
    assert got == expected


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_b2_labels(policy: Any) -> None:
    # §B.2 labeled routes / modes / groups; fentanyl, bupivacaine, Carpuject, oral: "none";
    # 1.1.0 §3.3: hydromorphone and compounded products: "none".
    expected = dict(B2_LABELS)
    if policy is V110:
        expected.update({"63323085110": None, "99207000120": None})
    got = {}
    for ndc, product in policy.drugs.products.items():
        label = product.label
        got[ndc] = None if label is None else (label.routes, label.modes, label.groups)
    assert got == expected
    # §B.2 clonidine row: "PAIN_CANCER, only with an epidural morphine line on the same DOS".
    companion = policy.drugs.products["39822200001"].label.requires_companion
    assert (companion.agent, companion.route) == ("morphine", EP)
    others = [p for n, p in policy.drugs.products.items() if n != "39822200001" and p.label]
    assert all(p.label.requires_companion is None for p in others)
    # §4.2 EI-04: "The single exception is epidural clonidine with epidural PF morphine for
    # PAIN_CANCER"; §4.4 / ITDD-PA-01: PA required for ziconotide.
    exception = policy.drugs.admixture_exception
    assert (exception.agents, exception.route, exception.group) == (
        {"clonidine", "morphine"},
        EP,
        CA,
    )
    assert policy.drugs.prior_authorization_required_agents == {"ziconotide"}


@pytest.mark.parametrize(
    ("policy", "table"), [(V100, D_100), (V110, D_110)], ids=["1.0.0", "1.1.0"]
)
def test_d_safety_thresholds(policy: Any, table: dict[tuple[str, str], float]) -> None:
    # Appendix D; policy-changes-1.1.0 §3.5 (baclofen 0.8 mg -> 1.0 mg; morphine unchanged).
    got = {(t.agent, t.route): t.max_mg_per_dos for t in policy.safety_thresholds}
    assert got == table


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_f_active_code_list(policy: Any) -> None:
    # Appendix F: active codes and the deleted codes 62310, 62311, 62318, 62319.
    assert policy.active_codes.codes == F_ACTIVE
    assert policy.active_codes.deleted_codes == F_DELETED
    # §5.5 BUN-01: "77003 or 77012 on the DOS of a 62327 line".
    assert policy.bundled_imaging_codes == {"77003", "77012"}


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_outcome_keys_are_exactly_the_spec_outcomes(policy: Any) -> None:
    # §5.1–§5.5: one mapping per rule outcome, nothing more, nothing less.
    assert set(policy.outcomes) == set(S5)


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_outcome_mapping(policy: Any) -> None:
    # §5 rule tables "Group-CARC / RARC" and "277" columns; §6 "CLP02 is 1 (processed as
    # primary), except ITDD-ELIG-01, where it is 4" (A-21).
    wrong = []
    for key, spec in S5.items():
        a = policy.outcome(key)
        got = (a.group_code, a.carc, a.rarc, a.category)
        clp02 = "4" if key == "ITDD-ELIG-01" else "1"
        if got != spec or a.clp02 != clp02:
            wrong.append((key, got, a.clp02, "spec:", spec, clp02))
    assert wrong == []


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_denial_precedence(policy: Any) -> None:
    # §6 AGG-01 precedence; every line-level denial CARC is ranked.
    assert policy.denial_precedence == PRECEDENCE
    line_rules = [k for k in S5 if k.split("/")[0] not in _GATE_RULES]
    assert {policy.outcome(k).carc for k in line_rules} - {"181", "97"} <= set(PRECEDENCE)


_GATE_RULES = {
    *(f"ITDD-VAL-{n:02d}" for n in range(1, 11)),
    "ITDD-DUP-01",
    "ITDD-ELIG-01",
    "ITDD-ELIG-02",
    "ITDD-ELIG-03",
    "ITDD-DATE-01",
    "ITDD-DX-01",
    "ITDD-DX-02",
    "ITDD-DX-03",
    "ITDD-DX-04",
    "ITDD-BEN-01",
    "ITDD-COD-02",
    "ITDD-COD-03",
    "ITDD-COD-04",
    *(f"ITDD-DRUG-{n:02d}" for n in range(1, 7)),
}


def test_pend_followup_texts() -> None:
    # §8.4 followup: P3 / P2 texts, verbatim; §5.5 step 10: "within 45 calendar days".
    for policy in (V100, V110):
        assert policy.pend_followup == {"P2": FOLLOWUP_P2, "P3": FOLLOWUP_P3}


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_medical_necessity_tables(policy: Any) -> None:
    # §4.1 MN-01 … MN-05: criterion names, facts, tests and thresholds, in table order.
    def rows(criteria_set: Any) -> list[tuple[Any, ...]]:
        return [(c.name, c.fact, c.test, c.value) for c in criteria_set.criteria]

    mn = policy.medical_necessity
    assert {g: r.rule for g, r in mn.group_rules.items()} == {
        NC: "ITDD-MN-01",
        CA: "ITDD-MN-02",
        SE: "ITDD-MN-03",
        TBI: "ITDD-MN-03",
    }  # SPASTICITY_SYMPTOM "is never evaluated"
    assert rows(mn.group_rules[NC]) == [
        ("purpose", "purpose", "equals", "idd_trial"),
        ("conservative_therapy_failed_months", "conservative_therapy_failed_months", "at_least", 6),
        (
            "systemic_opioids_failed_or_intolerant",
            "systemic_opioids_failed_or_intolerant",
            "equals",
            True,
        ),
        ("psych_eval_done", "psych_eval_done", "equals", True),
        ("psych_eval_contraindication", "psych_eval_contraindication", "equals", False),
    ]
    assert rows(mn.group_rules[CA]) == [
        (
            "systemic_opioids_failed_or_intolerant",
            "systemic_opioids_failed_or_intolerant",
            "equals",
            True,
        ),
        ("purpose", "purpose", "documented", None),
        ("life_expectancy_months", "life_expectancy_months", "documented", None),
        ("life_expectancy_months>=3_for_trial", "life_expectancy_months", "at_least", 3),
    ]
    trial = mn.group_rules[CA].criteria[3]
    assert trial.only_when == {"fact": "purpose", "equals": "idd_trial"}
    assert trial.only_when_documented is True
    spasticity = [
        ("purpose", "purpose", "equals", "idd_trial"),
        ("oral_antispasmodic_failed_weeks", "oral_antispasmodic_failed_weeks", "at_least", 6),
    ]
    assert rows(mn.group_rules[SE]) == spasticity
    assert rows(mn.group_rules[TBI]) == [
        *spasticity,
        ("months_since_brain_injury", "months_since_brain_injury", "at_least", 12),
    ]
    assert [(r.rule, r.agents, rows(r)) for r in mn.agent_rules] == [
        (
            "ITDD-MN-04",
            {"ziconotide"},
            [("history_of_psychosis", "history_of_psychosis", "equals", False)],
        )
    ]
    assert mn.all_agents_rule.rule == "ITDD-MN-05"
    assert rows(mn.all_agents_rule) == [
        (name, name, "equals", False)
        for name in ("active_infection", "anticoagulation_or_bleeding_diathesis")
    ] + [("drug_hypersensitivity", "drug_hypersensitivity", "equals", False)]


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_documentation_fact_types(policy: Any) -> None:
    # Appendix C: the type of every fact.
    types = {name: fact.type for name, fact in policy.facts.items()}
    assert types == {
        "prior_auth_number": "string",
        "purpose": "enum",
        "conservative_therapy_failed_months": "integer",
        "systemic_opioids_failed_or_intolerant": "boolean",
        "psych_eval_done": "boolean",
        "psych_eval_contraindication": "boolean",
        "life_expectancy_months": "integer",
        "oral_antispasmodic_failed_weeks": "integer",
        "months_since_brain_injury": "integer",
        "history_of_psychosis": "boolean",
        "active_infection": "boolean",
        "anticoagulation_or_bleeding_diathesis": "boolean",
        "drug_hypersensitivity": "boolean",
        "trial_result_percent_relief": "number",
    }
    assert policy.facts["purpose"].values == ("idd_trial", "therapeutic_infusion")


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_scope_validation_and_setting_values(policy: Any) -> None:
    # §1.1 trigger "62327"; §1.3 2025-01-01; §2.4 JW; §5.1 patterns and value lists;
    # §5.2 BEN-01 "INTRASPINAL_DRUG_DELIVERY"; §5.4 COD-03 "50, LT or RT", COD-04 "units ≠ 1";
    # §5.5 step 7 FREQ-01 "62327", "approve", 365 days.
    assert (policy.scope.trigger_procedure_code, policy.scope.jw_modifier) == ("62327", "JW")
    assert policy.scope.earliest_header_dos == date(2025, 1, 1)
    v = policy.validation
    assert v.claim_id_pattern == "^[A-Z0-9-]{6,30}$"
    assert v.sexes == {"F", "M", "U"}
    assert v.npi_luhn_prefix == "80840"
    assert v.place_of_service_pattern == "^[0-9]{2}$"
    assert v.drug_procedure_code_pattern == "^[A-V][0-9]{4}$"
    assert v.other_procedure_code_patterns == ("^[0-9]{4}[0-9A-Z]$", "^[A-V][0-9]{4}$")
    assert v.modifier_pattern == "^[0-9A-Z]{2}$"
    assert v.ndc_pattern == "^[0-9]{11}$"
    assert v.ndc_units_of_measure == {"UN", "ML", "GR", "F2", "ME"}
    assert v.max_concentration_or_volume == 10_000
    assert (v.routes, v.delivery_modes) == ({IT, EP}, {"bolus", "continuous"})
    assert v.diluted_preparation == "diluted"
    assert policy.benefit_exclusion == "INTRASPINAL_DRUG_DELIVERY"
    assert policy.bilateral_modifiers == {"50", "LT", "RT"}
    assert policy.catheter_units == 1
    f = policy.frequency
    assert (f.window_days, f.procedure_code, f.counted_decision) == (365, "62327", "approve")


def test_version_dates_and_reference_versions() -> None:
    # §1.6: ITDD 1.0.0 (2025-01-01, 2025-01-01) and ITDD 1.1.0 (2026-07-01, 2026-07-01);
    # §8.1 drug_file "2026-01" for 1.0.0, 1.1.0 header: drug_file "2026-07"; ncci "n/a".
    assert (V100.first_header_dos, V100.first_processing_date) == (date(2025, 1, 1),) * 2
    assert (V110.first_header_dos, V110.first_processing_date) == (date(2026, 7, 1),) * 2
    assert V100.reference_versions == {"drug_file": "2026-01", "ncci": "n/a"}
    assert V110.reference_versions == {"drug_file": "2026-07", "ncci": "n/a"}
    assert (V100.label, V110.label) == ("ITDD-1.0.0", "ITDD-1.1.0")


def test_setting_per_version() -> None:
    # §4.4 / COD-02: 19, 21, 22; policy-changes-1.1.0 §3.1: 19, 21, 22 or 24.
    assert V100.allowed_places_of_service == {"19", "21", "22"}
    assert V110.allowed_places_of_service == {"19", "21", "22", "24"}


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            out.update(_flatten(value, f"{prefix}/{key}"))
        return out
    return {prefix: obj}


def test_1_1_0_differs_from_1_0_0_only_by_the_notice() -> None:
    # policy-changes-1.1.0: "Everything in policy-spec.md that this notice does not replace
    # stays in force"; changes 1 (POS 24), 2 (J1170, J7799 and their NDCs), 3 (baclofen 1.0 mg);
    # "Rule order, aggregation, CARC/RARC mappings, … the medical-necessity criteria are
    # unchanged". Everything else of the two data files is equal.
    old = _flatten(V100.model_dump(mode="json"))
    new = _flatten(V110.model_dump(mode="json"))
    changed = {k for k in old.keys() & new.keys() if old[k] != new[k]}
    added = new.keys() - old.keys()
    assert not old.keys() - new.keys()
    assert {k.split("/")[1] for k in changed | added} == {
        "version",
        "source",
        "first_header_dos",
        "first_processing_date",
        "reference_versions",
        "allowed_places_of_service",
        "drugs",
        "safety_thresholds",
        # the notice's own wording of the five rules it rewrites (COD-02, EI-03, DRUG-02/03/06)
        "plan_language",
    }
    drug_changes = {"/".join(k.split("/")[:4]) for k in changed | added if "/drugs/" in k}
    assert drug_changes == {
        "/drugs/hcpcs/J1170",
        "/drugs/hcpcs/J7799",
        "/drugs/products/63323085110",
        "/drugs/products/99207000120",
    }


# --- §1.6 version selection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("processing", "header", "version"),
    [
        # §1.6 / policy-changes-1.1.0 §2.
        ("2026-07-01", "2026-07-01", "1.1.0"),
        ("2026-07-01", "2026-06-30", "1.0.0"),
        ("2026-06-30", "2026-07-01", "1.0.0"),
        ("2027-01-01", "2026-12-31", "1.1.0"),
        ("2025-01-01", "2025-01-01", "1.0.0"),
        ("2024-12-31", "2024-12-31", "1.0.0"),  # none qualifies -> 1.0.0
        ("2026-08-01", None, "1.1.0"),  # header not an ISO date: processing date only
        ("2026-06-30", None, "1.0.0"),
    ],
)
def test_version_selection_dates(processing: str, header: str | None, version: str) -> None:
    chosen = select_version(
        date.fromisoformat(processing), date.fromisoformat(header) if header else None
    )
    assert chosen.version == version


VERSION_PROBES: list[tuple[str, Mutation, str | None, Expectation, str, str | None]] = [
    # (id, mutation, what-if version, expectation, policy_version, icd10cm)
    (
        "v-both-dates-on-2026-07-01",
        all_of(
            all_dates("2026-07-01"),
            setter("context.processing_date", "2026-07-01"),
            setter("claim.place_of_service", "24"),
        ),
        None,
        Decided("approve"),
        "ITDD-1.1.0",
        "FY2026",
    ),
    (
        "v-header-before-1.1.0",
        all_of(
            all_dates("2026-06-30"),
            setter("context.processing_date", "2026-07-15"),
            setter("claim.place_of_service", "24"),
        ),
        None,
        Gate("ITDD-COD-02", "CO", "58", ("N428",)),
        "ITDD-1.0.0",
        "FY2026",
    ),
    (
        "v-processing-before-1.1.0",
        all_of(all_dates("2026-07-01"), setter("context.processing_date", "2026-06-30")),
        None,
        Gate("ITDD-DATE-01", "CO", "110"),
        "ITDD-1.0.0",
        "FY2026",
    ),
    (
        "v-header-not-iso-processing-only",
        all_of(
            setter("claim.service_date", "2026-07-32"),
            setter("context.processing_date", "2026-08-01"),
        ),
        None,
        structural("ITDD-VAL-05", "M52"),
        "ITDD-1.1.0",
        None,
    ),
    (
        "v-header-not-iso-early-processing",
        all_of(
            setter("claim.service_date", "2026-7-10"),
            setter("context.processing_date", "2026-06-30"),
        ),
        None,
        structural("ITDD-VAL-05", "M52"),
        "ITDD-1.0.0",
        None,
    ),
    (
        "v-no-version-qualifies",
        all_of(
            all_dates("2024-12-31"),
            setter("context.processing_date", "2026-08-01"),
            setter("eligibility.coverage_start", None),
        ),
        None,
        Ignored("ITDD-SCOPE-04"),
        "ITDD-1.0.0",
        "FY2025",
    ),
    (
        "v-processing-before-any-version",
        setter("context.processing_date", "2024-12-31"),
        None,
        Gate("ITDD-DATE-01", "CO", "110"),
        "ITDD-1.0.0",
        "FY2026",
    ),
    (
        "v-what-if-1.1.0-on-early-claim",
        setter("claim.place_of_service", "24"),
        "1.1.0",
        Decided("approve"),
        "ITDD-1.1.0",
        "FY2026",
    ),
    (
        "v-what-if-1.0.0-on-late-claim",
        all_of(
            all_dates("2026-07-10"),
            setter("context.processing_date", "2026-07-20"),
            setter("claim.place_of_service", "24"),
        ),
        "1.0.0",
        Gate("ITDD-COD-02", "CO", "58", ("N428",)),
        "ITDD-1.0.0",
        "FY2026",
    ),
    (
        "v-what-if-1.1.0-scope04-unchanged",
        all_of(all_dates("2024-12-31"), setter("eligibility.coverage_start", None)),
        "1.1.0",
        Ignored("ITDD-SCOPE-04"),
        "ITDD-1.1.0",
        "FY2025",
    ),
]


@pytest.mark.parametrize(
    ("mutation", "version", "expect", "policy_version", "icd10cm"),
    [pytest.param(*probe[1:], id=probe[0]) for probe in VERSION_PROBES],
)
def test_version_selection(
    mutation: Mutation,
    version: str | None,
    expect: Expectation,
    policy_version: str,
    icd10cm: str | None,
) -> None:
    # §1.6: latest version whose first processing date <= processing_date and first header
    # DOS <= header DOS; header DOS not ISO: processing date only; none: 1.0.0. §8.1: the
    # record carries the deciding version; icd10cm is the code set of §A.8, null without DOS.
    record = run(BASE, mutation, version)
    verify(record, expect)
    assert record["policy_version"] == policy_version
    assert record["reference_versions"]["icd10cm"] == icd10cm
    assert record["reference_versions"]["drug_file"] == (
        "2026-07" if policy_version == "ITDD-1.1.0" else "2026-01"
    )


def test_version_1_1_0_selected_for_hydromorphone() -> None:
    # policy-changes-1.1.0 §2: header DOS and processing date on/after 2026-07-01 → 1.1.0;
    # TC-062 then denies EI-03 (CO-55/N623) instead of DRUG-02 (§4 of the notice).
    mutate = all_of(all_dates("2026-07-01"), setter("context.processing_date", "2026-07-02"))
    record = run("ITDD-TC-062", mutate)
    verify(
        record,
        Decided("deny", "55", ("N623",), ("ITDD-EI-03", "ITDD-AGG-01", "ITDD-AGG-02")),
    )
    assert record["policy_version"] == "ITDD-1.1.0"


def test_v11_selected_on_header_dos_and_processing_date() -> None:
    # 1.1.0 §2 / §1.6: header DOS ≥ 2026-07-01 and processed ≥ 2026-07-01 -> 1.1.0; POS 24.
    record = run("ITDD-TC-061", all_dates("2026-07-01", "2026-07-01"))
    check(record, Expect("approve", rule_ids=(*PAIN_MN, *AGG)))
    assert record["policy_version"] == "ITDD-1.1.0"
    assert record["reference_versions"]["drug_file"] == "2026-07"


def test_v10_keeps_claims_with_an_earlier_header_dos() -> None:
    # 1.1.0 §2: "A claim with an earlier header DOS stays under 1.0.0, whenever it is
    # processed", even when a line DOS is on or after 2026-07-01 (§2.4: version by header).
    def mutate(raw: Raw) -> None:
        all_dates("2026-06-30", "2026-08-01")(raw)

    record = run("ITDD-TC-061", mutate)
    check(record, Expect("deny", "58", ("N428",), ("ITDD-COD-02",)))
    assert record["policy_version"] == "ITDD-1.0.0"


def test_v11_not_in_force_before_its_processing_date() -> None:
    # §1.6: the version's first processing date must be on or before processing_date.
    record = run("ITDD-TC-061", all_dates("2026-07-01", "2026-06-30"))
    assert record["policy_version"] == "ITDD-1.0.0"
    check(record, Expect("deny", "110", (), ("ITDD-DATE-01",)))


def test_v11_with_header_dos_not_an_iso_date_uses_processing_date_only() -> None:
    # §1.6: "When the header DOS is not an ISO date ... only the processing-date condition".
    record = run("ITDD-TC-061", all_of(V11, setter("claim.service_date", "2026/07/15")))
    assert record["policy_version"] == "ITDD-1.1.0"
    assert record["reference_versions"]["icd10cm"] is None
    check(record, Expect("deny", "16", ("MA130", "M52"), ("ITDD-VAL-05",), category="A7"))


def test_v11_version_follows_the_header_dos_not_the_line_dos() -> None:
    # §2.4: version selection (§1.6) uses the header DOS. Header 2026-07-01, every line
    # 2026-06-30: 1.1.0 decides, so 0.9 mg of baclofen no longer pends (1.1.0 §3.5).
    def mutate(raw: Raw) -> None:
        all_dates("2026-06-30", "2026-07-05")(raw)
        raw["claim"]["service_date"] = "2026-07-01"

    record = run("ITDD-TC-064", mutate)
    assert record["policy_version"] == "ITDD-1.1.0"
    check(record, Expect("approve", rule_ids=(*SPAS_MN, *AGG)))


def test_header_dos_before_2025_stays_under_1_0_0() -> None:
    # §1.6: no version qualifies on the header DOS -> 1.0.0 decides and SCOPE-04 settles it.
    record = run("ITDD-TC-006", all_dates("2024-12-31", "2026-08-01"))
    assert record["policy_version"] == "ITDD-1.0.0"
    assert record["decision"] == "ignore"
    assert record["rule_ids"] == ["ITDD-SCOPE-04"]


def test_v11_decides_a_future_dos_that_date_01_then_denies() -> None:
    # 1.1.0 §2: header DOS ≥ 2026-07-01 and processing date ≥ 2026-07-01 -> 1.1.0, even when
    # the DOS is after the processing date (DATE-01 then denies).
    record = run("ITDD-TC-006", all_dates("2026-08-01", "2026-07-15"))
    assert record["policy_version"] == "ITDD-1.1.0"
    check(record, Expect("deny", "110", (), ("ITDD-DATE-01",)))


def test_what_if_names_the_version_whatever_the_dates() -> None:
    # §1.6: "What-if run: the run names one version and applies it to every claim".
    record = run("ITDD-TC-064", NOTHING, version="1.1.0")
    assert record["policy_version"] == "ITDD-1.1.0"
    check(record, Expect("approve", rule_ids=(*SPAS_MN, *AGG)))
    back = run("ITDD-TC-064", V11, version="1.0.0")
    assert back["policy_version"] == "ITDD-1.0.0"
    assert back["decision"] == "pend"


@pytest.mark.parametrize(
    ("header", "expected", "version"),
    [
        # A POS 24 claim (TC-061) processed 2026-07-15: the header DOS picks the version.
        ("2026-07-01", APPROVE_NC, "ITDD-1.1.0"),
        ("2026-06-30", ("deny", "58", ["N428"], ["ITDD-COD-02"]), "ITDD-1.0.0"),
    ],
)
def test_pos_24_by_header_dos(header: str, expected: tuple[Any, ...], version: str) -> None:
    raw = request_of("ITDD-TC-061")
    all_dates(header)(raw)
    raw["context"]["processing_date"] = "2026-07-15"
    record = decide_raw(raw)
    assert (claim_outcome(record), record["policy_version"]) == (expected, version)


@pytest.mark.parametrize(
    ("case", "v100", "v110"),
    [
        (
            "ITDD-TC-061",
            ("deny", "58", ["N428"], ["ITDD-COD-02"]),
            APPROVE_NC,
        ),
        (
            "ITDD-TC-062",
            N657,
            ("deny", "55", ["N623"], ["ITDD-EI-03", *AGG]),
        ),
        (
            "ITDD-TC-063",
            N657,
            ("deny", "55", ["N623"], ["ITDD-EI-03", *AGG]),
        ),
        (
            "ITDD-TC-064",
            ("pend", None, [], ["ITDD-MN-03", "ITDD-MN-05", "ITDD-SAFE-01", *AGG]),
            APPROVE_SP,
        ),
    ],
)
def test_1_1_0_worked_examples(case: str, v100: tuple[Any, ...], v110: tuple[Any, ...]) -> None:
    # policy-changes-1.1.0 §4 table ("what-if run with 1.1.0"); the 1.0.0 record is untouched.
    assert claim_outcome(decide_raw(request_of(case))) == v100
    record = decide_raw(request_of(case), "1.1.0")
    assert claim_outcome(record) == v110
    assert record["policy_version"] == "ITDD-1.1.0"
    assert record["reference_versions"]["drug_file"] == "2026-07"
    if case in {"ITDD-TC-062", "ITDD-TC-063"}:  # "with every line denied CO-55/N623"
        assert {(d["carc"], tuple(d["rarc"])) for d in record["line_decisions"]} == {
            ("55", ("N623",))
        }
