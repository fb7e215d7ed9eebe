"""The worker's step on one core, no broker: CPU µs per claim for both hops.

Hop 1 (`intake`: the envelope validated and forwarded) and hop 2 (`by_member`: enrichment,
decision, record, member state) of bench.e2e's generated claims, through bench/e2e/engine.py as
every bench.e2e peer calls them, the member state encoded as the changelog would take it. What
a pipeline adds (fetch, produce, commit) is left out, so a change of the step is measured
without the broker's noise. Each round starts from empty member states; the median is printed.

To compare two trees, run it with each on PYTHONPATH, built alike (both with the compiled
engine, or neither), one after the other, a few times:

    PYTHONPATH=DIR python -m bench.e2e.step [--claims 6000] [--rounds 5] [--follow-ups 0.1]

With `--follow-ups` it also measures bench.e2e's lifecycle stream (one claim in ten pends and
records received follow up as many claims pended before it): per claim of each stream, and
their ratio, the lifecycle's own cost before any pipeline's; and the stream's records received
alone, per follow-up, against a claim of the plain stream.
"""

from __future__ import annotations

import argparse
import statistics
import time

import orjson

import policy

from .claims import PRELUDE, ClaimSet, Routed
from .engine import Destination, Engine, MemberState, Message

PHASE = "S"


def run(engine: Engine, events: list[Routed], states: dict[bytes | None, MemberState]) -> None:
    """Both hops of every event (claims, and records received with `--follow-ups`), the member
    states kept in `states` as the worker keeps them."""
    for offset, (documentation, key, value) in enumerate(events):
        message = Message("claims", 0, offset, key, value)
        hop1 = engine.intake_documentation(message) if documentation else engine.intake(message)
        for output in hop1.outputs:
            if output.destination is not Destination.FORWARD:
                continue
            state = states.get(output.key) or MemberState.decode(None)
            forward = Message("by-member", 0, offset, output.key, output.value, output.headers)
            decided = engine.by_member(forward, state)
            if decided.state is not None:
                decided.state.encode()
                states[output.key] = decided.state


def measure(engine: Engine, events: list[Routed], count: int, prelude: list[Routed]) -> float:
    """CPU µs per event counted (`count` of `events`: the claims, or the records received) of
    one round, on the member states the prelude left (its seeds pended, waiting for their
    records)."""
    states: dict[bytes | None, MemberState] = {}
    run(engine, prelude, states)
    started = time.process_time()
    run(engine, events, states)
    return (time.process_time() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--follow-ups",
        type=float,
        default=0.0,
        help="also the lifecycle stream, as bench.e2e --follow-ups makes it (e.g. 0.1)",
    )
    args = parser.parse_args()
    claim_set = ClaimSet(members=args.claims, follow_ups=args.follow_ups)
    engine = Engine(
        {key.decode(): orjson.loads(value) for key, value in claim_set.eligibility()},
        {key.decode(): orjson.loads(value) for key, value in claim_set.prior_auths()},
    )
    plain = [(False, *claim) for claim in claim_set.claims(PHASE, args.claims)]
    run(engine, plain[:500], {})  # warm the caches
    # name: (events, what a cost is counted per and how many, the prelude)
    streams: dict[str, tuple[list[Routed], str, int, list[Routed]]] = {
        "plain": (plain, "claim", args.claims, [])
    }
    if args.follow_ups:
        prelude = claim_set.follow_up_count(args.claims)
        seeds = [(False, *claim) for claim in claim_set.claims(PRELUDE, prelude)]
        followed = list(claim_set.followed(args.claims))
        records = [event for event in followed if event[0]]
        streams["with follow-ups"] = (followed, "claim", args.claims, seeds)
        # The records of the stream alone, both hops: what one follow-up costs (issue 20).
        streams["records received alone"] = (records, "follow-up", len(records), seeds)
    build = "compiled (mypyc)" if policy.COMPILED else "pure Python"
    # The streams take turns within each round, so that a machine whose speed drifts (one
    # shared with other work) slows them alike; their ratio is taken round by round.
    costs: dict[str, list[float]] = {name: [] for name in streams}
    for _ in range(args.rounds):
        for name, (events, _unit, count, prelude_events) in streams.items():
            costs[name].append(measure(engine, events, count, prelude_events))
    for name, (events, unit, _count, _prelude) in streams.items():
        rounds = ", ".join(f"{cost:.0f}" for cost in costs[name])
        print(
            f"step, both hops, engine {build}, {name}: {statistics.median(costs[name]):.1f} us "
            f"per {unit} ({args.rounds} rounds of {len(events):,} events: {rounds})"
        )
    if args.follow_ups:
        plain_costs = costs["plain"]
        for name, against in (("with follow-ups", "plain"), ("records received alone", "a claim")):
            ratios = [cost / base for cost, base in zip(costs[name], plain_costs, strict=True)]
            print(f"{name} / {against}: {statistics.median(ratios):.2f} x (median of the rounds)")


if __name__ == "__main__":
    main()
