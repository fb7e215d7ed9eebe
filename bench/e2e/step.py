"""The worker's step on one core, no broker: CPU µs per claim for both hops.

Hop 1 (`intake`: the envelope validated and forwarded) and hop 2 (`by_member`: enrichment,
decision, record, member state) of bench.e2e's generated claims, through bench/e2e/engine.py as
every bench.e2e peer calls them, the member state encoded as the changelog would take it. What
a pipeline adds (fetch, produce, commit) is left out, so a change of the step is measured
without the broker's noise. Rounds are alternated with nothing else; the median is printed.

To compare two trees, run it with each on PYTHONPATH, built alike (both with the compiled
engine, or neither), one after the other, a few times:

    PYTHONPATH=DIR python -m bench.e2e.step [--claims 6000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import orjson

import policy

from .claims import ClaimSet, Record
from .engine import Destination, Engine, MemberState, Message

PHASE = "S"


def run(engine: Engine, claims: list[Record]) -> None:
    """Both hops of every claim, the member states kept as the worker keeps them."""
    states: dict[bytes | None, MemberState] = {}
    for offset, (key, value) in enumerate(claims):
        forwarded = engine.intake(Message("claims", 0, offset, key, value))
        for output in forwarded.outputs:
            if output.destination is not Destination.FORWARD:
                continue
            state = states.get(output.key) or MemberState.decode(None)
            message = Message("by-member", 0, offset, output.key, output.value, output.headers)
            decided = engine.by_member(message, state)
            if decided.state is not None:
                decided.state.encode()
                states[output.key] = decided.state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    claim_set = ClaimSet(members=args.claims)
    engine = Engine(
        {key.decode(): orjson.loads(value) for key, value in claim_set.eligibility()},
        {key.decode(): orjson.loads(value) for key, value in claim_set.prior_auths()},
    )
    claims = list(claim_set.claims(PHASE, args.claims))
    run(engine, claims[:500])  # warm the caches
    costs = []
    for _ in range(args.rounds):
        started = time.process_time()
        run(engine, claims)
        costs.append((time.process_time() - started) / len(claims) * 1e6)
    build = "compiled (mypyc)" if policy.COMPILED else "pure Python"
    rounds = ", ".join(f"{cost:.0f}" for cost in costs)
    print(f"step, both hops, engine {build}: {statistics.median(costs):.1f} us per claim")
    print(f"({args.rounds} rounds of {len(claims):,} claims: {rounds})")


if __name__ == "__main__":
    main()
