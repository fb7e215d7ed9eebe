"""Shared fixtures for unit tests: the public cases and a request builder."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from models.request import parse_request
from policy.engine import decide
from tests.cases import load_cases

CASES = {case["case_id"]: case for case in load_cases()}


def request_of(case_id: str) -> dict[str, Any]:
    """A deep copy of a public case's {claim, context}, safe to mutate."""
    case = CASES[case_id]
    return {"claim": copy.deepcopy(case["claim"]), "context": copy.deepcopy(case["context"])}


def decide_raw(raw: dict[str, Any], version: str | None = None) -> dict[str, Any]:
    return decide(parse_request(raw), version).to_dict()


@pytest.fixture
def approved_request() -> dict[str, Any]:
    """TC-006: morphine bolus trial for non-cancer pain, complete documentation (approve)."""
    return request_of("ITDD-TC-006")
