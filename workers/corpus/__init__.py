"""Seeded synthetic corpora (`claims-adjudicator generate`) for replay and the benchmarks: the
public cases decided once as templates, written out many times with fresh ids."""

from pathlib import Path

# The public cases the variants derive from, shipped as package data so that `generate` works
# wherever the package is installed. In the checkout the file is a link to samples/cases.jsonl
# (one copy); the sdist and the wheel carry its content.
PUBLIC_CASES = Path(__file__).with_name("cases.jsonl")
