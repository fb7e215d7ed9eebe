"""The file source: blocks of whole lines, numbered, with how far into the file each block ends.

Line numbers count every physical line (blank ones too), as an editor shows them, so a report
entry "line 812" lands on the right line. For a plain file the parent only finds line boundaries
and counts lines, reading into one reused buffer, and hands each worker a byte span to read
itself: the claims never pass through a pipe, which would cost the parent (it shares the cores
with the workers) several microseconds per claim. Gzip and stdin cannot be read at an offset, so
their blocks carry the bytes; their position is in compressed bytes, like the file size, so
progress and ETA stay right.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from workers.jsonl import is_gzip, is_stdio
from workers.replay.work import Block

BLOCK_BYTES = 1 << 20


class FileSource:
    """A JSON-lines file (plain or gzip, by name or by magic) or stdin (`-`)."""

    def __init__(self, path: str | None, label: str | None = None) -> None:
        self.label = label or ("stdin" if is_stdio(path) else str(path))
        self._path = None if is_stdio(path) else Path(str(path))

    @property
    def total_bytes(self) -> int | None:
        return None if self._path is None else self._path.stat().st_size

    def check(self) -> None:
        """Fail before anything runs when the file is missing or unreadable."""
        if self._path is not None:
            with self._path.open("rb"):
                pass

    def blocks(self, size: int = BLOCK_BYTES) -> Iterator[tuple[Block, int | None]]:
        """(block, bytes of the file consumed after it; None for stdin)."""
        if self._path is None:
            yield from _byte_blocks(sys.stdin.buffer, None, size)
            return
        compressed = is_gzip(self._path)
        with self._path.open("rb") as raw:
            if compressed:
                with gzip.GzipFile(fileobj=raw) as unzipped:
                    yield from _byte_blocks(unzipped, raw, size)  # type: ignore[arg-type]
            else:
                yield from _span_blocks(raw, str(self._path), size)


def _byte_blocks(
    stream: IO[bytes], raw: IO[bytes] | None, size: int
) -> Iterator[tuple[Block, int | None]]:
    next_line = 1
    while True:
        data = stream.read(size)
        if not data:
            return
        if not data.endswith(b"\n"):
            data += stream.readline()  # complete the last line
        yield Block(next_line, data), (raw.tell() if raw is not None else None)
        next_line += data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _span_blocks(raw: IO[bytes], path: str, size: int) -> Iterator[tuple[Block, int | None]]:
    buffer = bytearray(size)
    view = memoryview(buffer)
    next_line, offset, carried = 1, 0, 0  # carried: bytes of an unfinished line in the buffer
    while True:
        filled = carried + (raw.readinto(view[carried:]) or 0)  # type: ignore[attr-defined]
        if filled == 0:
            return
        end = buffer.rfind(b"\n", 0, filled) + 1
        if end == 0:  # no newline in the buffer
            if filled < len(buffer):  # the last line, without newline
                end = filled
            else:  # a line longer than the buffer: grow it
                view.release()  # a bytearray with a live view cannot grow
                buffer.extend(bytes(len(buffer)))
                view = memoryview(buffer)
                carried = filled
                continue
        lines = buffer.count(b"\n", 0, end) + (0 if buffer[end - 1] == 0x0A else 1)
        yield Block(next_line, path=path, offset=offset, length=end), offset + end
        next_line += lines
        offset += end
        carried = filled - end
        buffer[:carried] = buffer[end:filled]
