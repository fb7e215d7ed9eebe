"""An enrichment or engine failure pends the claim P2 internal_error; it is never lost."""

from __future__ import annotations

from types import SimpleNamespace

import orjson
import pytest

from tests.cases import load_cases
from workers.agents import adjudicate
from workers.member_state import MemberState
from workers.metrics import Metrics
from workers.reference import ReferenceTables
from workers.settings import Settings

SEED = load_cases()[0]


def fake_adjudicator() -> SimpleNamespace:
    settings = Settings()
    return SimpleNamespace(
        settings=settings, references=ReferenceTables(settings), metrics=Metrics()
    )


def test_enrichment_failure_is_a_p2_internal_error_pend(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise LookupError("reference table unavailable")

    monkeypatch.setattr(adjudicate, "build_context", broken)
    adj = fake_adjudicator()
    record, context = adjudicate.decide(adj, SEED["claim"], "2026-03-02", MemberState())  # type: ignore[arg-type]
    assert context is None
    assert (record.decision, record.claim_status_category) == ("pend", "P2")
    assert record.pend is not None and record.pend.reasons == ["internal_error"]
    assert record.error is not None and record.error.error_class == "LookupError"
    assert "claims_internal_errors_total 1.0" in adj.metrics.exposition().decode()


def test_without_eligibility_the_member_is_not_found() -> None:
    record, context = adjudicate.decide(
        fake_adjudicator(),
        SEED["claim"],
        "2026-03-02",  # type: ignore[arg-type]
        MemberState(),
    )
    assert record.rule_ids == ["ITDD-ELIG-01"]
    assert context is not None and context["eligibility"] == {"found": False}


def test_decision_headers_carry_the_event_and_the_snapshot() -> None:
    record, context = adjudicate.decide(
        fake_adjudicator(),
        SEED["claim"],
        "2026-03-02",  # type: ignore[arg-type]
        MemberState(),
    )
    headers = dict(adjudicate.decision_headers(record, "evt-1", context))
    assert headers["decision"] == b"deny"
    assert headers["input.event_id"] == b"evt-1"
    assert orjson.loads(headers["enrichment.snapshot"]) == context
