"""Generate the JSON Schemas of KEDA's ScaledObject and TriggerAuthentication (keda.sh/v1alpha1).

Where they come from: the PyPI package `cloudcoil-models-keda`, whose version is the KEDA release
it was generated from plus a build number (2.20.2.1 = KEDA 2.20.2, build 1). It ships pydantic
models that cloudcoil's code generator wrote from KEDA's CustomResourceDefinitions: every field,
its alias (the CRD's camelCase name), its type, enums and bounds (`ge=1` for maxReplicaCount and
so on). This script turns those models back into JSON Schemas, so the manifests' KEDA objects
can be validated offline (tests/unit/deploy/test_k8s_manifests.py) without fetching anything.

The package needs Python >= 3.14 and cloudcoil's runtime (a Kubernetes client); neither is
needed here. The script reads the model module straight out of the wheel, drops the builder
classes and methods (they only make objects in code), stands in for the three cloudcoil names
the fields use (BaseModel, Resource, ObjectMeta) and asks pydantic for the schemas. It runs on
the project's Python 3.11 virtualenv (pydantic 2):

    .venv/bin/pip download --no-deps --python-version 3.14 --only-binary=:all: \\
        --dest /tmp/keda-models cloudcoil-models-keda==2.20.2.1
    .venv/bin/python deploy/k8s/schemas/generate_keda_schemas.py \\
        /tmp/keda-models/cloudcoil_models_keda-2.20.2.1-py3-none-any.whl

It writes `keda-<version>/scaledobject-keda-v1alpha1.json` and
`keda-<version>/triggerauthentication-keda-v1alpha1.json` beside itself. For another KEDA
release, download that version and update KEDA_VERSION in the test.

Two things are added to what the models say:
- `additionalProperties: false` on every object with named fields, as the API server's strict
  field validation (kubectl's default) rejects a misspelt field;
- apiVersion, kind, metadata and metadata.name are required, as they are for a manifest.
`metadata` itself is only a sketch (name, namespace, labels, annotations; other fields allowed):
the API server validates it, not the CRD schema.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import types
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pydantic

MODULE_IN_WHEEL = "cloudcoil/models/keda/v1alpha1.py"
KINDS = ("ScaledObject", "TriggerAuthentication")
BUILDER_CLASSES = {"Builder", "BuilderContext"}
BUILDER_METHODS = {"builder", "new", "list_builder"}


class _BaseModel(pydantic.BaseModel):
    # cloudcoil's BaseModel config, less what only matters when building objects in code.
    model_config = pydantic.ConfigDict(populate_by_name=True)


class _ObjectMeta(_BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")

    name: str
    namespace: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class _Resource(_BaseModel):
    pass


def _strip_builders(source: str) -> ast.Module:
    """The module without its Builder classes, builder methods and cloudcoil imports."""
    tree = ast.parse(source)
    body: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cloudcoil"):
            continue
        if isinstance(node, ast.ClassDef):
            node.body = [
                item
                for item in node.body
                if not (isinstance(item, ast.ClassDef) and item.name in BUILDER_CLASSES)
                and not (isinstance(item, ast.FunctionDef) and item.name in BUILDER_METHODS)
            ] or [ast.Pass()]
        body.append(node)
    tree.body = body
    return tree


def load_models(wheel: Path) -> types.ModuleType:
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read(MODULE_IN_WHEEL).decode()
    module = types.ModuleType("keda_v1alpha1")
    module.__dict__.update(BaseModel=_BaseModel, Resource=_Resource, ObjectMeta=_ObjectMeta)
    sys.modules[module.__name__] = module  # pydantic resolves forward references through it
    code = compile(_strip_builders(source), f"{wheel.name}/{MODULE_IN_WHEEL}", "exec")
    exec(code, module.__dict__)
    return module


def _tidy(node: Any) -> Any:
    """Closer to the CRD: no titles, `X | None = None` as plain X, closed objects.

    An optional field is omitted rather than null in a manifest (the API server prunes a null
    of a non-nullable CRD field), and every object with named fields gets
    `additionalProperties: false` unless it says otherwise.
    """
    if isinstance(node, list):
        return [_tidy(value) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: _tidy(value) for key, value in node.items() if key != "title"}
    options = node.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        options = [option for option in options if option != {"type": "null"}]
        if node.get("default", "absent") is None:
            del node["default"]
        if len(options) == 1:
            del node["anyOf"]
            node = {**options[0], **node}
        else:
            node["anyOf"] = options
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    return node


def schema_of(model: type[pydantic.BaseModel], keda_version: str, wheel: str) -> dict[str, Any]:
    schema = _tidy(model.model_json_schema(by_alias=True, mode="validation"))
    jsonschema.Draft202012Validator.check_schema(schema)  # the test trusts it to be valid
    schema["required"] = sorted({"apiVersion", "kind", "metadata", *schema.get("required", [])})
    schema["properties"]["metadata"] = {"$ref": "#/$defs/_ObjectMeta"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": (
            f"KEDA {keda_version} {model.__name__} (keda.sh/v1alpha1), generated by "
            f"deploy/k8s/schemas/generate_keda_schemas.py from {wheel} (PyPI). Do not edit: "
            "regenerate (see the script's docstring)."
        ),
        **schema,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("wheel", type=Path, help="cloudcoil_models_keda-<version>-*.whl")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args(argv)

    match = re.match(r"cloudcoil_models_keda-(\d+\.\d+\.\d+)\.\d+-", args.wheel.name)
    if match is None:
        parser.error(f"not a cloudcoil-models-keda wheel: {args.wheel.name}")
    keda_version = match.group(1)
    models = load_models(args.wheel)
    out = args.out / f"keda-{keda_version}"
    out.mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        schema = schema_of(getattr(models, kind), keda_version, args.wheel.name)
        path = out / f"{kind.lower()}-keda-v1alpha1.json"
        path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
