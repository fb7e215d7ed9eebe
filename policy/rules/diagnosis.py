"""§5.3 diagnosis gates: ITDD-DX-01, DX-02, BEN-01, DX-03, DX-04 (SCOPE-02 is in scope.py)."""

from __future__ import annotations

from policy.claim_view import ClaimView
from policy.codeset import code_set_for
from policy.rules.outcome import GateDenial, gate_denial


def dx_01_no_diagnosis(view: ClaimView) -> GateDenial | None:
    """ITDD-DX-01: no diagnosis codes on the claim (CO-16/MA130, M76; A6)."""
    if view.diagnosis_codes:
        return None
    return gate_denial(view.tables, "ITDD-DX-01")


def dx_02_code_set(view: ClaimView) -> GateDenial | None:
    """ITDD-DX-02: every code exists (M76) and is billable (M81) in the header DOS code set."""
    assert view.header_dos is not None
    code_set = code_set_for(view.header_dos)
    for code in view.diagnosis_codes:
        status = code_set.status(code)
        if status == "unknown":
            return gate_denial(view.tables, "ITDD-DX-02/unknown")
        if status == "header":
            return gate_denial(view.tables, "ITDD-DX-02/header")
    return None


def ben_01_plan_exclusion(view: ClaimView) -> GateDenial | None:
    """ITDD-BEN-01: the member's plan excludes intraspinal drug delivery (CO-96/N130)."""
    eligibility = view.context.eligibility
    exclusions = eligibility.plan_exclusions if eligibility is not None else None
    if isinstance(exclusions, list) and view.tables.benefit_exclusion in exclusions:
        return gate_denial(view.tables, "ITDD-BEN-01")
    return None


def dx_03_no_itdd_diagnosis(view: ClaimView) -> GateDenial | None:
    """ITDD-DX-03: no claim diagnosis is in an ITDD group; ACUTE_PERIOP does not count (CO-11)."""
    if any(view.itdd_groups_of):
        return None
    return gate_denial(view.tables, "ITDD-DX-03")


def dx_04_catheter_pointer(view: ClaimView) -> GateDenial | None:
    """ITDD-DX-04: a 62327 line points to no ITDD-group diagnosis; the whole claim denies CO-11."""
    for line in view.catheter_lines:
        if not view.pointed_groups(line):
            return gate_denial(view.tables, "ITDD-DX-04")
    return None
