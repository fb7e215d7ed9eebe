"""Settings come from CLAIMS_ADJ_* and, for the broker, plain KAFKA_BOOTSTRAP_SERVERS."""

from __future__ import annotations

import pytest

from workers.errors import SettingsError
from workers.settings import Settings, bootstrap_hosts, load_settings


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
    assert settings.kafka_bootstrap_servers == "k1:9092,k2:9092"


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("CLAIMS_ADJ_WEB_PORT", "0", "CLAIMS_ADJ_WEB_PORT: Input should be greater than or equal"),
        ("CLAIMS_ADJ_WEB_PORT", "65536", "CLAIMS_ADJ_WEB_PORT: Input should be less than"),
        ("CLAIMS_ADJ_WEB_HOST", "", "CLAIMS_ADJ_WEB_HOST: String should have at least 1"),
        ("CLAIMS_ADJ_SESSION_TIMEOUT_SECONDS", "5", "greater than or equal to 6"),
        ("CLAIMS_ADJ_SESSION_TIMEOUT_SECONDS", "1801", "less than or equal to 1800"),
        ("CLAIMS_ADJ_SESSION_TIMEOUT_SECONDS", "inf", "should be a finite number"),
        ("CLAIMS_ADJ_COMMIT_INTERVAL_SECONDS", "0", "greater than 0"),
        ("CLAIMS_ADJ_COMMIT_INTERVAL_SECONDS", "31", "less than or equal to 30"),
        ("CLAIMS_ADJ_COMMIT_INTERVAL_SECONDS", "nan", "should be a finite number"),
        ("CLAIMS_ADJ_PRODUCER_LINGER_SECONDS", "-0.1", "greater than or equal to 0"),
        ("CLAIMS_ADJ_PRODUCER_LINGER_SECONDS", "2", "less than or equal to 1"),
        ("CLAIMS_ADJ_ELIGIBILITY_GRACE_SECONDS", "-1", "greater than or equal to 0"),
        ("CLAIMS_ADJ_KAFKA_CONNECT_TIMEOUT_SECONDS", "0", "greater than 0"),
        ("CLAIMS_ADJ_PARTITIONS", "0", "CLAIMS_ADJ_PARTITIONS: Input should be greater than 0"),
        ("CLAIMS_ADJ_REPLICATION_FACTOR", "-1", "CLAIMS_ADJ_REPLICATION_FACTOR: Input should"),
        ("CLAIMS_ADJ_APP_ID", "claims adjudicator", "CLAIMS_ADJ_APP_ID: String should match"),
        ("CLAIMS_ADJ_APP_ID", "", "CLAIMS_ADJ_APP_ID: String should match"),
        ("CLAIMS_ADJ_INSTANCE_ID", "pod/1", "CLAIMS_ADJ_INSTANCE_ID: String should match"),
        ("CLAIMS_ADJ_TOPIC_DLQ", "claims dlq", "CLAIMS_ADJ_TOPIC_DLQ is not a Kafka topic name"),
        ("CLAIMS_ADJ_TOPIC_FHIR", "..", "CLAIMS_ADJ_TOPIC_FHIR is not a Kafka topic name"),
        ("KAFKA_BOOTSTRAP_SERVERS", "broker", "KAFKA_BOOTSTRAP_SERVERS: 'broker' is not"),
        ("CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS", "b:9092,b:0", "'b:0' is not host:port"),
        ("CLAIMS_ADJ_KAFKA_BOOTSTRAP_SERVERS", "", "'' is not host:port"),
    ],
)
def test_every_range_is_checked_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert problem in str(raised.value)
    assert "\n" not in str(raised.value)


def test_instance_id_is_optional_and_a_pod_name_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAIMS_ADJ_INSTANCE_ID", raising=False)
    assert load_settings().instance_id is None
    monkeypatch.setenv("CLAIMS_ADJ_INSTANCE_ID", "claims-adjudicator-7d9f8b6c5-x2k4q")
    assert load_settings().instance_id == "claims-adjudicator-7d9f8b6c5-x2k4q"


def test_bootstrap_hosts_in_order() -> None:
    assert bootstrap_hosts("k1:9092, [::1]:9093") == [("k1", 9092), ("::1", 9093)]
