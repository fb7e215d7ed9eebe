"""`claims-adjudicator` console script: one subcommand per job, each in its own module.

Imports are lazy so that `decide` (pure, offline) never pays for faust's import.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand -> (module, help). Each module exposes `add_arguments(parser)` and `run(args) -> int`.
COMMANDS: dict[str, tuple[str, str]] = {
    "worker": ("workers.commands.worker", "run the stream worker"),
    "decide": ("workers.commands.decide", "decide adjudication requests (JSON lines) offline"),
    "replay": ("workers.commands.replay", "replay historical claims: reproduce, or what-if diff"),
    "generate": ("workers.commands.generate", "generate a seeded synthetic claims corpus"),
    "render": (
        "workers.commands.render",
        "decisions as X12 277, FHIR ClaimResponse/EOB or a plain-language notice",
    ),
    "demo": ("workers.commands.demo", "local broker + worker + sample claims; print the decisions"),
    "calendar": ("workers.commands.calendar", "open a business date (publish it to the worker)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="claims-adjudicator", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text)
        sub.set_defaults(_module=module_name)
        importlib.import_module(module_name).add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; an OperatorError (settings, broker access) is one line on stderr
    and its exit status, never a traceback."""
    from workers.errors import OperatorError

    args = build_parser().parse_args(argv)
    try:
        return int(importlib.import_module(args._module).run(args))  # noqa: SLF001 - argparse dest
    except OperatorError as error:
        print(f"claims-adjudicator {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
