"""policy/rules/other_lines.py: JW and other lines (§5.5): ITDD-SCOPE-03 not reviewed, COD-01
(deleted or unlisted codes, Appendix F) and BUN-01 (imaging on a 62327 DOS)."""

from __future__ import annotations

import pytest

from tests.unit.conftest import decide_raw, request_of
from tests.unit.policy.rulecases import (
    AGG,
    BASE,
    DAY2,
    JW_COPY,
    PAIN_MN,
    Expect,
    Mutation,
    Raw,
    add_line,
    check,
    line,
    line_outcome,
    run,
)
from tests.unit.policy.spec_tables import F_ACTIVE, F_DELETED
from tests.unit.policy.verdicts import APPROVED, Decided, Expectation, Probe, probe_params, verify


def test_scope_03_jw_line_is_not_reviewed() -> None:
    def add_jw(raw: Raw) -> None:
        jw = {**line(raw, 2), "line_number": 3, "modifiers": ["JW"], "units": 1}
        raw["claim"]["lines"].append(jw)

    record = run("ITDD-TC-006", add_jw)
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-SCOPE-03", *AGG)))
    assert line_outcome(record, 3) == ("not_reviewed", None)
    assert record["partial"] is False


def test_cod_01_code_outside_the_active_list() -> None:
    record = run("ITDD-TC-006", add_line(procedure_code="99999"))
    check(record, Expect("approve", rule_ids=(*PAIN_MN, "ITDD-COD-01", *AGG)))
    assert line_outcome(record, 3) == ("deny", "181")
    assert record["partial"] is True


PROBES: list[Probe] = [
    # Appendix F / ITDD-COD-01: other lines only; deleted or unlisted codes deny the line.
    (
        "cod01-deleted-62310",
        BASE,
        add_line(procedure_code="62310"),
        Decided(
            "approve",
            rule_ids=(*APPROVED[:2], "ITDD-COD-01", *APPROVED[2:]),
            partial=True,
        ),
    ),
    (
        "cod01-unlisted-99201",
        BASE,
        add_line(procedure_code="99201"),
        Decided(
            "approve",
            rule_ids=(*APPROVED[:2], "ITDD-COD-01", *APPROVED[2:]),
            partial=True,
        ),
    ),
    (
        "cod01-62352-in-implant-range-but-unlisted",
        BASE,
        add_line(procedure_code="62352"),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-COD-01", *APPROVED[2:]), partial=True),
    ),
    (
        "cod01-listed-62350-not-reviewed",
        BASE,
        add_line(procedure_code="62350"),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "cod01-listed-99239-not-reviewed",
        BASE,
        add_line(procedure_code="99239"),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "cod01-imaging-other-day-not-reviewed",
        BASE,
        add_line(procedure_code="77012", service_date=DAY2),
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
    (
        "cod01-jw-line-never-checked",
        BASE,
        JW_COPY,
        Decided("approve", rule_ids=(*APPROVED[:2], "ITDD-SCOPE-03", *APPROVED[2:])),
    ),
]


@pytest.mark.parametrize(("base", "mutation", "expect"), probe_params(PROBES))
def test_claim_level_rule(base: str, mutation: Mutation, expect: Expectation) -> None:
    verify(run(base, mutation), expect)


def test_bun_01_only_on_the_dos_of_a_62327_line() -> None:
    same_day = run("ITDD-TC-006", add_line(procedure_code="77012"))
    assert line_outcome(same_day, 3) == ("deny", "97")
    next_day = run("ITDD-TC-006", add_line(procedure_code="77012", service_date="2026-02-11"))
    assert line_outcome(next_day, 3) == ("not_reviewed", None)
    assert next_day["partial"] is False


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
