"""Compiles the pure decision code with mypyc; everything else is in pyproject.toml.

The engine is plain, mypy-strict Python. mypyc turns those same modules into C extensions that
decide about twice as fast (bench/engine_throughput.py). The build is all or nothing: when it
cannot compile (no C compiler, no Python headers) the pure-Python modules serve, unchanged. The
sources a build was made from are recorded (policy/compiled.py), so that a compiled module can
never outlive an edit of its source.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


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


class AllOrNothingBuildExt(build_ext):
    """Builds every compiled module or none, and stamps the sources of a complete build."""

    def run(self) -> None:
        stamp = ROOT / STAMP
        stamp.unlink(missing_ok=True)
        try:
            super().run()
        except Exception as error:  # a compiler or header problem: the pure modules serve
            for output in self.get_outputs():
                Path(output).unlink(missing_ok=True)
            self.warn(f"mypyc build failed, the pure-Python engine is used: {error}")
            return
        stamp.write_text(sources_digest(ROOT) + "\n")


def extensions() -> list[object]:
    if os.environ.get("CLAIMS_ADJ_PURE_PYTHON") == "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        return []
    return list(mypycify([str(ROOT / path) for path in COMPILED_SOURCES], opt_level="3"))


setup(ext_modules=extensions(), cmdclass={"build_ext": AllOrNothingBuildExt})
