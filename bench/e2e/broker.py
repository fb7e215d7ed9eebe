"""The broker of a run: the project's local Apache Kafka started in a private directory on free
ports (so a broker someone else is using is never touched, and its CPU is ours alone), or the
one KAFKA_BOOTSTRAP_SERVERS names."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL_BROKER = ROOT / "deploy" / "kafka" / "local-broker"


@dataclass
class Broker:
    bootstrap: str
    pid: int | None  # for its CPU; None when it cannot be told (a remote broker)
    run_dir: Path | None = None  # set when this run started it

    def stop(self) -> None:
        if self.run_dir is None:
            return
        subprocess.run(
            [str(LOCAL_BROKER), "stop"],
            env={**os.environ, "KAFKA_LOCAL_DIR": str(self.run_dir)},
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.run_dir = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_local() -> Broker:
    """`local-broker start` in a fresh directory; the last line it prints is the address."""
    run_dir = Path(tempfile.mkdtemp(prefix="bench-e2e-broker-"))
    env = {
        **os.environ,
        "KAFKA_LOCAL_DIR": str(run_dir),
        "KAFKA_LOCAL_PORT": str(free_port()),
        "KAFKA_LOCAL_CONTROLLER_PORT": str(free_port()),
    }
    try:
        out = subprocess.run(
            [str(LOCAL_BROKER), "start"], env=env, capture_output=True, text=True, check=True
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(run_dir, ignore_errors=True)
        raise RuntimeError(f"local broker did not start:\n{error.stderr}") from None
    bootstrap = out.stdout.strip().splitlines()[-1]
    pid = int((run_dir / "broker.pid").read_text().strip())
    return Broker(bootstrap, pid, run_dir)


def attach(bootstrap: str, pid: int | None) -> Broker:
    """A broker this run did not start: its pid as given, or the one local `kafka.Kafka`."""
    return Broker(bootstrap, pid if pid is not None else _local_kafka_pid())


def _local_kafka_pid() -> int | None:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"kafka.Kafka" in cmdline and b"java" in cmdline.split(b"\0", 1)[0]:
            found.append(int(entry.name))
    return found[0] if len(found) == 1 else None
