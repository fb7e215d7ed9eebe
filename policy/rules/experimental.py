"""§5.5 step 2: the E/I determination, ITDD-EI-01 … EI-04 (§4.2, §B.2 labels)."""

from __future__ import annotations

from dataclasses import dataclass

from models.request_data import LineData
from policy.catalog import Product
from policy.claim_view import ClaimView


@dataclass(init=False)  # a hand-written __init__ is compiled (policy/rules/outcome.py)
class EiDetermination:
    """The EI rule that fired (None when the use is labeled) and the labeled `covered` groups."""

    rule_id: str | None
    covered: frozenset[str]

    def __init__(self, rule_id: str | None, covered: frozenset[str]) -> None:
        self.rule_id = rule_id
        self.covered = covered


def product_of(view: ClaimView, line: LineData) -> Product:
    """The plan-file product of a drug line (DRUG-03 guaranteed it exists)."""
    assert line.drug is not None
    product = view.tables.product(line.drug.ndc)
    assert product is not None
    return product


def admixture_of(view: ClaimView, line: LineData) -> list[LineData]:
    """Drug lines on the same DOS sharing the line's admixture group; [] when in none.

    An `admixture_group` that is not a non-empty string means no admixture (§5.1).
    """
    assert line.drug is not None
    group = line.drug.admixture_group
    if type(group) is not str or not group:
        return []
    day = view.dos(line)
    line_dos = view.line_dos
    return [
        other
        for other in view.drug_lines
        if other.drug is not None
        and other.drug.admixture_group == group
        and line_dos[other.line_number] == day
    ]


def _mixed_admixture(view: ClaimView, line: LineData) -> tuple[list[LineData], set[str]]:
    """The line's admixture and its agents when it mixes two or more agents, else ([], ∅)."""
    members = admixture_of(view, line)
    if len(members) < 2:  # one line is one agent
        return [], set()
    agents = {product_of(view, member).agent for member in members}
    return (members, agents) if len(agents) >= 2 else ([], set())


def _is_admixture_exception(
    view: ClaimView, members: list[LineData], agents: set[str], groups: frozenset[str]
) -> bool:
    """The labeled clonidine + morphine epidural combination, on a line that points to the
    exception's group (judged per line)."""
    exception = view.policy.drugs.admixture_exception
    return (
        agents == exception.agents
        and all(m.drug is not None and m.drug.route == exception.route for m in members)
        and exception.group in groups
    )


def _has_companion(view: ClaimView, line: LineData, agent: str, route: str) -> bool:
    """A non-JW drug line of `agent` by `route` on the line's DOS, whatever its own outcome."""
    day = view.dos(line)
    for other in view.drug_lines:
        if (
            other.drug is not None
            and other.drug.route == route
            and view.dos(other) == day
            and product_of(view, other).agent == agent
        ):
            return True
    return False


def determine_e_i(view: ClaimView, line: LineData, groups: frozenset[str]) -> EiDetermination:
    """The first of EI-03, EI-04, EI-02, EI-01 that applies (§5.5 step 2)."""
    drug = line.drug
    assert drug is not None
    label = product_of(view, line).label
    if label is None:
        # ITDD-EI-03: the product has no labeling for chronic neuraxial infusion.
        return EiDetermination("ITDD-EI-03", frozenset())
    members, agents = _mixed_admixture(view, line)
    if members and not _is_admixture_exception(view, members, agents, groups):
        # ITDD-EI-04: two or more agents in one syringe or reservoir.
        return EiDetermination("ITDD-EI-04", frozenset())
    if drug.route not in label.routes or drug.delivery_mode not in label.modes:
        # ITDD-EI-02: route or delivery mode outside the label.
        return EiDetermination("ITDD-EI-02", frozenset())
    covered = groups & label.groups
    if members:
        # The admixture exception covers its group only (§4.2): the line's other groups, even
        # those on its agent's own label, go to step 4 as IND-02 findings (§5.5 step 2, A-22).
        covered &= {view.policy.drugs.admixture_exception.group}
    companion = label.requires_companion
    if companion is not None and not _has_companion(view, line, companion.agent, companion.route):
        # Clonidine is labeled only together with epidural morphine on the same DOS.
        covered = frozenset()
    if not covered:
        # ITDD-EI-01: no pointed indication is a labeled one.
        return EiDetermination("ITDD-EI-01", frozenset())
    return EiDetermination(None, covered)
