"""`claims-adjudicator replay`: re-decide historical claims; prove them reproducible, or diff a
what-if.

Sources (one of):
  FILE                 JSON lines, optionally gzip: adjudication requests `{"claim","context"}`,
                       history records `{"request": {"claim","context"}, "decision": {§8}}`
                       (what `generate --with-decisions` writes), or case records
                       `{"claim","context","expected"}` (expected = a partial original).
  FILE --events        a file of events in the order they happened: claim envelopes,
                       documentation and review events (their JSON as on their topics) and
                       published decisions `{"record": {§8}, "headers": {"input.event_id",
                       "enrichment.snapshot"}}` (workers/replay/events_file.py).
  --from-topic         a range of the decisions topic (--since/--until or --offsets), joined with
                       the events of the claims, documentation and reviews topics. Read with a
                       group-less consumer (assign, no commits, read_committed): production
                       offsets are untouched.

A claim's life (claim-lifecycle.md) replays whole: each published record is re-decided from its
own snapshot header, the claim being its envelope's, with the documentation received up to that
record merged in for a re-adjudication, under the version of the claim's first record; its
`trigger` comes from the event that caused it, its `supersedes` is the replayed id of the
claim's previous record (workers/replay/chains.py). A re-adjudication whose earlier records are
outside the range is reported not replayable: widen the range.

Sinks: --out FILE (JSON lines, `.gz` ok, `-` = stdout; one line per input line) or --out-topic
TOPIC (decisions only; the production decision topic is refused, see --force-production-topic).

Without --policy-version every claim is decided by the version in force on its original
processing date (§1.6) and must reproduce its original record byte for byte on every field but
decision_id and decided_at (and supersedes, checked by position in the claim's chain). With
--policy-version the run is a what-if: each record is decided by that version and compared with
its original (or, for bare requests, with the version in force), and the report lists the
claims whose FINAL outcome (their last record) changes.

Exit status: 0 all good; 1 some lines unreadable or claims not replayable (listed in the report);
2 usage error (unknown policy version, missing file or topic, refused sink); 3 ALARM: a claim did
not reproduce, or a what-if saw other inputs (input_digest) than the original decision.

Topic replay needs the worker to publish, on every decision record, the header
`enrichment.snapshot` (the context JSON the engine decided with) and `input.event_id` (the input
event's id, or `<trigger>:<superseded decision_id>` for a PA or deadline re-adjudication); a
decision without the snapshot is reported "not replayable (no snapshot)".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROG = "claims-adjudicator replay"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_argument_group("source")
    source.add_argument("file", nargs="?", help="JSON-lines file to replay (.gz ok, - = stdin)")
    source.add_argument(
        "--events", action="store_true", help="FILE is a file of events (see above), in order"
    )
    source.add_argument(
        "--from-topic",
        action="store_true",
        help="replay a range of the decisions topic instead of a file",
    )
    source.add_argument("--decisions-topic", help="default: the worker's decisions topic")
    source.add_argument("--input-topic", help="default: the worker's claims topic")
    source.add_argument("--documentation-topic", help="default: the worker's documentation topic")
    source.add_argument("--reviews-topic", help="default: the worker's reviews topic")
    source.add_argument("--since", help="first record time, inclusive (ISO 8601 or epoch ms)")
    source.add_argument("--until", help="last record time, exclusive (ISO 8601 or epoch ms)")
    source.add_argument(
        "--offsets",
        action="append",
        metavar="P:START-END",
        help="decisions-topic offsets per partition, END exclusive/optional",
    )
    source.add_argument(
        "--input-lookback",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="how far before the first decision to look for envelopes",
    )
    source.add_argument("--bootstrap-servers", help="default: the worker's settings")
    sink = parser.add_argument_group("sink")
    sink.add_argument("--out", help="JSON-lines output file (.gz ok; - = stdout, the default)")
    sink.add_argument("--out-topic", help="publish replayed decisions to this topic")
    sink.add_argument(
        "--force-production-topic",
        action="store_true",
        help="allow --out-topic to be the production decision topic (not what-if)",
    )
    parser.add_argument(
        "--policy-version", help="what-if: decide every claim under this version, e.g. 1.1.0"
    )
    parser.add_argument(
        "--report-dir", type=Path, help="write report.json, report.html and report.txt here"
    )
    parser.add_argument("--processes", type=int, help="worker processes (default: all cores)")
    parser.add_argument(
        "--no-stamp",
        action="store_true",
        help="leave decision_id and decided_at null in the output",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress display")


def run(args: argparse.Namespace) -> int:
    from policy.catalog import UnknownPolicyVersion, load_policy, normalise_version

    version = None if args.policy_version is None else normalise_version(args.policy_version)
    try:
        if version is not None:
            load_policy(version)
    except UnknownPolicyVersion as error:
        return _usage(str(error))
    if args.from_topic == (args.file is not None):
        return _usage("give either a FILE or --from-topic")
    if args.events and args.from_topic:
        return _usage("--events reads a FILE, not --from-topic")
    if args.out is not None and args.out_topic is not None:
        return _usage("give either --out or --out-topic")
    from workers.replay.run import ReplayRequest, UsageError, execute

    try:
        return execute(ReplayRequest.from_args(args, version))
    except UsageError as error:
        return _usage(str(error))


def _usage(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 2
