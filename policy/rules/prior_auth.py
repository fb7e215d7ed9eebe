"""§5.6 PA lookup and the checks of ITDD-PA-01 (ziconotide) and ITDD-PA-02 (E/I exception)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from models.request_data import PriorAuthorizationData
from models.values import iso_date
from policy.claim_view import ClaimView

PaCheck = Literal[
    "no_pa", "pending", "denied", "wrong_service", "expired", "other_provider", "passed"
]

APPROVED, PENDING = "approved", "pending"


def find_prior_authorization(view: ClaimView) -> PriorAuthorizationData | None:
    """The first record with the PA number the claim names and the claim's member (§5.6).

    No number named (null, absent, empty, not a string) means no PA: other PAs the member
    may hold are never used.
    """
    documentation = view.documentation
    number = documentation.prior_auth_number if documentation is not None else None
    if type(number) is not str or not number:
        return None
    member = view.claim.member
    member_id = member.member_id if member is not None else None
    for record in view.context.prior_authorizations or []:
        if record.pa_number == number and record.member_id == member_id:
            return record
    return None


def check_prior_authorization(
    view: ClaimView,
    record: PriorAuthorizationData | None,
    hcpcs_needed: set[str],
    line_dos: date,
) -> PaCheck:
    """The check order shared by PA-01 and PA-02 (A-09); the caller maps failures to CARCs.

    Choice: §4.2 calls the E/I exception "an approved medical-director PA", but a PA record
    has no field naming who approved it, and §5.5 step 3 lists the checks that grant it. Any PA
    passing them grants the exception (a ziconotide PA that also lists epidural use included).
    """
    if record is None:
        return "no_pa"
    if record.status == PENDING:
        return "pending"
    if record.status != APPROVED:
        return "denied"
    if record.procedure_code != view.tables.trigger_procedure_code or not (
        hcpcs_needed <= set(record.hcpcs)
    ):
        return "wrong_service"
    valid_from, valid_to = iso_date(record.valid_from), iso_date(record.valid_to)
    if (valid_from is not None and line_dos < valid_from) or (
        valid_to is not None and line_dos > valid_to
    ):
        return "expired"
    provider = view.claim.provider
    if provider is None or record.provider_npi != provider.rendering_npi:
        return "other_provider"
    return "passed"
