"""JSON Schemas of the event models, exported into `models/schemas/` for other teams.

Run `python -m models.schema_export` after changing a model; a unit test fails while the
committed schemas differ from the models.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from models.decision import DecisionRecord
from models.envelope import (
    BusinessDateOpenedEnvelope,
    ClaimEnvelope,
    ClinicalReviewCompletedEnvelope,
    DocumentationReceivedEnvelope,
)
from models.request import Claim, Context, PriorAuthorization

SCHEMA_DIR = Path(__file__).parent / "schemas"

EXPORTED: dict[str, type[BaseModel]] = {
    "claim-envelope.v1.json": ClaimEnvelope,
    # The lifecycle events (claim-lifecycle.md L.3), named after their event_type.
    "claim-documentation-received.v1.json": DocumentationReceivedEnvelope,
    "claim-clinical-review-completed.v1.json": ClinicalReviewCompletedEnvelope,
    "business-date-opened.v1.json": BusinessDateOpenedEnvelope,
    "claim.json": Claim,
    "enrichment-context.json": Context,
    "prior-authorization.json": PriorAuthorization,
    "decision-record.json": DecisionRecord,
}


def render(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(mode="validation"), indent=2, sort_keys=True) + "\n"


def main() -> None:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, model in EXPORTED.items():
        (SCHEMA_DIR / name).write_text(render(model), encoding="utf-8")


if __name__ == "__main__":
    main()
