"""The integration tests' broker fixtures, for the recovery benchmark: the same locally built
broker image (or ``KAFKA_BOOTSTRAP_SERVERS``), started once for the run."""

from tests.integration.conftest import broker_container, kafka_bootstrap, kafka_broker

__all__ = ["broker_container", "kafka_bootstrap", "kafka_broker"]
