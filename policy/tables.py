"""The values of one policy version that the rules read on every claim, as plain attributes.

PolicyData is a tree of frozen pydantic models: each attribute read goes through pydantic's
`__getattr__` hook (and, compiled, through Python's attribute protocol), which cost the engine
more than many of its rules. This is the same data, read out once per version; a native class
under mypyc. The rules still read everything else (and the notices everything) from PolicyData.
"""

from __future__ import annotations

import re
from datetime import date

from policy.catalog import Adjustment, Hcpcs, PolicyData, Product


class Syntax:
    """A §5.1 pattern matched against a whole value, with its answers remembered: codes,
    modifiers, NDCs and places of service repeat from claim to claim."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.seen: dict[str, bool] = {}

    def matches(self, value: object) -> bool:
        if type(value) is not str:
            return False
        found = self.seen.get(value)
        if found is None:
            if len(self.seen) >= _SEEN_LIMIT:  # a stream of made-up values
                self.seen.clear()
            found = self.seen[value] = self.pattern.fullmatch(value) is not None
        return found


_SEEN_LIMIT = 65_536


class PolicyTables:
    """§5.1 value rules, §1 scope and the drug tables of one version (PolicyData's names)."""

    def __init__(self, policy: PolicyData) -> None:
        validation = policy.validation
        self.label: str = policy.label
        # §1 scope
        self.trigger_procedure_code: str = policy.scope.trigger_procedure_code
        self.jw_modifier: str = policy.scope.jw_modifier
        self.earliest_header_dos: date = policy.scope.earliest_header_dos
        # §5.1 value rules (patterns are matched against the whole value)
        self.claim_id: re.Pattern[str] = validation.claim_id
        self.sexes: frozenset[str] = validation.sexes
        self.npi_luhn_prefix: str = validation.npi_luhn_prefix
        # Claim ids are unique: matched every time. The other patterns remember their answers.
        self.place_of_service = Syntax(validation.place_of_service)
        self.drug_procedure_code = Syntax(validation.drug_procedure_code)
        self.other_procedure_codes = tuple(Syntax(p) for p in validation.other_procedure_codes)
        self.modifier = Syntax(validation.modifier)
        self.ndc = Syntax(validation.ndc)
        self.ndc_units_of_measure: frozenset[str] = validation.ndc_units_of_measure
        self.max_concentration_or_volume: float = validation.max_concentration_or_volume
        self.routes: frozenset[str] = validation.routes
        self.delivery_modes: frozenset[str] = validation.delivery_modes
        self.diluted_preparation: str = validation.diluted_preparation
        # §5.2-§5.4
        self.benefit_exclusion: str = policy.benefit_exclusion
        self.allowed_places_of_service: frozenset[str] = policy.allowed_places_of_service
        self.bilateral_modifiers: frozenset[str] = policy.bilateral_modifiers
        self.catheter_units: int = policy.catheter_units
        self.itdd_groups: frozenset[str] = frozenset(policy.diagnosis_groups.itdd_groups)
        self.scope_exclusion_group: str = policy.diagnosis_groups.scope_exclusion_group
        self.symptom_group: str = policy.diagnosis_groups.symptom_group
        # Appendix B
        self.hcpcs: dict[str, Hcpcs] = policy.drugs.hcpcs
        self.products: dict[str, Product] = policy.drugs.products
        self.prior_authorization_required_agents: frozenset[str] = (
            policy.drugs.prior_authorization_required_agents
        )
        # ITDD-SAFE-01: (agent, route) -> mg per DOS, the first threshold listed for the pair.
        self.dose_limits: dict[tuple[str, str], float] = {}
        for threshold in policy.safety_thresholds:
            self.dose_limits.setdefault(
                (threshold.agent, threshold.route), threshold.max_mg_per_dos
            )
        self.outcomes: dict[str, Adjustment] = policy.outcomes

    def dose_limit(self, agent: str, route: object) -> float | None:
        """ITDD-SAFE-01's limit for an agent by a route, None when there is none."""
        return self.dose_limits.get((agent, route)) if type(route) is str else None

    def product(self, ndc: object) -> Product | None:
        """The plan drug file entry of an NDC (§B.2), None when it has none."""
        return self.products.get(ndc) if type(ndc) is str else None


_TABLES: dict[str, PolicyTables] = {}


def tables_for(policy: PolicyData) -> PolicyTables:
    """The tables of a version, read out once (versions are immutable and few)."""
    found = _TABLES.get(policy.label)
    if found is None:
        found = _TABLES[policy.label] = PolicyTables(policy)
    return found
