"""The guard that keeps a compiled engine from outliving an edit of its sources."""

from __future__ import annotations

from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from policy.compiled import (
    COMPILED_SOURCES,
    STAMP,
    StaleCompiledPolicy,
    ensure_fresh,
    sources_digest,
)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A package tree with every compiled source, and no build yet."""
    for name in COMPILED_SOURCES:
        source = tmp_path / name
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(f"# {name}\n")
    return tmp_path


def build(root: Path, names: tuple[str, ...] = COMPILED_SOURCES) -> None:
    """What setup.py leaves: an extension beside each source and the stamp of the sources."""
    for name in names:
        (root / name).with_suffix(EXTENSION_SUFFIXES[0]).write_bytes(b"")
    (root / STAMP).write_text(sources_digest(root) + "\n")


def test_no_build_means_the_pure_modules(tree: Path) -> None:
    assert ensure_fresh(tree) is False


def test_a_build_from_these_sources_is_used(tree: Path) -> None:
    build(tree)
    assert ensure_fresh(tree) is True


def test_an_edited_source_refuses_the_build(tree: Path) -> None:
    build(tree)
    (tree / "policy/rules/drug_lines.py").write_text("# edited after the build\n")
    with pytest.raises(StaleCompiledPolicy, match="were not built from the sources"):
        ensure_fresh(tree)


def test_a_build_without_its_stamp_is_refused(tree: Path) -> None:
    build(tree)
    (tree / STAMP).unlink()
    with pytest.raises(StaleCompiledPolicy):
        ensure_fresh(tree)


def test_a_partial_build_is_refused(tree: Path) -> None:
    build(tree, COMPILED_SOURCES[:3])
    with pytest.raises(StaleCompiledPolicy):
        ensure_fresh(tree)
