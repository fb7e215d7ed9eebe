"""A consumer that is a static member of its group and still leaves it when it stops.

Static membership (Kafka's group.instance.id, KIP-345): a worker restarted under the same
instance id within the session timeout takes its place back, partitions and all, without a
rebalance, so a crash-restart (a SIGKILL, an OOM kill, a container restart in the same pod)
costs the restart time instead of a session timeout plus two rebalances.

aiokafka 0.14 sends no LeaveGroup for a static member when it stops
(`GroupCoordinator._maybe_leave_group` skips it), so a stopped worker would hold its partitions
until its session expired. A SIGTERM means "this instance goes away" (a rolling update's new pod
has a new name, a scale-down has none), so on stop this consumer removes its instance id from
the group itself, the way Kafka's admin `removeMembersFromConsumerGroup` does: a LeaveGroup v3
naming the instance id (member id unknown), sent after the consumer stopped, so no heartbeat of
its own rejoins the group. The partitions move at once, as with a dynamic member's leave.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError, for_code
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.coordination import FindCoordinatorRequest
from aiokafka.protocol.types import Array, Int16, Int32, Schema, String

from workers.logging_setup import get_logger

log = get_logger(__name__)

# The keywords of an aiokafka client that say where the broker is and how to reach it
# (KafkaConnection.client_options()); the leave uses the consumer's own.
CONNECTION_OPTIONS = frozenset(
    {
        "bootstrap_servers",
        "security_protocol",
        "ssl_context",
        "sasl_mechanism",
        "sasl_plain_username",
        "sasl_plain_password",
    }
)
# A stop is not held up longer than this by a broker that does not answer: the session timeout
# then removes the member instead.
LEAVE_TIMEOUT_SECONDS = 5.0


class LeaveGroupResponseV3(Response):  # type: ignore[misc]
    API_KEY = 13
    API_VERSION = 3
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("error_code", Int16),
        (
            "members",
            Array(
                ("member_id", String("utf-8")),
                ("group_instance_id", String("utf-8")),
                ("error_code", Int16),
            ),
        ),
    )


class LeaveGroupRequestV3(RequestStruct):  # type: ignore[misc]
    """LeaveGroup v3 (Kafka 2.4+): members by id and instance id (KIP-345)."""

    API_KEY = 13
    API_VERSION = 3
    RESPONSE_TYPE = LeaveGroupResponseV3
    SCHEMA = Schema(
        ("group", String("utf-8")),
        ("members", Array(("member_id", String("utf-8")), ("group_instance_id", String("utf-8")))),
    )


class StaticLeave(Request[LeaveGroupRequestV3]):  # type: ignore[misc]
    """Remove the static member `instance_id` from `group`, whatever its member id."""

    API_KEY = 13

    def __init__(self, group: str, instance_id: str) -> None:
        self._group = group
        self._instance_id = instance_id

    def build(self, request_struct_class: type[LeaveGroupRequestV3]) -> LeaveGroupRequestV3:
        # "": the member id is unknown (the consumer has reset it); the instance id names it.
        return request_struct_class(self._group, [("", self._instance_id)])


class StaticMemberConsumer(AIOKafkaConsumer):  # type: ignore[misc]
    """aiokafka's consumer; with a `group_instance_id`, `stop()` also leaves the group."""

    def __init__(self, *topics: str, **options: Any) -> None:
        super().__init__(*topics, **options)
        self._group = options.get("group_id")
        self._instance = options.get("group_instance_id")
        self._connection = {k: v for k, v in options.items() if k in CONNECTION_OPTIONS}

    async def stop(self) -> None:
        await super().stop()
        if self._group is not None and self._instance is not None:
            await leave_group(self._connection, self._group, self._instance)


async def leave_group(connection: dict[str, Any], group: str, instance_id: str) -> None:
    """Send the static leave; a failure is logged (the session timeout removes the member)."""
    try:
        await asyncio.wait_for(_leave(connection, group, instance_id), LEAVE_TIMEOUT_SECONDS)
    except (KafkaError, OSError, TimeoutError) as error:
        log.warning(
            "leaving the group failed: the partitions move when the session expires",
            error_class=type(error).__name__,
        )
    else:
        log.info("left the group as a static member")


async def _leave(connection: dict[str, Any], group: str, instance_id: str) -> None:
    client = AIOKafkaClient(**connection)
    try:
        await client.bootstrap()
        found = await client.send(client.get_random_node(), FindCoordinatorRequest(group, 0))
        if found.error_code:
            raise for_code(found.error_code)()
        coordinator = found.coordinator_id
        if not await client.ready(coordinator):
            raise KafkaError("group coordinator not reachable")
        response = await client.send(coordinator, StaticLeave(group, instance_id))
        codes = [response.error_code, *(member[2] for member in response.members)]
        error = next((code for code in codes if code), 0)
        if error:
            raise for_code(error)()
    finally:
        await client.close()
