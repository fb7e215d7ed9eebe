# mypy: disallow-subclassing-any=False
# (`make check` runs before the bench extra is installed: Quix's Serializer is then untyped.)
"""The same two-hop job as a Quix Streams 3.28 application, written as its users would write it.

Hop 1: `submitted` and `documentation`, each a dataframe calling the worker's step for its topic
(engine.py), produce the step's outputs — the event forwarded, re-keyed by member, to the
`by-member` topic, or a dead letter — with the step's headers. Hop 2: a dataframe on `by-member`,
a stateful `apply` holding the member's state in Quix's state store (RocksDB, changelog topic)
calls the step and produces its outputs (the decision, with the worker's headers). Both hops
write the one `by-member` topic, as the worker's do, so a member's claims and records meet in
one state: what `group_by` does for one dataframe (a repartition topic and a dataframe on it),
for two. `processing_guarantee` is Quix's "exactly-once" or "at-least-once", committed every
commit interval like the other peers.

`python -m bench.e2e.peers.quix '<PeerConfig JSON>'`
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quixstreams import Application, State, message_context
from quixstreams.models.serializers import SerializationContext, Serializer
from quixstreams.models.topics import Topic

from ..config import PeerConfig
from ..engine import (
    Destination,
    Engine,
    Inbound,
    Message,
    Outcome,
    Output,
    routes,
    state_from_text,
    state_to_text,
)
from ..tables import references

STATE_KEY = "member"
Headers = list[tuple[str, bytes]] | None


class OutputValue(Serializer):
    """Every topic the app writes carries the step's output bytes."""

    def __call__(self, value: Output, ctx: SerializationContext) -> bytes:
        # A serializer returns bytes: the dead letter of a tombstone would be written empty
        # (the bench writes no tombstone).
        return value.value or b""


def received(value: bytes | None, key: bytes | None, headers: Headers) -> Message:
    """The record in hand as the step reads it."""
    context = message_context()
    return Message(context.topic, context.partition, context.offset, key, value, headers or ())


def topic(app: Application, name: str) -> Topic:
    """Keys and values as bytes; what the app writes is a step's output."""
    return app.topic(
        name,
        key_deserializer="bytes",
        value_deserializer="bytes",
        key_serializer="bytes",
        value_serializer=OutputValue(),
    )


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
    outputs = {destination: topic(app, name) for destination, name in routes(config).items()}

    def produce(sdf: Any, step: Callable[..., list[Output]], *, stateful: bool = False) -> None:
        """The step's outputs, each to the topic of its destination, with its headers."""
        sdf = sdf.apply(step, stateful=stateful, metadata=True, expand=True)
        sdf = sdf.set_headers(lambda output, key, timestamp, headers: output.headers)
        sdf.to_topic(
            lambda output, key, timestamp, headers: outputs[output.destination],
            key=lambda output: output.key,
        )

    def intake(step: Callable[[Inbound], Outcome]) -> Callable[..., list[Output]]:
        def hop(
            value: bytes | None, key: bytes | None, timestamp: int, headers: Headers
        ) -> list[Output]:
            return step(received(value, key, headers)).outputs

        return hop

    def adjudicate(
        value: bytes | None,
        key: bytes | None,
        timestamp: int,
        headers: Headers,
        state: State[str, Any],
    ) -> list[Output]:
        member = state_from_text(state.get(STATE_KEY))
        outcome = engine.by_member(received(value, key, headers), member)
        if outcome.state is not None:
            state.set(STATE_KEY, state_to_text(outcome.state))
        return outcome.outputs

    produce(app.dataframe(topic(app, config.submitted)), intake(engine.intake))
    produce(app.dataframe(topic(app, config.documentation)), intake(engine.intake_documentation))
    produce(app.dataframe(outputs[Destination.FORWARD]), adjudicate, stateful=True)
    return app


def main(config: PeerConfig) -> None:
    eligibility, prior_auths = asyncio.run(references(config))
    build(config, Engine(eligibility, prior_auths)).run()


if __name__ == "__main__":
    main(PeerConfig.from_json(sys.argv[1]))
