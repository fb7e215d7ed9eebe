"""`claims-adjudicator calendar open DATE`: publish a business date (claim-lifecycle.md L.4.6).

The worker never reads the clock to decide: a business date reaches it as a
`business_date.opened` event on the calendar topic, published here (deploy/k8s/base/cronjob.yaml
runs `calendar open today` daily). `today` is the date in UTC when the command runs.

Idempotent: the event of a date is the same bytes every time (its event_id and occurred_at are
derived from the date), so a retried or repeated run publishes the same event again, which the
worker recognises by its event_id, and compaction keeps one.

The broker is reached with the worker's settings and checked as the worker checks it
(workers/broker/preflight.py). Exit status: 0 published; 1 the broker failed (unreachable,
credentials or ACLs refused, topic missing); 2 a bad DATE, option or setting. Each failure is
one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from models import json_codec
from models.values import iso_date
from workers.errors import OperatorError

if TYPE_CHECKING:  # the broker's modules are imported when the command runs, not at `--help`
    from workers.broker.connection import KafkaConnection
    from workers.settings import Settings

KEY = b"business-date"
EVENT_TYPE = "business_date.opened"


class BadDate(OperatorError):
    """DATE is neither an ISO date nor `today` (exit 2, as argparse's usage errors)."""


class PublishFailed(OperatorError):
    """The broker did not take the event: worth a retry later (a CronJob's next attempt)."""

    exit_code = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    opened = actions.add_parser(
        "open",
        help="publish business_date.opened for DATE on the calendar topic",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    opened.add_argument("date", metavar="DATE", help="YYYY-MM-DD, or `today` (the date in UTC)")


def run(args: argparse.Namespace) -> int:
    day = business_date(args.date)
    from workers.settings import load_settings

    settings = load_settings()
    asyncio.run(publish(settings, opened_event(day)))
    print(f"business date {day.isoformat()} opened on {settings.topic_calendar}")
    return 0


def business_date(text: str, *, now: datetime | None = None) -> date:
    """DATE as given, or today's date in UTC for `today`."""
    if text == "today":
        return (now or datetime.now(UTC)).astimezone(UTC).date()
    day = iso_date(text)
    if day is None:
        raise BadDate(f"DATE must be an ISO date (YYYY-MM-DD) or 'today', not {text!r}")
    return day


def opened_event(day: date) -> bytes:
    """The `business_date.opened` event of `day` (L.3), the same bytes for the same date.

    Choice: occurred_at is the start of the date in UTC, not the time of the run, so that a
    repeat is the very same event rather than one with the same id and other content.
    """
    iso = day.isoformat()
    event: dict[str, Any] = {
        "event_id": f"{EVENT_TYPE}:{iso}",
        "event_type": EVENT_TYPE,
        "schema_version": 1,
        "occurred_at": f"{iso}T00:00:00Z",
        "processing_date": iso,
    }
    return json_codec.dumps(event)


async def publish(settings: Settings, value: bytes) -> None:
    """Check access as the worker does, require the topic, then send with acks from all
    in-sync replicas; every failure is a PublishFailed naming the cause."""
    from aiokafka import AIOKafkaProducer
    from aiokafka.errors import KafkaError, TopicAuthorizationFailedError

    from workers.broker.connection import KafkaConnection
    from workers.broker.preflight import AccessNeeds, check_access
    from workers.errors import BrokerAccessError

    kafka = KafkaConnection.from_settings(settings)
    topic = settings.topic_calendar
    timeout = settings.kafka_connect_timeout_seconds
    try:
        await check_access(kafka, AccessNeeds(topics=[topic]), timeout_s=timeout)
        await _require_topic(kafka, topic, timeout)
    except BrokerAccessError as error:
        raise PublishFailed(str(error)) from None
    producer = AIOKafkaProducer(**kafka.client_options(), enable_idempotence=True, acks="all")
    try:
        await producer.start()
        await producer.send_and_wait(topic, value, key=KEY)
    except TopicAuthorizationFailedError:
        raise PublishFailed(
            f"not authorized to write topic {topic}; the broker's ACLs must allow this "
            "principal to write it"
        ) from None
    except KafkaError as error:
        raise PublishFailed(f"publishing to {topic} failed: {error}") from None
    finally:
        await producer.stop()


async def _require_topic(kafka: KafkaConnection, topic: str, timeout_s: float) -> None:
    """The topic exists, asked without creating it (a broker that auto-creates topics would
    make it with its default layout, not compacted)."""
    from aiokafka import errors as kafka_errors
    from aiokafka.protocol.metadata import MetadataRequest

    from workers.broker.preflight import connect_any

    conn = await connect_any(kafka, timeout_s)
    try:
        request = MetadataRequest([topic], allow_auto_topic_creation=False)
        metadata: Any = await conn.send(request)
    finally:
        conn.close()
    for error_code, name, *_ in metadata.topics:
        if kafka_errors.for_code(error_code) is kafka_errors.UnknownTopicOrPartitionError:
            raise PublishFailed(
                f"topic {name} does not exist; the worker creates it at start, or create it "
                "compacted with 1 partition (CLAIMS_ADJ_TOPIC_CALENDAR names it)"
            )
