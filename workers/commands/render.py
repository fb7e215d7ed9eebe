"""`claims-adjudicator render --to FORMAT [FILE]`: decision records in the formats the next
systems read (X12 277, FHIR ClaimResponse / ExplanationOfBenefit, a plain-language notice).

Input: JSON lines of history records (`{"request", "decision"}`, what `replay` and `generate
--with-decisions` read), or decision records (what `decide` writes, or the decision topic) with
`--requests FILE` giving the requests (`{"claim", "context"}`, case or history records) joined by
`claim_id`. One rendering per input; a line that cannot be rendered is reported by its number,
the others are still rendered, and the exit status is 1. The renderers are pure
(policy/downstream/); this module only reads, joins and writes.

Notices go to one audience (`--audience member|provider`); the member's take the plan's values
from `--plan-config` (default: the documented sample, policy/data/plan-config.sample.json).
Files are written 0600 (they hold diagnoses and a member id), or stricter under the umask.

It never ends in a traceback: an unreadable input, a corrupt .gz, an unwritable --out-dir or
plan config is one line naming the file and the problem, exit 1; a bad option exit 2; an input
with no record says so, writes nothing and exits 1; a closed pipe (`| head`) ends quietly with
exit 0 (the reader chose to stop reading).
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policy.downstream.notice import PlanConfig

FORMATS = ("x12-277", "fhir-claimresponse", "fhir-eob", "notice-text", "notice-html")
NOTICE_SUFFIX = {"notice-text": ".txt", "notice-html": ".html"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="JSON lines (default: stdin; .gz ok)")
    parser.add_argument("--to", required=True, choices=FORMATS, help="output format")
    parser.add_argument(
        "--requests",
        help="requests to join by claim_id when FILE holds bare decision records",
    )
    parser.add_argument(
        "--ndjson", action="store_true", help="FHIR: one resource per line, not a Bundle"
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        help="notices: one file per claim (<claim_id>.txt/.html) instead of standard output",
    )
    parser.add_argument(
        "--interchange-control-number",
        type=_control_number,
        default=1,
        help="X12: ISA13/GS06 of the interchange, 1 to 999999999 (default 1)",
    )
    parser.add_argument(
        "--audience",
        choices=("provider", "member"),
        default="provider",
        help="notices: the provider's (codes, rules, criteria) or the member's (plain words)",
    )
    parser.add_argument(
        "--plan-config",
        type=Path,
        help="notices: the plan's values (JSON; default: the documented sample)",
    )


def _control_number(text: str) -> int:
    """ISA13 is nine digits: 1 to 999999999 (argparse reports anything else, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 1 <= value <= 999_999_999:
        raise argparse.ArgumentTypeError(f"must be 1 to 999999999, not {value}")
    return value


@dataclass(frozen=True, slots=True)
class Pair:
    """One decision with the request it decided."""

    line: int
    record: dict[str, Any]
    request: dict[str, Any]


class RenderInputError(ValueError):
    """A line that has no (decision, request) pair to render."""


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except BrokenPipeError:
        # The reader closed the pipe (`| head`): stop quietly; point stdout at nothing so that
        # the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except RenderFailure as error:
        print(f"claims-adjudicator render: {error}", file=sys.stderr)
        return 1


class RenderFailure(Exception):
    """One line for the operator: the file or option and the problem."""


def _run(args: argparse.Namespace) -> int:
    from workers.jsonl import open_input

    problems: list[str] = []
    plan = _plan(args.plan_config)
    try:
        requests = _request_index(args.requests, problems) if args.requests else None
    except (OSError, EOFError, zlib.error) as error:
        raise RenderFailure(f"--requests {args.requests}: {_reason(error)}") from None
    where = args.file if args.file not in (None, "-") else "standard input"
    try:
        with open_input(args.file) as stream:
            pairs = list(_pairs(stream, requests, problems))
    except (OSError, EOFError, zlib.error) as error:
        raise RenderFailure(f"{where}: {_reason(error)}") from None
    lines = len(pairs) + len(problems)
    pairs = _renderable(pairs, args, plan, problems)
    for problem in problems:
        print(f"claims-adjudicator render: {problem}", file=sys.stderr)
    if not lines:
        raise RenderFailure(f"{where}: no records to render (the input is empty)")
    if args.to == "notice-html" and args.out_dir is None and len(pairs) > 1:
        print(
            "claims-adjudicator render: several HTML notices need --out-dir (one document each)",
            file=sys.stderr,
        )
        return 2
    if pairs:  # nothing renderable: no document at all rather than an invalid empty one
        _write(args, pairs, plan, sys.stdout)
    return 1 if problems else 0


def _reason(error: BaseException) -> str:
    if isinstance(error, gzip.BadGzipFile | EOFError | zlib.error):
        return f"not a readable gzip file ({error or 'truncated'})"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


def _plan(path: Path | None) -> PlanConfig | None:
    from policy.downstream.notice import NoticeError, load_plan_config

    if path is None:
        return None
    try:
        return load_plan_config(path)
    except NoticeError as error:
        raise RenderFailure(str(error)) from None


def _renderable(
    pairs: list[Pair], args: argparse.Namespace, plan: PlanConfig | None, problems: list[str]
) -> list[Pair]:
    """The pairs its renderer accepts; a record the renderer refuses (e.g. a request whose
    digest is not the record's) is a problem of its line, not the end of the run."""
    from policy.downstream.fhir_common import OutOfScope

    fmt = args.to
    render = _single_renderer(args, plan)
    kept = []
    out_of_scope = 0
    for pair in pairs:
        if fmt == "x12-277" and pair.record.get("decision") == "ignore":
            out_of_scope += 1  # the 277 leaves them out: another part of the plan decides them
            continue
        try:
            render(pair.record, pair.request)
        except OutOfScope:
            out_of_scope += 1
        except (ValueError, KeyError, TypeError) as error:
            problems.append(f"line {pair.line}: cannot render: {error}")
        else:
            kept.append(pair)
    if out_of_scope:
        print(
            f"claims-adjudicator render: {out_of_scope} out-of-scope (ignore) record(s) have no "
            f"{fmt} rendering: this engine did not adjudicate them",
            file=sys.stderr,
        )
    return kept


def _single_renderer(args: argparse.Namespace, plan: PlanConfig | None) -> Renderer:
    fmt = args.to
    if fmt == "x12-277":
        from policy.downstream.x12_277 import render_interchange

        return lambda record, request: render_interchange([(record, request)])
    if fmt.startswith("fhir"):
        return _fhir_renderer(fmt)
    return _notice_renderer(args, plan)


def _write(
    args: argparse.Namespace, pairs: list[Pair], plan: PlanConfig | None, out: IO[str]
) -> None:
    from models.json_codec import dumps

    fmt = args.to
    if fmt == "x12-277":
        from policy.downstream.x12_277 import render_interchange

        if pairs:
            out.write(
                render_interchange(
                    [(p.record, p.request) for p in pairs],
                    interchange_control_number=args.interchange_control_number,
                )
            )
        return
    if fmt in ("fhir-claimresponse", "fhir-eob"):
        from policy.downstream.fhir_common import bundle

        resources = [_fhir_renderer(fmt)(p.record, p.request) for p in pairs]
        if args.ndjson:
            for resource in resources:
                out.write(dumps(resource).decode() + "\n")
        else:
            out.write(dumps(bundle(resources), indent=True).decode() + "\n")
        return
    render = _notice_renderer(args, plan)
    if args.out_dir is not None:
        try:
            args.out_dir.mkdir(parents=True, exist_ok=True)
            for pair in pairs:
                name = _file_name(pair.record.get("claim_id"), pair.line) + NOTICE_SUFFIX[fmt]
                _write_private(args.out_dir / name, render(pair.record, pair.request))
        except OSError as error:
            raise RenderFailure(f"--out-dir {args.out_dir}: {_reason(error)}") from None
        return
    for n, pair in enumerate(pairs):
        if n:
            out.write("\n" + "=" * 72 + "\n\n")
        out.write(render(pair.record, pair.request))
    out.flush()


def _write_private(path: Path, text: str) -> None:
    """Owner read/write only (0600, less under a stricter umask): a notice holds PHI. An
    existing file is truncated and narrowed to 0600 too."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600 & ~_umask())
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


Renderer = Callable[[dict[str, Any], dict[str, Any]], Any]


def _fhir_renderer(fmt: str) -> Renderer:
    if fmt == "fhir-claimresponse":
        from policy.downstream.fhir_claim_response import claim_response

        return claim_response
    from policy.downstream.fhir_eob import explanation_of_benefit

    return explanation_of_benefit


def _notice_renderer(args: argparse.Namespace, plan: PlanConfig | None) -> Renderer:
    from policy.downstream.notice import notice_html, notice_text

    write = notice_text if args.to == "notice-text" else notice_html
    return lambda record, request: write(record, request, args.audience, plan)


def _file_name(claim_id: object, line: int) -> str:
    """A safe file name from the claim id (ids come from input: no path separators)."""
    text = str(claim_id) if isinstance(claim_id, str | int) else ""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip(".")
    return safe or f"line-{line}"


def _pairs(
    stream: IO[bytes], requests: dict[str, dict[str, Any]] | None, problems: list[str]
) -> Iterator[Pair]:
    from workers.jsonl import DecodeError, decode, read_lines

    for line in read_lines(stream):
        try:
            value = decode(line.text)
            yield _pair(line.number, value, requests)
        except (DecodeError, RenderInputError) as error:
            problems.append(f"line {line.number}: {error}")


def _pair(number: int, value: object, requests: dict[str, dict[str, Any]] | None) -> Pair:
    if not isinstance(value, dict):
        raise RenderInputError("not a JSON object")
    if requests is None:
        record, request = value.get("decision"), value.get("request")
        if not isinstance(record, dict) or not isinstance(request, dict):
            raise RenderInputError(
                'not a history record {"request", "decision"} (bare decision records need '
                "--requests)"
            )
        return Pair(number, record, request)
    claim_id = value.get("claim_id")
    if not isinstance(value.get("decision"), str) or not isinstance(claim_id, str):
        raise RenderInputError("not a decision record (claim_id and decision expected)")
    if claim_id not in requests:
        raise RenderInputError(f"no request with claim_id {claim_id!r} in --requests")
    return Pair(number, value, requests[claim_id])


def _request_index(path: str, problems: list[str]) -> dict[str, dict[str, Any]]:
    """claim_id -> request, from requests, case records or history records."""
    from workers.jsonl import DecodeError, decode, open_input, read_lines

    index: dict[str, dict[str, Any]] = {}
    with open_input(path) as stream:
        for line in read_lines(stream):
            try:
                value = decode(line.text)
            except DecodeError as error:
                problems.append(f"{path} line {line.number}: {error}")
                continue
            request = value.get("request", value) if isinstance(value, dict) else None
            if not isinstance(request, dict):
                problems.append(f"{path} line {line.number}: not a request with a claim_id")
                continue
            claim = request.get("claim")
            if not isinstance(claim, dict) or not isinstance(claim.get("claim_id"), str):
                problems.append(f"{path} line {line.number}: not a request with a claim_id")
                continue
            index[claim["claim_id"]] = {"claim": claim, "context": request.get("context")}
    return index
