"""§5.2 administrative gates: duplicate, eligibility, dates (ITDD-DUP-01 … DATE-01)."""

from __future__ import annotations

from models.values import iso_date
from policy.claim_view import ClaimView
from policy.rules.outcome import GateDenial, gate_denial


def dup_01_duplicate(view: ClaimView) -> GateDenial | None:
    """ITDD-DUP-01: the claim id already has a published approve or deny (OA-18/N111)."""
    if view.claim.claim_id in (view.context.adjudicated_claim_ids or []):
        return gate_denial(view.tables, "ITDD-DUP-01")
    return None


def elig_01_member_found(view: ClaimView) -> GateDenial | None:
    """ITDD-ELIG-01: only `found: true` means the member was found (PR-31, CLP02 4)."""
    eligibility = view.context.eligibility
    if eligibility is not None and eligibility.found is True:
        return None
    return gate_denial(view.tables, "ITDD-ELIG-01")


def elig_03_born_after_service(view: ClaimView) -> GateDenial | None:
    """ITDD-ELIG-03: dob after the header DOS (CO-14)."""
    member = view.claim.member
    assert member is not None and view.header_dos is not None
    dob = iso_date(member.dob)
    if dob is not None and dob > view.header_dos:
        return gate_denial(view.tables, "ITDD-ELIG-03")
    return None


def elig_02_coverage_dates(view: ClaimView) -> GateDenial | None:
    """ITDD-ELIG-02: each line DOS within coverage; a null bound does not limit (PR-26/27)."""
    eligibility = view.context.eligibility
    assert eligibility is not None
    start, end = iso_date(eligibility.coverage_start), iso_date(eligibility.coverage_end)
    if start is None and end is None:
        return None
    for line in view.lines:
        line_dos = view.line_dos[line.line_number]
        if start is not None and line_dos < start:
            return gate_denial(view.tables, "ITDD-ELIG-02/before_start")
        if end is not None and line_dos > end:
            return gate_denial(view.tables, "ITDD-ELIG-02/after_end")
    return None


def date_01_future_service(view: ClaimView) -> GateDenial | None:
    """ITDD-DATE-01: header or any line DOS after the processing date (CO-110)."""
    assert view.header_dos is not None
    processing_date = view.processing_date
    if view.header_dos > processing_date:
        return gate_denial(view.tables, "ITDD-DATE-01")
    for line_dos in view.line_dos.values():
        if line_dos > processing_date:
            return gate_denial(view.tables, "ITDD-DATE-01")
    return None
