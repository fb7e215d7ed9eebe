"""`input_digest` (§8.1): proves that a replay saw the same claim and snapshot."""

from __future__ import annotations

import hashlib
import json


def input_digest(raw_claim: object, raw_context: object) -> str:
    """SHA-256 of `{"claim", "context"}` as Python's json.dumps with sorted keys, no spaces,
    ASCII escapes — the serialisation §8.1 names, so other implementations can recompute it."""
    canonical = json.dumps(
        {"claim": raw_claim, "context": raw_context}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
