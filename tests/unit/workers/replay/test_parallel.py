"""Parallel replay gives the same output, in the same order, as one process."""

from __future__ import annotations

from pathlib import Path

from tests.unit.workers.replay.helpers import public_history, replay, write_lines
from workers.replay.parallel import ordered_map
from workers.replay.sources import FileSource
from workers.replay.work import Block, split_block


def square(n: int) -> int:
    return n * n


def test_ordered_map_keeps_submission_order_with_a_small_window() -> None:
    tasks = ((n, f"meta-{n}") for n in range(50))
    results = list(ordered_map(square, tasks, processes=2, window=3))
    assert results == [(f"meta-{n}", n * n) for n in range(50)]


def test_two_processes_write_what_one_process_writes(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "h.jsonl", public_history() * 3)
    # Small blocks: many tasks in flight, so ordering is actually exercised.
    one, _ = replay(path, tmp_path / "one.jsonl", processes=1, stamp=False)
    two, _ = replay(path, tmp_path / "two.jsonl", processes=2, stamp=False)

    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert one.counts == two.counts and two.counts["reproduced"] == 192


def test_blocks_end_on_line_boundaries_and_keep_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"".join(b'{"n": %d}\n' % n if n % 7 else b"\n" for n in range(1, 501)))
    lines = [
        line for block, _ in FileSource(str(path)).blocks(size=100) for line in split_block(block)
    ]

    assert [number for number, _ in lines] == [n for n in range(1, 501) if n % 7]
    assert all(text == b'{"n": %d}' % number for number, text in lines)


def test_a_last_line_without_newline_is_read() -> None:
    assert split_block(Block(10, b'{"a":1}\n\n{"b":2}')) == [(10, b'{"a":1}'), (12, b'{"b":2}')]


def test_span_blocks_handle_long_lines_and_a_missing_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    long_line = b'{"pad": "' + b"x" * 300 + b'"}'
    path.write_bytes(b'{"a": 1}\n' + long_line + b"\n\n" + long_line + b'\n{"z": 26}')
    blocks = list(FileSource(str(path)).blocks(size=64))
    lines = [line for block, _ in blocks for line in split_block(block)]

    assert lines == [(1, b'{"a": 1}'), (2, long_line), (4, long_line), (5, b'{"z": 26}')]
    assert all(block.path is not None for block, _ in blocks)
    assert blocks[-1][1] == path.stat().st_size
