"""§E.3 structure: what is rejected before any rule, and what is left to the VAL rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from models.envelope import ClaimEnvelope
from models.request import StructureError, parse_request
from models.values import is_integer, iso_date, number
from tests.unit.conftest import CASES


def base() -> dict[str, Any]:
    case = CASES["ITDD-TC-006"]
    return {"claim": copy.deepcopy(case["claim"]), "context": copy.deepcopy(case["context"])}


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("claim",), [], "claim is not a JSON object"),
        (("context",), None, "context is not a JSON object"),
        (("claim", "member"), "TSTMBR000006", "claim.member"),
        (("claim", "lines"), {}, "claim.lines"),
        (("claim", "diagnosis_codes"), "M96.1", "claim.diagnosis_codes"),
        (("claim", "lines", 0, "line_number"), 0, "line_number"),
        (("claim", "lines", 0, "line_number"), 1.0, "line_number"),
        (("claim", "lines", 1, "line_number"), 1, "repeats"),
        (("claim", "lines", 1, "drug"), "J2274", "drug"),
        (("claim", "lines", 1), "not a line", "claim.lines.1"),
        (("context", "processing_date"), "2026-02-30", "processing_date"),
        (("context", "eligibility", "coverage_end"), "2026-13-01", "coverage_end"),
        (("context", "adjudicated_claim_ids"), [1], "adjudicated_claim_ids"),
        (
            ("context", "claims_history"),
            [{"agent": "morphine", "decision": "approve"}],
            "service_date",
        ),
    ],
)
def test_structure_breaks_are_rejected(path: tuple[Any, ...], value: object, reason: str) -> None:
    raw = base()
    target: Any = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(StructureError, match=reason):
        parse_request(raw)


def test_field_level_problems_reach_the_rules() -> None:
    raw = base()
    raw["claim"]["service_date"] = "2026-02-30"
    raw["claim"]["lines"][0]["units"] = "one"
    raw["claim"]["documentation"]["purpose"] = 7
    raw["context"]["eligibility"] = {"found": False, "coverage_end": "garbage"}
    assert parse_request(raw).claim.service_date == "2026-02-30"


def test_absent_lines_mean_no_lines() -> None:
    raw = base()
    del raw["claim"]["lines"]
    assert parse_request(raw).claim.lines is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-02-10", True),
        ("20260210", False),
        ("2026-2-10", False),
        ("2026-02-30", False),
        ("2026-02-10T00:00:00", False),
        ("0000-01-01", False),
        ("２０２６-02-10", False),
        (20260210, False),
    ],
)
def test_iso_date(value: object, expected: bool) -> None:
    assert (iso_date(value) is not None) is expected


def test_integer_and_number() -> None:
    assert is_integer(1) and not is_integer(1.0) and not is_integer(True)
    assert number(1.5) == 1.5 and number(2) == 2
    assert number(float("inf")) is None and number(False) is None


@pytest.mark.parametrize(
    "change",
    [
        {"schema_version": 2},
        {"schema_version": 1.0},
        {"schema_version": True},
        {"occurred_at": "2026-03-02T14:03:00"},
        {"claim": []},
        {"event_type": "claim.updated"},
    ],
)
def test_envelope_rejects(change: dict[str, Any]) -> None:
    envelope = {
        "event_id": "e-1",
        "event_type": "claim.submitted",
        "schema_version": 1,
        "occurred_at": "2026-03-02T14:03:00Z",
        "processing_date": "2026-03-02",
        "claim": {},
    }
    with pytest.raises(ValueError):
        ClaimEnvelope.model_validate({**envelope, **change})
