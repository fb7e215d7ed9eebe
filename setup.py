"""Compiles the pure decision code with mypyc; everything else is in pyproject.toml.

The engine is plain, mypy-strict Python. mypyc turns those same modules into C extensions that
decide about twice as fast (bench/engine_throughput.py). The build is all or nothing: when it
cannot compile (no C compiler, no Python headers) the pure-Python modules serve, unchanged. The
sources a build was made from are recorded (policy/compiled.py), so that a compiled module can
never outlive an edit of its source.

mypyc type-checks the engine before it compiles it, with the types of what the engine imports:
pyproject.toml's [build-system] requires lists those packages (pydantic, orjson) with the same
specifiers as [project].dependencies, and mypy as pinned in the dev extra; a build where they
drift apart is refused here, so an isolated `pip install .` / `pip wheel .` compiles against the
types the installed engine runs with.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent

# setup.py commands that never build an extension: the build backend's requirement and metadata
# hooks (egg_info, dist_info) and the sdist. mypyc is skipped for them (a type check and the C
# generation of the whole engine, for nothing), and the sdist carries no generated C.
METADATA_COMMANDS = frozenset({"egg_info", "dist_info", "sdist"})
BUILD_COMMANDS = frozenset(
    {
        "build",
        "build_ext",
        "bdist",
        "bdist_wheel",
        "bdist_egg",
        "install",
        "develop",
        "editable_wheel",
    }
)
# Build requirements that are tools, not types the engine is checked against.
BUILD_TOOLS = frozenset({"setuptools", "wheel", "mypy"})


def _load_compiled_list() -> ModuleType:
    """policy/compiled.py alone: importing the `policy` package would run the very guard that
    refuses the stale build this is about to replace."""
    spec = importlib.util.spec_from_file_location("_compiled", ROOT / "policy" / "compiled.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_compiled = _load_compiled_list()
COMPILED_SOURCES: tuple[str, ...] = _compiled.COMPILED_SOURCES
STAMP: str = _compiled.STAMP
sources_digest = _compiled.sources_digest


def _requirements(specs: list[str]) -> dict[str, str]:
    """name (normalised) -> the rest of the requirement, whitespace removed."""
    out: dict[str, str] = {}
    for spec in specs:
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)(.*)", spec)
        assert match is not None, spec
        out[re.sub(r"[-_.]+", "-", match[1]).lower()] = re.sub(r"\s+", "", match[2])
    return out


def build_requirement_drift(pyproject: Mapping[str, Any]) -> list[str]:
    """Where [build-system] requires and the project's requirements disagree (empty: none)."""
    build = _requirements(pyproject["build-system"]["requires"])
    runtime = _requirements(pyproject["project"]["dependencies"])
    dev = _requirements(pyproject["project"].get("optional-dependencies", {}).get("dev", []))
    problems = []
    if build.get("mypy") != dev.get("mypy"):
        problems.append(f"mypy{build.get('mypy', ' (absent)')} vs dev extra mypy{dev.get('mypy')}")
    for name, spec in build.items():
        if name not in BUILD_TOOLS and runtime.get(name) != spec:
            problems.append(f"{name}{spec} vs dependencies {name}{runtime.get(name, ' (absent)')}")
    return problems


def _check_build_requirements() -> None:
    with (ROOT / "pyproject.toml").open("rb") as file:
        problems = build_requirement_drift(tomllib.load(file))
    if problems:
        sys.exit(
            "setup.py: pyproject.toml's [build-system] requires must pin what the engine is "
            "type-checked against exactly as the project does: " + "; ".join(problems)
        )


def _builds_nothing() -> bool:
    """setup.py was run for metadata or an sdist only (the first command is one of those and no
    build command follows)."""
    words = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
    return bool(words) and words[0] in METADATA_COMMANDS and BUILD_COMMANDS.isdisjoint(words)


class AllOrNothingBuildExt(build_ext):
    """Builds every compiled module or none, and stamps the sources of a complete build.

    The stamp goes where the extensions go: beside the sources for an in-place (editable) build,
    into the build directory for a wheel (build_py copied whatever stamp the source tree had
    there; it is replaced, or removed when the build fails), never into the source tree of a
    wheel build, where it would describe extensions that are not there.
    """

    def run(self) -> None:
        stamp = (ROOT if self.inplace else Path(self.build_lib)) / STAMP
        stamp.unlink(missing_ok=True)
        try:
            super().run()
        except Exception as error:  # noqa: BLE001 - a compiler or header problem: the pure modules serve
            for output in self.get_outputs():
                Path(output).unlink(missing_ok=True)
            self.warn(f"mypyc build failed, the pure-Python engine is used: {error}")
            return
        if self.extensions:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(sources_digest(ROOT) + "\n")


class SourcesOnlySdist(sdist):
    """An sdist of sources: the stamp a local build left in the tree describes extensions the
    sdist does not carry (its builds write their own)."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, [f for f in files if Path(f).as_posix() != STAMP])


def extensions() -> list[object]:
    if os.environ.get("CLAIMS_ADJ_PURE_PYTHON") == "1" or _builds_nothing():
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        return []
    return list(mypycify([str(ROOT / path) for path in COMPILED_SOURCES], opt_level="3"))


_check_build_requirements()
setup(
    ext_modules=extensions(),
    cmdclass={"build_ext": AllOrNothingBuildExt, "sdist": SourcesOnlySdist},
)
