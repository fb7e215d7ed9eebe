"""Hop 1 (workers/stream/step/intake.py): a valid event forwarded byte for byte, re-keyed by
member; anything else a dead letter with exactly the contract's headers."""

from __future__ import annotations

import copy

from models.envelope import EnvelopeError, decode_forwarded
from policy.member_history import MemberState
from tests.unit.workers.stream.step.messages import (
    CASES,
    NOW,
    SEED,
    Record,
    envelope,
    references_of,
)
from workers.stream.step.intake import dlq_headers, intake
from workers.stream.step.member import adjudicate
from workers.stream.step.outcome import Destination, Tables


def test_intake_forwards_the_original_bytes_keyed_by_member() -> None:
    value = envelope(SEED)
    outcome = intake(Record(value, key=b"CLM-ITDD-0001"))
    assert [(o.destination, o.key, o.value) for o in outcome.outputs] == [
        (Destination.FORWARD, b"m:" + SEED["claim"]["member"]["member_id"].encode(), value)
    ]
    assert outcome.dead_letter is None and outcome.state is None


def test_intake_dead_letters_with_exactly_the_contract_headers() -> None:
    outcome = intake(Record(b"{not json", key=b"k"))
    [dead] = outcome.outputs
    assert (dead.destination, dead.key, dead.value) == (Destination.DEAD_LETTER, b"k", b"{not json")
    assert [name for name, _ in dead.headers] == [
        "error.class",
        "error.message",
        "error.stage",
        "source.topic",
        "source.partition",
        "source.offset",
    ]
    values = dict(dead.headers)
    assert (values["error.class"], values["error.stage"]) == (b"JSONDecodeError", b"decode")
    assert (values["source.partition"], values["source.offset"]) == (b"2", b"41")


def test_dead_letter_message_is_cut_at_500_characters() -> None:
    error = EnvelopeError("JSONDecodeError", "decode", "x" * 2000)
    values = dict(dlq_headers(error, "claims.submitted.v1", 2, 41))
    assert len(values["error.message"]) == 500


def test_an_integer_beyond_64_bits_crosses_both_hops_as_that_integer() -> None:
    """§2.5 on the worker's path: hop 1 forwards the bytes, hop 2 decodes them exactly (orjson
    alone reads 1e20 as a float, a missing fact: P3 instead of the approval)."""
    case = CASES["ITDD-TC-006"]
    claim = copy.deepcopy(case["claim"])
    claim["documentation"]["conservative_therapy_failed_months"] = "@@MONTHS@@"
    raw = envelope({**case, "claim": claim}).replace(b'"@@MONTHS@@"', b"1" + b"0" * 20)
    [forward] = intake(Record(raw)).outputs
    assert forward.destination is Destination.FORWARD and forward.value == raw
    outcome = adjudicate(
        decode_forwarded(forward.value), MemberState(), Tables(references_of(case), NOW)
    )
    assert outcome.record is not None
    assert (outcome.record.decision, outcome.record.claim_status_category) == ("approve", "F1")
