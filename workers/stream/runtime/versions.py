"""The library versions the runtime was tested with, checked before the worker starts.

The runtime uses aiokafka's public consumer and transactional-producer API only (no private
attribute, no overridden hook) and faust for the web server and the order its services start and
stop in (workers/stream/faust_app.py); `tests/unit/workers/stream/runtime/test_versions.py` pins
the signatures it calls. A version it was not tested with may change what a transaction or a
rebalance does: the worker refuses to start on one rather than run it silently
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
