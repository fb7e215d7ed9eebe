"""Building blocks for per-rule tests: mutate a public case, decide, read the outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.unit.conftest import decide_raw, request_of

Raw = dict[str, Any]
Mutation = Callable[[Raw], None]

# §8.4 `pend.followup`, verbatim.
FOLLOWUP_P3 = "request records; deny CO-226/N706 if not received within 45 days"
FOLLOWUP_P2 = "route to clinical/UM review queue"


@dataclass(frozen=True)
class Expect:
    decision: str
    carc: str | None = None
    rarc: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] | None = None
    group_code: str | None = None
    category: str | None = None


def run(base: str, mutate: Mutation, version: str | None = None) -> Raw:
    raw = request_of(base)
    mutate(raw)
    return decide_raw(raw, version)


def check(record: Raw, expect: Expect) -> None:
    assert record["decision"] == expect.decision, record["rule_ids"]
    assert record["carc"] == expect.carc
    assert tuple(record["rarc"]) == expect.rarc
    if expect.rule_ids is not None:
        assert tuple(record["rule_ids"]) == expect.rule_ids
    if expect.group_code is not None:
        assert record["group_code"] == expect.group_code
    if expect.category is not None:
        assert record["claim_status_category"] == expect.category


def line(raw: Raw, number: int) -> Raw:
    return next(item for item in raw["claim"]["lines"] if item["line_number"] == number)


def drug(raw: Raw, number: int = 2) -> Raw:
    found: Raw = line(raw, number)["drug"]
    return found


def doc(raw: Raw) -> Raw:
    found: Raw = raw["claim"]["documentation"]
    return found


def setter(path: str, value: object) -> Mutation:
    """`claim.place_of_service`, `line2.units`, `drug2.route`, `doc.purpose`, `context.x`."""
    head, _, name = path.partition(".")

    def mutate(raw: Raw) -> None:
        if head == "claim":
            target = raw["claim"]
        elif head == "context":
            target = raw["context"]
        elif head == "doc":
            target = doc(raw)
        elif head.startswith("line"):
            target = line(raw, int(head[4:]))
        elif head.startswith("drug"):
            target = drug(raw, int(head[4:]))
        elif head == "member":
            target = raw["claim"]["member"]
        elif head == "provider":
            target = raw["claim"]["provider"]
        elif head == "eligibility":
            target = raw["context"]["eligibility"]
        else:
            raise ValueError(head)
        target[name] = value

    return mutate


def all_of(*mutations: Mutation) -> Mutation:
    def mutate(raw: Raw) -> None:
        for m in mutations:
            m(raw)

    return mutate


def add_line(**fields: Any) -> Mutation:
    def mutate(raw: Raw) -> None:
        new = {
            "line_number": 1 + max(item["line_number"] for item in raw["claim"]["lines"]),
            "service_date": raw["claim"]["service_date"],
            "modifiers": [],
            "units": 1,
            "charge": 10.0,
            "dx_pointers": [1],
            "drug": None,
        }
        new.update(fields)
        raw["claim"]["lines"].append(new)

    return mutate


def all_dates(day: str) -> Mutation:
    """Move the header and every line to one DOS."""

    def mutate(raw: Raw) -> None:
        raw["claim"]["service_date"] = day
        for item in raw["claim"]["lines"]:
            item["service_date"] = day

    return mutate
