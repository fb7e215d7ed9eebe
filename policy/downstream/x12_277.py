"""Claim status for practice-management systems: X12 277 Health Care Claim Status (005010X212).

`render_interchange` writes one ISA/GS/IEA interchange holding one ST/SE 277 per decided claim:
the claim status category the record carries (STC01-1) with claim status codes, at claim level
(loop 2200D) and per service line (2220D). It is a pure function of the records and requests:
dates and times come from the record (`decided_at` when stamped, else `processing_date` at
00:00), never from the clock; control numbers come from the caller and the claim order.

Choices:

- `ignore` records are skipped. The claim is outside this policy and goes on to the plan's
  other adjudication, which reports its status; the worker publishes nothing for it either
  (contract README). A status here would tell the provider a story this engine did not decide.
  An interchange with nothing left to report is the empty string.
- Amounts: STC04 and SVC02 are the submitted charges. No payment amount is invented: STC05
  (claim payment) is 0 only on a denial, where nothing is paid, and left out otherwise; SVC03
  (line payment, required by the TR3) is 0 where that is true: a denied or pended line. An
  approved line has no payment this engine knows (pricing and payment happen downstream), so
  it gets no 2220D loop (situational) rather than a false $0: the claim-level status, F1 with
  code 3 "adjudicated, awaiting payment cycle", speaks for it.
- Line status: a line without a line decision (an `internal_error` pend has none) carries the
  claim's status. The pend reasons are claim-level in the record, so a pended line repeats the
  claim's pend statuses.
- A line the claim does not describe well enough to write (no procedure code, a charge or units
  that are not numbers, no service date, a charge beyond the 18 digits of X12 type R) gets no
  2220D loop; the claim-level status stands for it. Apart from the last, only claims the
  structural gates reject (A6/A7) or an `internal_error` pend can have such lines.
- The member's name is not on the claim. The eligibility record may carry it
  (`context.eligibility.last_name` / `first_name`, NM103 / NM104); when it does not, the TR3
  still requires NM103 in 2100D and it is written as `UNKNOWN`, as is any required identifier
  the claim does not supply in a form X12 can carry (a missing member id or NPI).
- A re-adjudication (a record that `supersedes` another, claim-lifecycle.md L.2) is a 277 of its
  own. X12 has no "replaces" pointer in a 277: a claim's statuses are linked by its trace number
  (TRN02, the claim id) and patient control number (REF*EJ), and the one with the latest BHT
  date and time is the claim's status. Every record of a claim therefore keeps both.
- Sender, receiver and payer identities are placeholders a plan configures (keyword arguments);
  the usage indicator defaults to `T` (test) for that reason.

The status tables (claim status codes from X12 external code list 508, categories from list
507, entity identifier codes) are data: `policy/data/x12-277-status-codes.json`, each code with
its description and why it is used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from typing import Any

from models.values import iso_date
from policy.digest import input_digest

# Placeholders: a plan configures its own (ISA06/ISA08, GS02/GS03, 2100A, 2100B).
SENDER_ID = "ITDDPAYER"
RECEIVER_ID = "ITDDRECEIVER"
PAYER_NAME = "ITDD HEALTH PLAN"
PAYER_ID = "ITDDPAYER"
RECEIVER_NAME = "CLAIM STATUS RECEIVER"
UNKNOWN = "UNKNOWN"

VERSION = "005010X212"
# Segment terminator, then a newline for readability (the X12 reader skips it between segments).
SEGMENT_END = "~\n"
_DELIMITERS = frozenset("*:^~")
_MAX_AMOUNT_DIGITS = 18  # X12 data element type R, 1-18 digits

# (category, status code, entity identifier code or "")
Status = tuple[str, str, str]

# The status tables, each code with its X12 description and why it is used (loaded once).
STATUS_CODES = "x12-277-status-codes.json"
_TABLES: dict[str, Any] = json.loads(
    files("policy").joinpath("data", STATUS_CODES).read_text(encoding="utf-8")
)


def _status(entry: Mapping[str, str]) -> Status:
    return entry["category"], entry["code"], entry.get("entity", "")


def _code_and_entity(entry: Mapping[str, str]) -> tuple[str, str]:
    return entry["code"], entry.get("entity", "")


# Approve: "adjudicated, awaiting payment cycle" (pricing is downstream).
_APPROVED: str = _TABLES["approved"]["code"]
# not_reviewed lines (JW waste, lines of other policies): this policy did not decide them.
_NOT_REVIEWED = _status(_TABLES["not_reviewed"])
# Pend reasons (§8.4 and the contract's internal_error), each with its natural category.
_PEND = {reason: _status(entry) for reason, entry in _TABLES["pend_reasons"].items()}
_PEND_WITHOUT_KNOWN_REASON: str = _TABLES["pend_without_known_reason"]["code"]
# Denials by CARC: the code that names the reason, with its entity where the code needs one;
# any other CARC is "processed according to plan provisions".
_BY_CARC = {carc: _code_and_entity(entry) for carc, entry in _TABLES["denial_by_carc"].items()}
_PLAN_PROVISIONS: str = _TABLES["denial_other_carc"]["code"]
# "Missing or invalid information": takes the detail codes the RARCs point at, or, with none,
# "missing/invalid data prevents payer from processing claim".
_MISSING_OR_INVALID: str = _TABLES["missing_or_invalid"]["code"]
_DETAIL_BY_RARC = {
    rarc: _code_and_entity(entry)
    for rarc, entry in _TABLES["missing_or_invalid_detail_by_rarc"].items()
}
_UNPROCESSABLE: str = _TABLES["missing_or_invalid_without_detail"]["code"]
_MAX_STATUSES = 3  # STC01, STC10, STC11


class RenderError(ValueError):
    """A (record, request) pair that cannot be rendered (not a pair, or not a decision)."""


def render_interchange(
    items: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    *,
    interchange_control_number: int = 1,
    sender_id: str = SENDER_ID,
    receiver_id: str = RECEIVER_ID,
    payer_name: str = PAYER_NAME,
    payer_id: str = PAYER_ID,
    receiver_name: str = RECEIVER_NAME,
    usage_indicator: str = "T",
) -> str:
    """One interchange: ISA, one GS (HN, 005010X212), one 277 per non-ignore record, IEA."""
    if not 1 <= interchange_control_number <= 999_999_999:
        raise ValueError("interchange_control_number must be 1 to 999999999")
    if usage_indicator not in ("P", "T"):
        raise ValueError("usage_indicator must be 'P' (production) or 'T' (test)")
    parties = _Parties(
        sender_id=_identifier(sender_id, 2, 15, "sender_id"),
        receiver_id=_identifier(receiver_id, 2, 15, "receiver_id"),
        payer_name=_identifier(payer_name, 1, 60, "payer_name"),
        payer_id=_identifier(payer_id, 2, 80, "payer_id"),
        receiver_name=_identifier(receiver_name, 1, 60, "receiver_name"),
    )
    claims = [
        _claim(record, request) for record, request in items if record.get("decision") != "ignore"
    ]
    if not claims:
        return ""
    control = f"{interchange_control_number:09d}"
    day, time = max(claim.stamp for claim in claims)
    segments = [
        _segment(
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "ZZ",
            parties.sender_id.ljust(15),
            "ZZ",
            parties.receiver_id.ljust(15),
            day[2:],
            time,
            "^",
            "00501",
            control,
            "0",
            usage_indicator,
            ":",
        ),
        _segment(
            "GS",
            "HN",
            parties.sender_id,
            parties.receiver_id,
            day,
            time,
            str(interchange_control_number),
            "X",
            VERSION,
        ),
    ]
    for number, claim in enumerate(claims, start=1):
        segments.extend(_transaction(f"{number:04d}", claim, parties))
    segments.append(_segment("GE", str(len(claims)), str(interchange_control_number)))
    segments.append(_segment("IEA", "1", control))
    return "".join(segment + SEGMENT_END for segment in segments)


@dataclass(frozen=True, slots=True)
class _Parties:
    sender_id: str
    receiver_id: str
    payer_name: str
    payer_id: str
    receiver_name: str


@dataclass(frozen=True, slots=True)
class _Line:
    """One 2220D loop: the billed service and its statuses."""

    number: int
    procedure: tuple[str, ...]  # SVC01: HC, code, modifiers
    charge: str
    units: str
    service_date: str
    statuses: tuple[Status, ...]


@dataclass(frozen=True, slots=True)
class _Claim:
    """What one 277 says about one decided claim."""

    stamp: tuple[str, str]  # (CCYYMMDD, HHMM) of the decision
    trace: str
    patient_control_number: str | None
    member_id: str
    member_name: tuple[str, str]  # NM103 last, NM104 first ("" when not known)
    provider: tuple[str, str]  # (NM102 entity type, NPI)
    statuses: tuple[Status, ...]
    total_charge: str | None
    paid_nothing: bool
    service_dates: tuple[str, str] | None
    lines: tuple[_Line, ...]


def _claim(record: Mapping[str, Any], request: Mapping[str, Any]) -> _Claim:
    claim_data = request.get("claim")
    claim: Mapping[str, Any] = claim_data if isinstance(claim_data, Mapping) else {}
    if not isinstance(record.get("decision"), str) or not isinstance(
        record.get("input_digest"), str
    ):
        raise RenderError("not a decision record (decision and input_digest expected)")
    if record["input_digest"] != input_digest(request.get("claim"), request.get("context")):
        raise RenderError(
            f"claim {record.get('claim_id')!r}: the request is not the one this record decided "
            "(input_digest differs)"
        )
    statuses = _claim_statuses(record)
    line_decisions = {
        ld.get("line_number"): ld
        for ld in record.get("line_decisions") or ()
        if isinstance(ld, Mapping)
    }
    header_date = iso_date(claim.get("service_date"))
    lines: list[_Line] = []
    dates: list[str] = []
    charges: list[Decimal] = []
    claim_lines = [line for line in _items(claim.get("lines")) if isinstance(line, Mapping)]
    for line in sorted(claim_lines, key=_line_number):
        number = line.get("line_number")
        if not isinstance(number, int) or isinstance(number, bool):
            continue
        day = iso_date(line.get("service_date")) or header_date
        if day is not None:
            dates.append(day.strftime("%Y%m%d"))
        charge = _amount(line.get("charge"))
        if charge is not None:
            charges.append(charge)
        decision = line_decisions.get(number)
        if decision is not None and decision.get("decision") == "approve":
            continue  # no payment known: no 2220D rather than SVC03 = 0 (module docstring)
        rendered = _line(
            number,
            line,
            day.strftime("%Y%m%d") if day else None,
            charge,
            statuses if decision is None else _line_statuses(record, decision),
        )
        if rendered is not None:
            lines.append(rendered)
    total = (
        _format_amount(sum(charges, Decimal(0)))
        if claim_lines and len(charges) == len(claim_lines)
        else None
    )
    claim_id = _text(claim.get("claim_id"), 1, 50)
    return _Claim(
        stamp=_stamp(record),
        trace=claim_id or str(record["input_digest"])[:50],
        patient_control_number=claim_id,
        member_id=_member_id(claim),
        member_name=_member_name(request),
        provider=_provider(claim),
        statuses=statuses,
        total_charge=total,
        paid_nothing=record["decision"] == "deny",
        service_dates=(min(dates), max(dates)) if dates else None,
        lines=tuple(lines),
    )


def _line(
    number: int,
    line: Mapping[str, Any],
    service_date: str | None,
    charge: Decimal | None,
    statuses: tuple[Status, ...],
) -> _Line | None:
    """The 2220D loop of a line, or None when the claim does not describe it well enough."""
    code = _text(line.get("procedure_code"), 1, 48)
    units = line.get("units")
    unit_count = _amount(units) if isinstance(units, int) else None
    units_text = None if unit_count is None else _format_amount(unit_count)
    charge_text = None if charge is None else _format_amount(charge)
    if code is None or units_text is None or charge_text is None or service_date is None:
        return None
    modifiers = [m for m in (_text(m, 2, 2) for m in _items(line.get("modifiers"))) if m]
    return _Line(
        number=number,
        procedure=("HC", code, *modifiers[:4]),
        charge=charge_text,
        units=units_text,
        service_date=service_date,
        statuses=statuses,
    )


def _claim_statuses(record: Mapping[str, Any]) -> tuple[Status, ...]:
    category = record.get("claim_status_category")
    decision = record.get("decision")
    if not isinstance(category, str):
        raise RenderError(f"claim {record.get('claim_id')!r}: no claim_status_category")
    if decision == "approve":
        return ((category, _APPROVED, ""),)
    if decision == "pend":
        pend = record.get("pend")
        reasons = pend.get("reasons") if isinstance(pend, Mapping) else None
        return _pend_statuses(category, reasons if isinstance(reasons, list) else [])
    if decision == "deny":
        return _denial_statuses(category, record.get("carc"), record.get("rarc"))
    raise RenderError(f"claim {record.get('claim_id')!r}: unknown decision {decision!r}")


def _line_statuses(record: Mapping[str, Any], decision: Mapping[str, Any]) -> tuple[Status, ...]:
    outcome = decision.get("decision")
    claim_category = record.get("claim_status_category")
    if outcome == "approve":
        return (("F1", _APPROVED, ""),)
    if outcome == "deny":
        # A gate's A6/A7 rejection covers every line; any other line denial is finalized (F2).
        category = claim_category if claim_category in ("A6", "A7") else "F2"
        return _denial_statuses(str(category), decision.get("carc"), decision.get("rarc"))
    if outcome == "not_reviewed":
        return (_NOT_REVIEWED,)
    return _claim_statuses(record)  # pend: the reasons are the claim's


def _pend_statuses(category: str, reasons: list[Any]) -> tuple[Status, ...]:
    """One status per pend reason, those of the claim's own category first."""
    statuses = [_PEND[reason] for reason in reasons if reason in _PEND]
    statuses.sort(key=lambda status: status[0] != category)
    if not statuses or statuses[0][0] != category:
        statuses.insert(0, (category, _PEND_WITHOUT_KNOWN_REASON, ""))
    return tuple(statuses[:_MAX_STATUSES])


def _denial_statuses(category: str, carc: object, rarc: object) -> tuple[Status, ...]:
    """The CARC's status code; code 21 takes the RARCs' detail codes (at least one)."""
    code, entity = _BY_CARC.get(str(carc), (_PLAN_PROVISIONS, ""))
    if category in ("A6", "A7"):
        code, entity = _MISSING_OR_INVALID, ""
    if code != _MISSING_OR_INVALID:
        return ((category, code, entity),)
    statuses: list[Status] = [(category, code, "")]
    for remark in rarc if isinstance(rarc, list) else ():
        detail = _DETAIL_BY_RARC.get(str(remark))
        if detail is not None and (category, *detail) not in statuses:
            statuses.append((category, *detail))
    if len(statuses) == 1:
        return ((category, _UNPROCESSABLE, ""),)
    return tuple(statuses[:_MAX_STATUSES])


def _transaction(control: str, claim: _Claim, parties: _Parties) -> list[str]:
    day, time = claim.stamp
    segments = [
        _segment("ST", "277", control, VERSION),
        _segment("BHT", "0010", "08", claim.trace, day, time, "DG"),
        _segment("HL", "1", "", "20", "1"),
        _segment("NM1", "PR", "2", parties.payer_name, "", "", "", "", "PI", parties.payer_id),
        _segment("HL", "2", "1", "21", "1"),
        _segment(
            "NM1", "41", "2", parties.receiver_name, "", "", "", "", "46", parties.receiver_id
        ),
        _segment("HL", "3", "2", "19", "1"),
        _segment("NM1", "1P", claim.provider[0], "", "", "", "", "", "XX", claim.provider[1]),
        _segment("HL", "4", "3", "22", "0"),
        _segment("NM1", "IL", "1", *claim.member_name, "", "", "", "MI", claim.member_id),
        _segment("TRN", "2", claim.trace),
        _stc(
            claim.statuses,
            day,
            charge=claim.total_charge,
            paid="0" if claim.paid_nothing and claim.total_charge is not None else "",
            finalized=day if claim.statuses[0][0].startswith("F") else "",
        ),
    ]
    if claim.patient_control_number is not None:
        segments.append(_segment("REF", "EJ", claim.patient_control_number))
    if claim.service_dates is not None:
        segments.append(_service_date(*claim.service_dates))
    for line in claim.lines:
        segments.extend(
            (
                _segment("SVC", line.procedure, line.charge, "0", "", "", "", line.units),
                _stc(line.statuses, day),
                _segment("REF", "FJ", str(line.number)),
                _service_date(line.service_date, line.service_date),
            )
        )
    segments.append(_segment("SE", str(len(segments) + 1), control))
    return segments


def _stc(
    statuses: tuple[Status, ...],
    day: str,
    *,
    charge: str | None = None,
    paid: str = "",
    finalized: str = "",
) -> str:
    """STC01 (STC10, STC11 for further statuses), the effective date, charge and payment
    (STC04, STC05) and the adjudication finalized date (STC06)."""
    first, *more = (tuple(part for part in status if part) for status in statuses)
    extra = [more[0] if len(more) > 0 else "", more[1] if len(more) > 1 else ""]
    return _segment("STC", first, day, "", charge or "", paid, finalized, "", "", "", *extra)


def _service_date(first: str, last: str) -> str:
    if first == last:
        return _segment("DTP", "472", "D8", first)
    return _segment("DTP", "472", "RD8", f"{first}-{last}")


def _segment(segment_id: str, *elements: str | tuple[str, ...]) -> str:
    """Elements joined by `*`, components by `:`, trailing empty ones dropped."""
    parts = [segment_id]
    for element in elements:
        if isinstance(element, tuple):
            components = list(element)
            while components and not components[-1]:
                components.pop()
            parts.append(":".join(components))
        else:
            parts.append(element)
    while parts[-1] == "":
        parts.pop()
    return "*".join(parts)


def _stamp(record: Mapping[str, Any]) -> tuple[str, str]:
    """(CCYYMMDD, HHMM) in UTC: `decided_at` when stamped, else `processing_date` at 00:00."""
    decided_at = record.get("decided_at")
    if isinstance(decided_at, str):
        try:
            moment = datetime.fromisoformat(decided_at)
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
            return moment.strftime("%Y%m%d"), moment.strftime("%H%M")
    day = iso_date(record.get("processing_date"))
    if day is None:
        raise RenderError(
            f"claim {record.get('claim_id')!r}: neither decided_at nor processing_date is a date"
        )
    return day.strftime("%Y%m%d"), "0000"


def _member_id(claim: Mapping[str, Any]) -> str:
    member = claim.get("member")
    value = member.get("member_id") if isinstance(member, Mapping) else None
    return _text(value, 2, 80) or UNKNOWN


def _member_name(request: Mapping[str, Any]) -> tuple[str, str]:
    """(NM103, NM104) from the eligibility record's name when it has one, else UNKNOWN."""
    context = request.get("context")
    eligibility = context.get("eligibility") if isinstance(context, Mapping) else None
    names = eligibility if isinstance(eligibility, Mapping) else {}
    last = _text(names.get("last_name"), 1, 60)
    first = _text(names.get("first_name"), 1, 35) if last else None
    return (last, first or "") if last else (UNKNOWN, "")


def _provider(claim: Mapping[str, Any]) -> tuple[str, str]:
    """The billing NPI (an organization, NM102 2), else the rendering NPI (a person, 1)."""
    provider = claim.get("provider")
    fields: Mapping[str, Any] = provider if isinstance(provider, Mapping) else {}
    for key, entity in (("billing_npi", "2"), ("rendering_npi", "1")):
        npi = fields.get(key)
        if isinstance(npi, str) and len(npi) == 10 and npi.isascii() and npi.isdigit():
            return entity, npi
    return "2", UNKNOWN


def _items(value: object) -> list[Any]:
    """A claim value that should be a JSON array, or no items (claim values are unchecked)."""
    return value if isinstance(value, list) else []


def _line_number(line: Mapping[str, Any]) -> int:
    number = line.get("line_number")
    return number if isinstance(number, int) else 0


def _text(value: object, min_len: int, max_len: int) -> str | None:
    """`value` when X12 can carry it as is in an AN element of that length, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not min_len <= len(text) <= max_len or not text.isascii() or not text.isprintable():
        return None
    return None if _DELIMITERS & set(text) else text


def _identifier(value: str, min_len: int, max_len: int, name: str) -> str:
    text = _text(value, min_len, max_len)
    if text is None:
        raise ValueError(f"{name} must be {min_len}-{max_len} printable ASCII characters, no *:^~")
    return text


def _amount(value: object) -> Decimal | None:
    """A JSON number ≥ 0 as a Decimal, else None (a bool, a string, NaN, a negative number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        amount = Decimal(repr(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def _format_amount(amount: Decimal) -> str | None:
    """Plain decimal notation without exponent or trailing zeros (1450.0 -> 1450), or None
    when it needs more than the 18 digits of X12 type R."""
    text = format(amount.normalize(), "f")
    return text if len(text.replace(".", "")) <= _MAX_AMOUNT_DIGITS else None
