"""`claims-adjudicator generate`: a seeded synthetic corpus of historical claims.

Variants of the 64 public cases (dates shifted, documentation facts, codes, settings, drugs,
eligibility and prior authorizations changed) are decided once each by the engine; every claim
of the corpus is one of them under fresh claim and member ids, so a million claims take seconds
and, with --with-decisions, each carries the original record a replay must reproduce. The same
seed always gives the same bytes.

Formats: `requests` (`{"claim","context"}` per line) or, with --with-decisions, history records
(`{"request": {...}, "decision": {...}}`), both readable by `replay`. --malformed-share puts
broken lines (truncated JSON, not JSON, structure errors) among them, as archives have.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from workers.corpus import PUBLIC_CASES

    parser.add_argument("--count", type=int, default=10_000, help="claims to write")
    parser.add_argument("--seed", type=int, default=62327, help="same seed, same corpus")
    parser.add_argument("--out", default="-", help="output file (.gz ok; - = stdout)")
    parser.add_argument(
        "--with-decisions",
        action="store_true",
        help="write history records with the original decision of each claim",
    )
    parser.add_argument(
        "--malformed-share",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="share of broken lines, 0..1 (default 0)",
    )
    parser.add_argument(
        "--variants",
        type=int,
        default=2048,
        help="distinct claim variants to derive from the public cases",
    )
    parser.add_argument(
        "--cases",
        type=Path,
        default=PUBLIC_CASES,
        help="the case file the variants are derived from (default: the public cases shipped "
        "with the package)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress display")


def run(args: argparse.Namespace) -> int:
    from workers.corpus.templates import CorpusSpec, build_templates
    from workers.corpus.writer import write_corpus
    from workers.replay.progress import Progress

    if args.count < 0 or not 0.0 <= args.malformed_share <= 1.0 or args.variants < 1:
        print(
            "claims-adjudicator generate: --count >= 0, --variants >= 1 and "
            "0 <= --malformed-share <= 1",
            file=sys.stderr,
        )
        return 2
    if not args.cases.is_file():
        print(f"claims-adjudicator generate: no case file at {args.cases}", file=sys.stderr)
        return 2
    spec = CorpusSpec(
        count=args.count,
        seed=args.seed,
        with_decisions=args.with_decisions,
        malformed_share=args.malformed_share,
        variants=args.variants,
    )
    templates = build_templates(args.cases, spec)
    with Progress("generate", total_items=args.count, enabled=not args.quiet) as progress:
        write_corpus(args.out, templates, spec, progress=progress)
    return 0
