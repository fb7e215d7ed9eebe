"""The member notice (policy/downstream/notice/member.py) and the notices of a re-adjudication:
readability for every public case, the denial checklist of 29 CFR 2560.503-1(g) and 45 CFR
147.136 section by section for every denial, pends and findings in plain words, plan values
from the configuration, the seed's notices and one re-adjudication word for word.

Regenerate the golden files after a reviewed change of the notices or of their words:
`.venv/bin/python -m tests.unit.policy.downstream.test_member_notice`, then review the diff word
by word.
"""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import textstat

from models.values import iso_date
from policy.catalog import load_policy
from policy.downstream.notice import notice_html, notice_text, sample_plan_config
from policy.downstream.notice.facts import long_date
from policy.downstream.notice.language import PlanConfig, notice_words
from policy.engine import AGGREGATION_RULE_IDS
from tests.unit.conftest import CASES, decide_raw, request_of

GOLDEN = Path(__file__).parent / "golden"
SEED = "ITDD-TC-001"
MAX_GRADE = 8.0  # US plans aim at grade 6-8 (issue 21)
DENIALS = sorted(cid for cid, case in CASES.items() if case["expected"]["decision"] == "deny")
PARTIAL = sorted(
    cid
    for cid, case in CASES.items()
    if case["expected"]["decision"] == "approve" and case["expected"]["partial"]
)
PEND = sorted(cid for cid, case in CASES.items() if case["expected"]["decision"] == "pend")
# What a member cannot act on: rule ids, adjustment and status codes, field names, digests.
INTERNAL = re.compile(
    r"ITDD-[A-Z]|\b(?:CO|PR|OA)-\d|\b[AFP][1-7]\b|digest|CARC|RARC|[a-z]+_[a-z_]+|\bnull\b"
)


def _pair(case_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    request = request_of(case_id)
    return decide_raw(request), request


def _member(case_id: str, plan: PlanConfig | None = None) -> str:
    record, request = _pair(case_id)
    return notice_text(record, request, "member", plan)


def _sections(notice: str) -> dict[str, str]:
    parts = re.split(r"\n\n([A-Z][A-Z ,()0-9.:/'-]*)\n-{78}\n", notice)
    return {
        title: " ".join(body.split()) for title, body in zip(parts[1::2], parts[2::2], strict=True)
    }


# --- every public case ---------------------------------------------------------------------


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_member_notice_reads_at_grade_8_or_below(case_id: str) -> None:
    """Flesch-Kincaid on the notice's text as written, headings and all (textstat, offline)."""
    record, request = _pair(case_id)
    grade = textstat.flesch_kincaid_grade(notice_text(record, request, "member"))
    assert grade <= MAX_GRADE, f"{case_id}: grade {grade:.1f}"


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_member_notice_has_no_internal_vocabulary(case_id: str) -> None:
    record, request = _pair(case_id)
    for document in (
        notice_text(record, request, "member"),
        notice_html(record, request, "member"),
    ):
        found = INTERNAL.findall(re.sub(r"<[^>]*>|\{[^}]*\}", " ", document))
        assert not found, f"{case_id}: {found}"
        assert record["input_digest"] not in document


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_every_rule_has_plain_words_in_every_version(version: str) -> None:
    policy = load_policy(version)
    words = notice_words(version)
    rules = {*policy.plan_language.rules, "ITDD-SAFE-01", "ITDD-DOC-01", *AGGREGATION_RULE_IDS}
    assert rules <= set(words.rules)
    assert set(policy.facts) <= set(words.facts)
    assert set(policy.plan_language.indication_groups) <= set(words.groups)


# --- the denial checklist ------------------------------------------------------------------


@pytest.mark.parametrize("case_id", DENIALS + PARTIAL)
def test_denial_notice_has_every_required_section(case_id: str) -> None:
    record, request = _pair(case_id)
    plan = sample_plan_config()
    text = notice_text(record, request, "member")
    sections = _sections(text)
    flat = " ".join(text.split())
    claim = request["claim"]
    words = notice_words(record["policy_version"].removeprefix("ITDD-"))
    denied = [line for line in record["line_decisions"] if line["decision"] == "deny"]
    assert denied
    # (g)(1)(i) the claim's identification: date of service, provider, amount billed.
    assert long_date(iso_date(claim["service_date"])) in flat
    assert f"Provider number: {claim['provider']['rendering_npi']}" in flat
    billed = sum(line["charge"] for line in claim["lines"])
    assert f"Amount billed: ${billed:,.2f}" in flat
    # (g)(1)(i) the specific reason, (ii) the provision, (iii) what would make it payable.
    why = sections["WHY WE DID NOT PAY"]
    summaries = [rule for rule, said in words.rules.items() if said.summary in why]
    assert summaries, f"{case_id}: no rule's summary in {why!r}"
    for rule in summaries:
        said = words.rules[rule]
        assert f'Section {said.section} of our policy "{words.policy_name}"' in why
        assert said.payable in why
    assert "The plan rule we used:" in why and "What would make this care payable:" in why
    # (g)(1)(iv) appeal steps and time limits; 147.136 external review; 502(a).
    appeal = sections["HOW TO APPEAL"]
    assert f"within {plan.appeals.filing_days} days" in appeal
    assert ", ".join(plan.appeals.address) in appeal and plan.appeals.phone in appeal
    assert f"within {plan.appeals.decision_days} days" in appeal
    assert f"within {plan.appeals.urgent_decision_hours} hours" in appeal
    outside = sections["OUTSIDE REVIEW"]
    assert f"within {plan.external_review.filing_months} months" in outside
    assert "section 502(a)" in sections["YOUR RIGHT TO GO TO COURT"]
    # (g)(1)(v) criteria free of charge; clinical reasoning for MN and E/I denials; codes.
    copies = sections["FREE COPIES YOU CAN ASK FOR"]
    assert "free copies of the rule and the criteria we used" in copies
    if {line["carc"] for line in denied} & {"50", "55"}:
        assert "free copy of the medical reasons we used" in copies
    assert "codes for your health problems and your care" in copies
    # What the member owes for the group code.
    owe = sections["WHAT YOU OWE"]
    groups = {line["group_code"] for line in denied}
    assert ("You do not owe" in owe) == bool(groups & {"CO", "OA"})
    assert ("You may owe" in owe) == ("PR" in groups)
    if "27" in {line["carc"] for line in denied}:
        end = iso_date(request["context"]["eligibility"]["coverage_end"])
        assert f"Your coverage with us ended on {long_date(end)}." in owe
    # Where to get help.
    help_ = sections["WHERE TO GET HELP"]
    assert plan.member_services.phone in help_ and plan.consumer_assistance.phone in help_


def test_plan_values_come_from_the_configuration() -> None:
    sample = sample_plan_config()
    plan = sample.model_copy(
        update={
            "plan_name": "Harbor Mutual",
            "appeals": sample.appeals.model_copy(
                update={"phone": "1-888-555-0199", "filing_days": 365}
            ),
            "erisa": False,
        }
    )
    text = " ".join(_member("ITDD-TC-003", plan).split())
    assert text.startswith("HARBOR MUTUAL: ABOUT YOUR CLAIM")
    assert "1-888-555-0199" in text and "within 365 days" in text
    assert sample.appeals.phone not in text and "ERISA" not in text


# --- pends and findings --------------------------------------------------------------------


@pytest.mark.parametrize("case_id", PEND)
def test_a_pend_says_what_from_whom_by_when_and_what_to_do(case_id: str) -> None:
    record, _ = _pair(case_id)
    waiting = _sections(_member(case_id))["WHAT WE ARE WAITING FOR"]
    assert "We will send you a new letter when we decide." in waiting
    if "documentation_requested" in record["pend"]["reasons"]:
        npi = request_of(case_id)["claim"]["provider"]["rendering_npi"]
        due = iso_date(record["processing_date"]) + timedelta(days=45)
        assert f"We asked your provider (number {npi}) for records." in waiting
        assert f"must reach us by {long_date(due)}" in waiting
        assert "nothing is needed from you" in waiting
    else:
        assert "You do not need to do anything." in waiting


def test_the_seed_explains_its_finding_calmly() -> None:
    note = _sections(_member(SEED))["A NOTE ABOUT YOUR MEDICINE"]
    assert "Your claim also lists muscle stiffness (spasticity)." in note
    assert "Morphine is approved for pain caused by cancer" in note
    assert "It is not approved for muscle stiffness (spasticity), so the plan" in note
    assert "approved for muscle stiffness (spasticity) is baclofen." in note
    assert "This note did not change our decision." in note


# --- re-adjudication (claim-lifecycle.md L.2, L.5) ------------------------------------------


def _readjudicated(trigger: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """L.5: the seed after the records of TC-002 arrived on 2026-03-20 (approve)."""
    request = copy.deepcopy(request_of(SEED))
    request["claim"]["documentation"] = copy.deepcopy(
        request_of("ITDD-TC-002")["claim"]["documentation"]
    )
    request["context"]["processing_date"] = "2026-03-20"
    request["context"]["documentation_requested_on"] = "2026-03-02"
    record = decide_raw(request)
    record.update(
        decision_id="00000000-0000-4000-8000-000000000002",
        supersedes="00000000-0000-4000-8000-000000000001",
        trigger=trigger,
    )
    return record, request


def test_readjudication_says_what_changed_for_both_audiences() -> None:
    record, request = _readjudicated("documentation_received")
    assert record["decision"] == "approve"
    member = " ".join(notice_text(record, request, "member").split())
    provider = " ".join(notice_text(record, request, "provider").split())
    assert "This letter replaces the one we sent you before about this claim." in member
    assert "We received the records your provider sent on March 20, 2026." in member
    assert "We received the records you sent on 2026-03-20" in provider
    assert "Replaces decision: 00000000-0000-4000-8000-000000000001" in provider


def test_a_deadline_readjudication_names_the_dates() -> None:
    record, request = _readjudicated("documentation_deadline")
    member = " ".join(notice_text(record, request, "member").split())
    assert "On March 2, 2026 we asked your provider for records." in member
    assert "They did not reach us by April 16, 2026" in member


def test_a_review_readjudication_names_the_reviewer() -> None:
    record, request = _readjudicated("clinical_review_completed")
    request["context"]["clinical_reviews"] = [
        {
            "line_number": 2,
            "rule": "ITDD-SAFE-01",
            "determination": "dose_appropriate",
            "reviewer_role": "medical_director",
            "reviewed_on": "2026-03-20",
        }
    ]
    record = {**decide_raw(request), **{k: record[k] for k in ("supersedes", "trigger")}}
    member = " ".join(notice_text(record, request, "member").split())
    provider = " ".join(notice_text(record, request, "provider").split())
    assert "Our medical director reviewed the dose of your medicine" in member
    assert "The medical director reviewed the dose on line 2 on 2026-03-20" in provider


# --- golden files --------------------------------------------------------------------------


def _goldens() -> dict[str, str]:
    seed, seed_request = _pair(SEED)
    again, again_request = _readjudicated("documentation_received")
    out = {}
    for audience in ("member", "provider"):
        for name, (record, request) in (
            ("seed", (seed, seed_request)),
            ("seed-readjudicated", (again, again_request)),
        ):
            out[f"{name}.{audience}.txt"] = notice_text(record, request, audience)
            out[f"{name}.{audience}.html"] = notice_html(record, request, audience)
    return out


@pytest.mark.parametrize("name", sorted(_goldens()))
def test_golden_notices_word_for_word(name: str) -> None:
    assert _goldens()[name] == (GOLDEN / name).read_text(encoding="utf-8")


def _write_golden() -> None:
    for name, text in _goldens().items():
        (GOLDEN / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    _write_golden()
