"""Reading JSON lines of adjudication requests, with the line number of every problem.

orjson decodes the common case fast; the standard library decoder is the fallback for what
orjson refuses but JSON-lines producers emit (NaN, integers beyond 64 bits), so that such a
line still reaches the policy (VAL rules) instead of being an error.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson


class DecodeError(ValueError):
    """A line that is not JSON at all."""


def loads(text: bytes) -> tuple[object, bool]:
    """(value, strict): strict is True when orjson (no NaN/Infinity, 64-bit integers) decoded it."""
    try:
        return orjson.loads(text), True
    except orjson.JSONDecodeError:
        try:
            return json.loads(text), False
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise DecodeError(f"not valid JSON: {error}") from None


@dataclass(frozen=True, slots=True)
class RawLine:
    number: int  # 1-based, as an editor shows it
    text: bytes


def open_input(path: str | None) -> IO[bytes]:
    """A file (gzip when it ends in .gz or starts with the gzip magic), or stdin for None/-."""
    if path is None or path == "-":
        return sys.stdin.buffer
    with Path(path).open("rb") as probe:
        compressed = probe.read(2) == b"\x1f\x8b"
    if compressed or path.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]  # GzipFile is a binary IO
    return Path(path).open("rb")


def read_lines(stream: IO[bytes]) -> Iterator[RawLine]:
    """Non-blank lines with their numbers; blank lines are skipped but still counted."""
    for number, text in enumerate(stream, start=1):
        stripped = text.strip()
        if stripped:
            yield RawLine(number, stripped)
