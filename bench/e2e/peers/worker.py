"""`claims-adjudicator worker` as a peer: configured by environment only, as in production.

The environment is built from the worker's own Settings (validated here first, so a name the
worker would refuse fails before it starts) and `env_name`; nothing else of workers/ is used.
Eligibility waits are off (grace 0): every member's eligibility is on its topic before any
claim, and the other peers never wait either.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from workers.settings import ENV_PREFIX, Settings, env_name

from ..broker import free_port
from ..config import PeerConfig


def worker_env(config: PeerConfig) -> dict[str, str]:
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": config.bootstrap,
        "app_id": config.app_id,
        "topic_submitted": config.submitted,
        "topic_documentation": config.documentation,
        # Per run too, though the bench writes neither: runs never share a topic.
        "topic_reviews": f"{config.app_id}.claims.reviews",
        "topic_calendar": f"{config.app_id}.business.calendar",
        "topic_by_member": config.by_member,
        "topic_decisions": config.decisions,
        "topic_dlq": config.dlq,
        "topic_eligibility": config.eligibility,
        "topic_prior_auth": config.prior_auth,
        "partitions": config.partitions,
        "output_partitions": config.partitions,
        "processing_guarantee": config.guarantee,
        "commit_interval_seconds": config.commit_interval,
        "eligibility_grace_seconds": 0,
        "web_port": free_port(),
        "data_dir": Path(config.work_dir) / "worker-data",
    }
    Settings(**values)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(ENV_PREFIX) and name != "KAFKA_BOOTSTRAP_SERVERS"
    }
    env.update({env_name(name): str(value) for name, value in values.items()})
    return env
