"""Helpers for integration tests against a real Apache Kafka broker.

* :func:`unique_name` - topic / group / transactional-id names unique per test run and call.
* :func:`create_topics` - explicit topic creation through aiokafka's admin client (the test
  broker runs with ``auto.create.topics.enable=false``); waits until every partition has a
  leader.
* :func:`header_map` - a consumed record's headers as a dict.
* :class:`KafkaBroker` - the broker the session runs against, with
  :meth:`KafkaBroker.restart_broker` for tests that bounce the broker mid-stream (container: same
  container, published port and data; external broker from ``KAFKA_BOOTSTRAP_SERVERS``:
  ``deploy/kafka/local-broker stop`` / ``start``).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import socket
import subprocess
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import for_code
from aiokafka.partitioner import murmur2

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCAL_BROKER = REPO_ROOT / "deploy" / "kafka" / "local-broker"
BUILD_IMAGE = REPO_ROOT / "deploy" / "image" / "build-broker-image"
READY_LINE = "Kafka Server started"

_RUN_ID = uuid.uuid4().hex[:8]
_counter = itertools.count()
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def unique_name(prefix: str) -> str:
    """A Kafka-legal name (topic, group id, transactional id) that is unique per call.

    Contains the current test's name when called inside a test, a per-process run id and a
    counter, e.g. ``claims.test_transactional_roundtrip.1a2b3c4d.0``.
    """
    test = os.environ.get("PYTEST_CURRENT_TEST", "").split("::")[-1].split(" ")[0]
    parts = [prefix, test[:60], _RUN_ID, str(next(_counter))]
    return _UNSAFE.sub("-", ".".join(p for p in parts if p))[:249]


async def create_topics(
    bootstrap: str,
    topics: Mapping[str, int],
    config: Mapping[str, str] | None = None,
    *,
    replication_factor: int = 1,
    timeout_s: float = 30.0,
) -> None:
    """Create ``{name: partitions}`` topics (with optional topic ``config``) and wait for leaders.

    Raises the broker's error (e.g. ``TopicAlreadyExistsError``) if any topic is not created.
    """
    cfg = {k: str(v) for k, v in (config or {}).items()}
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000)
    )
    await admin.start()
    try:
        response = await admin.create_topics(
            [
                NewTopic(name, n, replication_factor, topic_configs=cfg)
                for name, n in topics.items()
            ],
            timeout_ms=int(timeout_s * 1000),
        )
        for topic_error in response.topic_errors:
            name, code = topic_error[0], topic_error[1]
            if code != 0:
                message = topic_error[2] if len(topic_error) > 2 else ""
                raise for_code(code)(f"create topic {name!r}: {message}")
        deadline = time.monotonic() + timeout_s
        while True:
            described = await admin.describe_topics(list(topics))
            ready = {
                t["topic"]
                for t in described
                if t["error_code"] == 0
                and len(t["partitions"]) == topics[t["topic"]]
                and all(p["leader"] >= 0 for p in t["partitions"])
            }
            if ready == set(topics):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"topics without leaders after {timeout_s}s: {set(topics) - ready}"
                )
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


class KafkaBroker:
    """The session's broker: ``bootstrap`` address plus stop/start/restart for failure tests.

    ``container`` is the testcontainers object when the harness started the image, ``None``
    when the session uses ``KAFKA_BOOTSTRAP_SERVERS`` (then restart goes through
    deploy/kafka/local-broker, which must be the process serving that address).
    """

    def __init__(self, bootstrap: str, container: DockerContainer | None = None) -> None:
        self.bootstrap = bootstrap
        self.container = container

    @property
    def mode(self) -> str:
        return "container" if self.container is not None else "external"

    # -- stop / start -------------------------------------------------------------------------
    def stop_broker(self, timeout_s: int = 30) -> None:
        """Stop the broker cleanly (SIGTERM, SIGKILL after ``timeout_s``); data is kept."""
        if self.container is not None:
            self.container.get_wrapped_container().stop(timeout=timeout_s)
        else:
            self._local_broker("stop", timeout_s)

    def start_broker(self, timeout_s: float = 120.0) -> None:
        """Start the stopped broker again and wait until it is ready."""
        if self.container is not None:
            wrapped = self.container.get_wrapped_container()
            since = time.time()
            wrapped.start()
            wait_for_ready_line(self.container, timeout_s, since=since)
        else:
            out = self._local_broker("start", timeout_s)
            address = out.strip().splitlines()[-1] if out.strip() else ""
            if address != self.bootstrap:
                raise RuntimeError(
                    f"deploy/kafka/local-broker started {address!r}, but the session uses "
                    f"KAFKA_BOOTSTRAP_SERVERS={self.bootstrap!r}; run pytest with the same "
                    "KAFKA_LOCAL_PORT / KAFKA_LOCAL_DIR as the local broker"
                )

    def restart_broker(self, downtime_s: float = 0.0, timeout_s: float = 120.0) -> None:
        """Stop the broker, stay down ``downtime_s`` seconds, start it and wait until ready.

        The container keeps its published port and its data (same container, not a new one).
        """
        self.stop_broker()
        if downtime_s > 0:
            time.sleep(downtime_s)
        self.start_broker(timeout_s)

    def is_running(self) -> bool:
        if self.container is not None:
            wrapped = self.container.get_wrapped_container()
            wrapped.reload()
            return bool(wrapped.status == "running")
        host, _, port = self.bootstrap.split(",")[0].rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=2):
                return True
        except OSError:
            return False

    def _local_broker(self, command: str, timeout_s: float) -> str:
        env = dict(os.environ)
        env.setdefault("KAFKA_LOCAL_PORT", self.bootstrap.rsplit(":", 1)[-1])
        proc = subprocess.run(
            [str(LOCAL_BROKER), command],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s + 60,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"deploy/kafka/local-broker {command} failed ({proc.returncode}):\n{proc.stderr}"
            )
        return proc.stdout


def wait_for_ready_line(
    container: DockerContainer, timeout_s: float, since: float | None = None
) -> float:
    """Wait until the broker in ``container`` logs its readiness line (after unix time ``since``).

    Returns the seconds waited. Raises ``RuntimeError`` with the log tail if the container exits,
    ``TimeoutError`` after ``timeout_s``.
    """
    wrapped = container.get_wrapped_container()
    start = time.monotonic()
    while True:
        kwargs = {"since": since} if since is not None else {}
        logs = wrapped.logs(stdout=True, stderr=True, **kwargs).decode(errors="replace")
        if READY_LINE in logs:
            return time.monotonic() - start
        wrapped.reload()
        if wrapped.status not in ("created", "running", "restarting"):
            tail = "\n".join(logs.splitlines()[-40:])
            raise RuntimeError(f"broker container exited ({wrapped.status}) before ready:\n{tail}")
        if time.monotonic() - start > timeout_s:
            tail = "\n".join(logs.splitlines()[-40:])
            raise TimeoutError(f"broker not ready ({READY_LINE!r}) after {timeout_s}s:\n{tail}")
        time.sleep(0.2)


def key_partition(key: bytes, partitions: int) -> int:
    """The partition the default (murmur2) partitioner gives `key`, as producers do."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


def header_map(record: Any) -> dict[str, bytes]:
    """A consumed record's headers by name (the last one wins, as no header repeats here)."""
    return dict(record.headers or ())
