"""What the exactly-once runtime relies on in aiokafka and faust, pinned: an upgrade that changes
any of it fails here, loudly, before a worker runs it (workers/stream/eos/contract.py)."""

from __future__ import annotations

import inspect
from importlib.metadata import version

import faust
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from faust.app.base import BootStrategy

from workers.stream.eos import contract
from workers.stream.eos.contract import UntestedLibrary, check_versions

# The methods the pipeline and the changelog reader call, with the parameters they pass.
AIOKAFKA_CALLS = {
    AIOKafkaProducer.begin_transaction: ["self"],
    AIOKafkaProducer.commit_transaction: ["self"],
    AIOKafkaProducer.abort_transaction: ["self"],
    AIOKafkaProducer.send_offsets_to_transaction: ["self", "offsets", "group_id"],
    AIOKafkaProducer.send: [
        "self",
        "topic",
        "value",
        "key",
        "partition",
        "timestamp_ms",
        "headers",
    ],
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
    assert version("aiokafka") in contract.TESTED_VERSIONS["aiokafka"]
    assert version("faust-streaming") in contract.TESTED_VERSIONS["faust-streaming"]
    check_versions()


def test_an_untested_version_stops_the_worker_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(contract.TESTED_VERSIONS, "aiokafka", ("0.0.1",))
    with pytest.raises(UntestedLibrary) as caught:
        check_versions()
    message = str(caught.value)
    assert "aiokafka" in message and "0.0.1" in message and "\n" not in message


@pytest.mark.parametrize("method", list(AIOKAFKA_CALLS), ids=lambda m: m.__qualname__)
def test_aiokafka_signatures(method: object) -> None:
    assert list(inspect.signature(method).parameters) == AIOKAFKA_CALLS[method]  # type: ignore[index, arg-type]


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


def test_transactional_id_and_changelog_keep_the_faust_names() -> None:
    """A worker of this version fences, and reads the state of, the faust-agent versions."""
    assert contract.transactional_id("claims-adjudicator", 2) == "claims-adjudicator-0-2"
    assert contract.changelog_topic("claims-adjudicator") == "claims-adjudicator-members-changelog"
