"""JSON lines in and out, for every command that reads or writes them (`decide`, `replay`,
`render`, `generate`, `demo`) and the spools of `replay`.

In: a file, gzip when its name ends in `.gz` or its content starts with the gzip magic, or stdin
(no name, or `-`). Lines are numbered as an editor shows them (1-based, blank lines counted) so
that an error names the right line; blank lines are skipped and the others stripped. A line is
decoded by models.json_codec (integers exact, policy-spec §2.5); one that is not JSON is a
DecodeError with its reason, never the end of the run.

Out: a file (gzip at level 1 when its name ends in `.gz`: written once, read by machines, so
speed matters more; parent directories created) or stdout (`-`).
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple

from models.json_codec import JSONDecodeError, dumps, loads

GZIP_MAGIC = b"\x1f\x8b"
STDIO = "-"


class DecodeError(ValueError):
    """A line that is not JSON."""


class RawLine(NamedTuple):
    number: int  # 1-based, as an editor shows it
    text: bytes  # stripped, never empty


def is_stdio(path: str | None) -> bool:
    return path is None or path == STDIO


def is_gzip(path: Path) -> bool:
    """By name (`.gz`) or by content (the gzip magic)."""
    if path.name.endswith(".gz"):
        return True
    with path.open("rb") as probe:
        return probe.read(2) == GZIP_MAGIC


def open_input(path: str | None) -> IO[bytes]:
    """The bytes of a file (decompressed when gzip), or stdin for None or `-`."""
    if path is None or path == STDIO:
        return sys.stdin.buffer
    if is_gzip(Path(path)):
        return gzip.open(path, "rb")  # type: ignore[return-value]  # GzipFile is a binary IO
    return Path(path).open("rb")


def numbered(lines: Iterable[bytes], first_line: int = 1) -> Iterator[tuple[int, bytes]]:
    """(number, text) of the non-blank lines, stripped; blank lines are counted, not given."""
    return ((n, text) for n, text in enumerate(map(bytes.strip, lines), first_line) if text)


def read_lines(stream: Iterable[bytes]) -> Iterator[RawLine]:
    """The numbered lines of a stream, one at a time (stdin is decided as it arrives)."""
    return (RawLine(n, text) for n, text in numbered(stream))


def split_lines(data: bytes, first_line: int = 1) -> list[tuple[int, bytes]]:
    """The numbered lines of a block of whole lines in memory (a replay block: plain tuples,
    the cheapest to build for hundreds of lines)."""
    return list(numbered(data.split(b"\n"), first_line))


def decode(text: bytes) -> Any:
    """One line's JSON value; DecodeError when it is not JSON."""
    try:
        return loads(text)
    except JSONDecodeError as error:
        raise DecodeError(f"not valid JSON: {error}") from None


def read_values(path: str | None) -> list[Any]:
    """Every line's value, for files that must be whole (the case file): a bad line raises
    DecodeError with its number."""
    with open_input(path) as stream:
        return list(values(stream, f"{path or 'stdin'} "))


def values(stream: Iterable[bytes], name: str = "") -> Iterator[Any]:
    """The values of a stream of lines (a spool this program wrote with `encode`)."""
    for number, text in numbered(stream):
        try:
            yield loads(text)
        except JSONDecodeError as error:
            raise DecodeError(f"{name}line {number}: not valid JSON: {error}") from None


def encode(value: Any) -> bytes:
    """One line: the value's JSON and a newline (integers beyond 64 bits included)."""
    return dumps(value) + b"\n"


class Output:
    """Lines to a file (see the module docstring) or to stdout (`-`: flushed, never closed)."""

    def __init__(self, path: str) -> None:
        self.label = "stdout" if is_stdio(path) else path
        self._owned = not is_stdio(path)
        if not self._owned:
            self._out: IO[bytes] = sys.stdout.buffer
            return
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if path.endswith(".gz"):
            self._out = gzip.open(path, "wb", compresslevel=1)  # type: ignore[assignment]  # noqa: SIM115 - see close()
        else:
            self._out = Path(path).open("wb", buffering=1 << 20)  # noqa: SIM115 - see close()

    def write(self, data: bytes) -> None:
        self._out.write(data)

    def close(self) -> None:
        if self._owned:
            self._out.close()
        else:
            self._out.flush()

    def __enter__(self) -> Output:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
