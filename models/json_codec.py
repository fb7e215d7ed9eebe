"""The JSON codec of the inputs: claim envelopes, requests, history and decision records (§2.5).

policy-spec §2.5: a number written without a fraction or an exponent is an *integer*, whatever
its size. orjson decodes fast and strictly (UTF-8 only, no BOM, no NaN or Infinity, no number
that overflows a double, no lone surrogate, at most 1024 levels), but it reads an integer
literal outside [-2**63, 2**64) as a double: `100000000000000000000` silently becomes the float
1e20, a fact of the wrong type (missing, §2.3) instead of an integer, and an integer beyond the
double range is refused as "infinity".

`loads` keeps orjson's strictness and its error type, and returns what `json.loads` returns
for such a document. Such an integer has at least 19 digits, so a document without a run of 19
digits is orjson's answer as it is; one with such a run (rare: ids, dates and NPIs are shorter)
is decoded again by the standard library, which keeps every integer exact.

`dumps` is the way back: orjson, but the standard library for what orjson cannot write (an
integer beyond 64 bits).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NoReturn

import orjson

# A document that is not JSON: a ValueError, and a json.JSONDecodeError.
JSONDecodeError = orjson.JSONDecodeError

# The shortest integer orjson reads as a double has 19 digits: -9223372036854775809.
_LONG_RUN = 19
_ZEROS = b"0" * _LONG_RUN
# Every ASCII digit becomes b"0", every other byte a space.
_DIGITS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
# A run of 19 digits holds at least three consecutive bytes of every sixth byte: the test looks at
# a sixth of the document first, and costs a fifth of orjson's decode (dates, NPIs and NDCs are
# too short to pass it).
_STRIDE = 6
_SAMPLED = b"0" * (_LONG_RUN // _STRIDE)
# A long run cut to its first two digits keeps the document valid or invalid as it was (a
# leading zero stays one) and its numbers within orjson's range.
_LONG_RUNS = re.compile(rb"([0-9]{2})[0-9]{%d,}" % (_LONG_RUN - 2))


def loads(data: bytes | str) -> Any:
    """The decoded document, integers exact; JSONDecodeError for what is not JSON (NaN,
    Infinity, a number beyond the double range that is not an integer, invalid UTF-8, ...)."""
    try:
        value = orjson.loads(data)
    except JSONDecodeError:
        text = _utf8(data)
        if not _has_long_run(text):
            raise
        # Perhaps an integer beyond the double range: is the rest of the document JSON?
        orjson.loads(_LONG_RUNS.sub(rb"\1", text))
        return _exact(text)
    text = data if type(data) is bytes else _utf8(data)
    # _has_long_run, inlined: this is every input's path.
    if _SAMPLED in text[::_STRIDE].translate(_DIGITS) and _ZEROS in text.translate(_DIGITS):
        return _exact(text)
    return value


def _utf8(data: bytes | str) -> bytes:
    # surrogatepass: a lone surrogate in a str stays invalid UTF-8, for orjson to refuse.
    return data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data


def _has_long_run(text: bytes) -> bool:
    return _SAMPLED in text[::_STRIDE].translate(_DIGITS) and _ZEROS in text.translate(_DIGITS)


def _exact(text: bytes) -> Any:
    """The standard library's decoding of a document orjson found valid but for the size of its
    integers; what orjson refuses among the numbers is refused here too."""
    try:
        return json.loads(text.decode("utf-8"), parse_constant=_not_json, parse_float=_finite)
    except (RecursionError, ValueError) as error:
        # A non-finite number, nesting beyond the interpreter's recursion limit, or an integer of
        # more digits than int() converts (sys.get_int_max_str_digits): json.loads fails too.
        raise JSONDecodeError(str(error), "", 0) from None


def _not_json(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not JSON")


def _finite(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise ValueError("number is infinity when parsed as double")
    return number


def dumps(value: Any, *, indent: bool = False) -> bytes:
    """Compact JSON bytes (two-space indented with `indent`), non-ASCII as UTF-8."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else None)
    except TypeError:
        # An integer beyond 64 bits, which orjson refuses to write and `loads` can return.
        text = json.dumps(
            value,
            ensure_ascii=False,
            indent=2 if indent else None,
            separators=(",", ": ") if indent else (",", ":"),
        )
        return text.encode("utf-8")
