"""`claims-adjudicator worker` refuses a web address it cannot serve before it does anything."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from workers.errors import SettingsError
from workers.stream.web import require_bindable

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another process listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_port_in_use_is_named() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(SettingsError) as raised:
            require_bindable("127.0.0.1", port)
    assert str(raised.value) == (
        f"invalid setting CLAIMS_ADJ_WEB_PORT: 127.0.0.1:{port} is already in use"
    )


def test_the_check_leaves_the_port_free() -> None:
    port = free_port()
    require_bindable("127.0.0.1", port)
    with socket.socket() as server:  # the web server binds it right after
        server.bind(("127.0.0.1", port))
        server.listen()


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        ("192.0.2.1", "CLAIMS_ADJ_WEB_HOST: 192.0.2.1 is not an address of this machine"),
        ("no-such-host.invalid", "CLAIMS_ADJ_WEB_HOST: cannot resolve 'no-such-host.invalid'"),
    ],
)
def test_a_host_that_cannot_be_served(host: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        require_bindable(host, free_port())


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
