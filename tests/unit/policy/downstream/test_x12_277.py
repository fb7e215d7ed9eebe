"""The X12 277 renderer: every public case in one interchange, validated with pyx12.

pyx12 (pinned in the dev extra) ships a 005010X212 map that it does not register in its map
index and that does not load as shipped. `repaired_maps` copies pyx12's map directory,
registers that map and fixes its three defects, each asserted present first, so that an
upgrade of pyx12 that changes the map fails here and the repair is reviewed again:

1. GS01 and GS08 are the 820's (`RA`, `005010X218`), copied from another map; the 277 uses `HN`
   and `005010X212` (the same fix imsweb/x12-parser made to its copy of this map).
2. SE sits in a wrapper loop beside the ST loop instead of closing it.
3. Loop 2000B has position 0100, the position of 2000A's HL: the walker then reads 2000B as
   2000A's first segment and finds no HL. It moves after 2100A.

Everything else (segments, usage, repeats, element types, lengths and code values) is
pyx12's. The claim status codes, categories and entity codes of every STC are checked against
pyx12's own copies of X12 lists 507, 508 and the entity identifier codes.

Golden file: tests/unit/policy/downstream/golden/seed.277.x12, the seed case (ITDD-TC-001)
alone; regenerate with `.venv/bin/python -c "from tests.unit.policy.downstream.test_x12_277
import write_golden; write_golden()"` and review the difference.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import Any, get_args

import pytest
import pyx12
import pyx12.codes
import pyx12.params
import pyx12.x12n_document

from models.decision import PendReason
from models.request import parse_request
from policy.downstream.x12_277 import STATUS_CODES, RenderError, render_interchange
from policy.engine import decide, internal_error_record
from tests.unit.conftest import CASES, decide_raw, request_of

GOLDEN = Path(__file__).parent / "golden" / "seed.277.x12"
SEED = "ITDD-TC-001"
PYX12_VERSION = "4.0.0"
X212_MAP = "277.5010.X212.xml"
DECIDED = {case_id: (decide_raw(request_of(case_id)), request_of(case_id)) for case_id in CASES}


@pytest.fixture(scope="module")
def repaired_maps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return repair_maps(tmp_path_factory.mktemp("pyx12") / "map")


def repair_maps(target: Path) -> Path:
    """pyx12's map directory with its 005010X212 277 map registered and repaired."""
    assert version("pyx12") == PYX12_VERSION, "a new pyx12: review the map repair"
    bundled = Path(pyx12.__file__).parent / "map"
    shutil.copytree(bundled, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    tree = ET.parse(bundled / X212_MAP)
    gs_loop = _one(tree.getroot(), "loop[@xid='ISA_LOOP']/loop[@xid='GS_LOOP']")
    for element, wrong, right in (("GS01", "RA", "HN"), ("GS08", "005010X218", "005010X212")):
        code = _one(gs_loop, f"segment[@xid='GS']/element[@xid='{element}']/valid_codes/code")
        assert code.text == wrong, f"pyx12's {element} changed: review the repair"
        code.text = right
    st_loop = _one(gs_loop, "loop[@xid='ST_LOOP']")
    footer = _one(gs_loop, "loop[@xid='TABLE2AREA3']")
    se = _one(footer, "segment[@xid='SE']")
    gs_loop.remove(footer)
    st_loop.append(se)
    loop_2000b = _one(st_loop, "loop[@xid='DETAIL']/loop[@xid='2000A']/loop[@xid='2000B']")
    position = _one(loop_2000b, "pos")
    assert position.text == "0100", "pyx12's 2000B position changed: review the repair"
    position.text = "2000"
    tree.write(target / X212_MAP, encoding="utf-8", xml_declaration=True)
    index = (bundled / "maps.xml").read_text(encoding="utf-8")
    assert 'vriic="005010X212"' not in index, "pyx12 registers X212 now: review the repair"
    entry = f'<map vriic="005010X212" fic="HN" abbr="277">{X212_MAP}</map>'
    index = index.replace('<map vriic="005010X214"', f'{entry}\n    <map vriic="005010X214"', 1)
    assert entry in index
    (target / "maps.xml").write_text(index, encoding="utf-8")
    return target


def _one(node: ET.Element, path: str) -> ET.Element:
    found = node.findall(path)
    assert len(found) == 1, f"pyx12's {X212_MAP} changed at {path}: review the repair"
    return found[0]


@dataclass(frozen=True)
class Validation:
    """pyx12's verdict on one interchange, with the code-list check of every STC."""

    errors: list[tuple[str | None, str]]  # (ST02, or None for the envelope; message)

    def errors_of(self, control_number: str) -> list[str]:
        return [message for st, message in self.errors if st == control_number]


def validate(document: str, maps: Path) -> Validation:
    """x12valid's check against the repaired maps (its return value, its 999 and every error
    in its report), then each STC composite against pyx12's code lists."""
    param = pyx12.params.params()
    param.set("map_path", str(maps))
    ack, report = io.StringIO(), io.StringIO()
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)  # errors are read from the report
    valid = pyx12.x12n_document.x12n_document(
        param=param,
        src_file=io.StringIO(document),
        fd_997=ack,
        fd_html=None,
        fd_json=report,
        map_path=str(maps),
    )
    errors = list(_errors(json.loads(report.getvalue()), None))
    if not valid or "AK9*A*" not in ack.getvalue() or "IK5*A~" not in ack.getvalue():
        errors.append((None, f"pyx12 did not accept the interchange: {ack.getvalue()!r}"))
    errors.extend(_code_list_errors(document))
    return Validation(errors)


def _errors(node: Any, control_number: str | None) -> Iterator[tuple[str | None, str]]:
    if isinstance(node, dict):
        control_number = node.get("trn_set_control_num", control_number)
        for error in node.get("errors") or ():
            yield control_number, str(error.get("err_str"))
        for value in node.values():
            if isinstance(value, list | dict):
                yield from _errors(value, control_number)
    elif isinstance(node, list):
        for value in node:
            yield from _errors(value, control_number)


def _code_list_errors(document: str) -> Iterator[tuple[str | None, str]]:
    """STC01, STC10, STC11: category (list 507), status code (508), entity identifier."""
    codes = pyx12.codes.ExternalCodes()
    control_number = None
    for segment in segments(document):
        if segment[0] == "ST":
            control_number = segment[2]
        if segment[0] != "STC":
            continue
        for position in (1, 10, 11):
            if position >= len(segment) or not segment[position]:
                continue
            composite = segment[position].split(":")
            entity = composite[2] if len(composite) > 2 else None
            if not (
                codes.isValid("claim_status_cat", composite[0])
                and codes.isValid("claim_status", composite[1])
                and (entity is None or codes.isValid("entity_id", entity))
            ):
                yield control_number, f"STC{position:02d} {segment[position]} not in X12's lists"


def assert_valid(validation: Validation) -> None:
    assert validation.errors == []


def segments(document: str) -> list[list[str]]:
    """The segments of a rendered interchange as element lists (`~` and a newline end each)."""
    assert document.endswith("~\n")
    return [segment.split("*") for segment in document[:-2].split("~\n")]


def transactions(document: str) -> list[list[list[str]]]:
    """ST…SE blocks, in order."""
    out: list[list[list[str]]] = []
    for segment in segments(document):
        if segment[0] == "ST":
            out.append([])
        if out and (segment[0] != "GE" and segment[0] != "IEA"):
            out[-1].append(segment)
    return out


@pytest.fixture(scope="module")
def interchange() -> str:
    return render_interchange([DECIDED[case_id] for case_id in sorted(CASES)])


@pytest.fixture(scope="module")
def validation(interchange: str, repaired_maps: Path) -> Validation:
    return validate(interchange, repaired_maps)


@pytest.fixture(scope="module")
def by_case(interchange: str) -> dict[str, list[list[str]]]:
    """case id -> its transaction; `ignore` cases have none."""
    rendered = iter(transactions(interchange))
    return {
        case_id: next(rendered)
        for case_id in sorted(CASES)
        if DECIDED[case_id][0]["decision"] != "ignore"
    }


def test_the_interchange_of_all_public_cases_is_valid(validation: Validation) -> None:
    assert_valid(validation)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_each_public_case_renders_its_decision(
    case_id: str, by_case: dict[str, list[list[str]]], validation: Validation
) -> None:
    record, request = DECIDED[case_id]
    if record["decision"] == "ignore":
        assert case_id not in by_case
        return
    transaction = by_case[case_id]
    assert validation.errors_of(transaction[0][2]) == []  # pyx12 and the code lists
    check_transaction(transaction, record, request)


def check_transaction(
    transaction: list[list[str]], record: Mapping[str, Any], request: Mapping[str, Any]
) -> None:
    """What the 277 says matches the record: claim and line categories, charges, no payment."""
    claim = request["claim"]
    ids = [segment[0] for segment in transaction]
    header = ["ST", "BHT", "HL", "NM1", "HL", "NM1", "HL", "NM1", "HL", "NM1", "TRN", "STC"]
    assert ids[: len(header)] == header
    assert transaction[-1][0] == "SE" and transaction[-1][1] == str(len(transaction))
    assert transaction[10][2] == claim["claim_id"]  # TRN02
    stc = transaction[11]
    assert stc[1].split(":")[0] == record["claim_status_category"]
    charges = [line["charge"] for line in claim["lines"]]
    assert float(stc[4]) == pytest.approx(sum(charges))
    paid = stc[5] if len(stc) > 5 else ""
    assert paid == ("0" if record["decision"] == "deny" else "")  # no payment beyond "none"
    lines = [i for i, segment in enumerate(transaction) if segment[0] == "SVC"]
    decisions = {ld["line_number"]: ld for ld in record["line_decisions"]}
    # An approved line has no known payment: no 2220D loop rather than SVC03 = 0 (issue 21).
    unpaid = [
        line
        for line in sorted(claim["lines"], key=lambda x: x["line_number"])
        if decisions.get(line["line_number"], {}).get("decision") != "approve"
    ]
    assert len(lines) == len(unpaid)
    for index, line in zip(lines, unpaid, strict=True):
        svc, line_stc, ref, dtp = transaction[index : index + 4]
        assert svc[1].split(":")[:2] == ["HC", line["procedure_code"]]
        assert float(svc[2]) == line["charge"] and svc[3] == "0"
        assert ref == ["REF", "FJ", str(line["line_number"])]
        assert dtp[:3] == ["DTP", "472", "D8"]
        category = line_stc[1].split(":")[0]
        outcome = decisions.get(line["line_number"], record)["decision"]
        expected = {
            "deny": {"F2", "A6", "A7"},
            "pend": {"P2", "P3"},
            "not_reviewed": {"P1"},
        }
        assert category in expected[outcome]
        if outcome == "deny" and record["claim_status_category"] in ("A6", "A7"):
            assert category == record["claim_status_category"]


def test_the_envelope_counts_and_control_numbers_agree(interchange: str) -> None:
    all_segments = segments(interchange)
    isa, gs, ge, iea = all_segments[0], all_segments[1], all_segments[-2], all_segments[-1]
    assert len("*".join(isa)) == 105  # fixed-width ISA before its terminator
    assert isa[13] == iea[2] == "000000001" and iea[1] == "1"
    assert gs[6] == ge[2] == "1" and gs[1] == "HN" and gs[8] == "005010X212"
    blocks = transactions(interchange)
    assert ge[1] == str(len(blocks)) == str(len(CASES) - 2)  # TC-034, TC-035 are ignored
    numbers = [block[0][2] for block in blocks]
    assert numbers == [f"{n:04d}" for n in range(1, len(blocks) + 1)]
    assert all(block[-1] == ["SE", str(len(block)), block[0][2]] for block in blocks)


def test_the_seed_matches_its_golden_file(repaired_maps: Path) -> None:
    document = render_interchange([DECIDED[SEED]])
    assert document == GOLDEN.read_text(encoding="ascii")
    assert_valid(validate(document, repaired_maps))


def write_golden() -> None:
    GOLDEN.write_text(render_interchange([DECIDED[SEED]]), encoding="ascii")


def test_dates_come_from_the_record_never_the_clock() -> None:
    record, request = DECIDED[SEED]
    stamped = {**record, "decided_at": "2026-03-03T01:02:03.456Z"}
    unstamped = render_interchange([(record, request)])
    assert unstamped == render_interchange([(record, request)])
    first = segments(render_interchange([(stamped, request)]))
    assert first[0][9:11] == ["260303", "0102"] and first[1][4:6] == ["20260303", "0102"]
    assert segments(unstamped)[0][9:11] == ["260302", "0000"]  # processing_date, 00:00
    stc = next(s for s in first if s[0] == "STC")
    assert stc[2] == "20260303"


def test_ignore_records_are_skipped() -> None:
    ignored = [DECIDED[case_id] for case_id in ("ITDD-TC-034", "ITDD-TC-035")]
    assert render_interchange(ignored) == ""
    both = render_interchange([*ignored, DECIDED[SEED]])
    assert [block[10][2] for block in transactions(both)] == ["CLM-ITDD-0001"]


def test_internal_error_and_hostile_claims_still_render_valid(repaired_maps: Path) -> None:
    """A P2 internal_error pend (no line decisions) and claims the gates reject for values X12
    cannot carry: delimiters, control characters, wrong types, missing parts."""
    seed = request_of(SEED)
    failed = internal_error_record(
        seed["claim"], seed["context"]["processing_date"], RuntimeError("boom"), seed["context"]
    ).to_dict()
    odd_claim = {"claim_id": "CLM-ODD-0001", "member": "M1", "lines": {"1": {"units": 1}}}
    odd_context = {"processing_date": "2026-03-02"}
    odd = internal_error_record(odd_claim, "2026-03-02", TypeError("lines"), odd_context)
    items = [(failed, seed), (odd.to_dict(), {"claim": odd_claim, "context": odd_context})]
    for change in HOSTILE:
        request = request_of(SEED)
        change(request["claim"])
        items.append((decide(parse_request(request)).to_dict(), request))
    assert all(record["decision"] == "deny" for record, _ in items[2:])
    document = render_interchange(items)
    assert_valid(validate(document, repaired_maps))
    first = transactions(document)[0]
    assert [s[1] for s in first if s[0] == "STC"] == ["P2:41"] * 3  # claim and both lines


def _claim_id_with_delimiters(claim: dict[str, Any]) -> None:
    claim["claim_id"] = "CLM*1~2:3^4"


def _no_member(claim: dict[str, Any]) -> None:
    claim["member"] = None


def _numeric_npi_and_control_characters(claim: dict[str, Any]) -> None:
    claim["provider"] = {"rendering_npi": 1999000015, "billing_npi": "19990\n00023"}


def _bad_line_values(claim: dict[str, Any]) -> None:
    claim["lines"][0].update(charge="1450", units=1.5, service_date="2026-02-30")
    claim["lines"][1].update(procedure_code=None, modifiers=["J*", 7])


def _huge_charge(claim: dict[str, Any]) -> None:
    claim["lines"][0]["charge"] = 1e300
    claim["claim_id"] = 12345678901234567890123


HOSTILE = (
    _claim_id_with_delimiters,
    _no_member,
    _numeric_npi_and_control_characters,
    _bad_line_values,
    _huge_charge,
)


def test_the_validator_catches_a_broken_277(repaired_maps: Path) -> None:
    """The checks bite: four copies of the seed 277, each broken once, each reported."""
    breaks = (
        ("DTP*472*D8*20260210~\nSE", "SE"),  # a line's required service date removed
        ("STC*P3:287:1P", "STC*Q9:287:1P"),  # a category X12 does not have
        ("*MI*TSTMBR000001", "*XX*TSTMBR000001"),  # a qualifier 2100D does not allow
        ("SE*23*", "SE*22*"),  # a wrong segment count
    )
    head, *chunks = render_interchange([DECIDED[SEED]] * len(breaks)).split("ST*277*")
    assert len(chunks) == len(breaks)
    broken = [chunk.replace(old, new, 1) for chunk, (old, new) in zip(chunks, breaks, strict=True)]
    assert all(b != c for b, c in zip(broken, chunks, strict=True))
    result = validate("ST*277*".join([head, *broken]), repaired_maps)
    for number in range(1, len(breaks) + 1):
        assert result.errors_of(f"{number:04d}"), breaks[number - 1]


def test_a_request_that_is_not_the_records_is_refused() -> None:
    record, _ = DECIDED[SEED]
    with pytest.raises(RenderError, match="input_digest"):
        render_interchange([(record, request_of("ITDD-TC-002"))])


@pytest.mark.parametrize("number", [0, 1_000_000_000])
def test_the_control_number_is_nine_digits(number: int) -> None:
    with pytest.raises(ValueError, match="interchange_control_number"):
        render_interchange([DECIDED[SEED]], interchange_control_number=number)


def test_a_plan_configures_its_identities() -> None:
    document = render_interchange(
        [DECIDED[SEED]],
        interchange_control_number=42,
        sender_id="PLAN01",
        receiver_id="CLEARING9",
        payer_name="EXAMPLE PLAN",
        payer_id="12345",
        usage_indicator="P",
    )
    isa, gs = segments(document)[:2]
    assert isa[6].strip() == "PLAN01" and isa[8].strip() == "CLEARING9" and isa[15] == "P"
    assert isa[13] == "000000042" and gs[6] == "42"
    assert ["NM1", "PR", "2", "EXAMPLE PLAN", "", "", "", "", "PI", "12345"] in segments(document)
    with pytest.raises(ValueError, match="sender_id"):
        render_interchange([DECIDED[SEED]], sender_id="A*B")


def test_the_patient_name_comes_from_the_eligibility_record_when_it_has_one() -> None:
    request = request_of("ITDD-TC-002")
    request["context"]["eligibility"].update(last_name="RIVERA", first_name="ANA")
    named = segments(render_interchange([(decide_raw(request), request)]))
    patient = next(s for s in named if s[:2] == ["NM1", "IL"])
    assert patient[3:5] == ["RIVERA", "ANA"]
    plain = request_of("ITDD-TC-002")
    unnamed = segments(render_interchange([(decide_raw(plain), plain)]))
    assert next(s for s in unnamed if s[:2] == ["NM1", "IL"])[3] == "UNKNOWN"


def test_an_approved_line_claims_no_payment() -> None:
    request = request_of("ITDD-TC-002")
    record = decide_raw(request)
    assert record["decision"] == "approve"
    found = segments(render_interchange([(record, request)]))
    assert not [s for s in found if s[0] == "SVC"]  # no SVC03 = 0 for an approved line
    assert next(s for s in found if s[0] == "STC")[1] == "F1:3"


def test_every_status_of_the_data_file_is_in_x12s_lists() -> None:
    """policy/data's status tables: each category, code and entity in pyx12's copies of lists
    507, 508 and the entity identifier codes (rendered cases reach only some of them), and a
    status for every pend reason a record can carry."""
    tables = json.loads(files("policy").joinpath("data", STATUS_CODES).read_text(encoding="utf-8"))
    entries = [
        entry
        for value in tables.values()
        if isinstance(value, dict)
        for entry in (value.values() if "code" not in value else [value])
    ]
    codes = pyx12.codes.ExternalCodes()
    bad = [
        entry
        for entry in entries
        if not codes.isValid("claim_status", entry["code"])
        or ("category" in entry and not codes.isValid("claim_status_cat", entry["category"]))
        or ("entity" in entry and not codes.isValid("entity_id", entry["entity"]))
    ]
    assert len(entries) == 51 and bad == []
    assert set(tables["pend_reasons"]) == set(get_args(PendReason))


def test_a_readjudication_is_a_277_of_its_own_for_the_same_claim(repaired_maps: Path) -> None:
    """X12 has no "replaces" pointer in a 277: a claim's statuses are linked by its trace number
    (TRN02) and patient control number (REF*EJ), and the latest BHT date and time stands."""
    from tests.unit.policy.downstream.test_fhir import seed_lifecycle

    (pend, pend_request), (again, request) = seed_lifecycle()
    document = render_interchange([(pend, pend_request), (again, request)])
    assert_valid(validate(document, repaired_maps))
    first, second = transactions(document)

    def field(transaction: list[list[str]], segment: str, index: int, qualifier: str = "") -> str:
        return next(
            s[index]
            for s in transaction
            if s[0] == segment and (not qualifier or s[1] == qualifier)
        )

    assert field(first, "TRN", 2) == field(second, "TRN", 2) == "CLM-ITDD-0001"
    assert field(first, "REF", 2, "EJ") == field(second, "REF", 2, "EJ")
    assert (field(first, "BHT", 4), field(second, "BHT", 4)) == ("20260302", "20260320")
    assert field(first, "STC", 1).startswith("P3") and field(second, "STC", 1).startswith("F1")
