"""`claims-adjudicator decide`: JSON lines in, one record out per line, decided exactly as the
json.loads-decoded request is (§2.5 integers of any size), bad lines reported by number."""

from __future__ import annotations

import copy
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest

from models.request import StructureError, parse_request
from policy.engine import decide_or_pend
from tests.unit.conftest import request_of
from workers.cli import main


def decide_lines(
    tmp_path: Path, lines: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[bytes]]:
    source = tmp_path / "requests.jsonl"
    source.write_text("".join(line + "\n" for line in lines))
    status = main(["decide", str(source), "--no-stamp"])
    return status, capsys.readouterr().out.encode().splitlines()


def as_json_loads_decides(line: str) -> bytes:
    """The output for the request as the standard library decodes it (a first line)."""
    try:
        request = parse_request(json.loads(line))
    except StructureError as error:
        return json.dumps(
            {"error": {"line": 1, "stage": "structure", "message": str(error)}},
            separators=(",", ":"),
        ).encode()
    return decide_or_pend(request).to_json()


def with_value(path: tuple[Any, ...], literal: str) -> str:
    """TC-006 (approved: complete pain documentation) with one value written as `literal`."""
    request = request_of("ITDD-TC-006")
    target: Any = request
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = "@@VALUE@@"
    return json.dumps(request).replace('"@@VALUE@@"', literal)


MONTHS = ("claim", "documentation", "conservative_therapy_failed_months")
LINE_NUMBER = ("claim", "lines", 1, "line_number")


@pytest.mark.parametrize(
    ("path", "literal"),
    [
        (MONTHS, "100000000000000000000"),  # orjson alone: the float 1e20, a missing fact (P3)
        (MONTHS, "1" + "0" * 400),  # orjson alone: refused ("infinity")
        (LINE_NUMBER, "18446744073709551616"),  # orjson alone: a float, a structure error
        (LINE_NUMBER, "-9223372036854775809"),  # a structure error either way (< 1)
    ],
)
def test_an_integer_beyond_64_bits_is_decided_as_that_integer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], path: tuple[Any, ...], literal: str
) -> None:
    line = with_value(path, literal)
    status, out = decide_lines(tmp_path, [line], capsys)

    assert out == [as_json_loads_decides(line)]  # same decision, same input_digest, same bytes
    record = json.loads(out[0])
    if literal.startswith("-"):
        assert status == 1
        assert record["error"]["stage"] == "structure"
    else:
        assert status == 0
        assert (record["decision"], record["claim_status_category"]) == ("approve", "F1")


def test_the_line_number_beyond_64_bits_is_in_the_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = decide_lines(tmp_path, [with_value(LINE_NUMBER, str(2**64))], capsys)
    numbers = [ld["line_number"] for ld in json.loads(out[0])["line_decisions"]]
    assert numbers == [1, 2**64]


@pytest.mark.parametrize("literal", ["100000000000000000000.0", "1e20", "12.0"])
def test_a_float_typed_value_is_still_a_missing_integer_fact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], literal: str
) -> None:
    line = with_value(MONTHS, literal)
    status, out = decide_lines(tmp_path, [line], capsys)

    assert status == 0
    assert out == [as_json_loads_decides(line)]
    record = json.loads(out[0])
    assert (record["decision"], record["claim_status_category"]) == ("pend", "P3")
    assert "ITDD-DOC-01" in record["rule_ids"]


def test_not_json_is_an_error_record_by_line_and_the_rest_is_decided(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = json.dumps(request_of("ITDD-TC-006"))
    lines = [good, "", '{"claim": {"claim_id": "CLM-1"', with_value(MONTHS, "NaN"), good]
    status, out = decide_lines(tmp_path, lines, capsys)

    assert status == 1
    errors = [json.loads(record).get("error") for record in out]
    assert [(e or {}).get("line") for e in errors] == [None, 3, 4, None]
    assert all(e["stage"] == "decode" for e in errors if e)
    assert "not valid JSON" in errors[2]["message"]  # NaN is not JSON (§2.5, contract)


def test_gzip_and_stdin_give_the_same_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [with_value(MONTHS, "100000000000000000000"), json.dumps(request_of("ITDD-TC-001"))]
    _, plain = decide_lines(tmp_path, lines, capsys)
    packed = tmp_path / "requests.bin"  # gzip found by content, not by name
    packed.write_bytes(gzip.compress("\n".join(lines).encode()))
    assert main(["decide", str(packed), "--no-stamp"]) == 0
    assert capsys.readouterr().out.encode().splitlines() == plain

    stdin = io.TextIOWrapper(io.BytesIO("\n".join(lines).encode()))
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["decide", "-", "--no-stamp"]) == 0
    assert capsys.readouterr().out.encode().splitlines() == plain


def test_stamped_records_differ_only_in_their_stamps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = json.dumps(request_of("ITDD-TC-006"))
    source = tmp_path / "one.jsonl"
    source.write_text(line + "\n")
    assert main(["decide", str(source)]) == 0
    record = json.loads(capsys.readouterr().out)
    unstamped = copy.deepcopy(record) | {"decision_id": None, "decided_at": None}
    assert unstamped == json.loads(as_json_loads_decides(line))
    assert record["decision_id"][14] == "7"  # UUIDv7
    assert record["decided_at"].endswith("Z") and len(record["decided_at"]) == 24
