"""The topics the worker creates: names from the settings, partition counts, cleanup."""

from __future__ import annotations

import pytest

from workers.settings import Settings
from workers.stream.runtime.names import changelog_topic
from workers.stream.topics import FOLLOW_UP_RETENTION_MS, TopicSpec, topic_specs

NINETY_DAYS_MS = 90 * 24 * 3600 * 1000


def specs(**overrides: object) -> dict[str, TopicSpec]:
    settings = Settings(**overrides)  # type: ignore[arg-type]
    return {spec.name: spec for spec in topic_specs(settings)}


def test_the_lifecycle_topics_have_the_contract_names(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DOCUMENTATION", "REVIEWS", "CALENDAR"):
        monkeypatch.delenv(f"CLAIMS_ADJ_TOPIC_{name}", raising=False)
    settings = Settings()
    assert (settings.topic_documentation, settings.topic_reviews, settings.topic_calendar) == (
        "claims.documentation.v1",
        "claims.reviews.v1",
        "business.calendar.v1",
    )


def test_the_lifecycle_topics_are_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMS_ADJ_TOPIC_DOCUMENTATION", "docs.v2")
    monkeypatch.setenv("CLAIMS_ADJ_TOPIC_REVIEWS", "reviews.v2")
    monkeypatch.setenv("CLAIMS_ADJ_TOPIC_CALENDAR", "calendar.v2")
    assert {"docs.v2", "reviews.v2", "calendar.v2"} <= set(specs())


def test_follow_ups_are_co_partitioned_with_the_claims_and_kept_90_days() -> None:
    topics = specs(partitions=6, max_message_bytes=2_000_000)
    claims = topics["claims.submitted.v1"]
    for name in ("claims.documentation.v1", "claims.reviews.v1"):
        spec = topics[name]
        assert (spec.partitions, spec.strict) == (6, True)
        assert spec.config["cleanup.policy"] == "delete"
        assert int(spec.config["retention.ms"]) >= NINETY_DAYS_MS == FOLLOW_UP_RETENTION_MS
        assert spec.config["max.message.bytes"] == claims.config["max.message.bytes"] == "2000000"


def test_the_calendar_is_one_compacted_partition_whatever_the_claims_have() -> None:
    spec = specs(partitions=6, reference_partitions=3)["business.calendar.v1"]
    assert (spec.partitions, spec.strict, spec.config) == (1, False, {"cleanup.policy": "compact"})


def test_every_co_partitioned_input_has_the_claims_partition_count() -> None:
    topics = specs(partitions=4)
    strict = sorted(name for name, spec in topics.items() if spec.strict)
    assert strict == sorted(
        [
            "claims.submitted.v1",
            "claims-adjudicator.claims-by-member.v1",
            changelog_topic("claims-adjudicator"),
            "claims.documentation.v1",
            "claims.reviews.v1",
        ]
    )
    assert {topics[name].partitions for name in strict} == {4}
