"""Exactly-once plumbing on top of faust's transaction manager.

faust (exactly_once) keeps one transactional producer per assigned source partition k
(transactional id `{app_id}-{group}-{k}`) and commits a partition's consumer offsets inside that
producer's transaction. Two things in stock faust do not fit a worker whose outputs are keyed
differently from its input:

1. faust picks the transactional producer from the *destination* partition of a send, which for
   `claims.decisions.v1` (keyed by claim_id, not a source topic) is a partition this worker may
   not own. `Publisher` sends every output of an event through the producer of the partition the
   event came from, so outputs and the input's offset are committed (or aborted) together.
2. The periodic commit runs in its own task and could commit a transaction in the middle of an
   event (after the decision was sent, before the member state was written), or commit outputs
   of an event whose offset it had not picked. The app's `effects_guard` is held while an
   event's outputs are written and for the whole commit, and an event is acked (synchronously)
   right after its outputs, so a committed transaction holds whole, acked events only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, AppT

Headers = Sequence[tuple[str, bytes]]


class GuardedConsumer(faust_aiokafka.Consumer):
    """Commit only between events: hold the app's effects guard for the whole commit.

    The guard is taken before faust picks the acked offsets, so no event can send outputs
    between that choice and the transaction commit: every output in a committed transaction
    belongs to an event whose offset is committed with it.
    """

    async def commit(self, topics: Any = None, start_new_transaction: bool = True) -> bool:
        guard: asyncio.Lock = self.app.effects_guard  # type: ignore[attr-defined]
        async with guard:
            return bool(await super().commit(topics, start_new_transaction=start_new_transaction))


class GuardedTransport(faust_aiokafka.Transport):
    """The aiokafka transport with the guarded consumer."""

    Consumer = GuardedConsumer


class Publisher:
    """Send an event's outputs inside the transaction of the partition the event came from."""

    def __init__(self, app: AppT) -> None:
        self._app = app

    def transactional_id(self, source: TP) -> str:
        """faust's transactional id for a source partition (see TransactionManager.commit)."""
        group = self._app.assignor.group_for_topic(source.topic)
        return f"{self._app.conf.id}-{group}-{source.partition}"

    async def send(
        self,
        source: TP,
        topic: str,
        *,
        key: bytes | None,
        value: bytes | None,
        headers: Headers | None = None,
        partition: int | None = None,
    ) -> Any:
        """Hand one record to the producer; delivery is awaited by the commit, not here."""
        producer = self._app.producer
        # in_transaction is only true once the worker runs, so it is read per send.
        tid = self.transactional_id(source) if self._app.in_transaction else None
        return await producer.send(
            topic,
            key,
            value,
            partition,
            None,
            list(headers) if headers is not None else None,
            transactional_id=tid,
        )
