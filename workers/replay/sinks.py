"""Where replayed records go: a JSON-lines file here, a Kafka topic in `topic_sink`.

A sink takes the results of one block at a time, in input order. The file sink writes one line
per input line (records, error records, not-replayable records), like `decide`, so that line N
of the output answers line N of the input.
"""

from __future__ import annotations

from typing import Protocol

from workers.jsonl import Output
from workers.replay.work import BlockResult


class Sink(Protocol):
    label: str

    def write(self, result: BlockResult) -> None: ...

    def close(self) -> None: ...


class FileSink:
    """JSON lines to a file (gzip when the name ends in `.gz`) or to stdout (`-`)."""

    def __init__(self, path: str) -> None:
        self._out = Output(path)
        self.label = self._out.label

    def write(self, result: BlockResult) -> None:
        self._out.write(result.output)

    def close(self) -> None:
        self._out.close()
