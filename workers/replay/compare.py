"""Comparing an original decision record with its replay, field by field, byte for byte.

policy-spec §1.5/§8.1: on the same inputs only `decision_id` and `decided_at` may differ, so a
replay under the original version must give every other field with identical JSON bytes
(`70` and `70.0` are different bytes, and an auditor must see that). A what-if compares only
the *outcome* fields: a new version always carries another `policy_version` and may carry
another `reference_versions`, which is not a change in how the claim is decided.

A claim's life (claim-lifecycle.md L.2) adds two fields. `trigger` is an input fact (what made
the record) and must be equal. `supersedes` names another record's `decision_id`, so it differs
between runs like `decision_id` does: it is compared by position instead, the n-th record of a
claim superseding its (n-1)-th, in the original run as in the replay.

`line_rule_ids` (which rules decided each line; added after records were first published) is
compared like `rule_ids`, in both modes: the same inputs must give the same explanation, and a
what-if that moves a rule from one line to another changes what the provider is told. Choice:
an original from before the field lacks it, and a missing field is neither a difference nor a
pass (`differing_fields`): it is reported unchecked, as the provenance of a case record is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from models.json_codec import dumps

# §8.1: the only fields that may differ between two runs on the same inputs.
UNSTAMPED = ("decision_id", "decided_at")
# L.2: the link to the record this one replaces, compared by position (`link_holds`).
CHAINED = ("supersedes",)
# What names the inputs and the version rather than the outcome (ignored by a what-if).
PROVENANCE = ("claim_id", "policy_version", "reference_versions", "processing_date", "input_digest")


def differing_fields(
    original: Mapping[str, Any], replayed: Mapping[str, Any], skip: Iterable[str]
) -> tuple[list[str], list[str]]:
    """(fields whose JSON bytes differ, fields of the replay the original does not have).

    Fields are taken in the replay's (§8) order. A field the original lacks is not a difference
    (case files carry partial records); the caller reports it as unchecked.
    """
    skipped = set(skip)
    # Fast path (the common case of a faithful replay): same keys in the same order and
    # identical bytes for all of them at once.
    kept_original = {k: v for k, v in original.items() if k not in skipped}
    kept_replayed = {k: v for k, v in replayed.items() if k not in skipped}
    if list(kept_original) == list(kept_replayed) and dumps(kept_original) == dumps(kept_replayed):
        return [], []
    differ: list[str] = []
    unchecked: list[str] = []
    for name, value in replayed.items():
        if name in skipped:
            continue
        if name not in original:
            unchecked.append(name)
        elif dumps(original[name]) != dumps(value):
            differ.append(name)
    differ.extend(name for name in original if name not in replayed and name not in skipped)
    return differ, unchecked


def same_but_stamps(
    original: Mapping[str, Any],
    replayed: Mapping[str, Any],
    replayed_bytes: bytes,
    stamps: Iterable[str] = UNSTAMPED,
) -> bool:
    """The common case in one serialisation: the original, given the replay's `stamps`, is the
    replay's JSON byte for byte (same keys, same order, same bytes for every value)."""
    probe = dict(original)
    for name in stamps:
        probe[name] = replayed.get(name)
    return dumps(probe) == replayed_bytes


def link_holds(original: Mapping[str, Any], previous_decision_id: str | None) -> bool:
    """The original supersedes its claim's previous record in the same run (`None`: the first).
    A partial original without the field is not contradicted (it is reported unchecked)."""
    return "supersedes" not in original or original["supersedes"] == previous_decision_id


def outcome_label(record: Mapping[str, Any]) -> str:
    """How an analyst names a decision: "approve", "deny CO-16/N657", "pend P2"."""
    decision = record.get("decision")
    if decision == "deny":
        rarc = record.get("rarc") or []
        codes = f"{record.get('group_code')}-{record.get('carc')}"
        return f"deny {codes}/{','.join(map(str, rarc))}" if rarc else f"deny {codes}"
    if decision == "pend":
        label = f"pend {record.get('claim_status_category')}"
        reasons = (record.get("pend") or {}).get("reasons") or []
        return f"{label} (internal_error)" if "internal_error" in reasons else label
    if decision == "approve" and record.get("partial"):
        return "approve (partial)"
    return str(decision)


def rule_changes(
    original: Mapping[str, Any], replayed: Mapping[str, Any]
) -> tuple[list[str], list[str]]:
    """(rule ids only the original lists, rule ids only the replay lists), in list order."""
    old = list(original.get("rule_ids") or [])
    new = list(replayed.get("rule_ids") or [])
    return [r for r in old if r not in new], [r for r in new if r not in old]
