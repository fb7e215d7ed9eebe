"""Building blocks for per-rule tests: mutate a public case, decide, read the outcome."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.unit.conftest import decide_raw, request_of

Raw = dict[str, Any]
Mutation = Callable[[Raw], None]

# TC-006: an approved Duramorph bolus trial, diagnoses M96.1 and G89.29, line 1 = 62327,
# line 2 = J2274 on 2026-02-10; the base of most probes.
BASE = "ITDD-TC-006"
DAY2 = "2026-02-11"

# §8.4 `pend.followup`, verbatim.
FOLLOWUP_P3 = "request records; deny CO-226/N706 if not received within 45 days"
FOLLOWUP_P2 = "route to clinical/UM review queue"

# §8.3: the rule ids a decided claim lists, by the group its drug line is approved for.
AGG = ("ITDD-AGG-01", "ITDD-AGG-02")
PAIN_MN = ("ITDD-MN-01", "ITDD-MN-05")
CANCER_MN = ("ITDD-MN-02", "ITDD-MN-05")
SPAS_MN = ("ITDD-MN-03", "ITDD-MN-05")

# Every §C fact documented so that each group's criteria pass.
COMPLETE_DOC = {
    "purpose": "idd_trial",
    "conservative_therapy_failed_months": 12,
    "systemic_opioids_failed_or_intolerant": True,
    "psych_eval_done": True,
    "psych_eval_contraindication": False,
    "oral_antispasmodic_failed_weeks": 8,
    "life_expectancy_months": 12,
    "history_of_psychosis": False,
    "active_infection": False,
    "anticoagulation_or_bleeding_diathesis": False,
    "drug_hypersensitivity": False,
}


@dataclass(frozen=True)
class Expect:
    decision: str
    carc: str | None = None
    rarc: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] | None = None
    group_code: str | None = None
    category: str | None = None


def run(base: str, mutate: Mutation, version: str | None = None) -> Raw:
    raw = request_of(base)
    mutate(raw)
    return decide_raw(raw, version)


def check(record: Raw, expect: Expect) -> None:
    assert record["decision"] == expect.decision, record["rule_ids"]
    assert record["carc"] == expect.carc
    assert tuple(record["rarc"]) == expect.rarc
    if expect.rule_ids is not None:
        assert tuple(record["rule_ids"]) == expect.rule_ids
    if expect.group_code is not None:
        assert record["group_code"] == expect.group_code
    if expect.category is not None:
        assert record["claim_status_category"] == expect.category


# --- reading a request or a record ---------------------------------------------------------


def line(raw: Raw, number: int) -> Raw:
    return next(item for item in raw["claim"]["lines"] if item["line_number"] == number)


def drug(raw: Raw, number: int = 2) -> Raw:
    found: Raw = line(raw, number)["drug"]
    return found


def doc(raw: Raw) -> Raw:
    found: Raw = raw["claim"]["documentation"]
    return found


def line_decision(record: Raw, number: int) -> Raw:
    found: Raw = next(d for d in record["line_decisions"] if d["line_number"] == number)
    return found


def line_outcome(record: Raw, number: int) -> tuple[str, str | None]:
    found = line_decision(record, number)
    return found["decision"], found["carc"]


def outcomes(record: Raw) -> list[tuple[int, str, str | None]]:
    return [(d["line_number"], d["decision"], d["carc"]) for d in record["line_decisions"]]


def findings(record: Raw) -> list[tuple[int, str, str]]:
    return [
        (f["line_number"], f["indication_group"], f["agent"])
        for f in record["informational_findings"]
    ]


# --- mutations -----------------------------------------------------------------------------

NOTHING: Mutation = lambda raw: None  # noqa: E731


def _target(raw: Raw, head: str) -> Raw:
    """The object a path's head names: `claim`, `context`, `doc`, `lineN`, `drugN`, ..."""
    if head == "claim":
        found: Raw = raw["claim"]
    elif head == "context":
        found = raw["context"]
    elif head == "doc":
        found = doc(raw)
    elif head.startswith("line"):
        found = line(raw, int(head[4:]))
    elif head.startswith("drug"):
        found = drug(raw, int(head[4:]))
    elif head == "member":
        found = raw["claim"]["member"]
    elif head == "provider":
        found = raw["claim"]["provider"]
    elif head == "eligibility":
        found = raw["context"]["eligibility"]
    else:
        raise ValueError(head)
    return found


def setter(path: str, value: object) -> Mutation:
    """`claim.place_of_service`, `line2.units`, `drug2.route`, `doc.purpose`, `context.x`."""
    head, _, name = path.partition(".")

    def mutate(raw: Raw) -> None:
        _target(raw, head)[name] = value

    return mutate


def delete(path: str) -> Mutation:
    """The key `path` names (as for `setter`) made absent."""
    head, _, name = path.partition(".")

    def mutate(raw: Raw) -> None:
        del _target(raw, head)[name]

    return mutate


def edit(fn: Callable[[Raw], Any]) -> Mutation:
    def mutate(raw: Raw) -> None:
        fn(raw)

    return mutate


def all_of(*mutations: Mutation) -> Mutation:
    def mutate(raw: Raw) -> None:
        for m in mutations:
            m(raw)

    return mutate


def add_line(**fields: Any) -> Mutation:
    def mutate(raw: Raw) -> None:
        new = {
            "line_number": 1 + max(item["line_number"] for item in raw["claim"]["lines"]),
            "service_date": raw["claim"]["service_date"],
            "modifiers": [],
            "units": 1,
            "charge": 10.0,
            "dx_pointers": [1],
            "drug": None,
        }
        new.update(fields)
        raw["claim"]["lines"].append(new)

    return mutate


def add_lines(*lines: Raw) -> Mutation:
    def mutate(raw: Raw) -> None:
        raw["claim"]["lines"].extend(copy.deepcopy(list(lines)))

    return mutate


def set_drug_lines(*lines: Raw) -> Mutation:
    """Replace every line after line 1 (the 62327 line) with these lines."""

    def mutate(raw: Raw) -> None:
        raw["claim"]["lines"] = [line(raw, 1), *lines]

    return mutate


def copy_line(number: int, **fields: Any) -> Mutation:
    """Append a copy of line `number` (its drug included) with a new line_number and `fields`."""

    def mutate(raw: Raw) -> None:
        new = copy.deepcopy(line(raw, number))
        new["line_number"] = 1 + max(item["line_number"] for item in raw["claim"]["lines"])
        new.update(fields)
        raw["claim"]["lines"].append(new)

    return mutate


def reverse_lines(raw: Raw) -> None:
    raw["claim"]["lines"].reverse()


REVERSED = edit(reverse_lines)
JW_COPY = copy_line(2, modifiers=["JW"])  # line 3: a JW line, a copy of the drug line
SECOND_DAY = all_of(
    add_line(procedure_code="62327", service_date=DAY2, dx_pointers=[1, 2]),  # line 3
    copy_line(2, service_date=DAY2),  # line 4
)
DX = "claim.diagnosis_codes"


def dx(*codes: str) -> Mutation:
    return setter(DX, list(codes))


def pointers(number: int, *values: object) -> Mutation:
    return setter(f"line{number}.dx_pointers", list(values))


def claim_of(dx: list[str], lines: list[Raw], facts: dict[str, Any] | None = None) -> Mutation:
    """Replace the diagnoses, the lines (array order kept as given) and the facts."""

    def mutate(raw: Raw) -> None:
        raw["claim"]["diagnosis_codes"] = dx
        raw["claim"]["lines"] = lines
        doc(raw).update(COMPLETE_DOC if facts is None else facts)

    return mutate


def big_integer() -> int:
    """A JSON integer literal whose value overflows an IEEE-754 double (json.loads: an int)."""
    return 10**400


def all_dates(day: str, processing: str | None = None) -> Mutation:
    """Move the header and every line to one DOS (and the processing date, when given)."""

    def mutate(raw: Raw) -> None:
        raw["claim"]["service_date"] = day
        for item in raw["claim"]["lines"]:
            item["service_date"] = day
        if processing is not None:
            raw["context"]["processing_date"] = processing

    return mutate


def move_lines(dos: str) -> Mutation:
    """Every line to `dos`, the header DOS unchanged."""

    def mutate(raw: Raw) -> None:
        for item in raw["claim"]["lines"]:
            item["service_date"] = dos

    return mutate


# Under 1.1.0 (policy-changes-1.1.0 §2): header DOS and processing date after 2026-07-01.
V11 = all_dates("2026-07-15", "2026-07-20")


def pa(**fields: Any) -> Mutation:
    """PA-TEST-0099 for the claim's member, named on the claim, open window by default."""

    def mutate(raw: Raw) -> None:
        record = {
            "pa_number": "PA-TEST-0099",
            "member_id": raw["claim"]["member"]["member_id"],
            "status": "approved",
            "procedure_code": "62327",
            "hcpcs": [line(raw, 2)["procedure_code"]],
            "indication_groups": ["PAIN_NONCANCER"],
            "valid_from": None,
            "valid_to": None,
            "provider_npi": raw["claim"]["provider"]["rendering_npi"],
        }
        record.update(fields)
        raw["context"]["prior_authorizations"] = [record]
        doc(raw)["prior_auth_number"] = "PA-TEST-0099"

    return mutate


def history(**fields: Any) -> Mutation:
    """One more `claims_history` item: an approved morphine 62327 of 2025-09-15 by default;
    a field set to "<absent>" is left out."""

    def mutate(raw: Raw) -> None:
        item = {
            "claim_id": "CLM-ITDD-OLD1",
            "service_date": "2025-09-15",
            "procedure_code": "62327",
            "agent": "morphine",
            "decision": "approve",
        }
        item.update(fields)
        item = {k: v for k, v in item.items() if v != "<absent>"}
        raw["context"]["claims_history"] = [*(raw["context"].get("claims_history") or []), item]

    return mutate
