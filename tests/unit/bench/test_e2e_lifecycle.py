"""bench/e2e without a broker: the lifecycle stream it writes, and the raw peer running the
worker's step on it (a pend, then the records that approve it, as the worker publishes them)."""

from __future__ import annotations

from typing import Any

import orjson
from aiokafka import TopicPartition

from bench.e2e.claims import FOLLOWED, PRELUDE, ClaimSet, claim_id
from bench.e2e.config import PeerConfig, peer_config
from bench.e2e.engine import Engine, Message
from bench.e2e.peers.raw import Hops, Send

MEMBERS = 40


def config() -> PeerConfig:
    return peer_config(
        "raw",
        "exactly_once",
        run_id="unit",
        bootstrap="localhost:9",
        eligibility="eligibility",
        prior_auth="prior-auths",
        partitions=3,
        commit_interval=0.2,
        work_dir="/nonexistent",
    )


def hops(claims: ClaimSet) -> Hops:
    def by_key(records: list[tuple[bytes, bytes]]) -> dict[str, Any]:
        return {key.decode(): orjson.loads(value) for key, value in records}

    return Hops(config(), Engine(by_key(claims.eligibility()), by_key(claims.prior_auths())))


def through(hops: Hops, topic: str, key: bytes, value: bytes) -> list[Send]:
    """Hop 1 on `topic`, then hop 2 on what it forwarded: the sends of both."""
    intake = hops.intake_documentation if topic == "documentation" else hops.intake
    forwarded = intake(TopicPartition(topic, 0), Message(topic, 0, 0, key, value))
    (by_member, member, payload, headers, _), *_ = forwarded
    assert by_member == config().by_member
    record = Message(by_member, 1, 0, member, payload, headers or ())
    return forwarded + hops.adjudicate(TopicPartition(by_member, 1), record)


def decision(sends: list[Send]) -> tuple[dict[str, Any], dict[str, bytes]]:
    (_, _, value, headers, _), *_ = [send for send in sends if send[0] == config().decisions]
    assert value is not None
    return orjson.loads(value), dict(headers or ())


def test_the_lifecycle_backlog_follows_up_one_claim_in_every_ten_with_the_preludes() -> None:
    claims = ClaimSet(MEMBERS, follow_ups=0.1)
    written = list(claims.followed(MEMBERS))
    follow_ups = [key for documentation, key, _ in written if documentation]
    assert claims.follow_up_count(MEMBERS) == 4
    assert follow_ups == [claim_id(PRELUDE, i) for i in range(4)]
    assert [key for documentation, key, _ in written if not documentation] == [
        claim_id(FOLLOWED, n) for n in range(MEMBERS)
    ]
    # The lifecycle backlog's members mirror the plain backlog's; the prelude's are its own.
    members = sorted(int(key[len("TSTMBR-") :]) for key, _ in claims.eligibility())
    plain = [member for member in members if member < MEMBERS]
    assert members == plain + [MEMBERS + m for m in plain] + [2 * MEMBERS + i for i in range(4)]


def test_the_raw_peer_pends_a_prelude_claim_then_approves_it_on_its_records() -> None:
    claims = ClaimSet(MEMBERS, follow_ups=0.1)
    peer = hops(claims)
    pend, pend_headers = decision(through(peer, "submitted", *claims.claim(PRELUDE, 2)))
    sends = through(peer, "documentation", *claims.documentation(FOLLOWED, 2))
    approve, headers = decision(sends)

    assert (pend["decision"], pend["trigger"], pend["supersedes"]) == (
        "pend",
        "claim_submitted",
        None,
    )
    assert (approve["decision"], approve["trigger"], approve["supersedes"]) == (
        "approve",
        "documentation_received",
        pend["decision_id"],
    )
    assert pend_headers["input.event_id"] == b"EVT-P-00000002"
    assert headers["input.event_id"] == b"DOC-F-00000002"
    # The member's new state goes to the changelog, to partition k of its input.
    (changelog,) = [send for send in sends if send[0] == config().changelog]
    assert changelog[4] == 1 and changelog[2] is not None and b'"history"' in changelog[2]


def test_the_plain_stream_has_no_seeds_or_follow_ups() -> None:
    plain, seeded = ClaimSet(MEMBERS), ClaimSet(MEMBERS, follow_ups=0.1)

    def claim(claims: ClaimSet, n: int) -> Any:
        return orjson.loads(claims.claim("B", n)[1])["claim"]

    assert plain.follow_up_count(MEMBERS) == 0
    assert claim(plain, 1) == claim(seeded, 1)  # not a seed member
    assert claim(plain, 10) != claim(seeded, 10)  # the seed instead of case 11
