"""`claims-adjudicator demo`: the whole production path on this machine, then cleaned up.

Starts the local broker (deploy/kafka/local-broker) unless one is already running or a broker
is named (`--bootstrap`, or CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS with the worker's TLS/SASL
settings: the demo then runs against that broker exactly as a worker would), creates the
topics, starts a worker process, loads every case of samples/cases.jsonl (eligibility and PA
records, earlier decisions as history imports, the claims as envelopes with the case's
processing_date), prints the decision stream with the seed case first, then the rest of the
seed's life (claim-lifecycle.md L.5): the records of TC-002 arrive on 2026-03-20 and the pend
is re-adjudicated to an approval that supersedes it, each record with its notice. Then it stops
what it started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LOCAL_BROKER = ROOT / "deploy" / "kafka" / "local-broker"
SEED = "ITDD-TC-001"
# L.5: the provider sends the records TC-002 documents, dated 2026-03-20.
RECORDS_CASE = "ITDD-TC-002"
RECORDS_DATE = "2026-03-20"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cases",
        default=str(ROOT / "samples" / "cases.jsonl"),
        help="case file (JSON lines with claim, context, expected)",
    )
    parser.add_argument(
        "--bootstrap",
        default=None,
        help="use this running broker instead of starting the local one",
    )
    parser.add_argument(
        "--work-dir",
        default=str(Path(tempfile.gettempdir()) / "claims-demo"),
        help="worker state and log directory",
    )


def run(args: argparse.Namespace) -> int:
    from workers.broker.connection import KafkaConnection
    from workers.broker.preflight import AccessNeeds, check_access
    from workers.demo.driver import (
        WorkerProcess,
        case_feed,
        follow_up,
        isolated_settings,
        load_feed,
        produce,
        read_settled,
    )
    from workers.jsonl import read_values
    from workers.logging_setup import configure_logging
    from workers.stream.topics import ensure_topics

    configure_logging("console", "WARNING")
    cases = read_values(args.cases)
    cases.sort(key=lambda case: case["case_id"] != SEED)  # the seed's claim goes first
    started_broker = False
    bootstrap = args.bootstrap
    configured = {"CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"} & set(os.environ)
    if bootstrap is None and not configured:
        bootstrap, started_broker = _start_broker()
    work = Path(args.work_dir)
    run_id = datetime.now(UTC).strftime("demo-%Y%m%d%H%M%S")
    # A broker named by --bootstrap or the environment is reached with the worker's security
    # settings (CLAIMS_ADJ_KAFKA_*), exactly as the worker would reach it.
    settings = isolated_settings(bootstrap, run_id, _free_port(), work / run_id / "state")
    kafka = KafkaConnection.from_settings(settings)
    worker = WorkerProcess(settings, work / run_id / "worker.log")
    try:
        asyncio.run(
            check_access(kafka, AccessNeeds(), timeout_s=settings.kafka_connect_timeout_seconds)
        )
        asyncio.run(ensure_topics(settings))
        feed = case_feed(cases, datetime.now(UTC).isoformat())
        asyncio.run(load_feed(settings, feed))
        worker.start()
        worker.wait_ready()
        expected = sum(1 for case in cases if case["expected"]["decision"] != "ignore")
        records = asyncio.run(read_settled(kafka, settings.topic_decisions, expected, timeout=120))
        _print_stream(records, cases)
        print(
            f"\n{len(records)} decisions published for {len(cases)} cases "
            f"({len(cases) - expected} out of scope, nothing published)"
        )
        seed = cases[0]
        records_case = next(case for case in cases if case["case_id"] == RECORDS_CASE)
        documentation = follow_up(
            "claim.documentation_received",
            seed["claim"],
            f"{run_id}-records",
            RECORDS_DATE,
            datetime.now(UTC).isoformat(),
            documentation=records_case["claim"]["documentation"],
        )
        asyncio.run(produce(kafka, settings.topic_documentation, [documentation]))
        after = asyncio.run(read_settled(kafka, settings.topic_decisions, expected + 1, timeout=60))
        life = _print_life(
            after, seed, records_case["claim"]["documentation"], work / run_id / "notices"
        )
        print(f"\nworker log: {worker.log_path}")
        return 0 if len(records) == expected and life == ["pend", "approve"] else 1
    finally:
        worker.stop()
        if started_broker:
            subprocess.run([str(LOCAL_BROKER), "stop"], check=False, stdout=subprocess.DEVNULL)


def _print_stream(records: list[Any], cases: list[dict[str, Any]]) -> None:
    from models.json_codec import loads

    decisions = [loads(record.value) for record in records]
    decisions.sort(key=lambda d: (d["claim_id"] != cases[0]["claim"]["claim_id"], d["decided_at"]))
    case_of = {case["claim"]["claim_id"]: case["case_id"] for case in cases}
    for n, decision in enumerate(decisions):
        if n == 0:
            print(f"{case_of.get(decision['claim_id'], '?')} (seed):")
            print(json.dumps(decision, indent=2))
            print()
            continue
        pend = decision.get("pend") or {}
        reason = ",".join(pend.get("reasons", ())) or (
            f"{decision['group_code']}-{decision['carc']}" if decision["carc"] else ""
        )
        print(
            f"{case_of.get(decision['claim_id'], '?'):12} {decision['claim_id']:16} "
            f"{decision['decision']:8} {decision['claim_status_category'] or '':3} "
            f"{reason:28} {' '.join(decision['rule_ids'])}"
        )


def _print_life(
    records: list[Any], seed: dict[str, Any], received: dict[str, Any], out_dir: Path
) -> list[str]:
    """The seed's records in order, each with the member's notice, rendered from the record,
    the claim as decided and the snapshot header the engine saw (both audiences, text and
    HTML, are written to `out_dir`, readable by the user only); their decisions."""
    from models.json_codec import loads
    from policy.downstream.notice import notices
    from policy.lifecycle import merge_documentation

    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    claim_id = seed["claim"]["claim_id"]
    claim = seed["claim"]
    life = [r for r in records if loads(r.value)["claim_id"] == claim_id]
    print(f"\n== The seed's life: {len(life)} records of claim {claim_id}")
    decisions = []
    for n, record in enumerate(life, 1):
        decision = loads(record.value)
        decisions.append(decision["decision"])
        if decision["trigger"] == "documentation_received":
            print(f"\n-- the provider's records arrive, dated {RECORDS_DATE} --")
            claim = merge_documentation(claim, received)
        print(
            f"\n[{n}] {decision['decision']} {decision['claim_status_category']}  "
            f"trigger={decision['trigger']}  supersedes={decision['supersedes']}  "
            f"processing_date={decision['processing_date']}\n"
        )
        context = loads(dict(record.headers)["enrichment.snapshot"])
        rendered = notices(decision, {"claim": claim, "context": context})
        print(rendered["member.txt"])
        for suffix, text in rendered.items():
            path = out_dir / f"{claim_id}-{n}.{suffix}"
            path.touch(mode=0o600)
            path.write_text(text)
    print(f"\nboth audiences' notices, text and HTML: {out_dir}")
    return decisions


def _start_broker() -> tuple[str, bool]:
    """(bootstrap, whether we started it): reuse a running local broker."""
    status = subprocess.run(
        [str(LOCAL_BROKER), "status"], capture_output=True, text=True, check=False
    )
    if status.returncode == 0:
        return status.stdout.split("bootstrap")[-1].split()[0], False
    print("starting the local Apache Kafka broker...", file=sys.stderr)
    started = time.monotonic()
    proc = subprocess.run([str(LOCAL_BROKER), "start"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"local broker did not start:\n{proc.stderr[-2000:]}")
    bootstrap = proc.stdout.strip().splitlines()[-1]
    print(f"broker ready on {bootstrap} in {time.monotonic() - started:.1f}s", file=sys.stderr)
    return bootstrap, True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
