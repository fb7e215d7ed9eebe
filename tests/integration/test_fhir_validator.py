"""The official HL7 FHIR Validator on the rendered ClaimResponses and ExplanationOfBenefits
(issue 21 item 5): the seed's (a pend), one approve, one deny and the seed's re-adjudication
after TC-002's records (claim-lifecycle L.5, `supersedes` the pend).

deploy/fhir-validator/validator builds the validator and its package cache from Maven Central
and the npm registry (`fetch`, cached, also run by .ci/install-system) and runs it offline
against base FHIR R4 4.0.1 with no terminology server (`-tx n/a`) and network access prohibited.
A fetch that fails fails the test with its output; nothing is skipped.

Every error fails the test except these, which need a server the validator must not reach:

- terminology lookups: a code of a value set whose code system is not in the offline packages
  (ISO 4217 currencies); the validator says "No server available".
- canonical URLs of the two implementation guides whose packages are on neither registry: the
  PAS extensions' definitions and CARIN BB's code systems ("URL value ... does not resolve";
  resolving them would download the guide from packages.fhir.org). The PAS extensions are
  allowed as such (`-extension`); their structure, like the CARIN profile named in
  `meta.profile` (reported as information), is checked by the unit tests, not here.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from policy.downstream.fhir_claim_response import PAS, claim_response
from policy.downstream.fhir_eob import C4BB, explanation_of_benefit
from tests.unit.conftest import decide_raw, request_of
from tests.unit.policy.downstream.test_fhir import seed_lifecycle

pytestmark = pytest.mark.integration

VALIDATOR = Path(__file__).resolve().parents[2] / "deploy" / "fhir-validator" / "validator"
FETCH_TIMEOUT_S = 1800  # a first fetch downloads ~140 MB and builds the R4 package
VALIDATE_TIMEOUT_S = 300
SERVER_NEEDED = "No server available"
URL_RESOLVE = "Type_Specific_Checks_DT_URL_Resolve"
GUIDES_OFFLINE = (f"{PAS}/", f"{C4BB}/")
BROKEN = "broken.claimresponse.json"
RENDERERS: dict[str, Callable[..., dict[str, Any]]] = {
    "claimresponse": claim_response,
    "eob": explanation_of_benefit,
}

Record = Mapping[str, Any]


def decisions() -> dict[str, tuple[Record, Record]]:
    """name -> (record, request): the seed's pend and its re-adjudication, an approve, a deny."""
    (pend, pend_request), (again, again_request) = seed_lifecycle()
    out = {"seed": (pend, pend_request), "seed-readjudicated": (again, again_request)}
    for name, case_id, decision in (
        ("approve", "ITDD-TC-002", "approve"),
        ("deny", "ITDD-TC-003", "deny"),
    ):
        request = request_of(case_id)
        record = decide_raw(request)
        assert record["decision"] == decision
        out[name] = (record, request)
    assert again["supersedes"] == pend["decision_id"] and pend["decision"] == "pend"
    return out


def write_resources(directory: Path) -> list[Path]:
    """One file per resource, and a broken copy of the re-adjudication's ClaimResponse (its
    Provenance targets nothing, its status is not a status) that the validator must reject."""
    files = []
    for name, (record, request) in decisions().items():
        for kind, render in RENDERERS.items():
            files.append(write(directory / f"{name}.{kind}.json", render(record, request)))
    broken = claim_response(*decisions()["seed-readjudicated"])
    broken["contained"][0]["target"] = []
    broken["status"] = "settled"
    files.append(write(directory / BROKEN, broken))
    return files


def write(path: Path, resource: Mapping[str, Any]) -> Path:
    path.write_text(json.dumps(resource, indent=2), encoding="utf-8")
    return path


def run(*args: str | Path, timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VALIDATOR), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def outcomes(output: Path) -> dict[str, list[dict[str, Any]]]:
    """file name -> the issues of its OperationOutcome (the validator writes a Bundle of them
    for several files, each naming its file in the operationoutcome-file extension)."""
    found = json.loads(output.read_text(encoding="utf-8"))
    out = {}
    for outcome in [e["resource"] for e in found["entry"]] if "entry" in found else [found]:
        (source,) = (
            e["valueString"] for e in outcome.get("extension", []) if e["url"].endswith("-file")
        )
        out[Path(source).name] = outcome.get("issue", [])
    return out


def message_id(issue: Mapping[str, Any]) -> str | None:
    ids = [e["valueCode"] for e in issue.get("extension", []) if e["url"].endswith("message-id")]
    return ids[0] if ids else None


def needs_a_server(issue: Mapping[str, Any]) -> bool:
    """An error the module docstring accepts: a lookup only a server could answer."""
    text = str(issue.get("details", {}).get("text", ""))
    if SERVER_NEEDED in text:
        return True
    return message_id(issue) == URL_RESOLVE and any(
        f"URL value '{base}" in text for base in GUIDES_OFFLINE
    )


def errors(issues: list[dict[str, Any]]) -> Iterator[str]:
    for issue in issues:
        if issue["severity"] in ("error", "fatal") and not needs_a_server(issue):
            where = ", ".join(issue.get("expression", []))
            yield f"{where}: {issue.get('details', {}).get('text')}"


def test_the_hl7_validator_accepts_the_rendered_resources(tmp_path: Path) -> None:
    fetched = run("fetch", timeout=FETCH_TIMEOUT_S)
    if fetched.returncode != 0:
        pytest.fail(
            f"deploy/fhir-validator/validator fetch failed:\n{fetched.stderr}", pytrace=False
        )
    files = write_resources(tmp_path)
    output = tmp_path / "outcomes.json"
    validated = run(
        "validate",
        "-show-message-ids",
        *("-extension", f"{PAS}/"),
        *("-output", output),
        *files,
        timeout=VALIDATE_TIMEOUT_S,
    )
    if not output.exists():
        pytest.fail(f"the validator wrote no outcome:\n{validated.stdout[-8000:]}", pytrace=False)
    found = outcomes(output)
    assert sorted(found) == sorted(path.name for path in files)
    rejected = {name: list(errors(issues)) for name, issues in found.items()}
    broken = " ".join(rejected.pop(BROKEN))  # the validator checks what it is given
    assert all(why in broken for why in ("'settled'", "(dom-3)", "Provenance.target: minimum"))
    assert rejected == {path.name: [] for path in files if path.name != BROKEN}
    accepted = [issue for issues in found.values() for issue in issues if needs_a_server(issue)]
    assert accepted, "no terminology lookup was refused: is -tx n/a still in effect?"
    # The validator ran offline: whatever it tried to fetch was refused, never downloaded.
    assert "Installing" not in validated.stdout and "Fetching" not in validated.stdout
