"""Inputs of the worker image, for deploy/worker/build-worker-image (standard library only).

`requirements PYPROJECT`: the runtime dependencies, then the build requirements, one a line (what
the wheelhouse must hold). `runtime PYPROJECT`: the runtime dependencies alone. `version
PYPROJECT`: the project version. `digest PATH...`: SHA-256 over contents, names included and
timestamps not: a .tar.gz (an sdist) by its members, a directory by its files, a file by its
bytes.
"""

from __future__ import annotations

import hashlib
import sys
import tarfile
import tomllib
from pathlib import Path
from typing import Any


def _pyproject(path: str) -> dict[str, Any]:
    with Path(path).open("rb") as file:
        return tomllib.load(file)


def _digest(paths: list[str]) -> str:
    digest = hashlib.sha256()
    for name in paths:
        path = Path(name)
        digest.update(b"== " + path.name.encode() + b"\0")
        if path.is_dir():
            for item in sorted(p for p in path.rglob("*") if p.is_file()):
                digest.update(item.relative_to(path).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(item.read_bytes()).digest())
        elif path.name.endswith(".tar.gz"):
            # an sdist: its files, not its tar headers (mtimes differ from build to build), nor
            # its egg-info (SOURCES.txt lists what an earlier `pip install -e .` left in the
            # tree, so the same commit would hash two ways)
            with tarfile.open(path) as archive:
                for member in sorted(archive.getmembers(), key=lambda m: m.name):
                    if ".egg-info/" in member.name:
                        continue
                    extracted = archive.extractfile(member) if member.isfile() else None
                    if extracted is None:
                        continue
                    digest.update(member.name.encode() + b"\0")
                    digest.update(hashlib.sha256(extracted.read()).digest())
        else:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    command, *args = argv
    if command in ("requirements", "runtime", "version"):
        (pyproject,) = args
        data = _pyproject(pyproject)
        if command == "version":
            print(data["project"]["version"])
            return 0
        lines = list(data["project"]["dependencies"])
        if command == "requirements":
            lines += data["build-system"]["requires"]
        print("\n".join(lines))
        return 0
    if command == "digest":
        print(_digest(args))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
