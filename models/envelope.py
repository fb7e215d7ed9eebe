"""The claim envelope of `claims.submitted.v1` (contract README).

An envelope that fails this model is a dead letter. The `claim` inside is only required to be
a JSON object here: its field-level problems are decided by the policy (VAL-* rules).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, StrictStr, field_validator

from models.request import IsoDateStr

SCHEMA_VERSION = 1


class ClaimEnvelope(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: StrictStr
    event_type: Literal["claim.submitted"]
    schema_version: Literal[1]
    occurred_at: AwareDatetime
    processing_date: IsoDateStr
    claim: dict[str, Any]

    @field_validator("schema_version", mode="before")
    @classmethod
    def _exact_version(cls, value: object) -> object:
        # `1.0` and `true` compare equal to 1 in Python; only the integer 1 is version 1.
        if type(value) is not int:
            # The reason without the value: a dead letter's error.message never quotes input.
            raise ValueError(f"must be the integer 1, not a JSON {_json_type(value)}")
        return value


def _json_type(value: object) -> str:
    """The JSON type of a decoded value, for messages that must not quote the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
