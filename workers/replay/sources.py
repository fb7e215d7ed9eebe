"""The file source: blocks of whole lines, numbered, with how far into the file each block ends.

The parent reads big blocks and hands them to the workers as they are; only the workers split
them into lines. Line numbers count every physical line (blank ones too), as an editor shows
them, so a report entry "line 812" lands on the right line. For gzip the position is in
compressed bytes, which is what the file size is measured in, so progress and ETA stay right.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from workers.replay.work import Block

GZIP_MAGIC = b"\x1f\x8b"
BLOCK_BYTES = 1 << 20


class FileSource:
    """A JSON-lines file (plain or gzip, by name or by magic) or stdin (`-`)."""

    def __init__(self, path: str | None, label: str | None = None) -> None:
        self.label = label or ("stdin" if path in (None, "-") else str(path))
        self._path = None if path in (None, "-") else Path(str(path))

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
            yield from _blocks(sys.stdin.buffer, None, size)
            return
        with self._path.open("rb") as raw:
            gzipped = self._path.suffix == ".gz" or raw.peek(2)[:2] == GZIP_MAGIC
            if gzipped:
                with gzip.GzipFile(fileobj=raw) as unzipped:
                    yield from _blocks(unzipped, raw, size)  # type: ignore[arg-type]
            else:
                yield from _blocks(raw, raw, size)


def _blocks(
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
