"""The worker's parts from its settings: readiness is every check of the parts; the notices'
plan configuration, or one line naming the file that is not one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from policy.downstream.notice import sample_plan_config
from workers.errors import SettingsError
from workers.settings import Settings
from workers.stream.app import build, notice_plan, readiness

NOT_READY = {
    "broker_connected": False,
    "partitions_assigned": False,
    "tables_recovered": False,
    "reference_loaded": False,
    "not_rebalancing": False,
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def test_readiness_is_every_check_of_the_parts(settings: Settings) -> None:
    worker = build(settings, asyncio.Event(), None)
    assert readiness(worker) == NOT_READY
    worker.broker.connected = True
    worker.references.loaded.set()
    worker.pipeline.tasks[0] = object()  # type: ignore[assignment]
    worker.pipeline.rebalancing = False
    assert set(readiness(worker).values()) == {True}
    worker.stop.set()  # a signal or a failed stream loop: no longer alive
    assert worker.routes()["/healthz"]().status == 503


def test_the_plan_configuration_only_when_notices_are_published(tmp_path: Path) -> None:
    assert notice_plan(Settings(data_dir=tmp_path)) is None
    assert notice_plan(Settings(data_dir=tmp_path, topic_notices="n")) == sample_plan_config()


@pytest.mark.parametrize(
    ("content", "reason"), [(None, "No such file or directory"), ("{not json", "not JSON")]
)
def test_a_bad_or_missing_plan_file_is_one_line_naming_the_setting(
    tmp_path: Path, content: str | None, reason: str
) -> None:
    path = tmp_path / "plan.json"
    if content is not None:
        path.write_text(content)
    settings = Settings(data_dir=tmp_path, topic_notices="n", plan_config_file=path)
    with pytest.raises(SettingsError) as raised:
        notice_plan(settings)
    message = str(raised.value)
    assert message.startswith(f"CLAIMS_ADJ_PLAN_CONFIG_FILE: plan config {path}: {reason}")
    assert "\n" not in message


def test_the_consumer_waits_for_records_no_longer_than_the_fetch_wait(tmp_path: Path) -> None:
    # aiokafka's one fetch in flight leaves out the partitions the loop has not taken yet: a
    # partition taken meanwhile waits for that fetch's return (workers/settings.py).
    settings = Settings(data_dir=tmp_path / "data", fetch_wait_seconds=0.02)
    config = build(settings, asyncio.Event(), None).pipeline.config
    assert config.consumer_options["fetch_max_wait_ms"] == 20


def test_a_fetch_gathers_the_bytes_set_before_it_is_answered(tmp_path: Path) -> None:
    # A live stream's poll batches are larger for it: the poll cycle's costs are shared.
    default = build(Settings(data_dir=tmp_path / "data"), asyncio.Event(), None)
    assert default.pipeline.config.consumer_options["fetch_min_bytes"] == 32_768
    settings = Settings(data_dir=tmp_path / "data", fetch_min_bytes=1)
    config = build(settings, asyncio.Event(), None).pipeline.config
    assert config.consumer_options["fetch_min_bytes"] == 1
