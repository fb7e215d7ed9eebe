"""The worker's one writable path, checked before anything else happens."""

from __future__ import annotations

import tempfile
from pathlib import Path

from workers.errors import SettingsError


def require_writable(data_dir: Path) -> None:
    """The web server's app makes its directories under the data dir (workers/stream/faust_app.py)
    and the image's TMPDIR and HOME are there: a read-only or foreign directory is said now, with
    its path, not as an OSError from deep inside faust after the topics were created."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as error:
        raise SettingsError(
            f"invalid setting CLAIMS_ADJ_DATA_DIR: cannot write to {data_dir} "
            f"({error.strerror or type(error).__name__})"
        ) from None
