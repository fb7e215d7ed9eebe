"""Which policy modules mypyc compiles (setup.py), and the guard against a stale build.

A compiled module shadows its `.py` source, so an edit of a rule would silently not take effect
until the next build: claims decided by old rules. The build records a digest of the sources it
compiled; importing `policy` refuses compiled modules whose sources have changed since. This
module itself is never compiled, nor is `catalog.py` (pydantic models are not mypyc classes).
"""

from __future__ import annotations

import hashlib
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

# models/ has two modules of plain helpers the engine calls on every line; its pydantic models
# are not compiled. They are checked here too: every decision imports `policy`.
COMPILED_SOURCES = (
    "models/construct.py",
    "models/record_data.py",
    "models/request_data.py",
    "models/values.py",
    "policy/claim_view.py",
    "policy/codeset.py",
    "policy/digest.py",
    "policy/engine.py",
    "policy/enrichment.py",
    "policy/record.py",
    "policy/rules/__init__.py",
    "policy/rules/administrative.py",
    "policy/rules/aggregation.py",
    "policy/rules/billing.py",
    "policy/rules/diagnosis.py",
    "policy/rules/drug_lines.py",
    "policy/rules/experimental.py",
    "policy/rules/medical_necessity.py",
    "policy/rules/other_lines.py",
    "policy/rules/outcome.py",
    "policy/rules/prior_auth.py",
    "policy/rules/scope.py",
    "policy/rules/structural.py",
    "policy/tables.py",
)
STAMP = "policy/compiled-sources.sha256"


class StaleCompiledPolicy(ImportError):
    """Compiled policy modules that were not built from the sources beside them."""


def sources_digest(root: Path) -> str:
    """SHA-256 over the compiled modules' sources, names included."""
    digest = hashlib.sha256()
    for name in COMPILED_SOURCES:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    return digest.hexdigest()


def compiled_modules(root: Path) -> list[str]:
    """The sources that have a compiled extension beside them."""
    return [
        name
        for name in COMPILED_SOURCES
        if any((root / name).with_suffix(suffix).exists() for suffix in EXTENSION_SUFFIXES)
    ]


def ensure_fresh(root: Path) -> bool:
    """True when the compiled modules are in use, False for the pure ones; raises when stale."""
    compiled = compiled_modules(root)
    if not compiled:
        return False
    stamp = root / STAMP
    recorded = stamp.read_text().strip() if stamp.exists() else None
    if len(compiled) != len(COMPILED_SOURCES) or recorded != sources_digest(root):
        raise StaleCompiledPolicy(
            f"{len(compiled)} compiled modules under {root} were not built from the "
            "sources beside them; rebuild them (`make venv`, or `pip install -e .`), or set "
            "CLAIMS_ADJ_PURE_PYTHON=1 for that build to use the pure-Python engine"
        )
    return True
