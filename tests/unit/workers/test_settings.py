"""Settings come from CLAIMS_ADJ_* and, for the broker, plain KAFKA_BOOTSTRAP_SERVERS."""

from __future__ import annotations

import pytest

from workers.settings import Settings


def test_contract_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    settings = Settings()
    assert settings.topic_submitted == "claims.submitted.v1"
    assert settings.topic_dlq == "claims.dlq.v1"
    assert settings.processing_guarantee == "exactly_once"


def test_plain_kafka_variable_and_prefixed_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092")
    monkeypatch.setenv("CLAIMS_ADJ_PARTITIONS", "6")
    settings = Settings()
    assert settings.partitions == 6
    assert settings.broker_url == "kafka://k1:9092;kafka://k2:9092"
