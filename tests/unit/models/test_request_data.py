"""The hand-written request reader agrees with the request models (§E.3) on every input: what
it accepts the models accept with the same values, and what they accept it accepts or hands to
them; the engine then decides the same, to the byte."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from models.request import Claim, Context, StructureError, parse_request
from models.request_data import NotPlain, read_request
from policy.engine import decide
from tests.unit.conftest import CASES, request_of

# Values of every JSON type, and the ones §E.3 and the rules look at.
VALUES: list[Any] = [
    None, True, False, 0, 1, -1, 3, 1.0, 0.5, 2**64 + 5, 1e-7, "", "x", "62327", "J2274", "JW",
    "M96.1", "2026-02-10", "2026-02-30", "ITDD-SAFE-01", "dose_appropriate", "pharmacist",
    "approved", [], {}, [1], ["a"], [None], {"a": 1},
]  # fmt: skip
# Optional fields a public case may not have, so that mutations reach them too.
CONTEXT_EXTRAS: dict[str, Any] = {
    "documentation_requested_on": "2026-02-01",
    "clinical_reviews": [
        {
            "line_number": 2,
            "rule": "ITDD-SAFE-01",
            "determination": "dose_appropriate",
            "reviewer_role": "pharmacist",
            "reviewed_on": "2026-02-20",
        }
    ],
}


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict | list):
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            found += _paths(item, (*path, key))
    return found


def mutants(count: int, seed: int) -> list[dict[str, Any]]:
    """Public cases with one to three values replaced or removed, at random paths."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        raw = request_of(rng.choice(sorted(CASES)))
        raw["context"].update(copy.deepcopy(CONTEXT_EXTRAS))
        for _ in range(rng.randint(1, 3)):
            *parents, key = rng.choice([p for p in _paths(raw) if len(p) > 1])
            target: Any = raw
            for part in parents:
                target = target[part]
            if isinstance(target, dict) and rng.random() < 0.2:
                del target[key]
            else:
                target[key] = copy.deepcopy(rng.choice(VALUES))
        out.append(raw)
    return out


def as_data(value: Any, like: Any) -> Any:
    """The reader's objects in the shape of the models' `model_dump` (`like`), read attribute by
    attribute (compiled classes have no `__dict__`)."""
    if isinstance(like, dict) and not isinstance(value, dict):
        return {name: as_data(getattr(value, name), item) for name, item in like.items()}
    if isinstance(like, list) and isinstance(value, list):
        return [as_data(item, model) for item, model in zip(value, like, strict=True)]
    return value


def _read(raw: dict[str, Any]) -> tuple[Any, Any] | None:
    try:
        request = read_request(raw["claim"], raw["context"], strict_json=True)
    except NotPlain:
        return None
    return request.claim, request.context


def _validate(raw: dict[str, Any]) -> tuple[BaseModel, BaseModel] | None:
    try:
        return Claim.model_validate(raw["claim"]), Context.model_validate(raw["context"])
    except ValidationError:
        return None


def test_the_reader_and_the_models_agree() -> None:
    requests = [request_of(case_id) for case_id in sorted(CASES)] + mutants(400, seed=20)
    for raw in requests:
        if not (isinstance(raw["claim"], dict) and isinstance(raw["context"], dict)):
            continue
        read, validated = _read(raw), _validate(raw)
        assert (read is None) == (validated is None), raw
        if read is not None and validated is not None:
            dumped = [part.model_dump() for part in validated]
            assert [as_data(*pair) for pair in zip(read, dumped, strict=True)] == dumped
    # The mutations reach both outcomes.
    assert sum(_read(raw) is None for raw in requests) > 100


def test_a_structure_error_keeps_the_models_words() -> None:
    raw = request_of("ITDD-TC-006")
    raw["claim"]["lines"][1]["line_number"] = raw["claim"]["lines"][0]["line_number"]
    with pytest.raises(StructureError, match=r"claim\.lines: .*repeats.*\(1 problem\(s\)\)"):
        parse_request(raw)


def test_python_values_json_cannot_hold_are_read_as_the_models_give_them() -> None:
    raw = request_of("ITDD-TC-006")
    tupled = copy.deepcopy(raw)
    tupled["claim"]["diagnosis_codes"] = tuple(raw["claim"]["diagnosis_codes"])
    tupled["claim"]["lines"] = tuple(raw["claim"]["lines"])
    with pytest.raises(NotPlain):
        read_request(tupled["claim"], tupled["context"], strict_json=False)
    expected = decide(parse_request(raw)).to_dict()
    got = decide(parse_request(tupled)).to_dict()
    # The digest covers the claim as given (a tuple is written as a list): the same bytes.
    assert got == expected


def test_every_model_field_is_read() -> None:
    request = read_request(
        request_of("ITDD-TC-006")["claim"], {"processing_date": "2026-02-10"}, strict_json=True
    )
    claim, context = request.claim, request.context
    assert all(hasattr(claim, name) for name in Claim.model_fields)
    assert all(hasattr(context, name) for name in Context.model_fields)
