"""Versioned policy data: one JSON file per ITDD version, validated when it is loaded.

The files under `policy/data/` are the plan's tables (Appendices A–D, F, thresholds and the
CARC/RARC mapping of §5). Code never carries a clinical value; it reads it from here. A new
policy version is a new file, never an edit of an old one (policy-spec §11).
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache, cached_property, lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DATA_PACKAGE = "policy.data"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Adjustment(_Data):
    """A denial's X12 coding: group code, CARC, RARCs (in §5's written order), 277 category."""

    group_code: Literal["CO", "OA", "PR"]
    carc: str
    rarc: tuple[str, ...]
    category: Literal["F2", "A6", "A7"]
    # 835 CLP02 of a claim denied by this outcome: "1" processed as primary; ELIG-01 says "4".
    clp02: str = "1"


class Scope(_Data):
    trigger_procedure_code: str
    earliest_header_dos: date
    jw_modifier: str


class Validation(_Data):
    """§5.1 value rules. Patterns are matched against the whole value (`fullmatch`)."""

    claim_id_pattern: str
    sexes: frozenset[str]
    npi_luhn_prefix: str
    place_of_service_pattern: str
    drug_procedure_code_pattern: str
    other_procedure_code_patterns: tuple[str, ...]
    modifier_pattern: str
    ndc_pattern: str
    ndc_units_of_measure: frozenset[str]
    max_concentration_or_volume: float
    routes: frozenset[str]
    delivery_modes: frozenset[str]
    diluted_preparation: str

    @cached_property
    def claim_id(self) -> re.Pattern[str]:
        return re.compile(self.claim_id_pattern)

    @cached_property
    def place_of_service(self) -> re.Pattern[str]:
        return re.compile(self.place_of_service_pattern)

    @cached_property
    def drug_procedure_code(self) -> re.Pattern[str]:
        return re.compile(self.drug_procedure_code_pattern)

    @cached_property
    def other_procedure_codes(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.other_procedure_code_patterns)

    @cached_property
    def modifier(self) -> re.Pattern[str]:
        return re.compile(self.modifier_pattern)

    @cached_property
    def ndc(self) -> re.Pattern[str]:
        return re.compile(self.ndc_pattern)


class CodePattern(_Data):
    """A family of codes by shape, e.g. S06.xxxxS: prefix, suffix and total written length."""

    prefix: str
    suffix: str = ""
    length: int | None = None

    def matches(self, code: str) -> bool:
        return (
            code.startswith(self.prefix)
            and code.endswith(self.suffix)
            and (self.length is None or len(code) == self.length)
        )


class DatedCodes(_Data):
    """Codes that belong to a group only for some header dates of service (e.g. G35, A.3)."""

    codes: frozenset[str]
    header_dos_from: date | None = None
    header_dos_to: date | None = None

    def applies(self, header_dos: date) -> bool:
        return (self.header_dos_from is None or header_dos >= self.header_dos_from) and (
            self.header_dos_to is None or header_dos <= self.header_dos_to
        )


class GroupMembers(_Data):
    codes: frozenset[str] = frozenset()
    dated_codes: tuple[DatedCodes, ...] = ()
    patterns: tuple[CodePattern, ...] = ()

    def contains(self, code: str, header_dos: date) -> bool:
        if code in self.codes:
            return True
        if any(p.matches(code) for p in self.patterns):
            return True
        return any(d.applies(header_dos) and code in d.codes for d in self.dated_codes)


class DiagnosisGroups(_Data):
    itdd_groups: tuple[str, ...]
    scope_exclusion_group: str
    symptom_group: str
    members: dict[str, GroupMembers]

    @model_validator(mode="after")
    def _groups_defined(self) -> DiagnosisGroups:
        missing = {*self.itdd_groups, self.scope_exclusion_group} - set(self.members)
        if missing:
            raise ValueError(f"diagnosis groups without members: {sorted(missing)}")
        if self.symptom_group not in self.itdd_groups:
            raise ValueError("symptom_group must be an ITDD group")
        return self


class Hcpcs(_Data):
    """§B.1: an accepted drug code, its agent name and how units are counted."""

    agent: str
    billing_unit_mg: float | None = Field(default=None, gt=0)
    units_per_line: int | None = Field(default=None, ge=1)
    # A code that accepts only the plan-file entries billed under it (1.1.0, J7799: "a J7799
    # line with any other NDC denies under ITDD-DRUG-03"): any other NDC is not in the file.
    own_products_only: bool = False

    @model_validator(mode="after")
    def _one_unit_rule(self) -> Hcpcs:
        if (self.billing_unit_mg is None) == (self.units_per_line is None):
            raise ValueError("give exactly one of billing_unit_mg and units_per_line")
        return self


class Companion(_Data):
    agent: str
    route: str


class Label(_Data):
    """§B.2 labeled use; a product with no label is 'not labeled for chronic neuraxial use'."""

    routes: frozenset[str]
    modes: frozenset[str]
    groups: frozenset[str]
    requires_companion: Companion | None = None


class Product(_Data):
    product: str
    hcpcs: str | None
    agent: str
    strength_mg_per_ml: float = Field(gt=0)
    label: Label | None


class AdmixtureException(_Data):
    agents: frozenset[str]
    route: str
    group: str


class Drugs(_Data):
    hcpcs: dict[str, Hcpcs]
    products: dict[str, Product]
    admixture_exception: AdmixtureException
    prior_authorization_required_agents: frozenset[str]


class Fact(_Data):
    type: Literal["string", "enum", "integer", "boolean", "number"]
    values: tuple[str, ...] = ()


class Criterion(_Data):
    """One row of a §4.1 table: `test` on a documentation fact."""

    name: str
    fact: str
    test: Literal["equals", "at_least", "documented"]
    value: Any = None
    only_when: dict[str, Any] | None = None
    only_when_documented: bool = False


class CriteriaSet(_Data):
    rule: str
    criteria: tuple[Criterion, ...]
    agents: frozenset[str] = frozenset()


class MedicalNecessity(_Data):
    group_rules: dict[str, CriteriaSet]
    agent_rules: tuple[CriteriaSet, ...]
    all_agents_rule: CriteriaSet


class Frequency(_Data):
    window_days: int = Field(ge=0)
    procedure_code: str
    counted_decision: str


class SafetyThreshold(_Data):
    agent: str
    route: str
    max_mg_per_dos: float = Field(gt=0)


class ActiveCodes(_Data):
    codes: frozenset[str]
    deleted_codes: frozenset[str]


_RULE_ID = re.compile(r"ITDD-[A-Z]+-[0-9]{2}")


class PlanLanguage(_Data):
    """The plan's own words, quoted literally by the decision notice (policy/downstream/).

    Kept in the versioned data beside the tables, not in the notice code, so that a version
    that rewords a rule (1.1.0: COD-02, EI-03, DRUG-02/03/06) carries its own wording and an
    old record's notice still quotes the text that decided it.
    """

    # Rule id -> the spec text of the rule (table cells joined by their column names).
    rules: dict[str, str]
    # MN rule id -> criterion name -> the §4.1 "Passes when" cell.
    criteria: dict[str, dict[str, str]]
    # §2.3: what each indication group means.
    indication_groups: dict[str, str]
    # §2.1 and §4.1: why an unlabeled use is E/I, and which agents are labeled.
    experimental_investigational: str
    labeled_agents: str

    @field_validator("rules")
    @classmethod
    def _rule_ids(cls, rules: dict[str, str]) -> dict[str, str]:
        bad = sorted(r for r, text in rules.items() if not _RULE_ID.fullmatch(r) or not text)
        if bad:
            raise ValueError(f"plan_language.rules: not a rule id, or no text: {bad}")
        return rules


class PolicyData(_Data):
    """One ITDD version's tables, exactly as its data file gives them."""

    policy_id: str
    version: str
    title: str
    source: str
    first_header_dos: date
    first_processing_date: date
    reference_versions: dict[str, str]
    scope: Scope
    validation: Validation
    benefit_exclusion: str
    allowed_places_of_service: frozenset[str]
    bilateral_modifiers: frozenset[str]
    catheter_units: int
    diagnosis_groups: DiagnosisGroups
    drugs: Drugs
    facts: dict[str, Fact]
    medical_necessity: MedicalNecessity
    frequency: Frequency
    safety_thresholds: tuple[SafetyThreshold, ...]
    active_codes: ActiveCodes
    bundled_imaging_codes: frozenset[str]
    # §8.4 `pend.followup`, by 277 category: plan language, so a version may change it (the
    # 45 days of DOC-01's records request are in the P3 text).
    pend_followup: dict[str, str]
    # §5.5 step 10: the calendar days DOC-01 gives the provider to send the records; past
    # them (counted from the first request, addendum L.1) DOC-01 denies CO-226/N706.
    documentation_request_days: int = Field(ge=1)
    # §6: line denials ranked by CARC, highest first (226 since addendum L).
    denial_precedence: tuple[str, ...]
    outcomes: dict[str, Adjustment]
    plan_language: PlanLanguage

    @model_validator(mode="after")
    def _consistent(self) -> PolicyData:
        drugs = self.drugs
        for ndc, product in drugs.products.items():
            if product.hcpcs in drugs.hcpcs and drugs.hcpcs[product.hcpcs].agent != product.agent:
                raise ValueError(f"product {ndc}: agent differs from its HCPCS agent")
            if product.label and not product.label.groups <= set(self.diagnosis_groups.itdd_groups):
                raise ValueError(f"product {ndc}: labeled groups must be ITDD groups")
        if set(self.pend_followup) != {"P2", "P3"}:
            raise ValueError("pend_followup: give the text of exactly P2 and P3")
        for criteria_set in (
            *self.medical_necessity.group_rules.values(),
            *self.medical_necessity.agent_rules,
            self.medical_necessity.all_agents_rule,
        ):
            for criterion in criteria_set.criteria:
                if criterion.fact not in self.facts:
                    raise ValueError(f"criterion {criterion.name}: unknown fact {criterion.fact}")
        for pattern in (
            self.validation.claim_id_pattern,
            self.validation.place_of_service_pattern,
            self.validation.drug_procedure_code_pattern,
            *self.validation.other_procedure_code_patterns,
            self.validation.modifier_pattern,
            self.validation.ndc_pattern,
        ):
            re.compile(pattern)
        self._plan_language_complete()
        return self

    def _plan_language_complete(self) -> None:
        """Every rule with an outcome or criteria has its words; the criteria match §4.1's; the
        45 days of DOC-01 are the same number in the data, the follow-up and the plan text; the
        CARC precedence is the order AGG-01's text states."""
        language = self.plan_language
        mn = self.medical_necessity
        criteria_sets = [*mn.group_rules.values(), *mn.agent_rules, mn.all_agents_rule]
        needed = {key.split("/", 1)[0] for key in self.outcomes} | {c.rule for c in criteria_sets}
        missing = sorted(r for r in needed if _RULE_ID.fullmatch(r) and r not in language.rules)
        if missing:
            raise ValueError(f"plan_language.rules: no text for {missing}")
        names: dict[str, set[str]] = {}
        for criteria_set in criteria_sets:
            names.setdefault(criteria_set.rule, set()).update(c.name for c in criteria_set.criteria)
        if {r: set(c) for r, c in language.criteria.items()} != names:
            raise ValueError("plan_language.criteria must name exactly the §4.1 criteria")
        groups = self.diagnosis_groups
        if not {*groups.itdd_groups, groups.scope_exclusion_group} <= set(
            language.indication_groups
        ):
            raise ValueError("plan_language.indication_groups: give every group's meaning")
        days = self.documentation_request_days
        if f"within {days} days" not in self.pend_followup["P3"] or (
            f"within {days} calendar days" not in language.rules.get("ITDD-DOC-01", "")
        ):
            raise ValueError("documentation_request_days differs from the DOC-01 texts")
        if " > ".join(self.denial_precedence) not in language.rules.get("ITDD-AGG-01", ""):
            raise ValueError("denial_precedence differs from the AGG-01 text")

    @cached_property
    def label(self) -> str:
        """The `policy_version` field of a record: "ITDD-1.0.0"."""
        return f"{self.policy_id}-{self.version}"

    def outcome(self, key: str) -> Adjustment:
        return self.outcomes[key]

    @cached_property
    def precedence_rank(self) -> dict[str, int]:
        return {carc: rank for rank, carc in enumerate(self.denial_precedence)}


def _read_json(name: str) -> Any:
    return json.loads(resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8"))


@cache
def available_versions() -> tuple[str, ...]:
    """Versions shipped as `itdd-<version>.json`, oldest first."""
    names = [
        entry.name
        for entry in resources.files(DATA_PACKAGE).iterdir()
        if entry.name.startswith("itdd-") and entry.name.endswith(".json")
    ]
    versions = [name.removeprefix("itdd-").removesuffix(".json") for name in names]
    return tuple(sorted(versions, key=lambda v: tuple(int(p) for p in v.split("."))))


class UnknownPolicyVersion(LookupError):
    """A what-if or a replay named a version that is not shipped."""


def normalise_version(version: str) -> str:
    """Accept "1.1.0" or "ITDD-1.1.0"."""
    return version.removeprefix("ITDD-")


@cache
def load_policy(version: str) -> PolicyData:
    """Load and validate one version's data file (cached: the data is immutable)."""
    version = normalise_version(version)
    if version not in available_versions():
        raise UnknownPolicyVersion(
            f"unknown ITDD policy version {version!r}; shipped: {', '.join(available_versions())}"
        )
    policy = PolicyData.model_validate(_read_json(f"itdd-{version}.json"))
    if policy.version != version:
        raise ValueError(f"itdd-{version}.json declares version {policy.version}")
    return policy


@lru_cache(maxsize=4096)  # a stream's claims share a bounded set of (processing, service) dates
def select_version(processing_date: date | None, header_dos: date | None) -> PolicyData:
    """§1.6: the latest version in force on the processing date for the header DOS.

    With a header DOS that is not an ISO date only the processing-date condition is used; when
    no version qualifies, the oldest (1.0.0) decides and SCOPE-04 or DATE-01 settles the claim.
    """
    chosen = load_policy(available_versions()[0])
    for version in available_versions():
        policy = load_policy(version)
        if processing_date is not None and policy.first_processing_date > processing_date:
            continue
        if header_dos is not None and policy.first_header_dos > header_dos:
            continue
        chosen = policy
    return chosen
