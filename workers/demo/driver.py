"""Drive a worker from outside, as production does: a subprocess configured by environment,
fed and read through the broker. Used by `claims-adjudicator demo` and the integration tests.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import SecretStr

from workers.broker.connection import KafkaConnection
from workers.settings import Settings, env_name, load_settings

Record = tuple[bytes | None, bytes | None]


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a worker process build exactly `settings`."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        secret = value.get_secret_value() if isinstance(value, SecretStr) else value
        env[env_name(name)] = str(secret)
    return env


@dataclass
class WorkerProcess:
    """One `claims-adjudicator worker` subprocess; output goes to a log file."""

    settings: Settings
    log_path: Path
    extra_env: Mapping[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, **settings_env(self.settings), **self.extra_env}
        env.pop("KAFKA_BOOTSTRAP_SERVERS", None)  # the settings carry the address
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workers.cli", "worker"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    @property
    def url(self) -> str:
        return f"http://{self.settings.web_host}:{self.settings.web_port}"

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"worker exited with {self.process.returncode}; see {self.log_path}"
                )
            if self.ready():
                return
            time.sleep(0.25)
        raise TimeoutError(f"worker not ready after {timeout}s; see {self.log_path}")

    def metrics(self) -> str:
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=5) as response:
            return str(response.read().decode())

    def kill(self) -> None:
        """SIGKILL: a crash, nothing flushed or committed."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self, timeout: float = 60.0) -> int | None:
        """SIGTERM and wait (SIGKILL after `timeout`)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        return self.process.returncode


def envelope(
    claim: Mapping[str, Any], event_id: str, processing_date: str, occurred_at: str
) -> bytes:
    """A `claims.submitted.v1` envelope (contract) around `claim`."""
    return orjson.dumps(
        {
            "event_id": event_id,
            "event_type": "claim.submitted",
            "schema_version": 1,
            "occurred_at": occurred_at,
            "processing_date": processing_date,
            "claim": claim,
        }
    )


def follow_up(
    event_type: str,
    claim: Mapping[str, Any],
    event_id: str,
    processing_date: str,
    occurred_at: str,
    **fields: Any,
) -> Record:
    """A lifecycle event for a pended claim (claim-lifecycle.md L.3), keyed by its claim id:
    `claim.documentation_received` with `documentation=`, `claim.clinical_review_completed`
    with `reviews=`."""
    member = claim.get("member")
    value = {
        "event_id": event_id,
        "event_type": event_type,
        "schema_version": 1,
        "occurred_at": occurred_at,
        "processing_date": processing_date,
        "claim_id": claim.get("claim_id"),
        "member_id": member.get("member_id") if isinstance(member, Mapping) else None,
        **fields,
    }
    return str(claim.get("claim_id")).encode(), orjson.dumps(value)


async def produce(
    kafka: KafkaConnection | str,
    topic: str,
    records: Iterable[Record],
    headers: list[tuple[str, bytes]] | None = None,
    max_request_size: int = 1_100_000,
) -> int:
    """Send records and wait until all are acknowledged; the count sent."""
    producer = AIOKafkaProducer(
        **KafkaConnection.of(kafka).client_options(),
        max_request_size=max_request_size,
        linger_ms=5,
        enable_idempotence=True,
    )
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value=value, key=key, headers=headers)
            for key, value in records
        ]
        await asyncio.gather(*futures)
        return len(futures)
    finally:
        await producer.stop()


async def read_topic(
    kafka: KafkaConnection | str,
    topic: str,
    *,
    until: int | None = None,
    timeout: float = 60.0,  # noqa: ASYNC109 - ends the read, keeps what was read
    idle: float | None = None,
) -> list[Any]:
    """Read a topic from the start with read_committed (what downstream consumers see).

    Stops at `until` records, after `idle` seconds without a new record, or at `timeout`.
    """
    consumer = AIOKafkaConsumer(
        **KafkaConnection.of(kafka).client_options(),
        isolation_level="read_committed",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_bytes=8 * 1024**2,
        max_partition_fetch_bytes=2 * 1024**2,
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        for _ in range(50):
            if partitions:
                break
            await asyncio.sleep(0.2)
            await consumer._client.force_metadata_update()  # noqa: SLF001 - no public refresh
            partitions = consumer.partitions_for_topic(topic)
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions or [])])
        await consumer.seek_to_beginning()
        out: list[Any] = []
        deadline = time.monotonic() + timeout
        last_new = time.monotonic()
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200, max_records=10_000)
            for records in batches.values():
                out.extend(records)
            if any(batches.values()):
                last_new = time.monotonic()
            if until is not None and len(out) >= until:
                break
            if idle is not None and time.monotonic() - last_new > idle:
                break
        return out
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class CaseFeed:
    """What the case file's contexts say, as the topics the worker reads carry it."""

    eligibility: list[Record]
    prior_auths: list[Record]
    history_imports: list[Record]
    claims: list[Record]


def case_feed(
    cases: Iterable[Mapping[str, Any]], occurred_at: str, event_suffix: str = ""
) -> CaseFeed:
    """Eligibility and PA records, history imports and claim envelopes for cases.jsonl records.

    An eligibility record carries `found: false` when the case's snapshot says the member is
    known but not found (TC-054), so the worker's snapshot equals the case's.
    """
    eligibility: list[Record] = []
    prior_auths: list[Record] = []
    imports: list[Record] = []
    claims: list[Record] = []
    for case in cases:
        claim, context = case["claim"], case["context"]
        member = claim.get("member")
        member_id = member.get("member_id") if isinstance(member, dict) else None
        if isinstance(member_id, str) and member_id:
            if isinstance(context.get("eligibility"), dict):
                record = {"member_id": member_id, **context["eligibility"]}
                eligibility.append((member_id.encode(), orjson.dumps(record)))
            if context.get("claims_history") or context.get("adjudicated_claim_ids"):
                imports.append(
                    history_import(
                        member_id,
                        context.get("claims_history") or [],
                        context.get("adjudicated_claim_ids") or [],
                    )
                )
        for pa in context.get("prior_authorizations") or ():
            prior_auths.append((str(pa["pa_number"]).encode(), orjson.dumps(pa)))
        event_id = f"{case['case_id']}{event_suffix}"
        claims.append(
            (
                str(claim.get("claim_id")).encode(),
                envelope(claim, event_id, context["processing_date"], occurred_at),
            )
        )
    return CaseFeed(eligibility, prior_auths, imports, claims)


def history_import(
    member_id: str, claims_history: list[Any], adjudicated_claim_ids: list[str]
) -> Record:
    """A history-import record (decisions made before the worker existed) for the by-member
    topic: key `m:<member_id>`, sent with header `kind: history-import`."""
    value = {"claims_history": claims_history, "adjudicated_claim_ids": adjudicated_claim_ids}
    return b"m:" + member_id.encode(), orjson.dumps(value)


HISTORY_IMPORT_HEADERS = [("kind", b"history-import")]


async def load_feed(settings: Settings, feed: CaseFeed) -> None:
    """Reference topics and history imports first, claims last (imports precede claims in
    every by-member partition because claims reach it only through the intake agent)."""
    kafka = KafkaConnection.from_settings(settings)
    await produce(kafka, settings.topic_eligibility, feed.eligibility)
    await produce(kafka, settings.topic_prior_auth, feed.prior_auths)
    await produce(
        kafka, settings.topic_by_member, feed.history_imports, headers=HISTORY_IMPORT_HEADERS
    )
    await produce(kafka, settings.topic_submitted, feed.claims)


def isolated_settings(
    bootstrap: str | None, name: str, web_port: int, data_dir: Path, **overrides: Any
) -> Settings:
    """Settings whose topics, consumer group and transactional ids all start with `name`, so
    runs on one broker never see each other. The broker's security (and, with `bootstrap`
    None, its address) comes from the environment, as for the worker."""
    values: dict[str, Any] = {
        **({} if bootstrap is None else {"kafka_bootstrap_servers": bootstrap}),
        "app_id": f"{name}-app",
        "topic_submitted": f"{name}.claims.submitted",
        "topic_eligibility": f"{name}.members.eligibility",
        "topic_prior_auth": f"{name}.um.prior-authorizations",
        "topic_decisions": f"{name}.claims.decisions",
        "topic_dlq": f"{name}.claims.dlq",
        "topic_by_member": f"{name}.claims-by-member",
        "topic_documentation": f"{name}.claims.documentation",
        "topic_reviews": f"{name}.claims.reviews",
        "topic_calendar": f"{name}.business.calendar",
        "web_port": web_port,
        "data_dir": data_dir,
        **overrides,
    }
    return load_settings(**values)


async def read_settled(
    kafka: KafkaConnection | str,
    topic: str,
    expected: int,
    timeout: float = 300.0,  # noqa: ASYNC109 - ends the read, keeps what was read
    settle: float = 5.0,
) -> list[Any]:
    """Every record of a topic once at least `expected` are there (waiting up to `timeout`),
    read again after `settle` quiet seconds so that anything extra (a duplicate) is counted too.
    Completion is the count, not a pause: a worker waiting out a dead member's session or
    recovering its tables is silent for a while, and that must not end the read early."""
    await read_topic(kafka, topic, until=expected, timeout=timeout)
    return await read_topic(kafka, topic, timeout=timeout, idle=settle)
