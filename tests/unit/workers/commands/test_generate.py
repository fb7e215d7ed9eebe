"""`claims-adjudicator generate` derives from the cases shipped with the package, from any cwd."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from workers.cli import main
from workers.corpus import PUBLIC_CASES


def test_generate_outside_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no samples/ here
    out = tmp_path / "corpus.jsonl"
    assert main(["generate", "--count", "5", "--variants", "4", "--quiet", "--out", str(out)]) == 0
    lines = out.read_bytes().splitlines()
    assert len(lines) == 5
    assert all({"claim", "context"} <= orjson.loads(line).keys() for line in lines)


def test_the_shipped_cases_are_the_public_cases() -> None:
    samples = Path(__file__).resolve().parents[4] / "samples" / "cases.jsonl"
    assert PUBLIC_CASES.read_bytes() == samples.read_bytes()
    assert len(PUBLIC_CASES.read_bytes().splitlines()) == 64
