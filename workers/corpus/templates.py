"""Claim variants for a synthetic corpus: the public cases, mutated, decided once each.

The 64 public cases cover every branch of the policy; variants move them around it: dates shifted
(fiscal years, the 1.1.0 start date, future service), documentation facts set or cleared, places
of service, diagnoses and drug lines borrowed from other cases, eligibility and PA status changed,
doses scaled, duplicates. Each variant is decided by the engine *once*, with placeholder ids, and
pre-serialised; the writer then stamps fresh claim and member ids into the bytes. That is sound
because the decision depends on those ids only through equality (DUP-01, the PA's member) and the
claim-id pattern, and the placeholders are valid ids replaced consistently everywhere.
"""

from __future__ import annotations

import copy
import hashlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from models.json_codec import dumps
from models.request import StructureError, parse_request
from policy.catalog import load_policy
from policy.digest import canonical_json
from policy.engine import decide_or_pend
from workers.jsonl import read_values

# Placeholders: valid ids (VAL-01 pattern, non-empty member id) that occur nowhere else.
CLAIM_TOKEN = "CLM-GEN-QZQZQZQZQZ"
MEMBER_TOKEN = "TSTMBR-QZQZQZQZQZ"
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")

Request = dict[str, Any]


@dataclass(frozen=True)
class CorpusSpec:
    count: int
    seed: int = 62327
    with_decisions: bool = False
    malformed_share: float = 0.0
    variants: int = 2048


@dataclass(frozen=True)
class Template:
    """One decided variant, serialised with placeholders (see corpus_writer)."""

    request: bytes  # {"claim","context"} as orjson writes it
    canonical: bytes  # the §8.1 digest serialisation of the same request
    decision: bytes  # the record, decision_id/decided_at null, input_digest = `digest`
    digest: str
    processing_date: str


def load_cases(path: Path) -> list[Request]:
    return [
        {"claim": case["claim"], "context": case["context"]}
        for case in read_values(str(path))
        if isinstance(case, dict)
    ]


# --- mutations: each changes one aspect of a deep-copied request ----------------------------


def _walk_dates(value: Any, shift: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {k: _walk_dates(v, shift) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk_dates(v, shift) for v in value]
    if isinstance(value, str) and _ISO.fullmatch(value):
        return shift(value)
    return value


def _shifter(days: int) -> Callable[[str], str]:
    def shift(text: str) -> str:
        try:
            return (date.fromisoformat(text) + timedelta(days=days)).isoformat()
        except ValueError:  # an invalid date stays invalid (VAL-05 keeps deciding it)
            return text

    return shift


def shift_all_dates(rng: random.Random, request: Request, cases: list[Request]) -> None:
    """Move the whole claim in time: other fiscal years, and past 2026-07-01 (ITDD 1.1.0)."""
    shift = _shifter(rng.randint(-420, 420))
    request["claim"] = _walk_dates(request["claim"], shift)
    request["context"] = _walk_dates(request["context"], shift)


def delay_processing(rng: random.Random, request: Request, cases: list[Request]) -> None:
    processing = request["context"].get("processing_date")
    if isinstance(processing, str):
        request["context"]["processing_date"] = _shifter(rng.randint(-30, 150))(processing)


def set_fact(rng: random.Random, request: Request, cases: list[Request]) -> None:
    documentation = request["claim"].get("documentation")
    if not isinstance(documentation, dict):
        return
    facts = load_policy("1.0.0").facts
    name = rng.choice(sorted(facts))
    fact = facts[name]
    choices: dict[str, list[Any]] = {
        "boolean": [True, False, None],
        "integer": [0, 1, 3, 6, 12, 24, None],
        "number": [0, 30, 50, 75.5, None],
        "enum": [*fact.values, None],
        "string": [documentation.get(name), None],
    }
    documentation[name] = rng.choice(choices[fact.type])


def set_place_of_service(rng: random.Random, request: Request, cases: list[Request]) -> None:
    request["claim"]["place_of_service"] = rng.choice(["19", "21", "22", "24", "11", "2X"])


def borrow_diagnosis(rng: random.Random, request: Request, cases: list[Request]) -> None:
    codes = request["claim"].get("diagnosis_codes")
    other = rng.choice(cases)["claim"].get("diagnosis_codes")
    if isinstance(codes, list) and codes and isinstance(other, list) and other:
        codes[rng.randrange(len(codes))] = rng.choice(other)


def _drug_lines(request: Request) -> list[dict[str, Any]]:
    lines = request["claim"].get("lines")
    return [ln for ln in lines or [] if isinstance(ln, dict) and isinstance(ln.get("drug"), dict)]


def borrow_drug(rng: random.Random, request: Request, cases: list[Request]) -> None:
    mine, theirs = _drug_lines(request), _drug_lines(rng.choice(cases))
    if mine and theirs:
        target, source = rng.choice(mine), rng.choice(theirs)
        for key in ("procedure_code", "units", "drug"):
            target[key] = copy.deepcopy(source.get(key))


def scale_dose(rng: random.Random, request: Request, cases: list[Request]) -> None:
    lines = _drug_lines(request)
    if lines:
        drug = rng.choice(lines)["drug"]
        if isinstance(drug.get("volume_ml"), int | float):
            drug["volume_ml"] = round(drug["volume_ml"] * rng.choice([0.5, 2, 3, 10]), 3)


def change_eligibility(rng: random.Random, request: Request, cases: list[Request]) -> None:
    context = request["context"]
    choice = rng.randrange(3)
    if choice == 0:
        context["eligibility"] = {"found": False}
    elif choice == 1 and isinstance(context.get("eligibility"), dict):
        context["eligibility"]["coverage_end"] = request["claim"].get("service_date")
    else:
        context["eligibility"] = {
            "found": True,
            "coverage_start": "2024-01-01",
            "coverage_end": None,
            "plan_exclusions": [],
        }


def change_pa_status(rng: random.Random, request: Request, cases: list[Request]) -> None:
    authorizations = request["context"].get("prior_authorizations")
    if isinstance(authorizations, list) and authorizations:
        rng.choice(authorizations)["status"] = rng.choice(["approved", "pending", "denied"])


def mark_duplicate(rng: random.Random, request: Request, cases: list[Request]) -> None:
    ids = request["context"].get("adjudicated_claim_ids") or []
    request["context"]["adjudicated_claim_ids"] = [*ids, request["claim"].get("claim_id")]


MUTATIONS: tuple[Callable[[random.Random, Request, list[Request]], None], ...] = (
    shift_all_dates,
    shift_all_dates,
    delay_processing,
    set_fact,
    set_fact,
    set_fact,
    set_place_of_service,
    borrow_diagnosis,
    borrow_drug,
    scale_dose,
    change_eligibility,
    change_pa_status,
    mark_duplicate,
)


# --- placeholders and templates --------------------------------------------------------------


def with_placeholders(request: Request) -> Request:
    """Replace the claim id and member id (where they are valid ids) by the placeholders."""
    claim, context = request["claim"], request["context"]
    claim_id = claim.get("claim_id")
    if isinstance(claim_id, str) and re.fullmatch(
        load_policy("1.0.0").validation.claim_id_pattern, claim_id
    ):
        claim["claim_id"] = CLAIM_TOKEN
        ids = context.get("adjudicated_claim_ids")
        if isinstance(ids, list):
            context["adjudicated_claim_ids"] = [CLAIM_TOKEN if i == claim_id else i for i in ids]
    member = claim.get("member")
    member_id = member.get("member_id") if isinstance(member, dict) else None
    if isinstance(member_id, str) and member_id:
        member["member_id"] = MEMBER_TOKEN
        for pa in context.get("prior_authorizations") or []:
            if isinstance(pa, dict) and pa.get("member_id") == member_id:
                pa["member_id"] = MEMBER_TOKEN
    return request


def template_of(request: Request) -> Template | None:
    """Decide the variant once; None when a mutation broke the structure (§E.3)."""
    try:
        parsed = parse_request(request)
    except StructureError:
        return None
    record = decide_or_pend(parsed).to_dict()
    canonical = canonical_json(request["claim"], request["context"])
    if hashlib.sha256(canonical).hexdigest() != record["input_digest"]:
        return None  # the writer could not recompute the digest by substitution
    return Template(
        request=dumps(request),
        canonical=canonical,
        decision=dumps(record),
        digest=record["input_digest"],
        processing_date=str(record["processing_date"]),
    )


def build_templates(cases_path: Path, spec: CorpusSpec) -> list[Template]:
    """The public cases unchanged first (every branch), then seeded mutations of them."""
    cases = load_cases(cases_path)
    rng = random.Random(f"{spec.seed}:variants")
    templates: list[Template] = []
    seen: set[bytes] = set()  # a mutation may change nothing (no PA to change, same value)
    index = 0
    while len(templates) < max(spec.variants, 1) and index < 50 * max(spec.variants, 64):
        request = copy.deepcopy(cases[index % len(cases)])
        if index >= len(cases):
            for mutate in rng.sample(MUTATIONS, rng.randint(1, 3)):
                mutate(rng, request, cases)
        index += 1
        template = template_of(with_placeholders(request))
        if template is not None and template.request not in seen:
            seen.add(template.request)
            templates.append(template)
    return templates
