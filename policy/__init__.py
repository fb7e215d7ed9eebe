"""The plan's ITDD policy: versioned data, enrichment, rules and the engine (pure, no I/O)."""

from pathlib import Path

from policy.compiled import ensure_fresh

# True when the mypyc-compiled modules decide, False for the pure-Python ones (setup.py).
COMPILED = ensure_fresh(Path(__file__).resolve().parent.parent)
