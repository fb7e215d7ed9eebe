"""The worker on a broker that requires TLS and SASL, configured only by CLAIMS_ADJ_KAFKA_*.

Over SASL_SSL (SCRAM-SHA-512, private CA) and over mutual TLS the worker decides every public
case as the offline engine does, with exactly-once (faust's transactional producers
authenticate too). A wrong password, an untrusted CA and a missing client certificate each stop
`claims-adjudicator worker` with one line naming the cause and exit status 2, before anything is
created, consumed or committed; the password appears in no output.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupCoordinatorNotAvailableError

from tests.cases import load_cases
from tests.integration.kafka_util import create_topics
from tests.integration.secure_broker import ClientKind, SecureBroker
from tests.integration.test_worker_end_to_end import UNSTAMPED, offline
from workers.broker.connection import KafkaConnection
from workers.demo.driver import (
    WorkerProcess,
    case_feed,
    isolated_settings,
    load_feed,
    produce,
    read_settled,
    settings_env,
)
from workers.settings import ENV_PREFIX, Settings
from workers.stream.topics import ensure_topics

# One xdist process runs every test of the secured broker (tests/integration/scheduling.py),
# so one such broker starts per run.
pytestmark = pytest.mark.integration

FAILURE_DEADLINE_S = 60.0


def secured_settings(
    broker: SecureBroker, kind: ClientKind, port: int, data_dir: Path, **changes: str
) -> Settings:
    """Isolated settings whose broker access is exactly what `client_env(kind)` says."""
    env = {**broker.client_env(kind), **changes}
    fields = {name.removeprefix(ENV_PREFIX).lower(): value for name, value in env.items()}
    bootstrap = fields.pop("kafka_bootstrap_servers")
    return isolated_settings(
        bootstrap, f"sec-{kind}-{uuid.uuid4().hex[:8]}", port, data_dir, **fields
    )


@pytest.mark.parametrize("kind", ["sasl_ssl", "mtls"])
def test_worker_decides_every_case_over_a_secured_listener(
    secure_broker: SecureBroker, kind: ClientKind, unused_tcp_port: int, tmp_path: Path
) -> None:
    cases = load_cases()
    settings = secured_settings(secure_broker, kind, unused_tcp_port, tmp_path / "data")
    assert settings.processing_guarantee == "exactly_once"
    kafka = KafkaConnection.from_settings(settings)
    asyncio.run(ensure_topics(settings))
    asyncio.run(load_feed(settings, case_feed(cases, "2026-03-02T14:03:00Z")))
    published = [c for c in cases if c["expected"]["decision"] != "ignore"]

    started = time.monotonic()
    worker = WorkerProcess(settings, tmp_path / "worker.log")
    worker.start()
    try:
        worker.wait_ready()
        ready_s = time.monotonic() - started
        records = asyncio.run(read_settled(kafka, settings.topic_decisions, len(published)))
    finally:
        assert worker.stop() == 0
    print(f"worker over {kind}: ready {ready_s:.1f} s after start")

    assert len(records) == len(published)
    decided = {r.key.decode(): orjson.loads(r.value) for r in records}
    for case in published:
        got = decided[case["claim"]["claim_id"]]
        assert {k: v for k, v in got.items() if k not in UNSTAMPED} == offline(case)
    log_text = (tmp_path / "worker.log").read_text(errors="replace")
    assert secure_broker.password not in log_text


def _committed(broker: SecureBroker, group: str) -> dict[Any, Any]:
    async def read() -> dict[Any, Any]:
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.plaintext_bootstrap)
        await admin.start()
        try:
            # A broker whose offsets topic does not exist yet creates it on this first ask
            # and answers "coordinator not available" meanwhile: asked again until it exists.
            deadline = time.monotonic() + 60
            while True:
                try:
                    return dict(await admin.list_consumer_group_offsets(group))
                except GroupCoordinatorNotAvailableError:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.5)
        finally:
            await admin.close()

    return asyncio.run(read())


def _topics(broker: SecureBroker) -> set[str]:
    async def read() -> set[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.plaintext_bootstrap)
        await admin.start()
        try:
            return set(await admin.list_topics())
        finally:
            await admin.close()

    return asyncio.run(read())


@pytest.mark.parametrize(
    "scenario",
    [
        ("sasl_ssl", "wrong_password", "authentication failed"),
        ("sasl_ssl", "untrusted_ca", "certificate is not trusted"),
        ("mtls", "no_client_certificate", "requires a client certificate"),
        ("sasl_ssl", "hostname_mismatch", "not valid for localhost"),
    ],
)
def test_misconfigured_worker_stops_with_one_line_and_touches_nothing(
    secure_broker: SecureBroker,
    scenario: tuple[ClientKind, str, str],
    unused_tcp_port: int,
    tmp_path: Path,
) -> None:
    kind, change, cause = scenario
    changes: dict[str, str] = {}
    if change == "wrong_password":
        wrong = tmp_path / "wrong-password"
        wrong.write_text("not-" + secure_broker.password)
        changes["CLAIMS_ADJ_KAFKA_SASL_PASSWORD_FILE"] = str(wrong)
    elif change == "untrusted_ca":
        changes["CLAIMS_ADJ_KAFKA_SSL_CA_FILE"] = str(secure_broker.tls.other_ca_file)
    elif change == "hostname_mismatch":
        port = secure_broker.sasl_ssl_bootstrap.rpartition(":")[2]
        changes["CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS"] = f"localhost:{port}"
    settings = secured_settings(secure_broker, kind, unused_tcp_port, tmp_path / "data", **changes)
    env = settings_env(settings)
    if change == "no_client_certificate":
        del env["CLAIMS_ADJ_KAFKA_SSL_CERT_FILE"], env["CLAIMS_ADJ_KAFKA_SSL_KEY_FILE"]
    # A claim waits on the (pre-created) claim topic: nothing may consume or commit it.
    asyncio.run(create_topics(secure_broker.plaintext_bootstrap, {settings.topic_submitted: 3}))
    asyncio.run(
        produce(secure_broker.plaintext_bootstrap, settings.topic_submitted, [(b"k", b"{}")])
    )
    # Asked before the run too: a fresh broker creates its offsets topic on the first such ask,
    # which must not read as the worker's doing below.
    assert _committed(secure_broker, settings.app_id) == {}
    topics_before = _topics(secure_broker)

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "workers.cli", "worker"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=FAILURE_DEADLINE_S + 30,
        check=False,
    )
    elapsed = time.monotonic() - started
    print(f"{change}: exit {result.returncode} after {elapsed:.1f} s: {result.stderr.strip()}")

    assert result.returncode == 2
    assert elapsed < FAILURE_DEADLINE_S
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert cause in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert secure_broker.password not in result.stderr + result.stdout
    assert _committed(secure_broker, settings.app_id) == {}
    assert _topics(secure_broker) == topics_before, "nothing created before the access check"
