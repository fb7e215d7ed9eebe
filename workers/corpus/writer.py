"""Writing a corpus fast: per claim, only byte substitutions into pre-serialised templates.

No per-claim dict, deep copy or JSON encoding: a claim is its template's bytes with the
placeholder ids replaced, and its record's digest is the SHA-256 of the template's canonical
bytes with the same replacements (ids are plain ASCII, so the canonical form stays canonical).
decision_id and decided_at are drawn from the seeded generator, so a seed gives the same bytes.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, datetime

from workers.corpus.templates import CLAIM_TOKEN, MEMBER_TOKEN, CorpusSpec, Template
from workers.jsonl import Output
from workers.replay.progress import Progress
from workers.stamp import RANDOM_BITS, decided_at_of_millis, uuid7_text

_CLAIM = CLAIM_TOKEN.encode()
_MEMBER = MEMBER_TOKEN.encode()
_NO_ID = b'"decision_id":null'
_NO_TIME = b'"decided_at":null'
BATCH = 10_000
DAY_MS = 86_400_000

# Broken lines, as archives have them: cut short, not JSON, or not a valid request (§E.3).
_NOT_JSON = b"<<corrupt archive record>>"
_BAD_REQUEST = b'{"claim":["not","an","object"],"context":{"processing_date":"2026-02-30"}}'


def _day_ms(processing_date: str) -> int:
    day = datetime.fromisoformat(processing_date).replace(tzinfo=UTC)
    return int(day.timestamp() * 1000)


def corpus_lines(templates: list[Template], spec: CorpusSpec) -> Iterator[bytes]:
    """The corpus, one line (without newline) per claim."""
    rng = random.Random(f"{spec.seed}:claims")
    members = max(1, spec.count // 3)
    day_ms = [_day_ms(t.processing_date) for t in templates]
    digests = [t.digest.encode() for t in templates]
    picks = rng.choices(range(len(templates)), k=spec.count)
    for sequence, pick in enumerate(picks, start=1):
        template = templates[pick]
        claim_id = b"CLM-GEN-%010d" % sequence
        member_id = b"TSTMBR-%010d" % rng.randrange(members)
        request = template.request.replace(_CLAIM, claim_id).replace(_MEMBER, member_id)
        if spec.with_decisions:
            canonical = template.canonical.replace(_CLAIM, claim_id).replace(_MEMBER, member_id)
            digest = hashlib.sha256(canonical).hexdigest().encode()
            millis = day_ms[pick] + rng.randrange(DAY_MS)
            record = (
                template.decision.replace(_CLAIM, claim_id)
                .replace(digests[pick], digest)
                .replace(
                    _NO_ID,
                    b'"decision_id":"%s"'
                    % uuid7_text(millis, rng.getrandbits(RANDOM_BITS)).encode(),
                )
                .replace(_NO_TIME, b'"decided_at":"%s"' % decided_at_of_millis(millis).encode())
            )
            line = b'{"request":' + request + b',"decision":' + record + b"}"
        else:
            line = request
        if spec.malformed_share and rng.random() < spec.malformed_share:
            line = _malformed(rng, line)
        yield line


def _malformed(rng: random.Random, line: bytes) -> bytes:
    kind = rng.randrange(3)
    if kind == 0:
        return line[: len(line) // 2]
    if kind == 1:
        return _NOT_JSON
    return _BAD_REQUEST


def write_corpus(
    path: str, templates: list[Template], spec: CorpusSpec, progress: Progress | None = None
) -> int:
    """Write the corpus to `path` (`.gz` ok, `-` = stdout); the number of lines written."""
    written = 0
    batch: list[bytes] = []
    with Output(path) as out:
        for line in corpus_lines(templates, spec):
            batch.append(line)
            if len(batch) >= BATCH:
                out.write(b"\n".join(batch) + b"\n")
                written += len(batch)
                if progress is not None:
                    progress.advance(len(batch))
                batch = []
        if batch:
            out.write(b"\n".join(batch) + b"\n")
            written += len(batch)
            if progress is not None:
                progress.advance(len(batch))
    return written
