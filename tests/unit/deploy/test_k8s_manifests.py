"""The Kubernetes manifests of deploy/k8s/base: valid objects, and the project's own rules.

Every resource that kustomization.yaml lists, and the example Secret, is validated offline:
the built-in kinds against the Kubernetes API schemas that kubernetes-validate ships (strict:
an unknown field fails), at the oldest and the newest version the manifests are meant for; the
KEDA kinds against the schemas vendored in deploy/k8s/schemas/keda-<version>/ (generated from
the PyPI package cloudcoil-models-keda; the generator's docstring says how). Then the rules
the schemas cannot know: probes on the named port, non-root read-only containers, every
`*_FILE` setting inside the mounted Secret, KEDA's group, topics and limits matching the
worker's settings, no password in the ConfigMap, and the daily CronJob that opens the business
date running the worker's image with the worker's settings and credentials.

Each rule is a `check_*` function on the loaded manifests; `test_a_broken_manifest_is_caught`
breaks a copy once per rule to prove that the check bites.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any
from unittest import mock

import jsonschema
import kubernetes_validate
import pytest
import yaml

from workers.errors import SettingsError
from workers.settings import Settings, env_name, load_settings

ROOT = Path(__file__).resolve().parents[3]
BASE = ROOT / "deploy" / "k8s" / "base"
EXAMPLE_SECRET = "secret.example.yaml"
# The oldest Kubernetes the manifests are meant for (PDB unhealthyPodEvictionPolicy is GA in
# 1.31) and the newest kubernetes-validate 1.37 knows.
KUBERNETES_VERSIONS = ("1.31", "1.37")
KEDA_VERSION = "2.20.2"
KEDA_SCHEMAS = ROOT / "deploy" / "k8s" / "schemas" / f"keda-{KEDA_VERSION}"
KEDA_API = "keda.sh/v1alpha1"

# The Kafka scaler's trigger metadata and authentication parameters (KEDA 2.20 documentation),
# those these manifests may plausibly use. The CRD takes any map of strings there, so a
# misspelt `lagTreshold` would pass the schema and leave the scaler at its default.
KAFKA_TRIGGER_KEYS = {
    "bootstrapServers",
    "consumerGroup",
    "topic",
    "lagThreshold",
    "activationLagThreshold",
    "offsetResetPolicy",
    "allowIdleConsumers",
    "limitToPartitionsWithLag",
    "excludePersistentLag",
    "scaleToZeroOnInvalidOffset",
    "partitionLimitation",
    "version",
    "sasl",
    "tls",
    "unsafeSsl",
}
KAFKA_AUTH_PARAMETERS = {"sasl", "username", "password", "tls", "ca", "cert", "key", "keyPassword"}
# Settings SASL mechanism -> KEDA's `sasl` value.
KEDA_SASL = {"SCRAM-SHA-512": "scram_sha512", "SCRAM-SHA-256": "scram_sha256", "PLAIN": "plaintext"}
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "PRIVATE")
# What `fieldRef: metadata.name` gives a container: a pod name as a Deployment makes them.
POD_NAME = "claims-adjudicator-7d9f8b6c5-x2x7q"


@dataclass
class Workload:
    """A pod spec of the base and its one container."""

    pod: dict[str, Any]

    @property
    def container(self) -> dict[str, Any]:
        containers = self.pod["containers"]
        assert len(containers) == 1, "one container per pod"
        container: dict[str, Any] = containers[0]
        return container


@dataclass
class Manifests:
    kustomization: dict[str, Any]
    resources: list[tuple[str, dict[str, Any]]]  # (file, object) in the kustomization's order
    example_secret: dict[str, Any]

    def one(self, kind: str) -> dict[str, Any]:
        found = [doc for _, doc in self.resources if doc["kind"] == kind]
        assert len(found) == 1, f"expected one {kind}, found {len(found)}"
        return found[0]

    @property
    def configmap(self) -> dict[str, str]:
        data: dict[str, str] = self.one("ConfigMap")["data"]
        return data

    @property
    def pod(self) -> dict[str, Any]:
        return self.workloads["Deployment"].pod

    @property
    def container(self) -> dict[str, Any]:
        return self.workloads["Deployment"].container

    @property
    def workloads(self) -> dict[str, Workload]:
        """The pods of the base by kind: the worker (Deployment) and the calendar (CronJob)."""
        cron = self.one("CronJob")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return {
            "Deployment": Workload(self.one("Deployment")["spec"]["template"]["spec"]),
            "CronJob": Workload(cron),
        }

    @property
    def env(self) -> dict[str, str]:
        """The worker's environment: the ConfigMap (envFrom), then `env`, which wins."""
        return self.env_of(self.container)

    def env_of(self, container: dict[str, Any]) -> dict[str, str]:
        result = {}
        for source in container.get("envFrom", []):
            assert source["configMapRef"]["name"] == self.one("ConfigMap")["metadata"]["name"]
            result.update(self.configmap)
        for item in container.get("env", []):
            if item.get("valueFrom") == {"fieldRef": {"fieldPath": "metadata.name"}}:
                result[item["name"]] = POD_NAME  # the downward API: the pod's own name
                continue
            assert "value" in item, f"{item['name']}: a literal value or the pod name"
            result[item["name"]] = item["value"]
        return result

    def settings(self, container: dict[str, Any] | None = None) -> Settings:
        """The Settings a container (the worker's by default) builds from exactly its pod's
        environment (nothing of this process)."""
        env = self.env_of(self.container if container is None else container)
        with mock.patch.dict(os.environ, env, clear=True):
            return load_settings()

    def all_objects(self) -> list[tuple[str, dict[str, Any]]]:
        return [*self.resources, (EXAMPLE_SECRET, self.example_secret)]


def _load(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


@cache
def _loaded() -> Manifests:
    (kustomization,) = _load(BASE / "kustomization.yaml")
    resources = [(name, doc) for name in kustomization["resources"] for doc in _load(BASE / name)]
    (example_secret,) = _load(BASE / EXAMPLE_SECRET)
    return Manifests(kustomization, resources, example_secret)


def manifests() -> Manifests:
    """A fresh copy of the manifests on disk (a test may change it)."""
    return copy.deepcopy(_loaded())


@cache
def _keda_validator(kind: str) -> jsonschema.protocols.Validator:
    schema = json.loads((KEDA_SCHEMAS / f"{kind.lower()}-keda-v1alpha1.json").read_text())
    # The generator checked the schema itself (check_schema costs 0.2 s here).
    return jsonschema.validators.validator_for(schema)(schema)


# -- schemas -------------------------------------------------------------------------------


def check_schema(doc: dict[str, Any]) -> None:
    """A KEDA object against the vendored CRD schema, any other against Kubernetes' own."""
    if doc.get("apiVersion") == KEDA_API:
        errors = sorted(_keda_validator(doc["kind"]).iter_errors(doc), key=str)
        assert not errors, "\n".join(
            f"{'.'.join(map(str, error.absolute_path))}: {error.message}" for error in errors
        )
        return
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(map(str, error.path))
            raise AssertionError(f"Kubernetes {version}: {path}: {error.message}") from None


# -- the project's rules -------------------------------------------------------------------


def check_kustomization(m: Manifests) -> None:
    """Plain local files only, so that this test sees what `kubectl apply -k` applies."""
    unresolved = set(m.kustomization) - {"apiVersion", "kind", "resources"}
    assert not unresolved, f"kustomization.yaml uses {sorted(unresolved)}: resolve it in this test"
    listed = m.kustomization["resources"]
    assert EXAMPLE_SECRET not in listed, "the example Secret would overwrite the real one"
    for name in listed:
        assert (BASE / name).is_file(), f"{name}: not a file of the base"
    on_disk = {p.name for p in BASE.glob("*.yaml")} - {"kustomization.yaml", EXAMPLE_SECRET}
    assert on_disk == set(listed), f"files not listed: {sorted(on_disk - set(listed))}"
    kinds = sorted(doc["kind"] for _, doc in m.resources)
    assert kinds == sorted(
        [
            "ConfigMap",
            "CronJob",
            "Deployment",
            "PodDisruptionBudget",
            "ScaledObject",
            "ServiceAccount",
            "TriggerAuthentication",
        ]
    ), kinds
    for name, doc in m.resources:
        assert "namespace" not in doc["metadata"], f"{name}: the namespace is the applier's"


def check_worker_configuration(m: Manifests) -> None:
    """The pod's environment is a valid configuration of this worker, with no unknown names."""
    known = {env_name(field) for field in Settings.model_fields}
    unknown = {name for name in m.env if name.startswith("CLAIMS_ADJ_")} - known
    assert not unknown, f"not settings of the worker (ignored silently): {sorted(unknown)}"
    settings = m.settings()
    assert settings.web_host == "0.0.0.0"
    assert settings.log_format == "json"
    assert settings.kafka_security_protocol == "SASL_SSL", "the example shown is SASL_SSL"
    assert settings.replication_factor == 3, "a real cluster replicates 3 times"


def check_probes(m: Manifests) -> None:
    container = m.container
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports.get("http") == m.settings().web_port, f"port http != CLAIMS_ADJ_WEB_PORT: {ports}"
    for probe, path in (
        ("startupProbe", "/healthz"),
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
    ):
        get = container[probe]["httpGet"]
        assert (get["path"], get["port"]) == (path, "http"), f"{probe}: {get}"
    liveness = container["livenessProbe"]
    # Table recovery after a rebalance takes ~10-30 s: liveness must tolerate far more.
    assert liveness["periodSeconds"] * liveness["failureThreshold"] >= 60
    annotations = m.one("Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(ports["http"])
    assert annotations["prometheus.io/path"] == "/metrics"


def check_security(m: Manifests) -> None:
    """Every pod of the base: non-root, read-only, no capability, no API token."""
    for kind, workload in m.workloads.items():
        pod, container = workload.pod, workload.container
        assert pod["securityContext"]["runAsNonRoot"] is True, kind
        assert container["securityContext"]["runAsNonRoot"] is True, kind
        for context in (pod["securityContext"], container["securityContext"]):
            assert context.get("runAsUser", 10001) == 10001, context
            assert context.get("runAsGroup", 10001) == 10001, context
        assert pod["securityContext"]["fsGroup"] == 10001, "else the Secret files are root's only"
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, kind
        assert context["allowPrivilegeEscalation"] is False, kind
        assert context["capabilities"]["drop"] == ["ALL"], kind
        assert "add" not in context["capabilities"], kind
        assert pod["automountServiceAccountToken"] is False, kind
        assert pod["serviceAccountName"] == m.one("ServiceAccount")["metadata"]["name"], kind


def _mounts(workload: Workload) -> dict[PurePosixPath, tuple[dict[str, Any], dict[str, Any]]]:
    """Mount path -> (volumeMount, volume)."""
    volumes = {volume["name"]: volume for volume in workload.pod["volumes"]}
    return {
        PurePosixPath(mount["mountPath"]): (mount, volumes[mount["name"]])
        for mount in workload.container["volumeMounts"]
    }


def _secret_key_of(workload: Workload, path: str) -> tuple[str, str]:
    """(Secret name, key) of a file the container reads, or AssertionError."""
    file = PurePosixPath(path)
    for mount_path, (mount, volume) in _mounts(workload).items():
        if file.parent == mount_path and "secret" in volume:
            assert mount.get("readOnly") is True, f"{mount_path}: mount it read-only"
            assert volume["secret"].get("defaultMode") == 0o400, f"{mount_path}: mode 0400"
            assert "items" not in volume["secret"], "one file per key, under the key's name"
            return volume["secret"]["secretName"], file.name
    raise AssertionError(f"{path}: not a file of a mounted Secret")


def check_file_settings(m: Manifests) -> None:
    """Every *_FILE setting names a key of the Secret mounted in every pod that reads it (the
    example shows them all)."""
    example_name = m.example_secret["metadata"]["name"]
    example_keys = set(m.example_secret.get("stringData", {}))
    for kind, workload in m.workloads.items():
        env = m.env_of(workload.container)
        files = {name: value for name, value in env.items() if name.endswith("_FILE")}
        assert "CLAIMS_ADJ_KAFKA_SASL_PASSWORD_FILE" in files, kind
        for name, path in files.items():
            secret, key = _secret_key_of(workload, path)
            assert secret == example_name, f"{kind} {name}: Secret {secret}, not {example_name}"
            assert key in example_keys, f"{name}: key {key} missing from {EXAMPLE_SECRET}"


def check_writable_dirs(m: Manifests) -> None:
    """The data dir and /tmp are emptyDirs: the root filesystem is read-only."""
    mounts = _mounts(m.workloads["Deployment"])
    for path in (PurePosixPath(str(m.settings().data_dir)), PurePosixPath("/tmp")):
        assert path in mounts, f"{path} is not mounted"
        mount, volume = mounts[path]
        assert "emptyDir" in volume, f"{path}: {volume}"
        assert not mount.get("readOnly"), f"{path} must be writable"


def check_no_plaintext_secret(m: Manifests) -> None:
    """Passwords only as files of the Secret: never in the ConfigMap or the pod spec."""
    sources = [("ConfigMap", m.configmap)] + [
        (f"{kind} env", m.env_of(workload.container)) for kind, workload in m.workloads.items()
    ]
    for source, values in sources:
        for name, value in values.items():
            secret_like = any(word in name.upper() for word in SECRET_WORDS)
            assert not secret_like or name.endswith("_FILE"), f"{source}: {name} holds a secret"
            assert "-----BEGIN" not in value, f"{source}: {name} holds PEM material"
            for secret_value in m.example_secret.get("stringData", {}).values():
                assert secret_value not in value, f"{source}: {name} holds a Secret value"


def check_example_secret(m: Manifests) -> None:
    """Placeholders only: nothing base64-encoded, every value says REPLACE."""
    secret = m.example_secret
    assert secret["kind"] == "Secret"
    assert "data" not in secret, "stringData only, so that a reader sees every value"
    for key, value in secret["stringData"].items():
        assert "REPLACE" in value, f"{EXAMPLE_SECRET}: {key} is not a placeholder"
    for workload in m.workloads.values():
        volumes = [
            vol["secret"]["secretName"] for vol in workload.pod["volumes"] if "secret" in vol
        ]
        assert volumes == [secret["metadata"]["name"]]


def check_deployment(m: Manifests) -> None:
    deployment = m.one("Deployment")
    spec = deployment["spec"]
    assert "replicas" not in spec, "KEDA's HPA owns the replica count"
    assert spec["strategy"]["rollingUpdate"]["maxSurge"] == 0, "a surge pod may never be ready"
    labels = spec["template"]["metadata"]["labels"]
    selector = spec["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    assert m.container["image"] == "claims-adjudicator/worker:local"
    assert m.pod["terminationGracePeriodSeconds"] >= 60, "time for the commit on SIGTERM"
    for part in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(m.container["resources"][part]), part
    spread = m.pod["topologySpreadConstraints"]
    assert "kubernetes.io/hostname" in {item["topologyKey"] for item in spread}
    for item in spread:
        assert item["whenUnsatisfiable"] == "ScheduleAnyway", "a preference, not a rule"
        assert item["labelSelector"]["matchLabels"] == selector
    pdb = m.one("PodDisruptionBudget")["spec"]
    assert pdb["maxUnavailable"] == 1
    assert pdb["selector"]["matchLabels"] == selector


def check_scaling(m: Manifests) -> None:
    """KEDA scales this Deployment on this group's lag, never beyond the partitions."""
    settings = m.settings()
    scaled = m.one("ScaledObject")["spec"]
    assert scaled["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": m.one("Deployment")["metadata"]["name"],
    }
    assert scaled["minReplicaCount"] >= 1
    partitions = settings.partitions
    assert scaled["maxReplicaCount"] <= partitions, "replicas beyond the partitions sit idle"
    auth_name = m.one("TriggerAuthentication")["metadata"]["name"]
    topics = []
    for trigger in scaled["triggers"]:
        meta = trigger["metadata"]
        assert trigger["type"] == "kafka"
        assert set(meta) <= KAFKA_TRIGGER_KEYS, (
            f"unknown keys {sorted(set(meta) - KAFKA_TRIGGER_KEYS)}"
        )
        assert meta["consumerGroup"] == settings.app_id, "the group is CLAIMS_ADJ_APP_ID"
        assert meta["bootstrapServers"] == settings.kafka_bootstrap_servers
        assert meta["allowIdleConsumers"] == "false"
        assert meta["limitToPartitionsWithLag"] == "false"
        assert meta["offsetResetPolicy"] == "earliest", "the worker reads a new group from start"
        assert int(meta["lagThreshold"]) > 0
        assert meta["sasl"] == KEDA_SASL[settings.kafka_sasl_mechanism]
        uses_tls = settings.kafka_security_protocol in ("SSL", "SASL_SSL")
        assert meta["tls"] == ("enable" if uses_tls else "disable")
        assert trigger["authenticationRef"] == {"name": auth_name}
        topics.append(meta["topic"])
    assert topics[0] == settings.topic_submitted == "claims.submitted.v1"
    assert set(topics) <= {settings.topic_submitted, settings.topic_by_member}
    assert len(topics) == len(set(topics))


def check_trigger_authentication(m: Manifests) -> None:
    """KEDA logs in with the worker's own user, password and CA: the same keys it reads."""
    spec = m.one("TriggerAuthentication")["spec"]
    refs = {ref["parameter"]: ref for ref in spec["secretTargetRef"]}
    refs_cm = {ref["parameter"]: ref for ref in spec.get("configMapTargetRef", [])}
    assert set(refs) | set(refs_cm) <= KAFKA_AUTH_PARAMETERS
    assert not set(refs) & set(refs_cm)
    env = m.env
    for parameter, setting in (
        ("password", "CLAIMS_ADJ_KAFKA_SASL_PASSWORD_FILE"),
        ("ca", "CLAIMS_ADJ_KAFKA_SSL_CA_FILE"),
    ):
        assert (refs[parameter]["name"], refs[parameter]["key"]) == _secret_key_of(
            m.workloads["Deployment"], env[setting]
        )
    username = refs_cm["username"]
    assert username["name"] == m.one("ConfigMap")["metadata"]["name"]
    assert username["key"] == "CLAIMS_ADJ_KAFKA_SASL_USERNAME"
    assert username["key"] in m.configmap


def check_calendar_schedule(m: Manifests) -> None:
    """Once a day, one run at a time, `calendar open today` (a UTC date, so a UTC schedule) with
    the worker's image, settings and credentials; never a pod the worker's selectors count."""
    cron = m.one("CronJob")["spec"]
    assert cron["concurrencyPolicy"] == "Forbid"
    minute, hour, *every_day = cron["schedule"].split()
    assert minute.isdigit() and hour.isdigit(), "once a day, at a fixed time"
    assert every_day == ["*", "*", "*"], f"every day: {cron['schedule']}"
    assert cron["timeZone"] in ("Etc/UTC", "UTC"), "`today` is the date in UTC"
    workload = m.workloads["CronJob"]
    container = workload.container
    assert container["image"] == m.container["image"], "the worker's image"
    assert [*container["command"], *container["args"]] == [
        "/opt/claims-adjudicator/bin/claims-adjudicator",
        "calendar",
        "open",
        "today",
    ]
    assert m.env_of(container).items() >= m.configmap.items(), "the worker's settings"
    settings = m.settings(container)
    assert settings.topic_calendar == m.settings().topic_calendar
    for part in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"].get(part, {})), part
    # Exit 2 is a bad setting: failing the Job at once beats five identical retries.
    job = m.one("CronJob")["spec"]["jobTemplate"]["spec"]
    assert workload.pod["restartPolicy"] == "Never", "podFailurePolicy needs Never"
    exits = job["podFailurePolicy"]["rules"][0]
    assert exits["action"] == "FailJob" and exits["onExitCodes"]["values"] == [2]
    selector = m.one("Deployment")["spec"]["selector"]["matchLabels"]
    labels = job["template"]["metadata"]["labels"]
    assert not selector.items() <= labels.items(), "the worker's PDB and spread would count it"


CHECKS: list[Callable[[Manifests], None]] = [
    check_kustomization,
    check_worker_configuration,
    check_probes,
    check_security,
    check_file_settings,
    check_writable_dirs,
    check_no_plaintext_secret,
    check_example_secret,
    check_deployment,
    check_scaling,
    check_trigger_authentication,
    check_calendar_schedule,
]


# -- tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "doc"),
    [pytest.param(name, doc, id=f"{name}:{doc['kind']}") for name, doc in _loaded().all_objects()],
)
def test_schema(name: str, doc: dict[str, Any]) -> None:
    check_schema(doc)


@pytest.mark.parametrize("check", CHECKS, ids=[check.__name__ for check in CHECKS])
def test_rule(check: Callable[[Manifests], None]) -> None:
    check(manifests())


def _set(path: str, value: Any) -> Callable[[Manifests], None]:
    """A mutation: set `kind.key.key...` (integers index lists) to value; None deletes."""

    def mutate(m: Manifests) -> None:
        kind, *keys = path.split(".")
        node: Any = m.example_secret if kind == "ExampleSecret" else m.one(kind)
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        last: Any = int(keys[-1]) if keys[-1].isdigit() else keys[-1]
        if value is None:
            del node[last]
        else:
            node[last] = value

    return mutate


POD = "Deployment.spec.template.spec"
CONTAINER = f"{POD}.containers.0"
TRIGGER = "ScaledObject.spec.triggers.0.metadata"
CRON_POD = "CronJob.spec.jobTemplate.spec.template.spec"
CRON = f"{CRON_POD}.containers.0"
# (what is broken, how, the check that must catch it: a check_* name or "schema")
BROKEN: list[tuple[str, Callable[[Manifests], None], str]] = [
    ("unknown pod field", _set(f"{POD}.hostNetwrok", True), "schema"),
    ("replicas as text", _set("Deployment.spec.replicas", "two"), "schema"),
    ("maxReplicaCount 0", _set("ScaledObject.spec.maxReplicaCount", 0), "schema"),
    ("unknown KEDA field", _set("ScaledObject.spec.maxReplicas", 3), "schema"),
    (
        "secret ref without key",
        _set("TriggerAuthentication.spec.secretTargetRef.0.key", None),
        "schema",
    ),
    ("patches", lambda m: m.kustomization.update(patches=[]), "check_kustomization"),
    ("namespace", _set("ConfigMap.metadata.namespace", "claims"), "check_kustomization"),
    (
        "bad protocol",
        _set("ConfigMap.data.CLAIMS_ADJ_KAFKA_SECURITY_PROTOCOL", "TLS"),
        "check_worker_configuration",
    ),
    (
        "misspelt setting",
        _set("ConfigMap.data.CLAIMS_ADJ_PARTITONS", "3"),
        "check_worker_configuration",
    ),
    (
        "liveness on /readyz",
        _set(f"{CONTAINER}.livenessProbe.httpGet.path", "/readyz"),
        "check_probes",
    ),
    ("probe by number", _set(f"{CONTAINER}.readinessProbe.httpGet.port", 6066), "check_probes"),
    ("other web port", _set(f"{CONTAINER}.env.1.value", "8080"), "check_probes"),
    ("root allowed", _set(f"{CONTAINER}.securityContext.runAsNonRoot", False), "check_security"),
    (
        "writable root",
        _set(f"{CONTAINER}.securityContext.readOnlyRootFilesystem", False),
        "check_security",
    ),
    (
        "CA outside the Secret",
        _set("ConfigMap.data.CLAIMS_ADJ_KAFKA_SSL_CA_FILE", "/etc/ssl/ca.crt"),
        "check_file_settings",
    ),
    (
        "key not in the Secret",
        _set("ConfigMap.data.CLAIMS_ADJ_KAFKA_SSL_CA_FILE", "/etc/claims-adjudicator/kafka/ca.pem"),
        "check_file_settings",
    ),
    ("group-readable", _set(f"{POD}.volumes.2.secret.defaultMode", 0o444), "check_file_settings"),
    (
        "data dir elsewhere",
        _set(f"{CONTAINER}.volumeMounts.0.mountPath", "/data"),
        "check_writable_dirs",
    ),
    (
        "plain password",
        _set("ConfigMap.data.CLAIMS_ADJ_KAFKA_SASL_PASSWORD", "hunter2"),
        "check_no_plaintext_secret",
    ),
    (
        "real example",
        _set("ExampleSecret.stringData.sasl-password", "hunter2"),
        "check_example_secret",
    ),
    ("replicas set", _set("Deployment.spec.replicas", 2), "check_deployment"),
    ("surge", _set("Deployment.spec.strategy.rollingUpdate.maxSurge", 1), "check_deployment"),
    ("too many replicas", _set("ScaledObject.spec.maxReplicaCount", 4), "check_scaling"),
    ("fewer partitions", _set("ConfigMap.data.CLAIMS_ADJ_PARTITIONS", "2"), "check_scaling"),
    ("other target", _set("ScaledObject.spec.scaleTargetRef.name", "claims"), "check_scaling"),
    ("other group", _set(f"{TRIGGER}.consumerGroup", "claims-adjudicator-v2"), "check_scaling"),
    ("other app id", _set("ConfigMap.data.CLAIMS_ADJ_APP_ID", "adjudicator"), "check_scaling"),
    ("lag typo", _set(f"{TRIGGER}.lagTreshold", "10"), "check_scaling"),
    ("idle consumers", _set(f"{TRIGGER}.allowIdleConsumers", "true"), "check_scaling"),
    ("wrong sasl", _set(f"{TRIGGER}.sasl", "scram_sha256"), "check_scaling"),
    (
        "other CA key",
        _set("TriggerAuthentication.spec.secretTargetRef.1.key", "ca.pem"),
        "check_trigger_authentication",
    ),
    ("cron unknown field", _set("CronJob.spec.concurrency", "Forbid"), "schema"),
    ("cron deadline as text", _set("CronJob.spec.startingDeadlineSeconds", "6h"), "schema"),
    ("cron unknown pod field", _set(f"{CRON_POD}.restartPolicyy", "Never"), "schema"),
    ("cron overlaps", _set("CronJob.spec.concurrencyPolicy", "Allow"), "check_calendar_schedule"),
    ("cron hourly", _set("CronJob.spec.schedule", "5 * * * *"), "check_calendar_schedule"),
    ("cron local time", _set("CronJob.spec.timeZone", "Europe/Paris"), "check_calendar_schedule"),
    ("cron other image", _set(f"{CRON}.image", "claims:old"), "check_calendar_schedule"),
    ("cron runs the worker", _set(f"{CRON}.args", ["worker"]), "check_calendar_schedule"),
    ("cron no settings", _set(f"{CRON}.envFrom", None), "check_calendar_schedule"),
    ("cron no limits", _set(f"{CRON}.resources.limits", None), "check_calendar_schedule"),
    (
        "cron in the worker's selector",
        lambda m: m.one("CronJob")["spec"]["jobTemplate"]["spec"]["template"]["metadata"][
            "labels"
        ].update({"app.kubernetes.io/component": "worker"}),
        "check_calendar_schedule",
    ),
    (
        "cron writable root",
        _set(f"{CRON}.securityContext.readOnlyRootFilesystem", False),
        "check_security",
    ),
    ("cron as root", _set(f"{CRON_POD}.securityContext.runAsNonRoot", False), "check_security"),
    (
        "cron password from a secretKeyRef",
        lambda m: (
            m.workloads["CronJob"]
            .container["env"]
            .append({"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}})
        ),
        "check_no_plaintext_secret",
    ),
    ("cron token", _set(f"{CRON_POD}.automountServiceAccountToken", True), "check_security"),
    (
        "cron Secret elsewhere",
        _set(f"{CRON}.volumeMounts.0.mountPath", "/etc/kafka"),
        "check_file_settings",
    ),
    (
        "cron other Secret",
        _set(f"{CRON_POD}.volumes.0.secret.secretName", "x"),
        "check_file_settings",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "catcher"),
    [pytest.param(mutate, catcher, id=label) for label, mutate, catcher in BROKEN],
)
def test_a_broken_manifest_is_caught(mutate: Callable[[Manifests], None], catcher: str) -> None:
    broken = manifests()
    mutate(broken)
    if catcher == "schema":
        changed = [
            doc
            for (_, doc), (_, before) in zip(
                broken.all_objects(), _loaded().all_objects(), strict=True
            )
            if doc != before
        ]
        assert changed, "the mutation changed nothing"
        with pytest.raises(AssertionError):
            for doc in changed:
                check_schema(doc)
    else:
        with pytest.raises((AssertionError, SettingsError)):
            globals()[catcher](broken)
