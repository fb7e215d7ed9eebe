"""The worker image, whole stack: the broker and the worker as containers on a network of their
own, the worker as production runs it (read-only root file system, a tmpfs data dir, non-root,
configured by environment only, authenticating with a password given at run time).

Every case of samples/cases.jsonl fed through the worker's topics yields the offline engine's
decision record (read with read_committed), `/readyz` turns 200, `docker stop` ends the worker
with exit status 0 and the consumer group's committed offsets then cover every claim; the
password is in no layer of the image and in no log line. Needs a docker engine: never skipped.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from tests.cases import load_cases
from tests.integration.test_worker_end_to_end import assert_decided_as_offline
from tests.integration.worker_image import (
    DATA_DIR,
    SASL_MECHANISM,
    SASL_USERNAME,
    WEB_PORT,
    WORKER_UID,
    WorkerStack,
    broker_image,
    image_history,
    logs_of,
    worker_image,
)
from workers.demo.driver import (
    case_feed,
    isolated_settings,
    load_feed,
    read_settled,
    read_topic,
    settings_env,
)
from workers.stream.topics import ensure_topics

# The first run on a machine builds both images (debootstrap included): minutes.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]

# Names that would say a secret went into the image (ENV, ARG, LABEL, a RUN line).
SECRET_NAMES = ("PASSWORD", "SECRET", "TOKEN", "SASL_", "API_KEY", "PRIVATE")


def write_scram_credentials(path: Path, password: str) -> Path:
    """The broker's SCRAM credentials file (kafka-storage syntax), readable by its owner only."""
    path.touch(mode=0o600)
    path.write_text(f"{SASL_MECHANISM}=[name={SASL_USERNAME},password={password}]\n")
    return path


async def committed_and_end(
    bootstrap: str, group: str, partitions: list[TopicPartition]
) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
    """The group's committed offsets, and the end offsets of `partitions`."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = {
            tp: meta.offset for tp, meta in (await admin.list_consumer_group_offsets(group)).items()
        }
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        end = {tp: int(offset) for tp, offset in (await consumer.end_offsets(partitions)).items()}
    finally:
        await consumer.stop()
    return committed, end


def check_image(image: str, password: str) -> None:
    """A non-root user, the data dir and web host of the contract, no secret in any layer."""
    history = image_history(image)
    config = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{json .Config}}", image],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert password not in history
    assert password not in config
    assert not [n for n in SECRET_NAMES if n in history.upper()], history
    image_config = orjson.loads(config)
    assert image_config["User"] == f"{WORKER_UID}:{WORKER_UID}"
    assert f"CLAIMS_ADJ_DATA_DIR={DATA_DIR}" in image_config["Env"]
    assert "CLAIMS_ADJ_WEB_HOST=0.0.0.0" in image_config["Env"]


def worker_env(stack: WorkerStack, name: str, password: str) -> dict[str, str]:
    """The worker's environment: the SASL listener by container name, the password given at run
    time; data dir, web host and port are the image's own (not passed)."""
    settings = isolated_settings(
        stack.worker_bootstrap,
        name,
        WEB_PORT,  # not passed: the image's own
        Path(DATA_DIR),
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism=SASL_MECHANISM,
        kafka_sasl_username=SASL_USERNAME,
        kafka_sasl_password=password,
    )
    image_owned = ("CLAIMS_ADJ_DATA_DIR", "CLAIMS_ADJ_WEB_HOST", "CLAIMS_ADJ_WEB_PORT")
    env = {k: v for k, v in settings_env(settings).items() if k not in image_owned}
    assert env["CLAIMS_ADJ_KAFKA_SASL_PASSWORD"] == password
    return env


def check_decisions(cases: list[dict[str, Any]], records: list[Any]) -> dict[str, int]:
    """One decision per non-ignored case, each the offline engine's record; the outcomes."""
    published = [c for c in cases if c["expected"]["decision"] != "ignore"]
    assert len(records) == len(published), "one decision per non-ignored case, no more"
    assert_decided_as_offline(records, cases)
    outcomes = Counter(orjson.loads(record.value)["decision"] for record in records)
    assert outcomes == Counter(case["expected"]["decision"] for case in published)
    return dict(sorted(outcomes.items()))


def check_offsets(
    claims: int,
    topic_submitted: str,
    committed: dict[TopicPartition, int],
    end: dict[TopicPartition, int],
    by_member: list[Any],
) -> None:
    """The group's offsets cover every claim: every envelope on the submitted topic (produced
    without transactions: its end offset is the count) and every record the worker put on the
    by-member topic (a transaction marker follows each batch, so the end may be one more)."""
    submitted = {tp: n for tp, n in end.items() if tp.topic == topic_submitted}
    assert sum(submitted.values()) == claims
    assert {tp: committed.get(tp) for tp in submitted} == submitted
    last: dict[TopicPartition, int] = {}
    for record in by_member:
        tp = TopicPartition(record.topic, record.partition)
        last[tp] = max(last.get(tp, -1), record.offset)
    assert last, "nothing on the by-member topic"
    assert all(committed.get(tp, -1) > offset for tp, offset in last.items()), (committed, last)


def test_worker_image_whole_stack(tmp_path: Path) -> None:
    started = time.monotonic()
    images = broker_image(), worker_image()
    built = time.monotonic()
    cases = load_cases()
    published = sum(c["expected"]["decision"] != "ignore" for c in cases)
    password = f"dummy-sasl-{secrets.token_hex(20)}"  # given to the worker at run time only
    name = f"image-{uuid.uuid4().hex[:10]}"
    check_image(images[1], password)

    scram = write_scram_credentials(tmp_path / "scram-credentials", password)
    with WorkerStack(*images, scram) as stack:
        # The test's side: the PLAINTEXT listener on 127.0.0.1.
        # The test's side serves nothing: any valid port will do.
        host = isolated_settings(stack.host_bootstrap, name, WEB_PORT, tmp_path / "data")
        asyncio.run(ensure_topics(host))
        asyncio.run(load_feed(host, case_feed(cases, datetime.now(UTC).isoformat())))

        worker = stack.start_worker(worker_env(stack, name, password))
        wrapped = worker.get_wrapped_container()
        wrapped.reload()
        assert wrapped.attrs["HostConfig"]["ReadonlyRootfs"] is True
        uid = worker.exec(["id", "-u"])
        assert (uid.exit_code, uid.output.decode().strip()) == (0, str(WORKER_UID))

        ready_s = stack.wait_ready()
        assert stack.status("/readyz") == 200
        assert stack.status("/healthz") == 200
        records = asyncio.run(read_settled(stack.host_bootstrap, host.topic_decisions, published))
        decided = time.monotonic()
        code, stop_s = stack.stop_worker()
        logs = logs_of(worker)
        assert code == 0, f"worker exit status {code} after docker stop:\n{logs[-6000:]}"

        partitions = [  # co-partitioned: both have `partitions` partitions
            TopicPartition(topic, p)
            for topic in (host.topic_submitted, host.topic_by_member)
            for p in range(host.partitions)
        ]
        committed, end = asyncio.run(
            committed_and_end(stack.host_bootstrap, host.app_id, partitions)
        )
        by_member = asyncio.run(read_topic(stack.host_bootstrap, host.topic_by_member, idle=2.0))

    outcomes = check_decisions(cases, records)
    check_offsets(len(cases), host.topic_submitted, committed, end, by_member)
    # The password reached the worker (it authenticated) and no log line.
    assert "worker starting" in logs
    assert password not in logs
    print(
        f"worker image stack: images {built - started:.1f}s, ready in {ready_s:.1f}s, "
        f"{len(records)} decisions after {decided - built:.1f}s, docker stop {stop_s:.1f}s, "
        f"outcomes {outcomes}"
    )
