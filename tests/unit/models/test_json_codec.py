"""models.json_codec: orjson's strictness, json.loads' integers (§2.5), one error type."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.json_codec import JSONDecodeError, dumps, loads


@pytest.mark.parametrize(
    "text",
    [
        "18446744073709551616",  # 2**64: orjson reads 1.8446744073709552e+19
        "-9223372036854775809",  # -2**63 - 1: the shortest one, 19 digits
        "100000000000000000000",
        "1" + "0" * 400,  # beyond the double range: orjson refuses it as "infinity"
        '{"a": [1, {"b": 18446744073709551616}], "c": "x"}',
        '{"months": 100000000000000000000, "ratio": 0.25, "big": 1e20}',
    ],
)
def test_integers_beyond_64_bits_are_the_integers_json_loads_reads(text: str) -> None:
    for data in (text, text.encode()):
        value = loads(data)
        assert value == json.loads(text)
        assert repr(value) == repr(json.loads(text))  # int, not a float equal to it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100000000000000000000.0", 1e20),
        ("1e20", 1e20),
        ("18446744073709551616.5", 18446744073709551616.5),
        ("1.00000000000000000000000001", 1.0),
    ],
)
def test_a_number_with_a_fraction_or_an_exponent_stays_a_float(text: str, expected: float) -> None:
    value = loads(text)
    assert type(value) is float
    assert value == expected


def test_the_common_document_is_orjsons_answer_unchanged() -> None:
    text = b'{"claim_id": "CLM-1", "npi": "1999000015", "units": 2, "dose": 0.1, "ok": true}'
    assert loads(text) == orjson.loads(text)
    # A run of 19 digits inside a string only costs the exact decode; the string is kept.
    assert loads(b'{"id": "12345678901234567890123"}') == {"id": "12345678901234567890123"}


LONG = "123456789012345678901234"


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "[Infinity]",
        "-Infinity",
        "1e400",
        "{not json",
        f"[{LONG}, NaN]",  # what orjson refuses is refused with a long integer beside it too
        f"[{LONG}, 1e400]",
        f"[{'1' * 400}, -Infinity]",
        f"[{'1' * 400}.5]",  # not an integer: a number beyond the double range
        f"[0{LONG}]",  # leading zero
        f'[{LONG}, "\\ud800"]',  # lone surrogate
        "[" * 1000 + LONG + "]" * 1000,  # json.loads cannot go that deep either
    ],
)
def test_what_is_not_json_is_refused_with_one_error_type(text: str) -> None:
    with pytest.raises(JSONDecodeError):
        loads(text)


@pytest.mark.parametrize(
    "data",
    [b"\xff\xfe garbage", b"\xef\xbb\xbf[1]", b"\xef\xbb\xbf[" + LONG.encode() + b"]"],
)
def test_bytes_that_are_not_utf8_json_are_refused(data: bytes) -> None:
    with pytest.raises(JSONDecodeError):
        loads(data)


def test_the_error_is_a_value_error_callers_already_catch() -> None:
    assert issubclass(JSONDecodeError, ValueError)
    assert issubclass(JSONDecodeError, json.JSONDecodeError)


def test_dumps_writes_what_orjson_cannot() -> None:
    assert dumps({"a": 2**70, "b": "é"}) == '{"a":1180591620717411303424,"b":"é"}'.encode()
    assert dumps({"a": [1]}) == orjson.dumps({"a": [1]})
    assert dumps({"a": [2**70]}, indent=True) == b'{\n  "a": [\n    1180591620717411303424\n  ]\n}'
    assert dumps({"a": [1]}, indent=True) == orjson.dumps({"a": [1]}, option=orjson.OPT_INDENT_2)
    assert loads(dumps({"n": -(2**80)})) == {"n": -(2**80)}


json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


@given(json_values)
def test_any_document_decodes_as_json_loads_decodes_it(value: Any) -> None:
    text = json.dumps(value)
    assert repr(loads(text)) == repr(json.loads(text))
    assert repr(loads(dumps(value))) == repr(value)
