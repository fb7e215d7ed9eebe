"""Where replayed records go: a JSON-lines file here, a Kafka topic in `topic_sink`.

A sink takes the results of one block at a time, in input order. The file sink writes one line
per input line (records, error records, not-replayable records), like `decide`, so that line N
of the output answers line N of the input.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path
from typing import IO, Protocol

from workers.replay.work import BlockResult


class Sink(Protocol):
    label: str

    def write(self, result: BlockResult) -> None: ...

    def close(self) -> None: ...


class FileSink:
    """JSON lines to a file (gzip when the name ends in `.gz`) or to stdout (`-`)."""

    def __init__(self, path: str) -> None:
        self.label = "stdout" if path == "-" else path
        self._owned = path != "-"
        if path == "-":
            self._out: IO[bytes] = sys.stdout.buffer
        elif path.endswith(".gz"):
            # Level 1: replay output is written once and read by machines; speed matters more.
            self._out = gzip.open(path, "wb", compresslevel=1)  # type: ignore[assignment]  # noqa: SIM115
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._out = Path(path).open("wb", buffering=1 << 20)  # noqa: SIM115 - see close()

    def write(self, result: BlockResult) -> None:
        self._out.write(result.output)

    def close(self) -> None:
        if self._owned:
            self._out.close()
        else:
            self._out.flush()


class NullSink:
    """Check-only runs (`--no-output`): the report is the product."""

    label = "none"

    def write(self, result: BlockResult) -> None:
        return None

    def close(self) -> None:
        return None
