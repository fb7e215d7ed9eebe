"""The names the runtime gives its transactional producers and its changelog on the broker.

They are the names the faust-agent versions used: a worker of this version fences a worker of
those versions during an upgrade and reads the member state they wrote. Deployed workers fence
and restore by them, so they never change (`tests/unit/workers/stream/runtime/test_names.py`).
"""

from __future__ import annotations


def transactional_id(app_id: str, partition: int) -> str:
    """The transactional id of input partition k.

    One producer per partition of the co-partitioned input topics, so that the worker that is
    given partition k fences whichever worker had it before (its open transaction is aborted).
    The `<app_id>-0-<k>` form is the one faust used for the same partitions, so that a worker
    of this version also fences a worker of the faust-agent versions during an upgrade.
    """
    return f"{app_id}-0-{partition}"


def changelog_topic(app_id: str) -> str:
    """The member state's changelog (the name faust gave the `members` table's changelog, so the
    state written by earlier versions is read on upgrade)."""
    return f"{app_id}-members-changelog"
