"""The hot path's counts reach the counters when scraped: every one, once."""

from __future__ import annotations

from workers.stream.metrics import Metrics


def test_counts_are_taken_in_at_each_scrape_and_never_twice() -> None:
    metrics = Metrics()
    metrics.counted[metrics.decisions, "deny"] += 2
    metrics.counted[metrics.rules, "EXP-01"] += 1
    metrics.counted[metrics.ignored, None] += 3
    first = metrics.exposition().decode()
    assert 'claims_decisions_total{decision="deny"} 2.0' in first
    assert 'claims_decision_rules_total{rule_id="EXP-01"} 1.0' in first
    assert "claims_ignored_total 3.0" in first
    assert metrics.counted == {}
    metrics.counted[metrics.decisions, "deny"] += 1
    second = metrics.exposition().decode()
    assert 'claims_decisions_total{decision="deny"} 3.0' in second
    assert "claims_ignored_total 3.0" in second
