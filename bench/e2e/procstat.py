"""CPU time of a process (user + system, all its threads) from /proc, sampled in the background
so that it can be read at any moment of the run afterwards — the moments that matter (first
and last decision) are only known once the run is over."""

from __future__ import annotations

import bisect
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of `pid`; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


class CpuSampler:
    """Samples the CPU seconds of named processes every `interval` seconds (wall clock)."""

    def __init__(self, pids: Mapping[str, int | None], interval: float = 0.05) -> None:
        self._pids = {name: pid for name, pid in pids.items() if pid is not None}
        self._interval = interval
        self._samples: dict[str, tuple[list[float], list[float]]] = {
            name: ([], []) for name in self._pids
        }
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)

    def start(self) -> CpuSampler:
        self._sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def _sample(self) -> None:
        with self._lock:
            now = time.time()
            for name, pid in self._pids.items():
                seconds = cpu_seconds(pid)
                if seconds is not None:
                    times, values = self._samples[name]
                    times.append(now)
                    values.append(seconds)

    def between(self, name: str, start: float, end: float) -> float | None:
        """CPU seconds `name` used between two wall-clock moments (linear between samples)."""
        if name not in self._samples:
            return None
        if time.time() >= end and not self._stop.is_set():
            self._sample()  # `end` may be later than the last periodic sample
        first, last = self._at(name, start), self._at(name, end)
        return None if first is None or last is None else last - first

    def _at(self, name: str, moment: float) -> float | None:
        with self._lock:
            times, values = list(self._samples[name][0]), list(self._samples[name][1])
        if not times or moment < times[0] or moment > times[-1]:
            return None
        i = bisect.bisect_left(times, moment)
        if times[i] == moment or i == 0:
            return values[i]
        t0, t1, v0, v1 = times[i - 1], times[i], values[i - 1], values[i]
        return v0 + (v1 - v0) * (moment - t0) / (t1 - t0)
