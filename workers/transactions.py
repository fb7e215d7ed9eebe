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
   event (after the decision was sent, before the member state was written). `EffectsGuard` is
   held while an event's outputs are written and taken by the commit, so a committed transaction
   always holds whole events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from faust.transport.consumer import TransactionManager
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, AppT

Headers = Sequence[tuple[str, bytes]]


class GuardedTransactionManager(TransactionManager):
    """Commit only between events: wait for the app's effects guard before committing."""

    async def commit(self, offsets: Mapping[TP, int], start_new_transaction: bool = True) -> bool:
        guard: asyncio.Lock = self.app.effects_guard  # type: ignore[attr-defined]
        async with guard:
            return bool(await super().commit(offsets, start_new_transaction=start_new_transaction))


class GuardedTransport(faust_aiokafka.Transport):
    """The aiokafka transport with the guarded transaction manager."""

    TransactionManager = GuardedTransactionManager


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
