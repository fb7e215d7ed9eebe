"""What the worker relies on in aiokafka, faust and mode, pinned: an upgrade that changes any of
it fails here, loudly, before a worker runs it (workers/stream/runtime/versions.py). faust and mode
are used by workers/stream/faust_app.py only; every private attribute the shipped code reads
(`# noqa: SLF001`) is pinned here or named as our own."""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path

import faust
import mode
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.client import AIOKafkaClient
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.partitioner import DefaultPartitioner, murmur2
from aiokafka.producer.message_accumulator import BatchBuilder
from faust.app.base import BootStrategy
from faust.web import View

from workers.settings import Settings
from workers.stream import faust_app
from workers.stream.runtime import versions
from workers.stream.runtime.versions import UntestedLibrary, check_versions

REPO = Path(__file__).resolve().parents[5]

# The methods the pipeline and the changelog reader call, with the parameters they pass.
AIOKAFKA_CALLS = {
    AIOKafkaProducer.begin_transaction: ["self"],
    AIOKafkaProducer.commit_transaction: ["self"],
    AIOKafkaProducer.abort_transaction: ["self"],
    AIOKafkaProducer.send_offsets_to_transaction: ["self", "offsets", "group_id"],
    AIOKafkaProducer.create_batch: ["self"],
    AIOKafkaProducer.send_batch: ["self", "batch", "topic", "partition"],
    AIOKafkaProducer.partitions_for: ["self", "topic"],
    BatchBuilder.append: ["self", "timestamp", "key", "value", "headers"],
    BatchBuilder.close: ["self"],
    AIOKafkaProducer.start: ["self"],
    AIOKafkaProducer.stop: ["self"],
    AIOKafkaConsumer.getmany: ["self", "partitions", "timeout_ms", "max_records"],
    AIOKafkaConsumer.subscribe: ["self", "topics", "pattern", "listener"],
    AIOKafkaConsumer.assign: ["self", "partitions"],
    AIOKafkaConsumer.seek: ["self", "partition", "offset"],
    AIOKafkaConsumer.seek_to_beginning: ["self", "partitions"],
    AIOKafkaConsumer.pause: ["self", "partitions"],
    AIOKafkaConsumer.resume: ["self", "partitions"],
    AIOKafkaConsumer.committed: ["self", "partition"],
    AIOKafkaConsumer.commit: ["self", "offsets"],
    AIOKafkaConsumer.position: ["self", "partition"],
    AIOKafkaConsumer.last_stable_offset: ["self", "partition"],
    AIOKafkaConsumer.beginning_offsets: ["self", "partitions"],
    AIOKafkaConsumer.end_offsets: ["self", "partitions"],
}


def test_the_installed_versions_are_the_tested_ones() -> None:
    assert version("aiokafka") in versions.TESTED_VERSIONS["aiokafka"]
    assert version("faust-streaming") in versions.TESTED_VERSIONS["faust-streaming"]
    check_versions()


def test_an_untested_version_stops_the_worker_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(versions.TESTED_VERSIONS, "aiokafka", ("0.0.1",))
    with pytest.raises(UntestedLibrary) as caught:
        check_versions()
    message = str(caught.value)
    assert "aiokafka" in message and "0.0.1" in message and "\n" not in message


@pytest.mark.parametrize("method", list(AIOKAFKA_CALLS), ids=lambda m: m.__qualname__)
def test_aiokafka_signatures(method: object) -> None:
    assert list(inspect.signature(method).parameters) == AIOKAFKA_CALLS[method]  # type: ignore[index, arg-type]


async def test_aiokafka_batches_and_partitioner() -> None:
    """The outbox (runtime/tasks.py) builds batches itself and picks a keyed record's partition
    as `send` does: the producer's default partitioner, murmur2 of the key; a full builder
    refuses a record (None) and closes, an empty one takes any."""
    producer = AIOKafkaProducer(bootstrap_servers="127.0.0.1:9")
    assert isinstance(producer._partitioner, DefaultPartitioner)  # noqa: SLF001 - what is pinned
    builder = producer.create_batch()
    await producer.stop()
    assert isinstance(builder, BatchBuilder)
    big = b"x" * 20_000  # more than the default batch size
    assert builder.append(key=b"k", value=big, timestamp=None, headers=[]) is not None
    assert builder.append(key=b"k", value=b"v", timestamp=None, headers=[]) is None
    assert builder.closed()
    assert inspect.iscoroutinefunction(AIOKafkaProducer.send_batch)
    assert (
        DefaultPartitioner()(b"CLM-1", [0, 1, 2], [0, 1, 2]) == (murmur2(b"CLM-1") & 0x7FFFFFFF) % 3
    )


def test_aiokafka_rebalance_listener_and_assignor() -> None:
    assert RangePartitionAssignor.name == "range"
    for hook in ("on_partitions_revoked", "on_partitions_assigned"):
        assert list(inspect.signature(getattr(ConsumerRebalanceListener, hook)).parameters) == [
            "self",
            "revoked" if hook.endswith("revoked") else "assigned",
        ]


def test_faust_boot_strategy_and_app_hooks() -> None:
    """The app boots faust's web server and our services, no faust consumer or tables."""
    assert faust.App.BootStrategy is BootStrategy
    assert BootStrategy.enable_kafka is True and BootStrategy.enable_sensors is True
    for name in ("enable_kafka_consumer", "enable_kafka_producer", "enable_web"):
        assert getattr(BootStrategy, name) is None  # they default to enable_kafka / the config
    assert list(inspect.signature(faust.App.on_init_dependencies).parameters) == ["self"]
    assert list(inspect.signature(BootStrategy.server).parameters) == ["self"]


# The faust and mode calls of workers/stream/faust_app.py, with the parameters it passes.
FAUST_CALLS = {
    faust.App.page: ["self", "path", "base", "cors_options", "name"],
    faust.App.task: ["self", "fun", "on_leader", "traced"],
    View.bytes: ["self", "value", "content_type", "status", "reason", "headers"],
    mode.Service.on_start: ["self"],
    mode.Service.on_stop: ["self"],
    mode.Service.start: ["self"],
    mode.Service.stop: ["self"],
    mode.Service.wait_until_stopped: ["self"],
}


@pytest.mark.parametrize("method", list(FAUST_CALLS), ids=lambda m: m.__qualname__)
def test_faust_and_mode_signatures(method: object) -> None:
    assert list(inspect.signature(method).parameters) == FAUST_CALLS[method]  # type: ignore[index, arg-type]


def test_mode_service_properties() -> None:
    """Why the app stopped (`crash_reason`), and the name a part's service logs under."""
    for name in ("crash_reason", "label"):
        assert isinstance(inspect.getattr_static(mode.Service, name), property), name


def test_faust_takes_the_web_settings_by_these_names(tmp_path: Path) -> None:
    """faust ignores an option it does not know: a renamed one would silently serve faust's own
    views (table contents, the cluster layout) or listen elsewhere."""
    settings = Settings(web_host="127.0.0.1", web_port=6123, data_dir=tmp_path)
    conf = faust_app.create_app(settings, [], [], {}).conf
    assert (conf.web_bind, conf.web_host, conf.web_port) == ("127.0.0.1", "127.0.0.1", 6123)
    assert conf.datadir == tmp_path and conf.autodiscover is False
    for view in ("tables", "router", "stats", "graph", "metrics"):
        assert getattr(conf, f"web_{view}_enabled") is False, view


# -- private attributes ----------------------------------------------------------------------

# Every `receiver._attribute` the shipped code reads (each marked SLF001), and who owns it.
PRIVATE_READS = {
    "consumer._client": "aiokafka: pinned by test_aiokafka_consumer_client",
    "args._module": "ours: the argparse dest workers/cli.py sets",
    "KafkaConnection._build": "ours: read in its own module",
}


def test_every_private_read_is_pinned_or_ours() -> None:
    shipped = [REPO / "setup.py", *(REPO / "bench").rglob("*.py")]
    for package in ("models", "policy", "workers"):
        shipped.extend((REPO / package).rglob("*.py"))
    found = {
        match
        for path in shipped
        for line in path.read_text(encoding="utf-8").splitlines()
        if "noqa: SLF001" in line
        for match in re.findall(r"\b\w+\._[a-z]\w*", line.split("#")[0])
    }
    assert found == set(PRIVATE_READS)


async def test_aiokafka_consumer_client() -> None:
    """reference.py, replay/topic_source.py and demo/driver.py refresh a consumer's metadata
    through its client: aiokafka has no public call for it."""
    consumer = AIOKafkaConsumer(bootstrap_servers="127.0.0.1:9")
    client = consumer._client  # noqa: SLF001 - what is pinned
    await consumer.stop()
    assert isinstance(client, AIOKafkaClient)
    assert inspect.iscoroutinefunction(AIOKafkaClient.fetch_all_metadata)
    for name in ("fetch_all_metadata", "force_metadata_update"):
        assert list(inspect.signature(getattr(AIOKafkaClient, name)).parameters) == ["self"]
