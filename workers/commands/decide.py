"""`claims-adjudicator decide [FILE]`: adjudication requests (JSON lines) -> decision records.

One output line per input line, in input order (`ignore` records included in this offline
mode). A line that is not a valid request gets an error record and the exit status is 1 at the
end; the other lines are still decided.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="JSON-lines requests (default: stdin; .gz ok)")
    parser.add_argument(
        "--policy-version", help="decide every claim under this version (what-if), e.g. 1.1.0"
    )
    parser.add_argument(
        "--no-stamp",
        action="store_true",
        help="leave decision_id and decided_at null (byte-identical output for the same input)",
    )


def run(args: argparse.Namespace) -> int:
    from policy.catalog import UnknownPolicyVersion, load_policy
    from workers.jsonl import encode, open_input, read_lines
    from workers.offline.adjudicate import adjudicate_line
    from workers.stamp import stamp

    if args.policy_version is not None:
        try:
            load_policy(args.policy_version)
        except UnknownPolicyVersion as error:
            print(f"claims-adjudicator decide: {error}", file=sys.stderr)
            return 2
    out = sys.stdout.buffer
    failures = 0
    with open_input(args.file) as stream:
        for line in read_lines(stream):
            outcome = adjudicate_line(line, args.policy_version)
            if isinstance(outcome, dict):
                failures += 1
                out.write(encode(outcome))
                continue
            record = outcome if args.no_stamp else stamp(outcome)
            out.write(record.to_json() + b"\n")
    out.flush()
    if failures:
        print(
            f"claims-adjudicator decide: {failures} line(s) were not valid requests",
            file=sys.stderr,
        )
        return 1
    return 0
