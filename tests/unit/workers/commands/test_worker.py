"""`claims-adjudicator worker` refuses a web address it cannot serve before it does anything."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.workers.stream.test_web import free_port

REPO = Path(__file__).resolve().parents[4]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another process listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_worker_with_a_port_in_use_says_one_line_before_the_broker(busy_port: int) -> None:
    # The broker address answers nothing: a check after the broker probe would retry 30 s.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CLAIMS_ADJ_", "KAFKA_"))},
        "CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
        "CLAIMS_ADJ_WEB_PORT": str(busy_port),
    }
    done = subprocess.run(
        [sys.executable, "-m", "workers.cli", "worker"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "claims-adjudicator worker: error: invalid setting CLAIMS_ADJ_WEB_PORT: "
        f"127.0.0.1:{busy_port} is already in use\n"
    )
