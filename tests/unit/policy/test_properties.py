"""Property tests: for claim-shaped input the engine decides and never raises; it is
deterministic to the byte; key order does not change `input_digest` (§1.5, §8.1)."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.request import StructureError, parse_request
from policy.digest import canonical_json
from policy.engine import decide
from tests.unit.conftest import CASES

CASE_IDS = sorted(CASES)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e-3, max_value=1e-3),
    st.sampled_from(
        [
            "",
            "62327",
            "J2274",
            "M96.1",
            "R25.2",
            "2026-02-10",
            "2026-02-30",
            "JW",
            "50",
            "ML",
            "ME",
            "intrathecal",
            "epidural",
            "bolus",
            "continuous",
            "diluted",
            "idd_trial",
            "approved",
            "pending",
            "66794016002",
            "1999000015",
        ]
    ),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def claim_shaped_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A public case with some fields replaced by arbitrary JSON, or removed."""
    case = CASES[draw(st.sampled_from(CASE_IDS))]
    raw = {"claim": copy.deepcopy(case["claim"]), "context": copy.deepcopy(case["context"])}
    paths = _paths(raw)
    for path in draw(st.lists(st.sampled_from(paths), max_size=5)):
        parent: Any = raw
        try:
            for key in path[:-1]:
                parent = parent[key]
            if draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    return raw


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claim_shaped_requests())
def test_engine_decides_any_claim_shaped_input_deterministically(raw: dict[str, Any]) -> None:
    try:
        request = parse_request(raw)
    except StructureError:
        return  # §E.3: structurally unusable, no decision by design
    first = decide(request).to_json()
    second = decide(parse_request(copy.deepcopy(raw))).to_json()
    assert first == second
    record = json.loads(first)
    assert record["decision"] in {"approve", "deny", "pend", "ignore"}
    if record["decision"] != "ignore":
        assert len(record["line_decisions"]) == len(raw["claim"].get("lines") or [])


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: _shuffled(child, rng) for key, child in items}
    if isinstance(value, list):
        return [_shuffled(child, rng) for child in value]
    return value


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(CASE_IDS), st.randoms(use_true_random=False))
def test_key_order_does_not_change_the_digest(case_id: str, rng: random.Random) -> None:
    case = CASES[case_id]
    raw = {"claim": case["claim"], "context": case["context"]}
    shuffled = _shuffled(raw, rng)
    assert decide(parse_request(raw)).input_digest == decide(parse_request(shuffled)).input_digest


def test_digest_changes_with_the_input() -> None:
    case = CASES["ITDD-TC-006"]
    raw = {"claim": copy.deepcopy(case["claim"]), "context": copy.deepcopy(case["context"])}
    before = decide(parse_request(raw)).input_digest
    raw["claim"]["lines"][1]["charge"] = 18.01
    assert decide(parse_request(raw)).input_digest != before


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_fast_canonical_json_equals_python_json(value: Any) -> None:
    """The orjson fast path writes exactly json.dumps' bytes, or falls back to it."""
    import json
    import math

    def finite(item: Any) -> bool:
        if isinstance(item, float):
            return math.isfinite(item)
        if isinstance(item, list):
            return all(finite(child) for child in item)
        if isinstance(item, dict):
            return all(finite(child) for child in item.values())
        return True

    if not finite(value):
        return  # cannot come from a strict decoder
    expected = json.dumps({"claim": value, "context": {}}, sort_keys=True, separators=(",", ":"))
    assert canonical_json(value, {}, strict_json=True) == expected.encode("ascii")


def test_record_with_an_integer_claim_id_beyond_64_bits_serialises() -> None:
    case = CASES["ITDD-TC-006"]
    raw = {"claim": {**copy.deepcopy(case["claim"]), "claim_id": 2**70}, "context": case["context"]}
    record = decide(parse_request(raw))
    assert record.rule_ids == ["ITDD-VAL-01"]
    assert json.loads(record.to_json())["claim_id"] == 2**70
