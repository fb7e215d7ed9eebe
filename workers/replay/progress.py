"""Progress of a long replay or generation: rate and ETA.

On a terminal, a tqdm bar (redrawn in place). Elsewhere (CI logs, `nohup`, a pipe) a redrawn bar
is noise, so a plain line goes to stderr every `interval` seconds and once at the end. When the
claim count is not known up front (a file), the total is estimated from the bytes read so far.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any


def estimate_total(items: int, done_bytes: int | None, total_bytes: int | None) -> int | None:
    """Items expected in all, from the share of the input consumed so far."""
    if not items or not done_bytes or not total_bytes:
        return None
    return max(items, round(items * total_bytes / done_bytes))


def format_seconds(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def status_line(label: str, items: int, elapsed: float, total: int | None) -> str:
    """`replay: 120,000 claims (12%), 9,512 claims/s, elapsed 0m13s, ETA 1m33s`."""
    rate = items / elapsed if elapsed > 0 else 0.0
    parts = [f"{label}: {items:,} claims"]
    if total:
        parts[0] += f" ({min(100.0, 100 * items / total):.0f}%)"
    parts.append(f"{rate:,.0f} claims/s")
    parts.append(f"elapsed {format_seconds(elapsed)}")
    if total and rate > 0:
        parts.append(f"ETA {format_seconds(max(0, total - items) / rate)}")
    return ", ".join(parts)


class Progress:
    """Call `advance` after each chunk, `close` at the end (or use as a context manager)."""

    def __init__(
        self,
        label: str,
        *,
        total_items: int | None = None,
        total_bytes: int | None = None,
        stream: IO[str] | None = None,
        interval: float = 10.0,
        terminal: bool | None = None,
        enabled: bool = True,
    ) -> None:
        self.label = label
        self.items = 0
        self._total_items = total_items
        self._total_bytes = total_bytes
        self._done_bytes: int | None = None
        self._stream = stream if stream is not None else sys.stderr
        self._interval = interval
        self._enabled = enabled
        self._started = time.monotonic()
        self._last_line = self._started
        terminal = self._stream.isatty() if terminal is None else terminal
        self._bar: Any = None
        if enabled and terminal:
            from tqdm import tqdm

            # No monitor thread: the replay forks worker processes, and a fork copies no threads.
            tqdm.monitor_interval = 0
            self._bar = tqdm(
                total=total_items,
                desc=label,
                unit=" claims",
                unit_scale=True,
                file=self._stream,
                dynamic_ncols=True,
                smoothing=0.1,
            )

    @property
    def total(self) -> int | None:
        if self._total_items is not None:
            return self._total_items
        return estimate_total(self.items, self._done_bytes, self._total_bytes)

    def advance(self, items: int, done_bytes: int | None = None) -> None:
        self.items += items
        if done_bytes is not None:
            self._done_bytes = done_bytes
        if not self._enabled:
            return
        if self._bar is not None:
            total = self.total
            if total is not None and total != self._bar.total:
                self._bar.total = total
            self._bar.update(items)
            return
        now = time.monotonic()
        if now - self._last_line >= self._interval:
            self._last_line = now
            self._print(now)

    def close(self) -> float:
        """Stop the display; the elapsed seconds."""
        now = time.monotonic()
        if self._enabled:
            if self._bar is not None:
                self._bar.total = self.items
                self._bar.refresh()
                self._bar.close()
            else:
                self._print(now, final=True)
        return now - self._started

    def _print(self, now: float, final: bool = False) -> None:
        total = self.items if final else self.total
        print(
            status_line(self.label, self.items, now - self._started, total),
            file=self._stream,
            flush=True,
        )

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
