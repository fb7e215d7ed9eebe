"""What changed, in words: a re-adjudication (claim-lifecycle.md L.2) says which follow-up
decided the claim again and what it brought, for the member in plain words and for the
provider with the codes.

Dates: the follow-up's business date is the record's `processing_date` (L.4: a re-adjudication
is decided at the triggering event's date; for a PA update, the latest business date known).
"""

from __future__ import annotations

from typing import Literal

from policy.downstream.notice.facts import Facts, long_date, mapping, show

Audience = Literal["member", "provider"]

_ROLE = {"pharmacist": "a pharmacist", "medical_director": "the medical director"}
_FOUND = {
    "dose_appropriate": ("found the dose right for this patient", "found the dose right for you"),
    "dose_not_appropriate": (
        "found the dose not appropriate",
        "found the dose too high to be safe for you",
    ),
}


def change_paragraphs(facts: Facts, audience: Audience) -> list[str]:
    """The paragraphs that open a re-adjudication's notice; none for a first record."""
    if facts.trigger == "claim_submitted" and facts.supersedes is None:
        return []
    member = audience == "member"
    day = facts.processing_date
    when = long_date(day) if member else (day.isoformat() if day else "an unknown date")
    opening = (
        "This letter replaces the one we sent you before about this claim."
        if member
        else "This decision replaces the claim's earlier decision."
    )
    trigger = facts.trigger
    if trigger == "documentation_received":
        why = (
            f"We received the records your provider sent on {when}. We looked at the claim "
            "again with them."
            if member
            else f"We received the records you sent on {when} and decided the claim again "
            "with them."
        )
    elif trigger == "documentation_deadline":
        due = facts.documentation_due
        requested = facts.requested_on
        if member:
            why = (
                f"On {long_date(requested)} we asked your provider for records. They did not "
                f"reach us by {long_date(due)}, so we made a final decision without them."
            )
        else:
            why = (
                f"The records requested on {requested.isoformat() if requested else '?'} did "
                f"not arrive by {due.isoformat() if due else '?'}: ITDD-DOC-01 finalizes the "
                "lines that waited for them (CO-226 / N706)."
            )
    elif trigger == "prior_authorization_updated":
        why = (
            f"The prior approval for this care was updated. On {when} we looked at the claim "
            "again with it."
            if member
            else f"The prior authorization the claim names changed; the claim was decided "
            f"again on {when} with its current record."
        )
    elif trigger == "clinical_review_completed":
        why = _review_sentence(facts, member)
    else:
        why = f"The claim was decided again on {when}."
    return [opening, why]


def _review_sentence(facts: Facts, member: bool) -> str:
    review = mapping(facts.latest_review())
    role = _ROLE.get(str(review.get("reviewer_role")), "a reviewer")
    found = _FOUND.get(str(review.get("determination")))
    day = review.get("reviewed_on")
    if member:
        who = "a pharmacist who works for us" if role == "a pharmacist" else "our medical director"
        result = found[1] if found else "finished the review"
        return f"{who.capitalize()} reviewed the dose of your medicine and {result}."
    result = found[0] if found else "completed the review"
    line = show(review.get("line_number"))
    return (
        f"{role.capitalize()} reviewed the dose on line {line} on {show(day)} "
        f"(ITDD-SAFE-01) and {result}."
    )
