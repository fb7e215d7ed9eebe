"""A pended claim's life on the pure step (workers/stream/step/pended.py; claim-lifecycle.md
L.4, L.5): every trigger and every rejection, driven as the worker drives it.

Claims and follow-ups go through hop 1 (`intake`, `intake_follow_up`) and their forwards,
headers included, are hop 2's input (`by_member`); the member's state is carried from call to
call; a business date or a PA update is `reconcile`, as the sweep calls it (the harness:
partition.py). Given earlier events / when one more / then its records.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from models.decision import DecisionRecord
from models.request import AdjudicationRequest
from policy import lifecycle
from policy.engine import decide_or_pend
from tests.unit.policy.test_public_cases import CONFORMANCE_FIELDS
from tests.unit.workers.stream.step.messages import CASES, SEED, references_of
from tests.unit.workers.stream.step.partition import DOCUMENTATION_TOPIC, REVIEWS_TOPIC, Worker
from workers.jsonl import RawLine
from workers.offline.adjudicate import adjudicate_line
from workers.stream.step.outcome import Destination, Outcome

# Fields of a claim's last record that depend on when and in which order it was decided (L.4
# item 5), and on which record it replaces.
VOLATILE = ("decision_id", "decided_at", "processing_date", "input_digest", "supersedes")


def facts(case_id: str) -> dict[str, Any]:
    """The Appendix C facts of a public case, as a documentation event sends them."""
    return dict(CASES[case_id]["claim"]["documentation"])


def only(outcome: Outcome) -> DecisionRecord:
    """The one record an event made, after checking it is also the one published."""
    [record] = outcome.records
    [published] = [o for o in outcome.outputs if o.destination is Destination.DECISION]
    assert orjson.loads(published.value or b"") == orjson.loads(record.to_json())
    return record


def codes(record: DecisionRecord) -> tuple[str, str | None, str | None, str | None, list[str]]:
    return (
        record.decision,
        record.claim_status_category,
        record.group_code,
        record.carc,
        record.rarc,
    )


def line_codes(record: DecisionRecord) -> list[tuple[str, str | None, list[str]]]:
    return [(line.decision, line.carc, line.rarc) for line in record.line_decisions]


def dead_letter_headers(outcome: Outcome) -> tuple[bytes | None, dict[str, bytes]]:
    [dead] = outcome.outputs
    assert dead.destination is Destination.DEAD_LETTER
    return dead.key, dict(dead.headers)


def matches_case(record: DecisionRecord, case_id: str) -> bool:
    """The record has every conformance field of a public case (policy-spec §E.1)."""
    expected = CASES[case_id]["expected"]
    data = record.to_dict()
    return {name: data[name] for name in CONFORMANCE_FIELDS} == {
        name: expected[name] for name in CONFORMANCE_FIELDS
    }


def snapshot_of(outcome: Outcome) -> dict[str, Any]:
    """The enrichment snapshot the record was decided on (its header)."""
    [decision] = [o for o in outcome.outputs if o.destination is Destination.DECISION]
    snapshot: dict[str, Any] = orjson.loads(dict(decision.headers)["enrichment.snapshot"])
    return snapshot


# -- L.5, the seed's worked lifecycle: one test per row ----------------------------------------


@pytest.fixture
def seed() -> tuple[Worker, DecisionRecord]:
    """Given: the seed pended P3 for records on 2026-03-02."""
    worker = Worker.of(SEED)
    pend = only(worker.submit(SEED))
    assert codes(pend) == ("pend", "P3", None, None, [])
    assert (pend.supersedes, pend.trigger) == (None, "claim_submitted")
    return worker, pend


def test_l5_records_with_the_facts_of_tc002_approve_the_seed(
    seed: tuple[Worker, DecisionRecord],
) -> None:
    worker, pend = seed
    outcome = worker.document(SEED, facts("ITDD-TC-002"), "2026-03-20")
    record = only(outcome)
    assert matches_case(record, "ITDD-TC-002")  # approve F1, the spasticity E/I finding kept
    assert [f.rule for f in record.informational_findings] == ["ITDD-EI-01"]
    assert (record.supersedes, record.trigger) == (pend.decision_id, "documentation_received")
    assert (record.processing_date, record.policy_version) == ("2026-03-20", "ITDD-1.0.0")
    assert outcome.triggers == ["documentation_received"] and outcome.finished_days == [14]
    assert worker.pending(SEED) is None  # final: nothing kept
    assert len(outcome.outputs) == 1


def test_l5_records_with_the_facts_of_tc003_deny_the_seed(
    seed: tuple[Worker, DecisionRecord],
) -> None:
    worker, pend = seed
    record = only(worker.document(SEED, facts("ITDD-TC-003"), "2026-03-20"))
    assert codes(record) == ("deny", "F2", "CO", "50", ["N661"])
    assert matches_case(record, "ITDD-TC-003")
    assert (record.supersedes, record.trigger) == (pend.decision_id, "documentation_received")
    assert worker.pending(SEED) is None


def test_l5_purpose_alone_pends_again_and_the_deadline_stays(
    seed: tuple[Worker, DecisionRecord],
) -> None:
    worker, pend = seed
    record = only(worker.document(SEED, {"purpose": "idd_trial"}, "2026-03-10"))
    assert codes(record) == ("pend", "P3", None, None, [])
    assert record.pend is not None and record.pend.reasons == ["documentation_requested"]
    missing = list(SEED["expected"]["pend"]["documentation_missing"])
    missing.remove("purpose")
    assert record.pend.documentation_missing == missing
    assert (record.supersedes, record.trigger) == (pend.decision_id, "documentation_received")
    kept = worker.pending(SEED)
    assert kept is not None and kept.decision_id == record.decision_id
    assert (kept.documentation_requested_on, str(kept.deadline())) == ("2026-03-02", "2026-04-16")
    assert (
        snapshot_of(worker.document(SEED, {}, "2026-03-11", "evt-2"))["documentation_requested_on"]
        == "2026-03-02"
    )


def test_l5_the_calendar_opening_on_the_deadline_day_does_nothing(
    seed: tuple[Worker, DecisionRecord],
) -> None:
    worker, pend = seed
    assert worker.open_date("2026-04-16") == []
    kept = worker.pending(SEED)
    assert kept is not None and kept.is_pending and kept.decision_id == pend.decision_id


def test_l5_the_calendar_opening_past_the_deadline_denies_co226(
    seed: tuple[Worker, DecisionRecord],
) -> None:
    worker, pend = seed
    [record] = worker.open_date("2026-04-17")
    assert codes(record) == ("deny", "F2", "CO", "226", ["N706"])
    assert line_codes(record) == [("deny", "226", ["N706"])] * 2
    assert record.x12_835_clp02 == "1" and record.rule_ids == pend.rule_ids
    assert (record.supersedes, record.trigger) == (pend.decision_id, "documentation_deadline")
    assert record.processing_date == "2026-04-17"
    assert worker.finished_days == [34]  # business days from 2026-03-02 to the denial
    # Kept (for records that were in time), but finalized once: a later date does nothing.
    kept = worker.pending(SEED)
    assert kept is not None and kept.decision == "deny"
    assert worker.open_date("2026-04-18") == []


def test_l5_in_time_records_arriving_after_the_deadline_denial_approve(
    seed: tuple[Worker, DecisionRecord],
) -> None:
    worker, _ = seed
    [denial] = worker.open_date("2026-04-17")
    outcome = worker.document(SEED, facts("ITDD-TC-002"), "2026-04-15")
    record = only(outcome)
    assert matches_case(record, "ITDD-TC-002")
    assert (record.supersedes, record.trigger) == (denial.decision_id, "documentation_received")
    assert record.processing_date == "2026-04-15"
    assert worker.pending(SEED) is None and worker.sweep() == []
    assert outcome.finished_days == []  # the denial already finished the claim


# -- documentation for a P2 claim ---------------------------------------------------------------

SAFE = CASES["ITDD-TC-014"]  # 25 mg intrathecal morphine on one DOS: P2 SAFE-01
PA_PENDING = CASES["ITDD-TC-027"]  # its PA is still "pending": P2 PA-01


@pytest.mark.parametrize("case", [SAFE, PA_PENDING], ids=["SAFE-01", "PA-01"])
def test_a_p2_claim_accepts_documentation(case: dict[str, Any]) -> None:
    worker = Worker.of(case)
    pend = only(worker.submit(case))
    record = only(worker.document(case, {"history_of_psychosis": False}, "2026-03-05"))
    assert codes(record) == ("pend", "P2", None, None, [])
    assert record.pend is not None and record.pend.reasons == case["expected"]["pend"]["reasons"]
    assert record.rule_ids == case["expected"]["rule_ids"]
    assert (record.supersedes, record.trigger) == (pend.decision_id, "documentation_received")
    kept = worker.pending(case)
    assert kept is not None and kept.claim["documentation"]["history_of_psychosis"] is False


def test_documentation_naming_an_approved_pa_finalizes_a_pa_pend() -> None:
    """`prior_auth_number` is a fact like any other (L.3): the claim is decided on the PA the
    records name."""
    [pa] = PA_PENDING["context"]["prior_authorizations"]
    worker = Worker.of(PA_PENDING)
    worker.references.prior_auths["PA-TEST-0027-A"] = {
        **pa,
        "pa_number": "PA-TEST-0027-A",
        "status": "approved",
    }
    worker.submit(PA_PENDING)
    outcome = worker.document(PA_PENDING, {"prior_auth_number": "PA-TEST-0027-A"}, "2026-03-05")
    assert codes(only(outcome)) == ("approve", "F1", None, None, [])
    assert [pa["pa_number"] for pa in snapshot_of(outcome)["prior_authorizations"]] == [
        "PA-TEST-0027-A"
    ]


# -- clinical_review_completed ------------------------------------------------------------------


def without(case: dict[str, Any], *names: str) -> dict[str, Any]:
    """The case with some of its documentation facts missing."""
    changed = copy.deepcopy(case)
    for name in names:
        changed["claim"]["documentation"][name] = None
    return changed


def test_dose_appropriate_lets_the_line_go_on_to_approval() -> None:
    worker = Worker.of(SAFE)
    pend = only(worker.submit(SAFE))
    outcome = worker.review(SAFE, [(2, "dose_appropriate")], "2026-03-05")
    record = only(outcome)
    assert codes(record) == ("approve", "F1", None, None, [])
    assert record.rule_ids == SAFE["expected"]["rule_ids"]  # SAFE-01 decided the line
    assert (record.supersedes, record.trigger) == (pend.decision_id, "clinical_review_completed")
    assert record.processing_date == "2026-03-05"
    assert snapshot_of(outcome)["clinical_reviews"] == [
        {
            "line_number": 2,
            "rule": "ITDD-SAFE-01",
            "determination": "dose_appropriate",
            "reviewer_role": "pharmacist",
            "reviewed_on": "2026-03-05",
        }
    ]
    assert worker.pending(SAFE) is None


def test_dose_appropriate_with_facts_missing_goes_on_to_a_p3_documentation_pend() -> None:
    case = without(SAFE, "psych_eval_done")
    worker = Worker.of(case)
    first = only(worker.submit(case))
    assert codes(first) == ("pend", "P2", None, None, [])  # SAFE-01 before DOC-01
    record = only(worker.review(case, [(2, "dose_appropriate")], "2026-03-05"))
    assert codes(record) == ("pend", "P3", None, None, [])
    assert record.pend is not None and record.pend.documentation_missing == ["psych_eval_done"]
    assert {"ITDD-SAFE-01", "ITDD-DOC-01"} <= set(record.rule_ids)
    kept = worker.pending(case)
    # Records were first requested by this re-adjudication: the deadline counts from it.
    assert kept is not None and kept.documentation_requested_on == "2026-03-05"
    assert str(kept.deadline()) == "2026-04-19"


def test_dose_not_appropriate_denies_co50_n661() -> None:
    worker = Worker.of(SAFE)
    pend = only(worker.submit(SAFE))
    record = only(worker.review(SAFE, [(2, "dose_not_appropriate")], "2026-03-05"))
    assert codes(record) == ("deny", "F2", "CO", "50", ["N661"])
    assert line_codes(record) == [("deny", "50", ["N661"])] * 2
    assert "ITDD-SAFE-01" in record.rule_ids and record.x12_835_clp02 == "1"
    assert (record.supersedes, record.trigger) == (pend.decision_id, "clinical_review_completed")


def test_a_later_determination_for_the_same_line_replaces_the_earlier() -> None:
    worker = Worker.of(SAFE)
    worker.submit(SAFE)
    # In one event, the later entry stands.
    same_event = worker.review(
        SAFE, [(2, "dose_not_appropriate"), (2, "dose_appropriate")], "2026-03-05"
    )
    assert codes(only(same_event)) == ("approve", "F1", None, None, [])
    # Across events: line 1 (not an outlier, its entry ignored) first, then line 1 and line 2.
    worker = Worker.of(SAFE)
    worker.submit(SAFE)
    first = only(worker.review(SAFE, [(1, "dose_not_appropriate")], "2026-03-05", "evt-r1"))
    assert codes(first) == ("pend", "P2", None, None, [])
    outcome = worker.review(
        SAFE, [(1, "dose_appropriate"), (2, "dose_not_appropriate")], "2026-03-06", "evt-r2"
    )
    assert codes(only(outcome)) == ("deny", "F2", "CO", "50", ["N661"])
    assert [
        (r["line_number"], r["determination"], r["reviewed_on"])
        for r in snapshot_of(outcome)["clinical_reviews"]
    ] == [(1, "dose_appropriate", "2026-03-06"), (2, "dose_not_appropriate", "2026-03-06")]


# -- prior_authorization_updated ----------------------------------------------------------------


def pa_of(case: dict[str, Any], **changes: Any) -> dict[str, Any]:
    [pa] = case["context"]["prior_authorizations"]
    return {**pa, **changes}


def test_the_same_pa_record_again_fires_nothing() -> None:
    worker = Worker.of(PA_PENDING)
    worker.submit(PA_PENDING)
    assert worker.update_pa(pa_of(PA_PENDING)) == []
    assert worker.reopen() == []


@pytest.mark.parametrize(
    ("calendar", "restarted", "processing_date"),
    [
        ("2026-03-09", False, "2026-03-09"),  # the calendar is later than the pend
        (None, False, "2026-03-02"),  # only the claim's own date is known
        ("2026-02-27", True, "2026-03-02"),  # a restarted worker knows an older calendar date
    ],
)
def test_an_approved_pa_approves_at_the_later_of_the_pend_and_the_business_date(
    calendar: str | None, restarted: bool, processing_date: str
) -> None:
    worker = Worker.of(PA_PENDING)
    pend = only(worker.submit(PA_PENDING))
    if restarted:
        worker.latest_event_date = None  # the partition's event dates are not persisted
    if calendar is not None:
        assert worker.open_date(calendar) == []
    [record] = worker.update_pa(pa_of(PA_PENDING, status="approved"))
    assert codes(record) == ("approve", "F1", None, None, [])
    assert (record.supersedes, record.trigger) == (pend.decision_id, "prior_authorization_updated")
    assert record.processing_date == processing_date
    assert worker.pending(PA_PENDING) is None
    assert worker.update_pa(pa_of(PA_PENDING, status="approved")) == []


def test_a_pa_update_fires_once_per_change() -> None:
    worker = Worker.of(PA_PENDING)
    worker.submit(PA_PENDING)
    still_pending = pa_of(PA_PENDING, valid_to="2026-09-30")
    [record] = worker.update_pa(still_pending)
    assert codes(record) == ("pend", "P2", None, None, [])
    assert record.trigger == "prior_authorization_updated"
    kept = worker.pending(PA_PENDING)
    assert kept is not None and kept.prior_authorization == still_pending
    assert worker.update_pa(still_pending) == []
    [denied] = worker.update_pa(pa_of(PA_PENDING, status="denied"))
    assert (denied.decision, denied.supersedes) == ("deny", record.decision_id)
    assert "ITDD-PA-01" in denied.rule_ids


def test_a_pa_update_leaves_claims_that_do_not_wait_on_it() -> None:
    worker = Worker.of(SEED, PA_PENDING)
    worker.submit(SEED)
    worker.submit(PA_PENDING, event_id="evt-pa")
    [record] = worker.update_pa(pa_of(PA_PENDING, status="approved"))
    assert record.claim_id == PA_PENDING["claim"]["claim_id"]
    assert worker.pending(SEED) is not None


# -- documentation_deadline ---------------------------------------------------------------------


def test_records_dated_past_the_deadline_finalize_the_claim_then_are_rejected(
    seed: tuple[Worker, DecisionRecord],
) -> None:
    worker, pend = seed
    outcome = worker.document(SEED, facts("ITDD-TC-002"), "2026-04-20")
    [denial] = outcome.records
    assert codes(denial) == ("deny", "F2", "CO", "226", ["N706"])
    assert (denial.trigger, denial.supersedes) == ("documentation_deadline", pend.decision_id)
    assert denial.processing_date == "2026-04-20"
    assert outcome.triggers == ["documentation_deadline"]
    assert [o.destination for o in outcome.outputs] == [
        Destination.DECISION,
        Destination.DEAD_LETTER,
    ]
    assert outcome.dead_letter is not None
    assert outcome.dead_letter.error_class == "ClaimNotPending"
    # Never revived by them, nor finalized twice.
    assert worker.sweep() == [] and worker.open_date("2026-04-21") == []
    again = worker.document(SEED, facts("ITDD-TC-002"), "2026-04-21", "evt-docs-2")
    assert again.records == [] and again.dead_letter is not None


def test_a_review_dated_past_the_deadline_finalizes_a_documentation_pend() -> None:
    case = without(SAFE, "psych_eval_done")
    worker = Worker.of(case)
    worker.submit(case)
    only(worker.review(case, [(2, "dose_appropriate")], "2026-03-05"))  # P3 from 2026-03-05
    outcome = worker.review(case, [(2, "dose_appropriate")], "2026-04-20", "evt-r2")
    [denial] = outcome.records
    assert (denial.decision, denial.carc, denial.trigger) == (
        "deny",
        "226",
        "documentation_deadline",
    )
    assert outcome.dead_letter is not None
    assert outcome.dead_letter.error_class == "ClaimNotPending"


def test_records_on_the_deadline_day_are_in_time(seed: tuple[Worker, DecisionRecord]) -> None:
    worker, _ = seed
    outcome = worker.document(SEED, facts("ITDD-TC-002"), "2026-04-16")
    assert outcome.triggers == ["documentation_received"]
    assert codes(only(outcome)) == ("approve", "F1", None, None, [])


def test_an_event_of_the_partition_dated_past_the_deadline_moves_the_sweep(
    seed: tuple[Worker, DecisionRecord],
) -> None:
    """The business date is the calendar's or any later event date of the partition (L.4)."""
    worker, pend = seed
    other = CASES["ITDD-TC-002"]
    worker.references.eligibility.update(references_of(other).eligibility)
    worker.submit(other, processing_date="2026-04-17", event_id="evt-other")
    [denial] = worker.sweep()
    assert (denial.claim_id, denial.carc, denial.processing_date) == (
        SEED["claim"]["claim_id"],
        "226",
        "2026-04-17",
    )
    assert denial.supersedes == pend.decision_id


def test_a_claim_revived_with_records_still_missing_is_denied_again_at_the_next_sweep(
    seed: tuple[Worker, DecisionRecord],
) -> None:
    worker, _ = seed
    [denial] = worker.open_date("2026-04-17")
    revived = only(worker.document(SEED, {"purpose": "idd_trial"}, "2026-04-15"))
    assert (revived.decision, revived.supersedes) == ("pend", denial.decision_id)
    # Its records were asked on 2026-03-02: past the deadline on the date the worker knows.
    [again] = worker.sweep()
    assert (again.decision, again.carc, again.trigger) == ("deny", "226", "documentation_deadline")
    assert (again.supersedes, again.processing_date) == (revived.decision_id, "2026-04-17")


# -- events that do not apply (L.4 item 3) and re-sent ones (item 4) ----------------------------

OUT_OF_SCOPE = CASES["ITDD-TC-034"]


def assert_rejected(
    worker: Worker, outcome: Outcome, case: dict[str, Any], error_class: str, topic: str
) -> None:
    """No decision; a dead letter with the original key and bytes and the follow-up topic's
    coordinates (never the by-member topic or the member key)."""
    assert outcome.records == [] and outcome.triggers == []
    key, headers = dead_letter_headers(outcome)
    assert key == case["claim"]["claim_id"].encode()
    assert (headers["error.class"], headers["error.stage"]) == (error_class.encode(), b"lifecycle")
    assert headers["source.topic"] == topic.encode()
    assert (headers["source.partition"], headers["source.offset"]) == (
        b"0",
        str(worker.offsets[topic] - 1).encode(),
    )
    [dead] = outcome.outputs
    assert dead.value == worker.last_value


@pytest.mark.parametrize(
    ("case", "given"),
    [
        (SEED, "nothing"),
        (CASES["ITDD-TC-002"], "approved"),
        (CASES["ITDD-TC-003"], "denied"),
        (OUT_OF_SCOPE, "out of scope"),
    ],
)
def test_documentation_for_no_pending_claim_is_claim_not_pending(
    case: dict[str, Any], given: str
) -> None:
    worker = Worker.of(case)
    if given != "nothing":
        worker.submit(case)
    outcome = worker.document(case, facts("ITDD-TC-002"), "2026-03-20")
    assert_rejected(worker, outcome, case, "ClaimNotPending", DOCUMENTATION_TOPIC)


def test_a_review_for_no_pending_claim_is_claim_not_pending() -> None:
    worker = Worker.of(SAFE)
    outcome = worker.review(SAFE, [(2, "dose_appropriate")], "2026-03-05")
    assert_rejected(worker, outcome, SAFE, "ClaimNotPending", REVIEWS_TOPIC)


@pytest.mark.parametrize("case", [SEED, PA_PENDING], ids=["P3", "P2-PA"])
def test_a_review_for_a_claim_not_pending_for_review_is_review_not_requested(
    case: dict[str, Any],
) -> None:
    worker = Worker.of(case)
    pend = only(worker.submit(case))
    outcome = worker.review(case, [(2, "dose_appropriate")], "2026-03-05")
    assert_rejected(worker, outcome, case, "ReviewNotRequested", REVIEWS_TOPIC)
    kept = worker.pending(case)
    assert kept is not None and (kept.decision_id, kept.clinical_reviews) == (pend.decision_id, [])


def test_a_re_sent_follow_up_publishes_nothing(seed: tuple[Worker, DecisionRecord]) -> None:
    worker, _ = seed
    first = worker.document(SEED, {"purpose": "idd_trial"}, "2026-03-10")
    kept = worker.pending(SEED)
    again = worker.document(SEED, {"purpose": "idd_trial"}, "2026-03-10")
    assert len(first.records) == 1
    assert again.duplicate and again.outputs == [] and again.records == []
    assert again.state is None and worker.pending(SEED) == kept


def test_a_re_sent_review_publishes_nothing() -> None:
    case = without(SAFE, "psych_eval_done")
    worker = Worker.of(case)
    worker.submit(case)
    assert len(worker.review(case, [(2, "dose_appropriate")], "2026-03-05").records) == 1
    again = worker.review(case, [(2, "dose_appropriate")], "2026-03-05")
    assert again.duplicate and again.outputs == [] and again.records == []


# -- the policy version of the first record (L.4 item 2) ----------------------------------------

BACLOFEN = CASES["ITDD-TC-064"]  # 0.9 mg: over the 1.0.0 ceiling (0.8 mg), under 1.1.0's (1.0)


def test_a_re_adjudication_keeps_the_version_of_the_first_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Re-adjudicated on 2026-07-15, when 1.1.0 is in force (first processing date 2026-07-01),
    the claim is still decided by 1.0.0, which still pends it; 1.1.0 would approve it.

    The shipped 1.1.0 applies only from header DOS 2026-07-01, and such a claim processed
    before 2026-07-01 is a DATE-01 denial, never a pend: so §1.6 alone would also pick 1.0.0
    here. The spy shows the version is named, not selected again.
    """
    named: list[str | None] = []

    def spy(request: AdjudicationRequest, version: str | None = None) -> DecisionRecord:
        named.append(version)
        return decide_or_pend(request, version)

    monkeypatch.setattr(lifecycle, "decide_or_pend", spy)
    worker = Worker.of(BACLOFEN)
    only(worker.submit(BACLOFEN))
    outcome = worker.document(BACLOFEN, {"history_of_psychosis": False}, "2026-07-15")
    record = only(outcome)
    assert (record.policy_version, record.processing_date) == ("ITDD-1.0.0", "2026-07-15")
    assert codes(record) == ("pend", "P2", None, None, [])
    assert record.pend is not None and record.pend.reasons == ["clinical_review_dose_outlier"]
    assert named == ["1.0.0"]
    kept = worker.pending(BACLOFEN)
    assert kept is not None
    request = {"claim": kept.claim, "context": snapshot_of(outcome)}
    what_if = adjudicate_line(RawLine(1, orjson.dumps(request)), "1.1.0")
    assert isinstance(what_if, DecisionRecord) and what_if.decision == "approve"


# -- the order of events across topics does not change a claim's last record (L.4 item 5) -------

LATE = CASES["ITDD-TC-007"]  # P3 for records, which arrive dated after its deadline
CLAIMS = (SEED, LATE, PA_PENDING, SAFE)
FOLLOW_UPS: dict[str, Callable[[Worker], object]] = {
    "calendar 2026-04-17": lambda worker: worker.open_date("2026-04-17"),
    "PA approved": lambda worker: worker.update_pa(pa_of(PA_PENDING, status="approved")),
    "seed records of 2026-04-15": lambda worker: worker.document(
        SEED, facts("ITDD-TC-002"), "2026-04-15", "evt-seed-docs"
    ),
    "late records of 2026-04-20": lambda worker: worker.document(
        LATE, facts("ITDD-TC-002"), "2026-04-20", "evt-late-docs"
    ),
}


def last_records(order: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Every claim's last record after the follow-ups in `order`, each followed by the sweep
    (as the worker sweeps after every batch), fields that depend on the order left out."""
    worker = Worker.of(*CLAIMS)
    last: dict[str, DecisionRecord] = {}
    for number, case in enumerate(CLAIMS):
        last[case["claim"]["claim_id"]] = only(worker.submit(case, event_id=f"evt-{number}"))
    review = worker.review(SAFE, [(2, "dose_not_appropriate")], "2026-03-20")
    results: list[object] = [review]
    for name in order:
        results.append(FOLLOW_UPS[name](worker))
        results.append(worker.sweep())
    for result in results:
        records = result.records if isinstance(result, Outcome) else result
        assert isinstance(records, list)
        for record in records:
            last[str(record.claim_id)] = record
    return {
        claim_id: {k: v for k, v in record.to_dict().items() if k not in VOLATILE}
        for claim_id, record in last.items()
    }


def test_every_interleaving_of_calendar_pa_and_records_gives_the_same_last_records() -> None:
    orders = list(itertools.permutations(FOLLOW_UPS))
    first = last_records(orders[0])
    assert {
        claim_id: (r["decision"], r["carc"], r["trigger"]) for claim_id, r in first.items()
    } == {
        "CLM-ITDD-0001": ("approve", None, "documentation_received"),
        "CLM-ITDD-0007": ("deny", "226", "documentation_deadline"),
        "CLM-ITDD-0027": ("approve", None, "prior_authorization_updated"),
        "CLM-ITDD-0014": ("deny", "50", "clinical_review_completed"),
    }
    for order in orders[1:]:
        assert last_records(order) == first, order
