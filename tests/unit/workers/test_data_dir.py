"""The worker's data directory: one that cannot be written is one line naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from workers.data_dir import require_writable
from workers.errors import SettingsError


def test_a_data_dir_that_is_a_file_is_one_line_naming_it(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SettingsError) as raised:
        require_writable(blocker / "state")
    where = blocker / "state"
    assert str(raised.value) == (
        f"invalid setting CLAIMS_ADJ_DATA_DIR: cannot write to {where} (Not a directory)"
    )
