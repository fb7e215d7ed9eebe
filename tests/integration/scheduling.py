"""How pytest-xdist spreads the integration tests over its processes (.ci/test-suite loads this
plugin with `-p`): one test at a time, except the modules that share a fixture too costly to
start in every process, which go to one process together.

`--dist loadgroup` and `xdist_group` marks meant to do this, but pytest-xdist 3.8 names a test's
group in `item._nodeid`, which pytest 9.2 no longer reads: every process started the secured
broker (≈ 21 s of CPU each on 2 cores) and the lifecycle module's workers.
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadScopeScheduling

# Module -> the group of modules sharing its costly fixture (a session or module scope).
SHARED = {
    "tests/integration/test_broker_security.py": "secure-broker",
    "tests/integration/test_worker_security.py": "secure-broker",
    "tests/integration/test_worker_lifecycle.py": "lifecycle",
}


class SharedFixtureScheduling(LoadScopeScheduling):  # type: ignore[misc]
    """A group is one unit of work; any other test is a unit of its own. xdist hands out the
    units with the most tests first, so the groups, the longest chains, start at once."""

    def _split_scope(self, nodeid: str) -> str:
        return SHARED.get(nodeid.split("::", 1)[0], nodeid)


def pytest_xdist_make_scheduler(config: Any, log: Any) -> SharedFixtureScheduling:
    return SharedFixtureScheduling(config, log)
