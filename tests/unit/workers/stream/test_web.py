"""The endpoints as plain replies, and the check that the web address can be served: a port in
use or a host that is not this machine's is one line naming the setting."""

from __future__ import annotations

import socket

import orjson
import pytest

from workers.errors import SettingsError
from workers.stream.metrics import Metrics
from workers.stream.web import endpoints, require_bindable


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_health_and_readiness_replies() -> None:
    checks = {"broker_connected": True, "partitions_assigned": False}
    routes = endpoints(lambda: False, lambda: checks, Metrics())
    assert routes["/healthz"]().status == 503
    readyz = routes["/readyz"]()
    assert (readyz.status, orjson.loads(readyz.body)) == (503, {"ready": False, **checks})
    checks["partitions_assigned"] = True
    assert routes["/readyz"]().status == 200


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
