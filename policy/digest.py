"""`input_digest` (§8.1): proves that a replay saw the same claim and snapshot."""

from __future__ import annotations

import hashlib
import json
import re

import orjson

# Where orjson's float text differs from Python's repr: decimals in [1e-5, 1e-4) and one-digit
# negative exponents ("1e-7" against "1e-07"). A string that merely looks like one only costs
# the slow path.
_FLOAT_FORMS_THAT_DIFFER = re.compile(rb"0\.0000|[0-9]e-[0-9](?![0-9])")
# The two literals it starts from, searched one at a time: re's literal search is several times
# faster than `bytes in bytes` for short needles (and than the alternation above).
_SMALL_DECIMAL = re.compile(rb"0\.0000")
_NEGATIVE_EXPONENT = re.compile(rb"e-")


def canonical_json(raw_claim: object, raw_context: object, *, strict_json: bool = False) -> bytes:
    """`{"claim", "context"}` exactly as Python's json.dumps(sort_keys=True, separators=(",", ":"))
    writes it (ASCII escapes), the serialisation §8.1 names.

    orjson writes the same bytes five times faster except for: non-ASCII and DEL (escaped by
    json), small floats (see `_FLOAT_FORMS_THAT_DIFFER`), integers beyond 64 bits (orjson
    refuses) and NaN/Infinity (null in orjson). The first three show in orjson's output or raise;
    NaN and Infinity cannot come from a strict JSON decoder, so the fast path is taken only for
    input decoded strictly (`strict_json`), and falls back to json.dumps whenever in doubt.
    """
    document = {"claim": raw_claim, "context": raw_context}
    if strict_json:
        try:
            fast = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # an integer beyond 64 bits
            fast = b""
        if (
            fast
            and fast.isascii()
            and b"\x7f" not in fast
            and not (
                (_SMALL_DECIMAL.search(fast) or _NEGATIVE_EXPONENT.search(fast))
                and _FLOAT_FORMS_THAT_DIFFER.search(fast)
            )
        ):
            return fast
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("ascii")


def input_digest(raw_claim: object, raw_context: object, *, strict_json: bool = False) -> str:
    """Lower-case hex SHA-256 of the canonical JSON of claim and snapshot."""
    return hashlib.sha256(
        canonical_json(raw_claim, raw_context, strict_json=strict_json)
    ).hexdigest()
