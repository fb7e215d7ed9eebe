"""Integration-test harness: one real Apache Kafka broker per test session.

* ``KAFKA_BOOTSTRAP_SERVERS`` set: use that broker (e.g. ``deploy/kafka/local-broker start``).
* otherwise: build (if missing) and start the ``claims-adjudicator/kafka`` image through
  testcontainers - Ryuk off (no registry to pull it from), the broker port published on
  127.0.0.1 only as the *same* port number it listens on and advertises, so the advertised
  ``127.0.0.1:PORT`` works from the host and from the broker itself. Readiness is the broker's
  "Kafka Server started" log line, not a port check. ``KAFKA_TEST_IMAGE`` overrides the image.

Fixtures: ``kafka_bootstrap`` (session, "127.0.0.1:PORT"), ``kafka_broker`` (session,
:class:`KafkaBroker`) and ``broker_container`` (the same broker, for tests that restart it; it is
started again after the test if the test left it stopped). ``secure_broker`` (session,
:class:`~tests.integration.secure_broker.SecureBroker`) is a second broker with PLAINTEXT,
SASL_SSL (SCRAM-SHA-512) and mutual-TLS listeners, started on first use: a container of the same
image, or with ``KAFKA_BOOTSTRAP_SERVERS`` set a second ``deploy/kafka/local-broker`` process in
a run dir of its own. Never skipped: a broker that cannot be had fails the tests.
"""

from __future__ import annotations

import os

# testcontainers reads its configuration when first imported: set it before any import of it.
os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
os.environ["TESTCONTAINERS_CONNECTION_MODE"] = "docker_host"
os.environ["TESTCONTAINERS_HOST_OVERRIDE"] = "127.0.0.1"

import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.kafka_util import READY_LINE, KafkaBroker
from tests.integration.worker_image import broker_image

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer

    from tests.integration.secure_broker import SecureBroker

START_TIMEOUT_S = 120
OWNER_LABEL = "claims-adjudicator.test-broker.owner-pid"
# The test brokers' JVM: the C1 compiler only and the serial collector. A test broker lives for
# seconds to minutes and several start at once on two cores, so the JIT's optimising tier and
# G1's threads are CPU the tests wait for: on this machine a broker took 9.3 s of CPU to its
# ready line and 3.7 s for 20,000 records with the image's defaults, 5.1 s and 1.3 s with these.
# The image's own defaults (deploy/image/entrypoint.sh) are for brokers that live long.
TEST_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:CICompilerCount=1 -Djava.awt.headless=true"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _free_ports(n: int) -> list[int]:
    """``n`` distinct free ports (all held open until every one is chosen)."""
    with ExitStack() as stack:
        ports = []
        for _ in range(n):
            s = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            s.bind(("127.0.0.1", 0))
            ports.append(int(s.getsockname()[1]))
        return ports


def _remove_stale_containers() -> None:
    """Remove broker containers left by test sessions that died (Ryuk is off)."""
    from testcontainers.core.docker_client import DockerClient

    client = DockerClient().client
    for old in client.containers.list(all=True, filters={"label": OWNER_LABEL}):
        pid = int(old.labels.get(OWNER_LABEL, "0") or 0)
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError, OverflowError):
            old.remove(force=True, v=True)


def _require_local_image(image: str) -> None:
    """Fail instead of letting docker try to pull: there is no registry to pull from."""
    from docker.errors import ImageNotFound
    from testcontainers.core.docker_client import DockerClient

    try:
        DockerClient().client.images.get(image)
    except ImageNotFound:
        pytest.fail(
            f"broker image {image} is not in the local docker engine; build it with "
            "deploy/image/build-broker-image (or unset KAFKA_TEST_IMAGE)",
            pytrace=False,
        )


def _start_container(
    image: str,
    listeners: Mapping[str, int] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    volumes: Sequence[tuple[Path, str]] = (),
) -> tuple[DockerContainer, str]:
    """Start the broker image and wait for its readiness line.

    ``listeners``: listener name -> port (default ``{"PLAINTEXT": <free port>}``); each listens
    on 0.0.0.0:PORT in the container, is advertised as 127.0.0.1:PORT and published on
    127.0.0.1:PORT, plus the unpublished CONTROLLER listener on 9093. ``env``: more ``KAFKA_*``
    variables (e.g. the listener security protocol map); ``volumes``: (host path, container path)
    pairs mounted read-only. Returns the container and the first listener's bootstrap address.
    """
    from testcontainers.core.config import testcontainers_config
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    # in case something imported testcontainers before this conftest set the environment
    testcontainers_config.ryuk_disabled = True

    _remove_stale_containers()
    _require_local_image(image)
    listeners = dict(listeners) if listeners else {"PLAINTEXT": _free_port()}
    port = next(iter(listeners.values()))
    bound = ",".join(f"{name}://0.0.0.0:{p}" for name, p in listeners.items())
    container = (
        DockerContainer(
            image,
            labels={OWNER_LABEL: str(os.getpid())},
            name=f"claims-adjudicator-kafka-test-{os.getpid()}-{port}",
        )
        .with_env("KAFKA_LISTENERS", f"{bound},CONTROLLER://0.0.0.0:9093")
        .with_env(
            "KAFKA_ADVERTISED_LISTENERS",
            ",".join(f"{name}://127.0.0.1:{p}" for name, p in listeners.items()),
        )
    )
    for key, value in {"KAFKA_JVM_PERFORMANCE_OPTS": TEST_JVM, **(env or {})}.items():
        container.with_env(key, value)
    for host_path, container_path in volumes:
        container.with_volume_mapping(host_path, container_path, "ro")
    # Published on loopback only, host port == container port (with_bind_ports has no host ip;
    # docker-py takes a (host ip, port) tuple where testcontainers' annotation says int).
    ports: dict[str, Any] = {f"{p}/tcp": ("127.0.0.1", p) for p in listeners.values()}
    container.ports = ports
    container.waiting_for(LogMessageWaitStrategy(READY_LINE).with_startup_timeout(START_TIMEOUT_S))
    started = time.monotonic()
    try:
        container.start()
        host = container.get_container_host_ip()
        published = {p: container.get_exposed_port(p) for p in listeners.values()}
    except BaseException:
        _dump_logs(container)
        container.stop()
        raise
    if host != "127.0.0.1" or any(p != mapped for p, mapped in published.items()):
        container.stop()
        pytest.fail(
            f"broker published as {host}:{published}, expected 127.0.0.1 and the same ports",
            pytrace=False,
        )
    print(
        f"kafka test broker {image} ready on 127.0.0.1:{port} in {time.monotonic() - started:.1f}s"
    )
    return container, f"127.0.0.1:{port}"


def _dump_logs(container: DockerContainer) -> None:
    try:
        out, err = container.get_logs()
        print((out + err).decode(errors="replace")[-8000:])
    except Exception as exc:  # noqa: BLE001  # pragma: no cover - diagnostics only
        print(f"(no container logs: {exc})")


# What the session's integration tests ran against, printed in pytest's closing summary so that
# CI output shows it (never a mock: an Apache Kafka container or a local broker process).
_BROKER_USED: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for used in _BROKER_USED:
        terminalreporter.write_line(f"integration tests ran against Apache Kafka: {used}")


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[KafkaBroker]:
    if bootstrap := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        _BROKER_USED.append(f"broker at {bootstrap} (KAFKA_BOOTSTRAP_SERVERS)")
        yield KafkaBroker(bootstrap)
        return
    image = broker_image()
    try:
        container, bootstrap = _start_container(image)
    except Exception as exc:  # noqa: BLE001 - any cause fails the session, named
        pytest.fail(
            f"could not start broker image {image} (waiting for {READY_LINE!r}): {exc}",
            pytrace=False,
        )
    _BROKER_USED.append(f"container of image {image} at {bootstrap}")
    try:
        yield KafkaBroker(bootstrap, container)
    finally:
        container.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: KafkaBroker) -> str:
    """Bootstrap address of the session's broker, e.g. ``127.0.0.1:41234``."""
    return kafka_broker.bootstrap


@pytest.fixture
def broker_container(kafka_broker: KafkaBroker) -> Iterator[KafkaBroker]:
    """The session's broker for tests that stop/restart it (``restart_broker()``).

    ``.container`` is the testcontainers object (``None`` with KAFKA_BOOTSTRAP_SERVERS).
    """
    yield kafka_broker
    if not kafka_broker.is_running():
        kafka_broker.start_broker()


@pytest.fixture(scope="session")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    """A second broker with PLAINTEXT, SASL_SSL (SCRAM-SHA-512) and mTLS listeners.

    See :class:`~tests.integration.secure_broker.SecureBroker` (``plaintext_bootstrap``,
    ``sasl_ssl_bootstrap``, ``mtls_bootstrap``, ``username``, ``password``, ``mechanism``,
    ``tls``, ``client_env(kind)``). A container of the broker image, or with
    ``KAFKA_BOOTSTRAP_SERVERS`` set (no docker engine) a ``deploy/kafka/local-broker`` process
    of its own, stopped at session end.
    """
    # imported here: the PKI needs `cryptography`, which no other test of this directory does
    from tests.integration.secure_broker import (
        LocalSecureBroker,
        container_broker,
        container_env,
        container_listeners,
        container_volumes,
        prepare_secure_broker,
    )

    setup = prepare_secure_broker(tmp_path_factory.mktemp("secure-broker"))
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        plaintext, controller, sasl, mtls = _free_ports(4)
        local = LocalSecureBroker(setup, setup.directory / "run", plaintext, controller, sasl, mtls)
        try:
            broker = local.start()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            with suppress(Exception):
                local.stop()
            pytest.fail(f"could not start the secured local broker: {exc}", pytrace=False)
        _BROKER_USED.append(
            f"secured local broker process (deploy/kafka/local-broker, {local.run_dir}): "
            f"PLAINTEXT {broker.plaintext_bootstrap}, SASL_SSL {broker.sasl_ssl_bootstrap}, "
            f"SSL/mTLS {broker.mtls_bootstrap}"
        )
        try:
            yield broker
        finally:
            local.stop()
        return
    image = broker_image()
    plaintext, sasl, mtls = _free_ports(3)
    try:
        container, _ = _start_container(
            image,
            container_listeners(plaintext, sasl, mtls),
            env=container_env(),
            volumes=container_volumes(setup),
        )
    except Exception as exc:  # noqa: BLE001 - any cause fails the session, named
        pytest.fail(
            f"could not start the secured broker from image {image} "
            f"(waiting for {READY_LINE!r}): {exc}",
            pytrace=False,
        )
    broker = container_broker(setup, container, (plaintext, sasl, mtls))
    _BROKER_USED.append(
        f"secured container of image {image}: PLAINTEXT {broker.plaintext_bootstrap}, "
        f"SASL_SSL {broker.sasl_ssl_bootstrap}, SSL/mTLS {broker.mtls_bootstrap}"
    )
    try:
        yield broker
    finally:
        container.stop()
