"""The worker image beside a broker on a docker network of their own (test_worker_image.py).

* :func:`built_image` - the tag a build script prints last (deploy/worker/build-worker-image,
  deploy/image/build-broker-image: cached when their inputs are unchanged), or an override from
  the environment (``WORKER_TEST_IMAGE``, ``KAFKA_TEST_IMAGE``).
* :class:`WorkerStack` - a user-defined bridge network; the broker on it with two client
  listeners: ``DOCKER`` (SASL_PLAINTEXT, SCRAM-SHA-512) advertised by container name for the
  worker, ``PLAINTEXT`` published and advertised on 127.0.0.1 for the test; the worker container
  with a read-only root file system, a tmpfs data dir, as the image's non-root user, its web port
  published on 127.0.0.1. Everything carries an owner label and is removed on exit, failure
  included; what a dead test session left is removed on the next start (Ryuk is off).

No container reaches anything but the other container of its network; the test reaches only
127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from contextlib import ExitStack, suppress
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.kafka_util import BUILD_IMAGE, READY_LINE, REPO_ROOT

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.network import Network

BUILD_WORKER_IMAGE = REPO_ROOT / "deploy" / "worker" / "build-worker-image"
BUILD_TIMEOUT_S = 1800.0
BROKER_START_TIMEOUT_S = 120
OWNER_LABEL = "claims-adjudicator.worker-image-test.owner-pid"

# The image's contract (deploy/worker/Dockerfile).
WORKER_UID = 10001
DATA_DIR = "/var/lib/claims-adjudicator"
WEB_PORT = 6066

# The broker's listener for the worker, reached by container name on the network.
DOCKER_LISTENER = "DOCKER"
DOCKER_PORT = 9094
SASL_USERNAME = "claims-adjudicator"
SASL_MECHANISM = "SCRAM-SHA-512"
SCRAM_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
BROKER_UID = 1000  # the broker image's appuser
CONTAINER_SCRAM_FILE = "/etc/kafka/scram-credentials"


def built_image(script: Path, override: str) -> str:
    """``$override`` if set, else the tag ``script`` prints on its last stdout line."""
    if image := os.environ.get(override):
        return image
    t0 = time.monotonic()
    try:
        proc = subprocess.run(
            [str(script)], capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"cannot build an image with {script}: {exc}", pytrace=False)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        pytest.fail(
            f"{script} failed (exit {proc.returncode}); set {override} to use a built image.\n"
            f"--- stderr (tail):\n{proc.stderr[-4000:]}",
            pytrace=False,
        )
    print(f"{script.name}: {lines[-1]} ({time.monotonic() - t0:.1f}s)")
    return lines[-1]


def broker_image() -> str:
    return built_image(BUILD_IMAGE, "KAFKA_TEST_IMAGE")


def worker_image() -> str:
    return built_image(BUILD_WORKER_IMAGE, "WORKER_TEST_IMAGE")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def image_history(image: str) -> str:
    """``docker history --no-trunc`` of an image: every layer's command, ENV, ARG, LABEL."""
    proc = subprocess.run(
        ["docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", image],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return proc.stdout


def remove_stale() -> None:
    """Containers and networks of test sessions that died (their owner pid is gone)."""
    from testcontainers.core.docker_client import DockerClient

    client = DockerClient().client

    def dead(labels: Mapping[str, str] | None) -> bool:
        pid = int((labels or {}).get(OWNER_LABEL, "0") or 0)
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError, OverflowError):
            return True
        return False

    for container in client.containers.list(all=True, filters={"label": OWNER_LABEL}):
        if dead(container.labels):
            container.remove(force=True, v=True)
    for network in client.networks.list(filters={"label": OWNER_LABEL}):
        if dead(network.attrs.get("Labels")):
            with suppress(Exception):
                network.remove()


def started(container: DockerContainer | None) -> bool:
    """The container was created (start() got that far)."""
    from testcontainers.core.exceptions import ContainerStartException

    if container is None:
        return False
    try:
        container.get_wrapped_container()
    except ContainerStartException:
        return False
    return True


def logs_of(container: DockerContainer) -> str:
    try:
        out, err = container.get_logs()
    except Exception as exc:  # noqa: BLE001 - diagnostics only
        return f"(no container logs: {exc})"
    return (out + err).decode(errors="replace")


class WorkerStack:
    """Network, broker and (started by :meth:`start_worker`) worker; removed on exit."""

    def __init__(self, broker_image: str, worker_image: str, scram_file: Path) -> None:
        self.broker_image = broker_image
        self.worker_image = worker_image
        self.scram_file = scram_file
        self.run_id = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.broker_name = f"claims-adjudicator-stack-kafka-{self.run_id}"
        self.worker_name = f"claims-adjudicator-stack-worker-{self.run_id}"
        self.broker_port = free_port()
        self.web_port = free_port()
        self.network: Network | None = None
        self.broker: DockerContainer | None = None
        self.worker: DockerContainer | None = None
        self._cleanup = ExitStack()

    @property
    def labels(self) -> dict[str, str]:
        return {OWNER_LABEL: str(os.getpid())}

    @property
    def host_bootstrap(self) -> str:
        """The PLAINTEXT listener, published and advertised on 127.0.0.1 (the test's)."""
        return f"127.0.0.1:{self.broker_port}"

    @property
    def worker_bootstrap(self) -> str:
        """The SASL listener, advertised by container name on the network (the worker's)."""
        return f"{self.broker_name}:{DOCKER_PORT}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    # -- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> WorkerStack:
        from testcontainers.core.config import testcontainers_config
        from testcontainers.core.network import Network

        testcontainers_config.ryuk_disabled = True  # no registry to pull Ryuk from
        remove_stale()
        try:
            network = Network(docker_network_kw={"labels": self.labels, "driver": "bridge"})
            network.create()
            self.network = network
            self._cleanup.callback(self._remove_network)
            self._start_broker()
        except BaseException:
            self._cleanup.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            for name, container in (
                (self.worker_name, self.worker),
                (self.broker_name, self.broker),
            ):
                if container is not None and started(container):
                    print(f"--- logs of {name} (tail):\n{logs_of(container)[-6000:]}")
        self._cleanup.close()

    def _remove_network(self) -> None:
        assert self.network is not None
        self.network.remove()

    def _remove(self, container: DockerContainer) -> None:
        if started(container):
            container.get_wrapped_container().remove(force=True, v=True)

    # -- broker -------------------------------------------------------------------------------
    def _start_broker(self) -> None:
        from testcontainers.core.container import DockerContainer
        from testcontainers.core.wait_strategies import LogMessageWaitStrategy

        assert self.network is not None
        if os.geteuid() == 0:  # the broker (uid 1000) reads the 0600 file through the mount
            os.chown(self.scram_file, BROKER_UID, BROKER_UID)
        else:
            self.scram_file.chmod(0o644)
        port = self.broker_port
        broker = DockerContainer(
            self.broker_image,
            name=self.broker_name,
            network=self.network,
            labels=self.labels,
        )
        broker.with_envs(
            KAFKA_LISTENERS=(
                f"PLAINTEXT://0.0.0.0:{port},{DOCKER_LISTENER}://0.0.0.0:{DOCKER_PORT},"
                "CONTROLLER://0.0.0.0:9093"
            ),
            KAFKA_ADVERTISED_LISTENERS=(
                f"PLAINTEXT://127.0.0.1:{port},{DOCKER_LISTENER}://{self.worker_bootstrap}"
            ),
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=(
                f"PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,{DOCKER_LISTENER}:SASL_PLAINTEXT"
            ),
            KAFKA_SASL_ENABLED_MECHANISMS=SASL_MECHANISM,
            # listener.name.docker.scram-sha-512.sasl.jaas.config ('-' is '___' in the mapping)
            KAFKA_LISTENER_NAME_DOCKER_SCRAM___SHA___512_SASL_JAAS_CONFIG=SCRAM_JAAS,
            KAFKA_SCRAM_CREDENTIALS_FILE=CONTAINER_SCRAM_FILE,
        )
        broker.with_volume_mapping(self.scram_file, CONTAINER_SCRAM_FILE, "ro")
        # PLAINTEXT on loopback only, host port == container port: the advertised
        # 127.0.0.1:PORT works from the host and from the broker itself (inter-broker).
        ports: dict[str, Any] = {f"{port}/tcp": ("127.0.0.1", port)}
        broker.ports = ports
        broker.waiting_for(
            LogMessageWaitStrategy(READY_LINE).with_startup_timeout(BROKER_START_TIMEOUT_S)
        )
        self.broker = broker
        self._cleanup.callback(self._remove, broker)
        t0 = time.monotonic()
        broker.start()
        print(f"broker {self.broker_name} ready in {time.monotonic() - t0:.1f}s")

    # -- worker -------------------------------------------------------------------------------
    def start_worker(self, env: Mapping[str, str]) -> DockerContainer:
        """The worker image, configured by ``env`` only, as production runs it."""
        from testcontainers.core.container import DockerContainer

        assert self.network is not None
        worker = DockerContainer(
            self.worker_image,
            name=self.worker_name,
            network=self.network,
            labels=self.labels,
            read_only=True,
        )
        worker.with_envs(**env)
        # The only writable path: the data dir (faust's files, TMPDIR, HOME), owned by the
        # image's user; not executable.
        worker.tmpfs[DATA_DIR] = (
            f"rw,nosuid,nodev,noexec,size=64m,uid={WORKER_UID},gid={WORKER_UID},mode=0700"
        )
        ports: dict[str, Any] = {f"{WEB_PORT}/tcp": ("127.0.0.1", self.web_port)}
        worker.ports = ports
        self.worker = worker
        self._cleanup.callback(self._remove, worker)
        worker.start()
        return worker

    def wait_ready(self, timeout: float = 120.0) -> float:
        """Seconds until ``/readyz`` answers 200; fails when the worker exits first."""
        assert self.worker is not None
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            wrapped = self.worker.get_wrapped_container()
            wrapped.reload()
            if wrapped.status not in ("created", "running"):
                code = wrapped.attrs["State"]["ExitCode"]
                raise RuntimeError(
                    f"worker container {wrapped.status} (exit {code}) before ready:\n"
                    f"{logs_of(self.worker)[-6000:]}"
                )
            if self.status("/readyz") == 200:
                return time.monotonic() - t0
            time.sleep(0.5)
        raise TimeoutError(f"/readyz not 200 after {timeout}s:\n{logs_of(self.worker)[-6000:]}")

    def status(self, path: str) -> int | None:
        """The HTTP status of ``path`` on the worker's published port (None: no answer)."""
        try:
            with urllib.request.urlopen(f"{self.web_url}{path}", timeout=2) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            return None

    def stop_worker(self, timeout: int = 60) -> tuple[int, float]:
        """``docker stop`` (SIGTERM, SIGKILL after ``timeout``): the exit code and seconds."""
        assert self.worker is not None
        wrapped = self.worker.get_wrapped_container()
        t0 = time.monotonic()
        wrapped.stop(timeout=timeout)
        result = wrapped.wait(timeout=30)
        return int(result["StatusCode"]), time.monotonic() - t0
