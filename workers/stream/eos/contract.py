"""What the exactly-once runtime relies on in its libraries, checked before the worker starts.

The runtime uses aiokafka's public consumer and transactional-producer API only (no private
attribute, no overridden hook) and faust for the web server and the order its services start and
stop in (workers/stream/faust_app.py); `tests/unit/stream/test_contract.py` pins the signatures
it calls. A version it was not tested with may change what a transaction or a rebalance does:
the worker refuses to start on one rather than run it silently
(`CLAIMS_ADJ_ALLOW_UNTESTED_LIBRARIES` does not exist on purpose: run the contract and the
reliability tests, then add the version here).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from workers.errors import OperatorError

# Distribution name -> the versions the reliability tests passed on.
TESTED_VERSIONS: dict[str, tuple[str, ...]] = {
    "aiokafka": ("0.14.0",),
    "faust-streaming": ("0.15.3",),
}


class UntestedLibrary(OperatorError):
    """A library version the exactly-once runtime was not tested with."""


def check_versions() -> None:
    """Refuse to run on library versions the reliability tests did not cover."""
    for name, tested in TESTED_VERSIONS.items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "none"
        if installed not in tested:
            raise UntestedLibrary(
                f"{name} {installed} is installed, but the exactly-once runtime was tested with "
                f"{name} {', '.join(tested)}; install that version (pip install '{name}=="
                f"{tested[-1]}')"
            )


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
