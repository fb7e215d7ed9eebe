"""The committed JSON Schemas are exactly what the models produce today."""

from __future__ import annotations

import pytest

from models.schema_export import EXPORTED, SCHEMA_DIR, render


@pytest.mark.parametrize("name", sorted(EXPORTED))
def test_exported_schema_is_in_sync(name: str) -> None:
    committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert committed == render(EXPORTED[name]), "run: python -m models.schema_export"
