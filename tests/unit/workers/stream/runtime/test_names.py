"""The names on the wire that deployed workers fence and restore by: they never change."""

from __future__ import annotations

from workers.stream.runtime import names


def test_transactional_id_and_changelog_keep_the_faust_names() -> None:
    """A worker of this version fences, and reads the state of, the faust-agent versions."""
    assert names.transactional_id("claims-adjudicator", 2) == "claims-adjudicator-0-2"
    assert names.changelog_topic("claims-adjudicator") == "claims-adjudicator-members-changelog"
