# mypy: disallow-subclassing-any=False
# (`make check` runs before the bench extra is installed: Quix's Serializer is then untyped.)
"""The same two-hop job as a Quix Streams 3.28 application, written as its users would write it.

`submitted` → validate and `group_by` member (Quix's repartition topic) → a stateful `apply`
holding the member's state in Quix's state store (RocksDB, changelog topic) → the engine → the
decision to the decision topic, with the worker's headers. `processing_guarantee` is Quix's
"exactly-once" or "at-least-once", committed every commit interval like the other peers.
Dead letters are dropped (the benchmark's claims are all valid).

`python -m bench.e2e.peers.quix '<PeerConfig JSON>'`
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quixstreams import Application, State
from quixstreams.models.serializers import SerializationContext, Serializer

from ..config import PeerConfig
from ..engine import Decision, Engine, state_from_json, state_to_json
from ..tables import references

STATE_KEY = "member"


@dataclass(frozen=True, slots=True)
class Routed:
    key: bytes | None
    value: bytes


class RoutedValue(Serializer):
    """The repartition topic carries the original envelope bytes."""

    def __call__(self, value: Routed, ctx: SerializationContext) -> bytes:
        return value.value


class DecisionValue(Serializer):
    """The decision topic carries the decision record's bytes."""

    def __call__(self, value: Decision, ctx: SerializationContext) -> bytes:
        return value.value


def build(config: PeerConfig, engine: Engine) -> Application:
    app = Application(
        broker_address=config.bootstrap,
        consumer_group=config.app_id,
        auto_offset_reset="earliest",
        commit_interval=config.commit_interval,
        processing_guarantee=(
            "exactly-once" if config.guarantee == "exactly_once" else "at-least-once"
        ),
        state_dir=Path(config.work_dir) / "quix-state",
        loglevel="WARNING",
        producer_extra_config={"linger.ms": 5},
    )
    submitted = app.topic(config.submitted, key_deserializer="bytes", value_deserializer="bytes")
    decisions = app.topic(
        config.decisions, key_serializer="bytes", value_serializer=DecisionValue()
    )

    def adjudicate(value: bytes, state: State[str, Any]) -> Decision | None:
        member = state_from_json(state.get(STATE_KEY))
        decision = engine.adjudicate(value, member)
        if decision is not None:
            state.set(STATE_KEY, state_to_json(member))
        return decision

    sdf = app.dataframe(submitted)
    sdf = sdf.apply(lambda value: Routed(Engine.route(value), value))
    sdf = sdf.filter(lambda routed: routed.key is not None)
    sdf = sdf.group_by(
        lambda routed: routed.key,
        name="member",
        key_serializer="bytes",
        key_deserializer="bytes",
        value_serializer=RoutedValue(),
        value_deserializer="bytes",
    )
    sdf = sdf.apply(adjudicate, stateful=True)
    sdf = sdf.filter(lambda decision: decision is not None)
    sdf = sdf.set_headers(lambda decision, key, timestamp, headers: decision.headers)
    sdf.to_topic(decisions, key=lambda decision: decision.key)
    return app


def main(config: PeerConfig) -> None:
    eligibility, prior_auths = asyncio.run(references(config))
    build(config, Engine(eligibility, prior_auths)).run()


if __name__ == "__main__":
    main(PeerConfig.from_json(sys.argv[1]))
