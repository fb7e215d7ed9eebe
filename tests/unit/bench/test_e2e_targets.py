"""Issue 20's targets are judged on the medians over runs, worker against Quix of the same run."""

from __future__ import annotations

from typing import Any

from bench.e2e.targets import judge


def _result(peer: str, guarantee: str, rate: float, cpu: float, p99: float) -> dict[str, Any]:
    return {
        "peer": peer,
        "guarantee": guarantee,
        "backlog": {"rate": rate, "cpu_us_per_claim": cpu, "broker_cpu_us_per_claim": 50.0},
        "loads": [{"fraction": 0.5, "p99_ms": p99}, {"fraction": 0.75, "p99_ms": p99}],
        "burst": {"drain_s": 10.0},
    }


def _run(name: str, worker_rate: float) -> dict[str, Any]:
    results = [
        _result(peer, guarantee, rate, cpu, p99)
        for guarantee in ("exactly_once", "at_least_once")
        for peer, rate, cpu, p99 in (
            ("quix", 1000.0, 500.0, 100.0),
            ("worker", worker_rate, 380.0, 120.0),
        )
    ]
    return {"started_utc": name, "follow_ups": 0.0, "results": results}


def test_the_median_run_decides_and_each_target_says_met_or_missed() -> None:
    # Worker rates 1,100 / 1,300 / 2,000 against Quix's 1,000: the median, 1,300, meets 1.25 x.
    lines = judge([_run("a", 1100.0), _run("b", 1300.0), _run("c", 2000.0)])
    by_name = {line[:63].split(maxsplit=1)[1].strip(): line for line in lines[1:7]}
    assert by_name["backlog claims/s >= 1.25 x Quix"].endswith("1.30 x, met")
    assert by_name["CPU us per claim <= 0.8 x Quix"].endswith("0.76 x, met")
    assert by_name["p99 at 50 % load <= Quix"].endswith("1.20 x, MISSED")
    assert by_name["burst drain <= Quix"].endswith("1.00 x, met")
    assert len(lines) == 1 + 2 * 6  # no lifecycle targets without follow-ups
