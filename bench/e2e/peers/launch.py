"""Start and stop a peer process; its output goes to a log file of the run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from ..config import PeerConfig
from .worker import worker_env

MODULES = {"raw": "bench.e2e.peers.raw", "quix": "bench.e2e.peers.quix"}


def command(config: PeerConfig) -> tuple[list[str], dict[str, str]]:
    if config.peer == "worker":
        return [sys.executable, "-m", "workers.cli", "worker"], worker_env(config)
    return [sys.executable, "-m", MODULES[config.peer], config.to_json()], dict(os.environ)


class PeerProcess:
    def __init__(self, config: PeerConfig, log_path: Path) -> None:
        self.config = config
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> PeerProcess:
        argv, env = command(self.config)
        Path(self.config.work_dir).mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                argv,
                env=env,
                cwd=Path(__file__).resolve().parents[3],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return self

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def pause(self) -> None:
        """SIGSTOP: every thread frozen (sessions outlive a pause of a few seconds)."""
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; the exit status."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
        return process.returncode
