"""The corpus generator: seeded, derived from every public case, and its original decisions
are what the engine decides for each generated claim."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import orjson
import pytest

from models.request import parse_request
from policy.engine import decide
from tests.unit.workers.replay.helpers import CASES, CASES_FILE, replay
from workers.cli import main
from workers.corpus.templates import CorpusSpec, Template, build_templates
from workers.corpus.writer import corpus_lines

SPEC = CorpusSpec(count=300, seed=7, with_decisions=True, variants=160)


@cache
def templates() -> list[Template]:
    return build_templates(CASES_FILE, SPEC)


def test_every_public_case_is_a_variant_and_others_are_mutations() -> None:
    decided = [orjson.loads(t.decision) for t in templates()]
    case_rules = {rule for case in CASES.values() for rule in case["expected"]["rule_ids"]}
    assert case_rules <= {rule for record in decided for rule in record["rule_ids"]}
    assert len({t.request for t in templates()}) == len(templates())  # all distinct
    assert {"approve", "deny", "pend", "ignore"} <= {record["decision"] for record in decided}


def test_generated_originals_are_what_the_engine_decides() -> None:
    for line in corpus_lines(templates(), SPEC):
        history = orjson.loads(line)
        replayed = decide(parse_request(history["request"])).to_dict()
        original = history["decision"]
        assert original["decision_id"] and original["decided_at"]
        del original["decision_id"], original["decided_at"]
        del replayed["decision_id"], replayed["decided_at"]
        assert replayed == original


def test_claim_ids_are_unique_and_the_seed_fixes_the_bytes() -> None:
    first = list(corpus_lines(templates(), SPEC))
    again = list(corpus_lines(templates(), SPEC))
    other = list(corpus_lines(templates(), CorpusSpec(**{**SPEC.__dict__, "seed": 8})))
    ids = [orjson.loads(line)["request"]["claim"]["claim_id"] for line in first]

    assert first == again and first != other
    assert len(set(ids)) == len(ids) == SPEC.count


def test_malformed_share(tmp_path: Path) -> None:
    spec = CorpusSpec(count=400, seed=1, with_decisions=True, malformed_share=0.1, variants=160)
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b"\n".join(corpus_lines(templates(), spec)) + b"\n")
    report, _ = replay(path, tmp_path / "out.jsonl", processes=2)

    assert 20 <= report.counts["error"] <= 70
    assert report.counts["reproduced"] == 400 - report.counts["error"]


@pytest.mark.parametrize("with_decisions", [False, True])
def test_cli_generate(tmp_path: Path, with_decisions: bool) -> None:
    out = tmp_path / "corpus.jsonl.gz"
    argv = ["generate", "--count", "50", "--variants", "70", "--out", str(out), "--quiet"]
    assert main(argv + (["--with-decisions"] if with_decisions else [])) == 0
    report, _ = replay(out, tmp_path / "out.jsonl")
    assert report.counts["reproduced" if with_decisions else "decided"] == 50
