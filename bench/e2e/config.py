"""What a peer process is told: one JSON object on its command line, so every peer runs with
the same names, guarantee and commit interval, and a peer can be started by hand to debug it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal

Guarantee = Literal["exactly_once", "at_least_once"]
GUARANTEES: tuple[Guarantee, ...] = ("exactly_once", "at_least_once")
PEERS = ("raw", "quix", "worker")
PEER_TITLES = {"raw": "raw aiokafka", "quix": "Quix Streams", "worker": "our worker"}
MAX_MESSAGE_BYTES = 1_048_588  # the worker's default, so every peer's topics are alike


@dataclass(frozen=True)
class PeerConfig:
    peer: str
    guarantee: Guarantee
    bootstrap: str
    app_id: str
    submitted: str
    documentation: str
    by_member: str
    decisions: str
    dlq: str
    changelog: str
    eligibility: str
    prior_auth: str
    partitions: int
    commit_interval: float
    work_dir: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> PeerConfig:
        return cls(**json.loads(text))


def peer_config(
    peer: str,
    guarantee: Guarantee,
    *,
    run_id: str,
    bootstrap: str,
    eligibility: str,
    prior_auth: str,
    partitions: int,
    commit_interval: float,
    work_dir: str,
) -> PeerConfig:
    """Topic names and group of one peer run, unique per run so runs never see each other."""
    name = f"e2e-{run_id}-{peer}-{'eos' if guarantee == 'exactly_once' else 'alos'}"
    return PeerConfig(
        peer=peer,
        guarantee=guarantee,
        bootstrap=bootstrap,
        app_id=name,
        submitted=f"{name}.claims.submitted",
        documentation=f"{name}.claims.documentation",
        by_member=f"{name}.claims-by-member",
        decisions=f"{name}.claims.decisions",
        dlq=f"{name}.claims.dlq",
        changelog=f"{name}.members-changelog",
        eligibility=eligibility,
        prior_auth=prior_auth,
        partitions=partitions,
        commit_interval=commit_interval,
        work_dir=work_dir,
    )
