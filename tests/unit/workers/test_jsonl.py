"""workers.jsonl: the one JSON-lines reader and writer (plain, gzip, stdin/stdout, numbers)."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from workers.jsonl import (
    DecodeError,
    Output,
    RawLine,
    decode,
    encode,
    open_input,
    read_lines,
    read_values,
    split_lines,
    values,
)

TEXT = b'{"a": 1}\n\n  \n{"b": 18446744073709551616}  \r\n[1]'


def test_lines_are_numbered_as_an_editor_shows_them() -> None:
    expected = [(1, b'{"a": 1}'), (4, b'{"b": 18446744073709551616}'), (5, b"[1]")]
    assert list(read_lines(io.BytesIO(TEXT))) == [RawLine(n, t) for n, t in expected]
    assert split_lines(TEXT) == expected
    assert split_lines(TEXT, first_line=11)[0] == (11, b'{"a": 1}')


@pytest.mark.parametrize("name", ["in.jsonl.gz", "in.jsonl"])
def test_gzip_by_name_or_by_content(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress(TEXT))
    with open_input(str(path)) as stream:
        assert stream.read() == TEXT
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(TEXT)
    assert read_values(str(plain)) == read_values(str(path)) == [{"a": 1}, {"b": 2**64}, [1]]


def test_stdin_for_no_name_or_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (None, "-"):
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(TEXT)))
        assert read_values(name) == [{"a": 1}, {"b": 2**64}, [1]]


def test_a_line_that_is_not_json_names_its_number() -> None:
    with pytest.raises(DecodeError, match="not valid JSON"):
        decode(b"NaN")
    with pytest.raises(DecodeError, match="line 3: not valid JSON"):
        list(values(io.BytesIO(b"1\n\n{")))


@pytest.mark.parametrize("name", ["sub/out.jsonl", "sub/out.jsonl.gz"])
def test_output_to_a_file_round_trips(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with Output(str(path)) as out:
        out.write(encode({"n": 2**70}) + encode([1]))
    assert read_values(str(path)) == [{"n": 2**70}, [1]]


def test_output_to_stdout_is_flushed_not_closed(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    out = Output("-")
    assert out.label == "stdout"
    out.write(encode("x"))
    out.close()
    assert capsysbinary.readouterr().out == b'"x"\n'
