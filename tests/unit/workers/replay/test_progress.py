"""Progress: a tqdm bar on a terminal, plain periodic lines elsewhere, with rate and ETA."""

from __future__ import annotations

import io

from workers.replay.progress import Progress, estimate_total, format_seconds, status_line


def test_status_line_has_rate_share_and_eta() -> None:
    line = status_line("replay", 120_000, 10.0, 1_000_000)
    assert line == "replay: 120,000 claims (12%), 12,000 claims/s, elapsed 0m10s, ETA 1m13s"


def test_total_is_estimated_from_the_bytes_read() -> None:
    assert estimate_total(1000, 250, 1000) == 4000
    assert estimate_total(0, None, 1000) is None
    assert format_seconds(3725) == "1h02m05s"


def test_plain_lines_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress("replay", total_bytes=1000, stream=stream, interval=0.0, terminal=False)
    progress.advance(100, done_bytes=500)
    progress.close()
    lines = stream.getvalue().splitlines()

    assert lines[0].startswith("replay: 100 claims (50%), ")
    assert "ETA" in lines[0]
    assert lines[-1].startswith("replay: 100 claims (100%)")


def test_a_bar_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress("replay", total_items=10, stream=stream, terminal=True)
    progress.advance(4)
    progress.advance(6)
    progress.close()

    assert (
        "100%" in stream.getvalue()
        and "10.0/10.0" in stream.getvalue()
        and "claims/s" in stream.getvalue()
    )


def test_disabled_progress_prints_nothing() -> None:
    stream = io.StringIO()
    with Progress("replay", stream=stream, enabled=False, interval=0.0) as progress:
        progress.advance(5)
    assert stream.getvalue() == ""
