"""A static member leaves its group on stop, by instance id (aiokafka does not send it)."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.consumer.group_coordinator import GroupCoordinator

from workers.broker import static_member
from workers.broker.static_member import LeaveGroupRequestV3, StaticLeave, StaticMemberConsumer


def test_the_leave_names_the_instance_with_an_unknown_member_id() -> None:
    request = StaticLeave("claims-adjudicator", "pod-1").prepare({13: (0, 5)})
    assert isinstance(request, LeaveGroupRequestV3)
    assert request.API_VERSION == 3
    # group, then one member: member id "" (unknown), instance id.
    assert request.encode() == (
        b"\x00\x12claims-adjudicator" + b"\x00\x00\x00\x01" + b"\x00\x00" + b"\x00\x05pod-1"
    )


@pytest.mark.parametrize(("instance", "leaves"), [("pod-1", 1), (None, 0)])
async def test_stop_leaves_only_as_a_static_member(
    monkeypatch: pytest.MonkeyPatch, instance: str | None, leaves: int
) -> None:
    calls: list[tuple[Any, ...]] = []

    async def stopped(self: AIOKafkaConsumer) -> None:
        calls.append(("stop",))

    async def leave(connection: dict[str, Any], group: str, instance_id: str) -> None:
        calls.append(("leave", connection, group, instance_id))

    monkeypatch.setattr(AIOKafkaConsumer, "stop", stopped)
    monkeypatch.setattr(static_member, "leave_group", leave)
    consumer = StaticMemberConsumer(
        bootstrap_servers="b:9092",
        security_protocol="PLAINTEXT",
        group_id="claims-adjudicator",
        group_instance_id=instance,
        session_timeout_ms=8000,
    )
    await consumer.stop()
    assert calls[0] == ("stop",)  # no heartbeat of its own can rejoin after the leave
    assert (
        calls[1:]
        == [
            (
                "leave",
                {"bootstrap_servers": "b:9092", "security_protocol": "PLAINTEXT"},
                "claims-adjudicator",
                "pod-1",
            )
        ][:leaves]
    )


async def test_a_failed_leave_is_logged_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    async def unreachable(*args: Any) -> None:
        raise OSError("no route")

    monkeypatch.setattr(static_member, "_leave", unreachable)
    await static_member.leave_group({"bootstrap_servers": "b:9092"}, "group", "pod-1")


def test_aiokafka_still_skips_the_leave_of_a_static_member() -> None:
    """The premise of StaticMemberConsumer: should aiokafka send the leave itself one day, the
    consumer's own is redundant (harmless: the broker answers UNKNOWN_MEMBER_ID)."""
    source = inspect.getsource(GroupCoordinator._maybe_leave_group)  # noqa: SLF001 - pinned
    assert "self._group_instance_id is None" in source
