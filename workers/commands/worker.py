"""`claims-adjudicator worker`: run the stream worker until SIGTERM/SIGINT.

faust is imported only when the command runs (workers.runner), so that the other subcommands
(`decide`) start fast.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--web-port", type=int, default=None, help="override CLAIMS_ADJ_WEB_PORT")


def run(args: argparse.Namespace) -> int:
    from workers.settings import load_settings
    from workers.stream.web import require_bindable

    overrides = {} if args.web_port is None else {"web_port": args.web_port}
    settings = load_settings(**overrides)  # a bad setting is said before faust is imported
    # Before the broker check and the topic creation: nothing has happened yet.
    require_bindable(settings.web_host, settings.web_port)
    from workers.runner import run_worker  # lazy: keeps faust out of `decide`

    return run_worker(settings)
