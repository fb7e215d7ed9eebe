"""Placeholder until the engine lands (issue 3): the signature the worker codes against."""

from __future__ import annotations

from models.decision import DecisionRecord
from models.request import AdjudicationRequest


def decide(request: AdjudicationRequest, version: str | None = None) -> DecisionRecord:
    """Decide one request under `version` (a what-if) or the version in force (§1.6)."""
    raise NotImplementedError


def internal_error_record(
    claim: object, processing_date: str | None, error: BaseException
) -> DecisionRecord:
    """A `pend` P2 `internal_error` record for a claim the engine could not decide."""
    raise NotImplementedError
