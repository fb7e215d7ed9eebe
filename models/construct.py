"""Building frozen models from values that are already known to be valid."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_set = object.__setattr__  # pydantic's own __setattr__ refuses frozen models
# What `model.__new__` is for every pydantic model (none defines its own), called without
# looking it up on the model class first (that look-up cost as much as the allocation).
_new = object.__new__


# Every field is given, so the instances of a frozen model share one `__pydantic_fields_set__`:
# pydantic changes that set in place only on assignment, which a frozen model refuses, and
# `model_copy` copies it before adding to it (tests/unit/models/test_record_data.py).
_FIELDS_SET: dict[type, set[str]] = {}


def construct(model: type[M], values: dict[str, Any]) -> M:
    """Build a model from values the engine already guarantees, with every field given.

    `model_construct` spends ~5 us per call resolving aliases and defaults field by field; the
    engine builds several parts per decision, so this sets pydantic's instance state directly
    (the same four attributes `model_construct` sets). Tests compare both paths.
    """
    fields_set = _FIELDS_SET.get(model)
    if fields_set is None:
        fields_set = set(model.model_fields)
        if model.model_config.get("frozen"):
            _FIELDS_SET[model] = fields_set
    instance = _new(model)
    _set(instance, "__dict__", values)
    _set(instance, "__pydantic_fields_set__", fields_set)
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance
