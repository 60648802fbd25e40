"""Build `pulumi stack export` documents (deployment version 3) from synthesized stacks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hubcore.wire import SECRET_SIG, SIG_KEY
from hubctl.targets import stack_urn
from synth.records import SynthResult

PASSPHRASE = {"type": "passphrase", "state": {"salt": "v1:AtOPrB5/ehk=:v1:test"}}


def _ciphertext(path: str) -> dict[str, str]:
    return {SIG_KEY: SECRET_SIG, "ciphertext": f"v1:encrypted:{path}"}


def _encode(inputs: dict[str, Any], secret_paths: frozenset[str]) -> dict[str, Any]:
    encoded = copy.deepcopy(inputs)
    for path in secret_paths:
        if "." not in path and "[" not in path and path in encoded:
            encoded[path] = _ciphertext(path)
    return encoded


def export_of(result: SynthResult) -> dict[str, Any]:
    """The export `pulumi stack export` would write after deploying `result` as declared."""
    resources: list[dict[str, Any]] = [
        {"urn": stack_urn(result.stack), "custom": False, "type": "pulumi:pulumi:Stack"}
    ]
    for record in result.resources:
        properties = _encode(record.inputs, record.secret_paths)
        entry: dict[str, Any] = {
            "urn": record.urn,
            "custom": record.custom,
            "type": record.type,
            "inputs": properties,
            "outputs": copy.deepcopy(properties),
            "parent": record.parent or stack_urn(result.stack),
        }
        if record.custom:
            entry["id"] = f"{record.name}-id"
        if record.provider:
            entry["provider"] = record.provider
        resources.append(entry)
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-11-29T00:00:00Z", "magic": "", "version": "v3.274.0"},
            "secrets_providers": copy.deepcopy(PASSPHRASE),
            "resources": resources,
        },
    }


def entry(export: dict[str, Any], type_suffix: str, name_part: str = "") -> dict[str, Any]:
    for item in export["deployment"]["resources"]:
        if item["type"].endswith(type_suffix) and name_part in item["urn"].rsplit("::", 1)[-1]:
            return item
    raise AssertionError(f"no {type_suffix} *{name_part}* in the export")


def set_property(item: dict[str, Any], key: str, value: Any, *, secret: bool = False) -> None:
    """Change one property in both inputs and outputs, as a deployed change would."""
    for side in ("inputs", "outputs"):
        item[side][key] = {SIG_KEY: SECRET_SIG, "plaintext": json.dumps(value)} if secret else value


def write(export: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(export, indent=4), encoding="utf-8")
    return path
