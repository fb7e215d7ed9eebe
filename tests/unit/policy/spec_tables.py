"""The spec's tables transcribed literally (policy-spec Appendices A, B, D, F, the §5 rule
tables, §6 precedence; policy-changes-1.1.0 §3), each constant citing its row: the reference the
data files, the mapping and the rules are checked against. Not read from the data files."""

from __future__ import annotations

from datetime import date

from policy.catalog import load_policy

# The data files under test.
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
