"""Probes of the policy DATA against the written policy (policy-spec.md Appendices A–F, §5, §8,
and policy-changes-1.1.0.md).

Three layers:

1. The data files, table by table, against the spec tables transcribed here (each constant
   cites its spec row). The transcription is the spec's literal text, not the data file.
2. The diagnosis mapping (`policy.codeset`, `policy.enrichment.indication_groups`) with many real
   ICD-10-CM codes inside and outside every list, prefix and pattern of Appendix A, with 7th
   characters, headers, both fiscal years of §A.8 and the written form of codes; plus a sweep
   of every code of the tabular in the neighbouring categories against a literal reading of §A.
3. Whole requests: a public case with other diagnosis codes, NDCs, HCPCS or dates, decided by
   the engine, checked for decision, CARC, RARC and `rule_ids`.

A passing probe documents behaviour; a failing probe is a divergence from the spec text.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

import pytest
import simple_icd_10_cm as icd

from policy.catalog import load_policy, select_version
from policy.codeset import code_set_for
from policy.enrichment import billing_units, indication_groups, product_for
from tests.unit.conftest import decide_raw, request_of
from tests.unit.policy.rulecases import FOLLOWUP_P2, FOLLOWUP_P3, Raw, all_dates, drug, line

V100 = load_policy("1.0.0")
V110 = load_policy("1.1.0")
VERSIONS = (V100, V110)

FY25_LAST = date(2025, 9, 30)  # §A.8: header DOS on or before 2025-09-30 -> FY2025
FY26_FIRST = date(2025, 10, 1)  # §A.8: header DOS on or after 2025-10-01 -> FY2026
DOS = date(2026, 2, 10)  # the public cases' header DOS (FY2026)

ITDD = frozenset(
    {
        "PAIN_NONCANCER",
        "PAIN_CANCER",
        "SPASTICITY_ETIOLOGY",
        "SPASTICITY_ETIOLOGY_TBI",
        "SPASTICITY_SYMPTOM",
    }
)
NC, CA, SE, TBI, SY, AP = (
    "PAIN_NONCANCER",
    "PAIN_CANCER",
    "SPASTICITY_ETIOLOGY",
    "SPASTICITY_ETIOLOGY_TBI",
    "SPASTICITY_SYMPTOM",
    "ACUTE_PERIOP",
)

# ============================================================================================
# Spec tables, transcribed literally
# ============================================================================================

# §A.1 PAIN_NONCANCER (every bullet).
A1 = frozenset(
    {
        "M96.1",
        "G89.0",
        "G89.21",
        "G89.22",
        "G89.28",
        "G89.29",
        "G89.4",
        "M54.16",
        "M54.17",
        "M51.16",
        "M51.17",
        "M48.061",
        "M48.062",
        "M47.816",
        "M47.817",
        "M54.41",
        "M54.42",
        "M54.50",
        "M54.51",
        "M54.59",
        "G54.4",
    }
)
# §A.3 SPASTICITY_ETIOLOGY, rows with explicit codes (MS rows and SCI patterns separately).
A3 = frozenset(
    {
        "G80.0",
        "G80.1",
        "G80.2",
        "G80.8",
        "G81.10",
        "G81.11",
        "G81.12",
        "G81.13",
        "G81.14",
        "G82.20",
        "G82.21",
        "G82.22",
        "G82.50",
        "G82.51",
        "G82.52",
        "G82.53",
        "G82.54",
        "G04.1",
        "G11.4",
        "G25.82",
        "I69.351",
        "I69.352",
        "I69.353",
        "I69.354",
        "I69.359",
    }
)
# §A.3 "Multiple sclerosis, header DOS ≥ 2025-10-01".
A3_MS_FY26 = frozenset(
    {"G35.A", "G35.B0", "G35.B1", "G35.B2", "G35.C0", "G35.C1", "G35.C2", "G35.D"}
)
# §A.3 "Spinal cord injury, sequela": 8 characters, beginning S14.1/S24.1/S34.1, ending S.
A3_SCI_PREFIXES = ("S14.1", "S24.1", "S34.1")
A5 = frozenset({"R25.2"})  # §A.5
A6 = frozenset({"G89.11", "G89.12", "G89.18"})  # §A.6

# §B.1 HCPCS accepted on drug lines: agent name, billing unit in mg.
B1 = {
    "J2274": ("morphine", 10.0),
    "J0475": ("baclofen", 10.0),
    "J0476": ("baclofen", 0.05),  # 50 mcg
    "J2278": ("ziconotide", 0.001),  # 1 mcg
    "J0735": ("clonidine", 1.0),
    "J3010": ("fentanyl", 0.1),
    "J0665": ("bupivacaine", 0.5),
}
# policy-changes-1.1.0 §3.3, rows added to §B.1 (J7799: one unit per line, whatever the dose).
B1_ADDED_110 = {"J1170": ("hydromorphone", 4.0), "J7799": ("compounded", None)}

# §B.2 plan drug file: NDC-11 -> (HCPCS, agent, strength mg/mL).
B2 = {
    "00641601910": ("J2274", "morphine", 1.0),  # Duramorph
    "66794016002": ("J2274", "morphine", 10.0),  # Mitigo
    "00641604001": ("J2274", "morphine", 25.0),  # Infumorph 500
    "66794015101": ("J0476", "baclofen", 0.05),  # Gablofen 50 mcg/mL
    "66794015702": ("J0475", "baclofen", 2.0),  # Gablofen 2000 mcg/mL
    "70720072010": ("J2278", "ziconotide", 0.1),  # Prialt
    "39822200001": ("J0735", "clonidine", 0.1),  # Clonidine epidural
    "00409909422": ("J3010", "fentanyl", 0.05),
    "31722027531": ("J0665", "bupivacaine", 2.5),
    "00409189101": ("J2270", "morphine", 4.0),  # Carpuject (systemic)
    "68094000162": (None, "morphine", 2.0),  # oral solution, HCPCS "(none)"
}
# policy-changes-1.1.0 §3.3, rows added to §B.2.
B2_ADDED_110 = {
    "63323085110": ("J1170", "hydromorphone", 10.0),
    "99207000120": ("J7799", "compounded", 20.0),
}
_PAIN = frozenset({NC, CA})
_SPAST = frozenset({SE, TBI, SY})
IT, EP = "intrathecal", "epidural"
# §B.2 "Labeled routes, delivery modes and indication groups" (None: not labeled).
B2_LABELS: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]] | None] = {
    "00641601910": (frozenset({IT, EP}), frozenset({"bolus"}), _PAIN),
    "66794016002": (frozenset({IT, EP}), frozenset({"continuous"}), _PAIN),
    "00641604001": (frozenset({IT, EP}), frozenset({"continuous"}), _PAIN),
    "66794015101": (frozenset({IT}), frozenset({"bolus"}), _SPAST),
    "66794015702": (frozenset({IT}), frozenset({"continuous"}), _SPAST),
    "70720072010": (frozenset({IT}), frozenset({"continuous"}), _PAIN),
    "39822200001": (frozenset({EP}), frozenset({"continuous"}), frozenset({CA})),
    "00409909422": None,
    "31722027531": None,
    "00409189101": None,
    "68094000162": None,
}

# Appendix D (1.0.0) and policy-changes-1.1.0 §3.5: (agent, route) -> pend above (mg).
D_100 = {("morphine", IT): 10.0, ("morphine", EP): 30.0, ("baclofen", IT): 0.8}
D_110 = {("morphine", IT): 10.0, ("morphine", EP): 30.0, ("baclofen", IT): 1.0}

# Appendix F.
F_ACTIVE = frozenset(
    [f"6232{d}" for d in range(8)]
    + ["62350", "62351", "62355", "62360", "62361", "62362", "62365"]
    + ["62367", "62368", "62369", "62370", "95990", "95991", "77003", "77012", "01996"]
    + ["99202", "99203", "99204", "99205", "99211", "99212", "99213", "99214", "99215"]
    + ["99221", "99222", "99223", "99231", "99232", "99233", "99238", "99239"]
)
F_DELETED = frozenset({"62310", "62311", "62318", "62319"})

# §5 rule tables (+ §5.5 line rules, §7): outcome -> (group, CARC, RARCs in written order, 277).
# The key is the data file's key ("rule" or "rule/condition").
S5 = {
    "ITDD-VAL-01": ("CO", "16", ("MA130",), "A7"),
    "ITDD-VAL-02": ("CO", "16", ("MA130", "N382"), "A6"),
    "ITDD-VAL-03/dob": ("CO", "16", ("MA130", "N329"), "A7"),
    "ITDD-VAL-03/sex": ("CO", "16", ("MA130", "MA39"), "A7"),
    "ITDD-VAL-04": ("CO", "16", ("MA130", "N290"), "A7"),
    "ITDD-VAL-05": ("CO", "16", ("MA130", "M52"), "A7"),
    "ITDD-VAL-06": ("CO", "16", ("MA130", "M77"), "A7"),
    "ITDD-VAL-07/drug_code": ("CO", "16", ("MA130", "M20"), "A7"),
    "ITDD-VAL-07/other_code": ("CO", "16", ("MA130", "M51"), "A7"),
    "ITDD-VAL-07/modifier": ("CO", "16", ("MA130", "N823"), "A7"),
    "ITDD-VAL-08/units": ("CO", "16", ("MA130", "M53"), "A7"),
    "ITDD-VAL-08/charge": ("CO", "16", ("MA130", "M79"), "A7"),
    "ITDD-VAL-09": ("CO", "16", ("MA130", "M76"), "A7"),
    "ITDD-VAL-10/ndc": ("CO", "16", ("MA130", "M119"), "A7"),
    "ITDD-VAL-10/unit_of_measure": ("CO", "16", ("MA130", "N816"), "A7"),
    "ITDD-VAL-10/amount": ("CO", "16", ("MA130", "M123"), "A7"),
    "ITDD-VAL-10/quantity": ("CO", "16", ("MA130", "N815"), "A7"),
    "ITDD-VAL-10/route_mode": ("CO", "16", ("MA130", "N349"), "A7"),
    "ITDD-DUP-01": ("OA", "18", ("N111",), "F2"),
    "ITDD-ELIG-01": ("PR", "31", (), "F2"),
    "ITDD-ELIG-03": ("CO", "14", (), "F2"),
    "ITDD-ELIG-02/before_start": ("PR", "26", (), "F2"),
    "ITDD-ELIG-02/after_end": ("PR", "27", (), "F2"),
    "ITDD-DATE-01": ("CO", "110", (), "F2"),
    "ITDD-DX-01": ("CO", "16", ("MA130", "M76"), "A6"),
    "ITDD-DX-02/unknown": ("CO", "146", ("M76",), "F2"),
    "ITDD-DX-02/header": ("CO", "146", ("M81",), "F2"),
    "ITDD-BEN-01": ("CO", "96", ("N130",), "F2"),
    "ITDD-DX-03": ("CO", "11", (), "F2"),
    "ITDD-DX-04": ("CO", "11", (), "F2"),
    "ITDD-COD-02": ("CO", "58", ("N428",), "F2"),
    "ITDD-COD-03": ("CO", "4", ("N823",), "F2"),
    "ITDD-COD-04": ("CO", "16", ("N430",), "F2"),
    "ITDD-DRUG-01": ("CO", "16", ("N349",), "F2"),
    "ITDD-DRUG-02": ("CO", "16", ("N657",), "F2"),
    "ITDD-DRUG-03": ("CO", "16", ("M119",), "F2"),
    "ITDD-DRUG-04": ("CO", "16", ("N846",), "F2"),
    "ITDD-DRUG-05": ("CO", "16", ("M123",), "F2"),
    "ITDD-DRUG-06": ("CO", "16", ("M53",), "F2"),
    "ITDD-COD-01": ("CO", "181", ("M51",), "F2"),  # line only (§7)
    "ITDD-BUN-01": ("CO", "97", ("M15",), "F2"),  # line only (§7)
    "ITDD-IND-01": ("CO", "11", (), "F2"),
    "ITDD-EI-01": ("CO", "55", ("N623",), "F2"),
    "ITDD-EI-02": ("CO", "55", ("N623",), "F2"),
    "ITDD-EI-03": ("CO", "55", ("N623",), "F2"),
    "ITDD-EI-04": ("CO", "55", ("N623",), "F2"),
    "ITDD-PA-02": ("CO", "55", ("N623",), "F2"),
    "ITDD-IND-03": ("CO", "167", ("N569",), "F2"),
    "ITDD-PA-01/no_pa": ("CO", "197", ("M62",), "F2"),
    "ITDD-PA-01/denied": ("CO", "39", (), "F2"),
    "ITDD-PA-01/wrong_service": ("CO", "284", ("N54",), "F2"),
    "ITDD-PA-01/expired": ("CO", "302", (), "F2"),
    "ITDD-PA-01/other_provider": ("CO", "296", ("N54",), "F2"),
    "ITDD-FREQ-01": ("CO", "119", ("N640",), "F2"),
    "ITDD-MN": ("CO", "50", ("N661",), "F2"),  # MN-01 … MN-05, §4.3 / §5.5 step 8
    # claim-lifecycle.md L.1: "dose_not_appropriate: deny the line CO-50 / N661"; "deny the
    # line CO-226 / N706 (rule ITDD-DOC-01 …)".
    "ITDD-SAFE-01": ("CO", "50", ("N661",), "F2"),
    "ITDD-DOC-01": ("CO", "226", ("N706",), "F2"),
}
# §6 AGG-01 with addendum L.1: "55 > 167 > 197 > 39 > 284 > 302 > 296 > 119 > 50 > 226 > 11".
PRECEDENCE = ("55", "167", "197", "39", "284", "302", "296", "119", "50", "226", "11")


# ============================================================================================
# 1. Data tables against the spec tables
# ============================================================================================


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


# ============================================================================================
# 2. Code set (§A.8) and group mapping (§A) probes
# ============================================================================================


def test_code_set_names_by_header_dos() -> None:
    # §A.8: "on or before 2025-09-30 (reference version FY2025)", "on or after 2025-10-01"
    # -> FY2026 (§8.1 icd10cm "FY2025" or "FY2026").
    assert code_set_for(FY25_LAST).name == "FY2025"
    assert code_set_for(FY26_FIRST).name == "FY2026"
    assert code_set_for(date(2025, 1, 1)).name == "FY2025"
    assert code_set_for(date(2026, 10, 1)).name == "FY2026"  # no FY2027 set in §A.8
    assert code_set_for(date(9999, 12, 31)).name == "FY2026"


STATUS_PROBES = [
    # (code, status FY2025 (DOS ≤ 2025-09-30), status FY2026 (DOS ≥ 2025-10-01))
    # §A.8 / §5.3: "G35 is billable for DOS up to 2025-09-30. From 2025-10-01 it is a
    # non-billable header"; FY2025: "every code beginning G35. does not exist".
    ("G35", "billable", "header"),
    ("G35.A", "unknown", "billable"),
    ("G35.B", "unknown", "header"),
    ("G35.B0", "unknown", "billable"),
    ("G35.B1", "unknown", "billable"),
    ("G35.B2", "unknown", "billable"),
    ("G35.C", "unknown", "header"),
    ("G35.C0", "unknown", "billable"),
    ("G35.C1", "unknown", "billable"),
    ("G35.C2", "unknown", "billable"),
    ("G35.D", "unknown", "billable"),
    ("G35.A0", "unknown", "unknown"),
    # §A.7 known invalid codes.
    ("M54.5", "header", "header"),
    ("G89.5", "unknown", "unknown"),
    ("M96.9", "unknown", "unknown"),
    # §A.8 written form: "Any other spelling (M961, m96.1, M96.1 ) is a code that does not
    # exist".
    ("M961", "unknown", "unknown"),
    ("m96.1", "unknown", "unknown"),
    ("M96.1 ", "unknown", "unknown"),
    (" M96.1", "unknown", "unknown"),
    ("M96.1\n", "unknown", "unknown"),
    ("g35", "unknown", "unknown"),
    ("S060X0S", "unknown", "unknown"),
    ("s06.0x0s", "unknown", "unknown"),
    ("S06.0x0S", "unknown", "unknown"),
    ("C50.9111", "unknown", "unknown"),
    ("C00-C96", "unknown", "unknown"),  # a tabular block name is not a code
    ("G80-G83", "unknown", "unknown"),
    ("M96.", "unknown", "unknown"),
    ("G35.", "unknown", "unknown"),
    ("S06.0X0s", "unknown", "unknown"),
    ("\u041c96.1", "unknown", "unknown"),  # Cyrillic capital Em, not ASCII M
    ("M\uff196.1", "unknown", "unknown"),  # full-width digit nine
    ("M96.1.", "unknown", "unknown"),
    ("M96.1", "billable", "billable"),
    ("M96", "header", "header"),
    ("M96.10", "unknown", "unknown"),
    # billable vs header in the FY2026 tabular ("billable when it has no children").
    ("G89.3", "billable", "billable"),
    ("G89", "header", "header"),
    ("G89.1", "header", "header"),
    ("G89.2", "header", "header"),
    ("M51.36", "header", "header"),
    ("M51.360", "billable", "billable"),
    ("M47.81", "header", "header"),
    ("M48.06", "header", "header"),
    ("I69.35", "header", "header"),
    ("G82.2", "header", "header"),
    ("G82.5", "header", "header"),
    ("G81.1", "header", "header"),
    ("R25", "header", "header"),
    ("R52", "billable", "billable"),
    ("C61", "billable", "billable"),
    ("C50", "header", "header"),
    ("C50.9", "header", "header"),
    ("C50.911", "billable", "billable"),
    ("C7A", "header", "header"),
    ("C7A.00", "billable", "billable"),
    ("C4A.9", "billable", "billable"),
    ("C80", "header", "header"),
    ("C80.1", "billable", "billable"),
    # 7th characters (§A.3, §A.4): sequela codes exist; the 6-character stem is a header.
    ("S06.0X0S", "billable", "billable"),
    ("S06.0X0A", "billable", "billable"),
    ("S06.0X0", "header", "header"),
    ("S06.0X", "header", "header"),
    ("S06", "header", "header"),
    ("S06.A0XS", "billable", "billable"),
    ("S06.A0X", "unknown", "unknown"),
    ("S24.104S", "billable", "billable"),
    ("S24.104", "header", "header"),
    ("S14.10XS", "unknown", "unknown"),
    ("S34.1", "header", "header"),
    # §A.8 "No other difference is applied in this version": a code new in FY2026 other than
    # G35.x is treated as existing for a FY2025 DOS too (see the report's questions).
    ("E11.A", "billable", "billable"),
]


def test_code_status_by_fiscal_year() -> None:
    wrong = []
    for code, fy25, fy26 in STATUS_PROBES:
        got = tuple(code_set_for(d).status(code) for d in (FY25_LAST, FY26_FIRST, DOS))
        if got != (fy25, fy26, fy26):
            wrong.append((code, got, "spec:", (fy25, fy26, fy26)))
    assert wrong == []


def test_non_string_code_does_not_exist() -> None:
    # §5.3 DX-02: "the code is not a string in the written form of §A.8 … → M76".
    for code in (None, 42, 96.1, ["M96.1"], {"code": "M96.1"}, True):
        assert code_set_for(DOS).status(code) == "unknown"
        assert indication_groups(code, DOS, V100) == frozenset()


GROUP_PROBES: list[tuple[str, date, frozenset[str]]] = [
    # --- §A.1 PAIN_NONCANCER: every listed code, and neighbours that are not listed.
    *[(code, DOS, frozenset({NC})) for code in sorted(A1)],
    *[(code, FY25_LAST, frozenset({NC})) for code in sorted(A1)],
    ("M54.40", DOS, frozenset()),  # lumbago with sciatica, unspecified side: not listed
    ("M54.18", DOS, frozenset()),
    ("M54.15", DOS, frozenset()),
    ("M51.15", DOS, frozenset()),
    ("M51.26", DOS, frozenset()),
    ("M48.07", DOS, frozenset()),
    ("M48.061", DOS, frozenset({NC})),
    ("M47.818", DOS, frozenset()),
    ("M47.815", DOS, frozenset()),
    ("M54.9", DOS, frozenset()),
    ("M54.89", DOS, frozenset()),
    ("G54.1", DOS, frozenset()),
    ("R52", DOS, frozenset()),
    ("M51.360", DOS, frozenset()),
    ("T85.840S", DOS, frozenset()),
    # --- §A.2 PAIN_CANCER: "G89.3, and any code beginning with C".
    ("G89.3", DOS, frozenset({CA})),
    ("C61", DOS, frozenset({CA})),
    ("C79.51", DOS, frozenset({CA})),
    ("C50.911", DOS, frozenset({CA})),
    ("C00.0", DOS, frozenset({CA})),
    ("C7A.00", DOS, frozenset({CA})),
    ("C4A.9", DOS, frozenset({CA})),
    ("C80.1", DOS, frozenset({CA})),
    ("C91.00", DOS, frozenset({CA})),
    ("C96.9", DOS, frozenset({CA})),
    ("C61", FY25_LAST, frozenset({CA})),
    ("D49.9", DOS, frozenset()),  # neoplasm of unspecified behaviour: not a C-code
    ("D03.9", DOS, frozenset()),
    ("Z85.3", DOS, frozenset()),
    ("c61", DOS, frozenset()),  # not the written form
    # --- §A.3 SPASTICITY_ETIOLOGY, listed codes and neighbours.
    *[(code, DOS, frozenset({SE})) for code in sorted(A3)],
    ("G80.3", DOS, frozenset()),
    ("G80.4", DOS, frozenset()),
    ("G80.9", DOS, frozenset()),
    ("G81.00", DOS, frozenset()),
    ("G81.90", DOS, frozenset()),
    ("G83.4", DOS, frozenset()),
    ("G11.3", DOS, frozenset()),
    ("G25.81", DOS, frozenset()),
    ("I69.331", DOS, frozenset()),
    ("I69.361", DOS, frozenset()),
    ("I69.051", DOS, frozenset()),
    ("I69.151", DOS, frozenset()),
    ("I69.851", DOS, frozenset()),
    # MS by header DOS (§A.3 two MS rows).
    *[(code, FY26_FIRST, frozenset({SE})) for code in sorted(A3_MS_FY26)],
    *[(code, FY25_LAST, frozenset()) for code in sorted(A3_MS_FY26)],  # do not exist
    ("G35", FY25_LAST, frozenset({SE})),
    ("G35", date(2025, 1, 1), frozenset({SE})),
    # SCI sequela patterns: "8 characters …, beginning S14.1, S24.1 or S34.1 and ending S".
    ("S14.101S", DOS, frozenset({SE})),
    ("S14.109S", DOS, frozenset({SE})),
    ("S14.159S", DOS, frozenset({SE})),
    ("S24.104S", DOS, frozenset({SE})),
    ("S24.159S", DOS, frozenset({SE})),
    ("S34.101S", DOS, frozenset({SE})),
    ("S34.114S", DOS, frozenset({SE})),
    ("S34.139S", DOS, frozenset({SE})),
    ("S24.104S", FY25_LAST, frozenset({SE})),
    ("S14.101A", DOS, frozenset()),
    ("S14.101D", DOS, frozenset()),
    ("S24.104A", DOS, frozenset()),
    ("S34.139D", DOS, frozenset()),
    ("S14.0XXS", DOS, frozenset()),
    ("S14.2XXS", DOS, frozenset()),
    ("S24.0XXS", DOS, frozenset()),
    ("S34.01XS", DOS, frozenset()),
    ("S34.3XXS", DOS, frozenset()),
    # --- §A.4 SPASTICITY_ETIOLOGY_TBI: "S06.xxxxS: 8 characters …, beginning S06., ending S".
    ("S06.0X0S", DOS, frozenset({TBI})),
    ("S06.2X9S", DOS, frozenset({TBI})),
    ("S06.9X9S", DOS, frozenset({TBI})),
    ("S06.1X5S", DOS, frozenset({TBI})),
    ("S06.A0XS", DOS, frozenset({TBI})),
    ("S06.A1XS", DOS, frozenset({TBI})),
    ("S06.2X9S", FY25_LAST, frozenset({TBI})),
    ("S06.0X0A", DOS, frozenset()),
    ("S06.2X9D", DOS, frozenset()),
    ("S09.90XS", DOS, frozenset()),
    # --- §A.5 SPASTICITY_SYMPTOM.
    ("R25.2", DOS, frozenset({SY})),
    ("R25.1", DOS, frozenset()),
    ("R25.8", DOS, frozenset()),
    ("M62.830", DOS, frozenset()),
    ("M62.838", DOS, frozenset()),
    # --- §A.6 ACUTE_PERIOP.
    ("G89.11", DOS, frozenset({AP})),
    ("G89.12", DOS, frozenset({AP})),
    ("G89.18", DOS, frozenset({AP})),
    ("G89.11", FY25_LAST, frozenset({AP})),
    # --- a code that does not exist for the header DOS belongs to no group (§A: "A code is in
    # a group when it is a valid code (DX-02)").
    ("G35.C1", FY25_LAST, frozenset()),
    ("M961", DOS, frozenset()),
    ("m96.1", DOS, frozenset()),
    ("r25.2", DOS, frozenset()),
    ("S06.0x0S", DOS, frozenset()),
    ("G89.5", DOS, frozenset()),
    ("C50.9111", DOS, frozenset()),
]


@pytest.mark.parametrize("policy", VERSIONS, ids=lambda p: p.version)
def test_indication_groups(policy: Any) -> None:
    wrong = [
        (code, day.isoformat(), sorted(got), "spec:", sorted(groups))
        for code, day, groups in GROUP_PROBES
        if (got := indication_groups(code, day, policy)) != groups
    ]
    assert wrong == []


def test_header_code_groups_are_never_used() -> None:
    # §A: "A code is in a group when it is a valid code (DX-02)". The mapping function alone
    # still gives a header its pattern groups (C50 -> PAIN_CANCER), but DX-02 denies a header
    # (M81) before any group is read (§5 order: DX-02 → SCOPE-02 → … → DX-03), so the claim
    # outcome is M81 whatever the mapping. Documented here; see the report's questions.
    assert indication_groups("C50", DOS, V100) == {CA}
    for code in ("G35", "C50", "C50.9", "C7A", "S06.0X0", "M54.5", "G89.2", "R25"):
        assert code_set_for(FY26_FIRST).status(code) == "header"
        record = _decide_with_dx("ITDD-TC-006", [code, "M96.1"])
        assert _outcome(record) == ("deny", "146", ["M81"], ["ITDD-DX-02"]), code


def _spec_status(code: str, day: date) -> str:
    """§A.8 read literally, on the FY2026 tabular of simple-icd-10-cm."""
    if not re.fullmatch(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", code):
        return "unknown"
    if day <= FY25_LAST:
        if code == "G35":
            return "billable"
        if code.startswith("G35."):
            return "unknown"
    if not icd.is_valid_item(code):
        return "unknown"
    return "billable" if icd.is_leaf(code) else "header"


def _spec_groups(code: str, day: date) -> frozenset[str]:
    """§A.1–§A.6 read literally, for a billable code."""
    groups = set()
    if code in A1:
        groups.add(NC)
    if code == "G89.3" or code.startswith("C"):
        groups.add(CA)
    if (
        code in A3
        or (day >= FY26_FIRST and code in A3_MS_FY26)
        or (day <= FY25_LAST and code == "G35")
        or (len(code) == 8 and code.endswith("S") and code.startswith(A3_SCI_PREFIXES))
    ):
        groups.add(SE)
    if len(code) == 8 and code.startswith("S06.") and code.endswith("S"):
        groups.add(TBI)
    if code in A5:
        groups.add(SY)
    if code in A6:
        groups.add(AP)
    return frozenset(groups)


# The categories that Appendix A names or borders.
_SWEEP_CATEGORIES = frozenset(
    {
        *("M96", "G89", "M54", "M51", "M48", "M47", "G54", "G80", "G35", "G81", "G82", "G83"),
        *("G04", "G11", "G25", "I69", "S14", "S24", "S34", "S06", "S09", "R25", "R52", "M62"),
        *("C79", "C7A", "C4A", "C50", "C61", "C91", "D49", "Z85", "T85"),
    }
)


def test_sweep_neighbouring_categories_against_literal_appendix_a() -> None:
    # Every code of the tabular in those categories (≈3,000 codes, 7th-character codes
    # included), on both sides of the §A.8 boundary: status per §A.8 and groups per §A.1–§A.6
    # for billable codes (one version suffices: 1.1.0 changes no §A table, test above).
    codes = [c for cat in sorted(_SWEEP_CATEGORIES) for c in (cat, *icd.get_descendants(cat))]
    assert len(codes) > 2500
    wrong = []
    for day in (FY25_LAST, FY26_FIRST):
        code_set = code_set_for(day)
        for code in codes:
            status = _spec_status(code, day)
            if code_set.status(code) != status:
                wrong.append((day, code, "status", code_set.status(code), status))
            elif status == "billable":
                expected = _spec_groups(code, day)
                got = indication_groups(code, day, V100)
                if got != expected:
                    wrong.append((day, code, "groups", sorted(got), sorted(expected)))
    assert wrong == []


# ============================================================================================
# 3. Whole requests
# ============================================================================================


def _decide_with_dx(
    base: str,
    codes: list[Any],
    pointers: list[int] | None = None,
    version: str | None = None,
    mutate: Any = None,
) -> Raw:
    raw = request_of(base)
    raw["claim"]["diagnosis_codes"] = codes
    for item in raw["claim"]["lines"]:
        item["dx_pointers"] = list(pointers or range(1, len(codes) + 1))
    if mutate is not None:
        mutate(raw)
    return decide_raw(raw, version)


def _outcome(record: Raw) -> tuple[Any, ...]:
    return (record["decision"], record["carc"], record["rarc"], record["rule_ids"])


AGG = ["ITDD-AGG-01", "ITDD-AGG-02"]
APPROVE_NC = ("approve", None, [], ["ITDD-MN-01", "ITDD-MN-05", *AGG])
APPROVE_CA = ("approve", None, [], ["ITDD-MN-02", "ITDD-MN-05", *AGG])
APPROVE_SP = ("approve", None, [], ["ITDD-MN-03", "ITDD-MN-05", *AGG])
DX03 = ("deny", "11", [], ["ITDD-DX-03"])
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
        if (got := _outcome(_decide_with_dx("ITDD-TC-006", [code]))) != expected
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
    assert _outcome(_decide_with_dx("ITDD-TC-006", codes)) == expected


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
        if (got := _outcome(_decide_with_dx("ITDD-TC-012", [code]))) != expected
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
        if (got := _outcome(_decide_with_dx("ITDD-TC-019", [code]))) != expected
    ]
    assert wrong == []


def _tbi_months(months: Any) -> Any:
    def mutate(raw: Raw) -> None:
        raw["claim"]["documentation"]["months_since_brain_injury"] = months

    return mutate


@pytest.mark.parametrize("code", ["S06.0X0S", "S06.2X9S", "S06.9X9S", "S06.A0XS", "S06.1X5S"])
def test_tbi_sequela_codes_reach_mn_03_with_the_tbi_criterion(code: str) -> None:
    # §A.4 SPASTICITY_ETIOLOGY_TBI; §4.1 MN-03 "months_since_brain_injury ≥ 12; evaluated for
    # SPASTICITY_ETIOLOGY_TBI only"; §8.2 criteria "GROUP:criterion".
    record = _decide_with_dx("ITDD-TC-019", [code])
    assert _outcome(record) == ("pend", None, [], ["ITDD-MN-03", "ITDD-MN-05", "ITDD-DOC-01", *AGG])
    assert record["line_decisions"][1]["criteria_missing"] == [
        "SPASTICITY_ETIOLOGY_TBI:months_since_brain_injury"
    ]
    assert record["pend"]["documentation_missing"] == ["months_since_brain_injury"]
    assert _outcome(_decide_with_dx("ITDD-TC-019", [code], mutate=_tbi_months(12))) == APPROVE_SP
    denied = _decide_with_dx("ITDD-TC-019", [code], mutate=_tbi_months(11))
    assert _outcome(denied) == ("deny", "50", ["N661"], ["ITDD-MN-03", "ITDD-MN-05", *AGG])


def test_tbi_with_spinal_etiology_passes_on_the_spinal_group() -> None:
    # §5.5 step 8: "If any covered group passes" the line is approved.
    assert _outcome(_decide_with_dx("ITDD-TC-019", ["S06.2X9S", "S24.104S"])) == APPROVE_SP


# --- §A.8 fiscal-year boundaries on whole claims (TC-040: G35, baclofen, processed 2025-10-06).


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
        record = _decide_with_dx("ITDD-TC-040", [code], mutate=_dates(header, lines))
        got = (_outcome(record), record["reference_versions"]["icd10cm"])
        if got != (expected, icd10cm) or record["policy_version"] != "ITDD-1.0.0":
            wrong.append((code, header, lines, got, "spec:", (expected, icd10cm)))
    assert wrong == []


def test_reference_versions_on_ignore_and_bad_dates() -> None:
    # §8.1 icd10cm: null when the header DOS is not an ISO date.
    raw = request_of("ITDD-TC-006")
    raw["claim"]["service_date"] = "2026-02-30"
    assert decide_raw(raw)["reference_versions"] == {
        "icd10cm": None,
        "drug_file": "2026-01",
        "ncci": "n/a",
    }
    # Header DOS before 2025-01-01 (SCOPE-04): the only values §8.1 allows are FY2025 and
    # FY2026; the engine reports FY2025 (see the report's questions).
    raw = request_of("ITDD-TC-006")
    all_dates("2024-09-30")(raw)
    record = decide_raw(raw)
    assert _outcome(record) == ("ignore", None, [], ["ITDD-SCOPE-04"])
    assert record["reference_versions"]["icd10cm"] == "FY2025"


# --- Appendix B on whole claims ------------------------------------------------------------


def _units(hcpcs: str, dose: float, policy: Any = V110) -> int:
    """§B.3 literally: max(1, ceil(r9(dose ÷ unit))); J7799 one unit (1.1.0 §3.4)."""
    agent_unit = {**B1, **B1_ADDED_110}[hcpcs][1]
    if agent_unit is None:
        return 1
    return max(1, math.ceil(round(dose / agent_unit, 9)))


def _set_drug(
    raw: Raw,
    number: int,
    *,
    ndc: str,
    code: str,
    concentration: float,
    volume: float,
    route: str,
    mode: str,
    preparation: str | None = None,
) -> None:
    target = line(raw, number)
    target["procedure_code"] = code
    d = drug(raw, number)
    d.update(
        ndc=ndc,
        ndc_quantity=volume,
        ndc_unit_of_measure="ML",
        concentration_mg_per_ml=concentration,
        volume_ml=volume,
        route=route,
        delivery_mode=mode,
        preparation=preparation,
        admixture_group=None,
    )
    hcpcs = code if code in B1 or code in B1_ADDED_110 else None
    target["units"] = _units(hcpcs, concentration * volume) if hcpcs else 1


# Volumes that keep every product under the Appendix D thresholds.
_VOLUME = {
    "00641601910": 1.0,
    "66794016002": 0.5,
    "00641604001": 0.2,
    "66794015101": 1.0,
    "66794015702": 0.2,
    "70720072010": 0.02,
    "39822200001": 3.0,
    "00409909422": 2.0,
    "31722027531": 2.0,
    "00409189101": 1.0,
    "68094000162": 1.0,
    "63323085110": 0.2,
    "99207000120": 0.4,
}


def _labeled_route_mode(ndc: str) -> tuple[str, str]:
    label = B2_LABELS.get(ndc)
    if label is None:
        return IT, "continuous"
    return sorted(label[0])[0], sorted(label[1])[0]


def _drug_claim(product: str, code: str, version: str | None = None, **overrides: Any) -> Raw:
    """TC-006 (complete non-cancer pain documentation) with line 2 replaced by this product
    (its strength, a volume under Appendix D, its labeled route and mode, §B.3 units)."""
    raw = request_of("ITDD-TC-006")
    strength = {**B2, **B2_ADDED_110}[product][2]
    route, mode = _labeled_route_mode(product)
    fields: dict[str, Any] = {
        "ndc": product,
        "code": code,
        "concentration": strength,
        "volume": _VOLUME[product],
        "route": route,
        "mode": mode,
    }
    fields.update(overrides)
    _set_drug(raw, 2, **fields)
    return decide_raw(raw, version)


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
N657 = ("deny", "16", ["N657"], ["ITDD-DRUG-02"])
N846 = ("deny", "16", ["N846"], ["ITDD-DRUG-04"])
M119 = ("deny", "16", ["M119"], ["ITDD-DRUG-03"])


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
        if (got := _outcome(_drug_claim(ndc, code, version))) != expected
    ]
    assert wrong == []


@pytest.mark.parametrize("ndc", ["63323085110", "99207000120", "00409263401", "12345678901"])
def test_ndc_outside_the_1_0_0_drug_file_is_drug_03(ndc: str) -> None:
    # §5.4 DRUG-03 "a drug line's NDC is not in the plan drug file (§B.2)" -> CO-16/M119; the
    # 1.1.0 rows are not in 1.0.0.
    record = _drug_claim("66794016002", "J2274", "1.0.0", ndc=ndc)
    assert _outcome(record) == M119


@pytest.mark.parametrize("ndc", ["00409263401", "12345678901", "99207000121"])
def test_j7799_with_an_unlisted_identifier_is_drug_03(ndc: str) -> None:
    # policy-changes-1.1.0 §3.2: "A J7799 line with any other NDC denies under ITDD-DRUG-03
    # (CO-16/M119)" (NDCs that are not in the plan drug file).
    record = _drug_claim("99207000120", "J7799", "1.1.0", ndc=ndc)
    assert _outcome(record) == M119


def test_j7799_with_another_plan_file_ndc_is_drug_03() -> None:
    # policy-changes-1.1.0 §3.2: "A J7799 line with any other NDC denies under ITDD-DRUG-03
    # (CO-16/M119)": any other, a plan-file NDC of another code (Mitigo's) included, which
    # under the general tables alone would reach DRUG-04 (N846).
    assert _outcome(_drug_claim("66794016002", "J7799", "1.1.0")) == M119


@pytest.mark.parametrize(("ndc", "strength"), sorted((n, v[2]) for n, v in B2.items() if v[0]))
def test_b2_strength_drives_drug_05(ndc: str, strength: float) -> None:
    # §5.4 DRUG-05: r9(concentration) > r9(strength) -> M123; below and not "diluted" -> M123;
    # equal passes; below and "diluted" passes.
    code = B2[ndc][0]
    m123 = ("deny", "16", ["M123"], ["ITDD-DRUG-05"])
    if code == "J2270":
        return  # DRUG-02 decides first
    assert _drug_claim(ndc, code, "1.0.0")["rule_ids"][0] != "ITDD-DRUG-05"
    assert _outcome(_drug_claim(ndc, code, "1.0.0", concentration=strength * 1.01)) == m123
    assert _outcome(_drug_claim(ndc, code, "1.0.0", concentration=strength / 2)) == m123
    diluted = _drug_claim(ndc, code, "1.0.0", concentration=strength / 2, preparation="diluted")
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
    assert _outcome(_drug_claim(ndc, code, "1.1.0")) == ei03
    assert _outcome(_drug_claim(ndc, code, "1.1.0", concentration=strength + 0.5)) == m123
    assert _outcome(_drug_claim(ndc, code, "1.1.0", concentration=strength / 4)) == m123


B3_CASES = [
    # §B.3 worked examples and boundaries per billing unit of §B.1.
    ("J2274", 1.0, 1),
    ("J2274", 25.0, 3),
    ("J2274", 10.0, 1),
    ("J2274", 10.00000001, 2),
    ("J2274", 10.0000000001, 1),  # r9
    ("J0476", 0.1, 2),
    ("J0476", 0.05 * 3, 3),  # "3, not 4"
    ("J0476", 0.05, 1),
    ("J0475", 0.9, 1),
    ("J0475", 20.0, 2),
    ("J2278", 0.0024, 3),
    ("J2278", 0.001, 1),
    ("J2278", 0.1 * 0.02, 2),
    ("J0735", 0.3, 1),
    ("J0735", 1.5, 2),
    ("J0665", 5.0, 10),
    ("J0665", 0.25, 1),
    ("J3010", 0.1, 1),
    ("J3010", 0.05 * 3, 2),
    # policy-changes-1.1.0 §3.4: J1170 per 4 mg ("0.5 mg/mL × 4 mL = 2 mg → 1 unit"),
    # J7799 "1 for each line, whatever the dose".
    ("J1170", 2.0, 1),
    ("J1170", 4.0, 1),
    ("J1170", 5.0, 2),
    ("J7799", 8.0, 1),
    ("J7799", 400.0, 1),
]


def test_b3_billing_units() -> None:
    # §B.3 units = max(1, ceil(r9(dose_mg ÷ unit_mg))); 1.1.0 §3.4.
    wrong = []
    for code, dose, units in B3_CASES:
        for policy in VERSIONS:
            if code in policy.drugs.hcpcs:
                got = billing_units(policy.drugs.hcpcs[code], dose)
                if got != units:
                    wrong.append((policy.version, code, dose, got, "spec:", units))
    assert wrong == []


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
            got = _outcome(_drug_claim(ndc, "J2274", "1.0.0", route=route, mode=mode))
            if got != expected:
                wrong.append((ndc, route, mode, got, "spec:", expected))
    assert wrong == []


def _baclofen_claim(ndc: str, code: str, route: str, mode: str) -> Raw:
    raw = request_of("ITDD-TC-019")
    strength = B2[ndc][2]
    _set_drug(
        raw, 2, ndc=ndc, code=code, concentration=strength, volume=0.2, route=route, mode=mode
    )
    return decide_raw(raw)


def test_b2_baclofen_labeled_routes_and_modes() -> None:
    # §B.2: Gablofen 50 mcg/mL intrathecal bolus; Gablofen 2000 mcg/mL intrathecal continuous.
    wrong = []
    for ndc, code in (("66794015101", "J0476"), ("66794015702", "J0475")):
        label = B2_LABELS[ndc]
        assert label is not None
        for route, mode in ROUTE_MODE:
            expected = APPROVE_SP if route in label[0] and mode in label[1] else EI02
            got = _outcome(_baclofen_claim(ndc, code, route, mode))
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
    assert _outcome(record) == ("approve", None, [], [first, *mn])
    # Without a PA the off-label use is an EI-02 denial.
    raw["claim"]["documentation"]["prior_auth_number"] = None
    record = decide_raw(raw)
    if (route, mode) == (IT, "continuous"):
        assert _outcome(record) == ("deny", "197", ["M62"], ["ITDD-PA-01", *AGG])
    else:
        assert _outcome(record) == ("deny", "55", ["N623"], ["ITDD-EI-02", *AGG])


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
    route, mode = _labeled_route_mode(ndc)
    strength = B2[ndc][2]
    _set_drug(
        raw, 2, ndc=ndc, code=code, concentration=strength, volume=0.2, route=route, mode=mode
    )
    record = decide_raw(raw)
    assert ("ITDD-EI-01" in record["rule_ids"]) is (not covered)
    if not covered:
        assert (record["carc"], record["rarc"]) == ("55", ["N623"])


# --- Appendix D on whole claims --------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "volume", "pends"),
    [
        # TC-064: Gablofen 2000 diluted to 0.5 mg/mL, intrathecal continuous; dose = 0.5 × volume.
        ("1.0.0", 1.6, False),  # 0.8 mg: "a total equal to it does not pend"
        ("1.0.0", 1.62, True),  # 0.81 mg
        ("1.0.0", 1.8, True),  # TC-064: 0.9 mg pends under 1.0.0
        ("1.1.0", 1.8, False),  # TC-064 under 1.1.0: approve
        ("1.1.0", 2.0, False),  # 1.0 mg: equal does not pend
        ("1.1.0", 2.02, True),  # 1.01 mg
    ],
)
def test_d_baclofen_threshold_per_version(version: str, volume: float, pends: bool) -> None:
    raw = request_of("ITDD-TC-064")
    drug(raw, 2).update(volume_ml=volume, ndc_quantity=volume)
    record = decide_raw(raw, version)
    if pends:
        assert _outcome(record) == (
            "pend",
            None,
            [],
            ["ITDD-MN-03", "ITDD-MN-05", "ITDD-SAFE-01", *AGG],
        )
        assert record["pend"]["reasons"] == ["clinical_review_dose_outlier"]
        assert record["pend"]["followup"] == FOLLOWUP_P2
    else:
        assert _outcome(record) == APPROVE_SP


@pytest.mark.parametrize(
    ("route", "volume", "pends"),
    [
        # Infumorph 25 mg/mL continuous; Appendix D: morphine IT 10 mg, EP 30 mg.
        (IT, 0.4, False),
        (IT, 0.44, True),
        (EP, 0.44, False),
        (EP, 1.2, False),
        (EP, 1.24, True),
    ],
)
@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_d_morphine_thresholds(version: str, route: str, volume: float, pends: bool) -> None:
    record = _drug_claim("00641604001", "J2274", version, route=route, volume=volume)
    assert record["decision"] == ("pend" if pends else "approve")
    assert ("ITDD-SAFE-01" in record["rule_ids"]) is pends


@pytest.mark.parametrize(
    ("ndc", "code", "volume"),
    [("00409909422", "J3010", 200.0), ("31722027531", "J0665", 20.0)],
)
def test_d_agents_without_threshold(ndc: str, code: str, volume: float) -> None:
    # Appendix D: "Agents and routes not listed here have no threshold" (EI-03 denies anyway).
    record = _drug_claim(ndc, code, "1.0.0", volume=volume)
    assert "ITDD-SAFE-01" not in record["rule_ids"]


# --- Appendix F on whole claims --------------------------------------------------------------


def _other_line_claim(code: str, day: str | None = None) -> Raw:
    raw = request_of("ITDD-TC-006")
    raw["claim"]["lines"].append(
        {
            "line_number": 3,
            "service_date": day or "2026-02-10",
            "procedure_code": code,
            "modifiers": [],
            "units": 1,
            "charge": 10.0,
            "dx_pointers": [1],
            "drug": None,
        }
    )
    return decide_raw(raw)


def test_f_active_codes_are_not_reviewed() -> None:
    # §5.5 other lines: an active code is SCOPE-03 not_reviewed; imaging on another DOS than the
    # 62327 line is not bundled (BUN-01 needs "the DOS of a 62327 line").
    expected = (
        "not_reviewed",
        ["ITDD-MN-01", "ITDD-MN-05", "ITDD-SCOPE-03", *AGG],
        "approve",
        False,
    )
    wrong = []
    for code in sorted(F_ACTIVE - {"62327"}):
        day = "2026-02-11" if code in {"77003", "77012"} else None
        r = _other_line_claim(code, day)
        got = (r["line_decisions"][2]["decision"], r["rule_ids"], r["decision"], r["partial"])
        if got != expected:
            wrong.append((code, got))
    assert wrong == []


UNLISTED_OTHER_CODES = [
    *sorted(F_DELETED),
    *("99201", "99217", "99218", "99224", "99283", "99291", "62328", "62281", "64999"),
    *("77002", "72275", "0001U", "J2274"),
]


def test_f_deleted_or_unlisted_codes_deny_the_line() -> None:
    # Appendix F: "denied CO-181/M51 when its procedure_code is one of the deleted codes or is
    # not in this list" (J2274 on a line without a drug object is an other line, §2.4).
    expected = (
        {"line_number": 3, "decision": "deny", "group_code": "CO", "carc": "181", "rarc": ["M51"]},
        ["ITDD-MN-01", "ITDD-MN-05", "ITDD-COD-01", *AGG],
        "approve",
        True,
    )
    wrong = []
    for code in UNLISTED_OTHER_CODES:
        r = _other_line_claim(code)
        got = (r["line_decisions"][2], r["rule_ids"], r["decision"], r["partial"])
        if got != expected:
            wrong.append((code, got))
    assert wrong == []


@pytest.mark.parametrize("code", ["77003", "77012"])
def test_f_imaging_on_the_62327_dos_is_bundled(code: str) -> None:
    # §5.5 BUN-01: CO-97/M15.
    record = _other_line_claim(code)
    assert record["line_decisions"][2]["carc"] == "97"
    assert record["line_decisions"][2]["rarc"] == ["M15"]
    assert record["rule_ids"] == ["ITDD-MN-01", "ITDD-MN-05", "ITDD-BUN-01", *AGG]


# --- §8.1 / §8.4 on whole claims -------------------------------------------------------------


RECORD_CASES = [
    ("ITDD-TC-006", "approve", "F1", "1", None, None),
    ("ITDD-TC-003", "deny", "F2", "1", None, None),
    ("ITDD-TC-054", "deny", "F2", "4", None, None),  # ELIG-01
    ("ITDD-TC-043", "deny", "A6", "1", None, None),  # DX-01
    ("ITDD-TC-057", "deny", "A7", "1", None, None),  # VAL-04
    ("ITDD-TC-001", "pend", "P3", None, FOLLOWUP_P3, ["documentation_requested"]),
    ("ITDD-TC-027", "pend", "P2", None, FOLLOWUP_P2, ["prior_authorization_pending"]),
    ("ITDD-TC-014", "pend", "P2", None, FOLLOWUP_P2, ["clinical_review_dose_outlier"]),
    ("ITDD-TC-034", "ignore", None, None, None, None),
]


def test_record_category_clp02_and_pend() -> None:
    # §8.1 table (claim_status_category, x12_835_clp02) and §8.4 (reasons, followup).
    for case, decision, category, clp02, followup, reasons in RECORD_CASES:
        record = decide_raw(request_of(case))
        got = (record["decision"], record["claim_status_category"], record["x12_835_clp02"])
        assert got == (decision, category, clp02), case
        if followup is None:
            assert record["pend"] is None
        else:
            assert record["pend"]["status_category"] == category
            assert (record["pend"]["followup"], record["pend"]["reasons"]) == (followup, reasons)


# --- policy-changes-1.1.0 §4 examples and version selection ----------------------------------


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
    assert _outcome(decide_raw(request_of(case))) == v100
    record = decide_raw(request_of(case), "1.1.0")
    assert _outcome(record) == v110
    assert record["policy_version"] == "ITDD-1.1.0"
    assert record["reference_versions"]["drug_file"] == "2026-07"
    if case in {"ITDD-TC-062", "ITDD-TC-063"}:  # "with every line denied CO-55/N623"
        assert {(d["carc"], tuple(d["rarc"])) for d in record["line_decisions"]} == {
            ("55", ("N623",))
        }


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
    assert (_outcome(record), record["policy_version"]) == (expected, version)


def test_hydromorphone_ndc_on_j2274_per_version() -> None:
    # 1.0.0: NDC 63323085110 is not in §B.2 -> DRUG-03 M119; 1.1.0: it is, with HCPCS J1170,
    # so on J2274 -> DRUG-04 N846.
    raw = request_of("ITDD-TC-062")
    line(raw, 2)["procedure_code"] = "J2274"
    assert _outcome(decide_raw(raw, "1.0.0")) == M119
    assert _outcome(decide_raw(raw, "1.1.0")) == N846


def test_product_lookup_is_exact() -> None:
    # §5.1 VAL-10 / §B.2: NDC-11 strings, compared exactly.
    assert product_for("66794016002", V100) is not None
    assert product_for("66794-0160-02", V100) is None
    assert product_for(66794016002, V100) is None
    assert product_for("63323085110", V100) is None
    assert product_for("63323085110", V110) is not None
