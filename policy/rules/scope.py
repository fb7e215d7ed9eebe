"""§1 scope rules: claims this policy does not decide (disposition `ignore`)."""

from __future__ import annotations

from policy.claim_view import ClaimView
from policy.rules.outcome import Ignore


def scope_01_trigger(view: ClaimView) -> Ignore | None:
    """ITDD-SCOPE-01: no line at all (whatever its kind) bills exactly "62327".

    Choice: §1.1 says "at least one line", so a drug line billed as 62327 keeps the claim in
    scope; VAL-07 then denies it (M20: a drug line needs a HCPCS Level II code).
    """
    trigger = view.tables.trigger_procedure_code
    for line in view.lines:
        if line.procedure_code == trigger:
            return None
    return Ignore("ITDD-SCOPE-01")


def scope_04_effective_date(view: ClaimView) -> Ignore | None:
    """ITDD-SCOPE-04: header DOS before the policy's first date (runs after VAL-05)."""
    assert view.header_dos is not None
    if view.header_dos < view.tables.earliest_header_dos:
        return Ignore("ITDD-SCOPE-04")
    return None


def scope_02_acute(view: ClaimView) -> Ignore | None:
    """ITDD-SCOPE-02: first pointed diagnosis of the first 62327 line is acute peri-operative.

    Only that one diagnosis of that one line is looked at (§1.2).
    """
    first = view.catheter_lines[0]
    pointers = first.dx_pointers or []
    if not pointers or type(pointers[0]) is not int:
        return None
    if view.tables.scope_exclusion_group in view.groups_of[pointers[0] - 1]:
        return Ignore("ITDD-SCOPE-02")
    return None
