"""A `pulumi stack export` file (v3) as the pack's target: every part the pack reads is checked,
each problem a StateError naming the file, the JSON path, the value and what is allowed; secrets
stay masked unless the export's passphrase is given. The views of a synthesized stack come from
hubctl/targets.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from hubcore import jsonfile
from hubcore.jsonfile import child_path
from hubcore.stackfiles import known_stacks, load_layered_config
from hubcore.stacks import Layer, StackName
from hubcore.values import SECRET_PLACEHOLDER, ConfigError, Location
from hubcore.wire import (
    RESOURCE_SIG,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    UNKNOWN_PLACEHOLDER,
    provider_urn_of,
)
from hubctl.passphrase import Decrypter, PassphraseError
from hubctl.targets import STACK_TYPE, stack_urn
from policies.evaluate import Target
from policies.facts import site_facts
from policies.model import ResourceView

DEPLOYMENT_VERSION = 3


class StateError(ValueError):
    """An export file that cannot be read as a deployment of version 3."""


# A `pulumi stack export` of a large site is tens of MiB; anything far beyond is not one.
MAX_STATE_BYTES = 256 << 20
URN_PREFIX = "urn:pulumi:"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
# ResourceV3 fields (pulumi/pulumi, sdk/go/common/apitype/core.go) and the JSON type each must
# have; fields not listed are carried by newer CLIs and left alone.
_BOOL_FIELDS = ("custom", "delete", "protect", "taint", "external", "pendingReplacement",
                "retainOnDelete", "refreshBeforeUpdate")  # fmt: skip
_TEXT_FIELDS = ("id", "importID", "sourcePosition", "created", "modified", "snippetID")
_URN_LIST_FIELDS = ("dependencies", "aliases", "replaceWith")
_TEXT_LIST_FIELDS = ("initErrors", "additionalSecretOutputs", "ignoreChanges", "replaceOnChanges")
ASSET_SIGS = frozenset({"c44067f5952c0a294b673a41bacd8c17", "0def7320c3a5731c473e5ecbe6d01bc7"})


def _urn_lines(text: str) -> dict[str, int]:
    """Line of each `"urn": "..."` in the export, so findings point into the file."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith('"urn":'):
            try:
                urn = json.loads("{" + stripped.rstrip(",") + "}")["urn"]
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
            if isinstance(urn, str):
                lines.setdefault(urn, number)
    return lines


def _top(path: str) -> str:
    return path.split(".")[0].split("[")[0]


def _merge(
    inputs: dict[str, Any],
    input_secrets: set[str],
    outputs: dict[str, Any],
    output_secrets: set[str],
) -> tuple[dict[str, Any], set[str]]:
    """One view of a deployed resource: what the program asked for and what the cloud reports.

    Inputs win where both sides hold a value (they are what the program declared), except
    that a value in clear on either side wins over a secret on the other: the state file holds
    both sides, so a secret written in clear in the outputs is as exposed as in the inputs.
    A secret that only the outputs hold is the provider's (the bridged OpenStack provider keeps
    a sensitive `adminPass`, usually empty, encrypted on every instance): it exposes nothing and
    says nothing about what the program set, so it is left out.
    """
    merged: dict[str, Any] = {}
    secrets: set[str] = set()
    for key in {**outputs, **inputs}:
        in_secret = any(_top(p) == key for p in input_secrets)
        out_secret = any(_top(p) == key for p in output_secrets)
        if key not in inputs and out_secret:
            continue
        out_in_clear = key in outputs and not out_secret and outputs[key] not in (None, "")
        use_outputs = key not in inputs or (in_secret and out_in_clear)
        merged[key] = outputs[key] if use_outputs else inputs[key]
        chosen = output_secrets if use_outputs else input_secrets
        secrets |= {p for p in chosen if _top(p) == key}
    return merged, secrets


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "text",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)  # fmt: skip


def _value(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:60] + "..."


@dataclass(frozen=True)
class _Urn:
    stack: str
    project: str
    type: str
    name: str


class _StateReader:
    """Checks every part of an export the pack reads, and decodes resources' properties.

    Each problem is a StateError naming the file, the JSON path, the value and what is allowed;
    no resource is ever skipped because it is malformed.
    """

    def __init__(self, shown: str, decrypter: Decrypter | None) -> None:
        self.shown = shown
        self.decrypter = decrypter

    def fail(self, path: str, message: str) -> NoReturn:
        raise StateError(f"{self.shown}: {path or 'the document'}: {message}")

    def expect(self, value: Any, kind: type | tuple[type, ...], path: str, allowed: str) -> None:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            found = "null" if value is None else f"{_kind(value)} {_value(value)}"
            self.fail(path, f"{found} where {allowed} belongs")

    def urn(self, value: Any, path: str) -> _Urn:
        self.expect(value, str, path, "a URN (urn:pulumi:<stack>::<project>::<type>::<name>)")
        parts = str(value).removeprefix(URN_PREFIX).split("::", 3)
        if not str(value).startswith(URN_PREFIX) or len(parts) != 4 or not all(parts[:3]):
            self.fail(
                path,
                f"{_value(value)} is not a URN (urn:pulumi:<stack>::<project>::<type>::<name>)",
            )
        return _Urn(parts[0], parts[1], parts[2].rsplit("$", 1)[-1], parts[3])

    def provider_reference(self, value: Any, path: str) -> str:
        allowed = "a provider reference (<provider URN>::<id>)"
        self.expect(value, str, path, allowed)
        urn, sep, _ = str(value).rpartition("::")
        if not sep or not urn.startswith(URN_PREFIX):
            self.fail(path, f"{_value(value)} is not {allowed}")
        if not self.urn(urn, path).type.startswith(PROVIDER_TYPE_PREFIX):
            self.fail(path, f"{_value(value)} does not name a provider ({allowed})")
        return str(value)

    # Properties: Pulumi's state encoding (pkg/resource/stack/deployment.go)

    def properties(self, value: Any, path: str) -> tuple[dict[str, Any], set[str]]:
        if value is None:
            return {}, set()
        self.expect(value, dict, path, "an object of properties")
        decoded, secrets = self.property(value, path, "")
        assert isinstance(decoded, dict)
        return decoded, secrets

    def property(self, value: Any, path: str, inner: str) -> tuple[Any, set[str]]:
        """The decoded value at JSON `path`; `inner` is its path within the resource's
        properties, the form secret paths take (`payload`, `tags[0]`)."""
        if isinstance(value, list):
            items, secrets = [], set()
            for index, item in enumerate(value):
                decoded, found = self.property(item, child_path(path, index), f"{inner}[{index}]")
                items.append(decoded)
                secrets |= found
            return items, secrets
        if not isinstance(value, dict):
            return (UNKNOWN_PLACEHOLDER if value == UNKNOWN else value), set()
        sig = value.get(SIG_KEY)
        if sig is None:
            result, secrets = {}, set()
            for key, item in value.items():
                decoded, found = self.property(
                    item, child_path(path, key), f"{inner}.{key}" if inner else key
                )
                result[key] = decoded
                secrets |= found
            return result, secrets
        self.expect(sig, str, child_path(path, SIG_KEY), "a signature")
        if sig == SECRET_SIG:
            return self.secret(value, path, inner), {inner}
        if sig == RESOURCE_SIG:
            self.urn(value.get("urn"), child_path(path, "urn"))
            return value["urn"], set()
        if sig in ASSET_SIGS:  # assets and archives: their content does not matter to policies
            return {k: v for k, v in value.items() if k != SIG_KEY}, set()
        self.fail(
            child_path(path, SIG_KEY),
            f"unknown signature {_value(sig)}; a state export holds secrets, resource "
            "references, assets and archives",
        )

    def secret(self, value: dict[str, Any], path: str, inner: str) -> Any:
        plain, cipher = value.get("plaintext"), value.get("ciphertext")
        if (plain is None) == (cipher is None) or set(value) - {SIG_KEY, "plaintext", "ciphertext"}:
            self.fail(path, "a secret holds exactly one of `ciphertext` or `plaintext` (text)")
        text_path = child_path(path, "plaintext" if plain is not None else "ciphertext")
        self.expect(plain if plain is not None else cipher, str, text_path, "text")
        if cipher is not None:
            if self.decrypter is None:
                return SECRET_PLACEHOLDER
            try:
                plain = self.decrypter.decrypt(str(cipher))
            except PassphraseError as error:
                self.fail(text_path, f"cannot decrypt: {error}")
        try:
            revealed = jsonfile.loads(str(plain))
        except jsonfile.JsonError as error:
            self.fail(text_path, f"the secret's value is not JSON: {error.problem}")
        decoded, _ = self.property(revealed, text_path, inner)
        return decoded

    # Resources

    def resource(self, entry: Any, path: str) -> tuple[dict[str, Any], _Urn]:
        self.expect(entry, dict, path, "a resource object")
        urn = self.urn(entry.get("urn"), child_path(path, "urn"))
        kind = entry.get("type")
        self.expect(kind, str, child_path(path, "type"), "a type token (package:module:Type)")
        if kind != urn.type:
            self.fail(
                child_path(path, "type"),
                f"{_value(kind)} differs from the type in its URN ({_value(urn.type)})",
            )
        for key in _BOOL_FIELDS:
            if entry.get(key) is not None:
                self.expect(entry[key], bool, child_path(path, key), "true or false")
        for key in _TEXT_FIELDS:
            if entry.get(key) is not None:
                self.expect(entry[key], str, child_path(path, key), "text")
        for key in (*_URN_LIST_FIELDS, *_TEXT_LIST_FIELDS):
            items = entry.get(key)
            if items is None:
                continue
            self.expect(items, list, child_path(path, key), "a list")
            for index, item in enumerate(items):
                where = child_path(child_path(path, key), index)
                if key in _URN_LIST_FIELDS:
                    self.urn(item, where)
                else:
                    self.expect(item, str, where, "text")
        for key in ("parent", "deletedWith"):
            if entry.get(key) not in (None, ""):
                self.urn(entry[key], child_path(path, key))
        if entry.get("provider") not in (None, ""):
            self.provider_reference(entry["provider"], child_path(path, "provider"))
        dependencies = entry.get("propertyDependencies")
        if dependencies is not None:
            where = child_path(path, "propertyDependencies")
            self.expect(dependencies, dict, where, "an object of property name to URNs")
            for key, urns in dependencies.items():
                self.expect(urns, list, child_path(where, key), "a list of URNs")
                for index, item in enumerate(urns):
                    self.urn(item, child_path(child_path(where, key), index))
        return entry, urn

    def view(self, entry: dict[str, Any], urn: _Urn, path: str, where: Location) -> ResourceView:
        inputs, input_secrets = self.properties(entry.get("inputs"), child_path(path, "inputs"))
        outputs, output_secrets = self.properties(entry.get("outputs"), child_path(path, "outputs"))
        merged, secrets = _merge(inputs, input_secrets, outputs, output_secrets)
        dependencies = {
            key: tuple(urns) for key, urns in (entry.get("propertyDependencies") or {}).items()
        }
        return ResourceView(
            urn=str(entry["urn"]),
            type=urn.type,
            name=urn.name,
            inputs=merged,
            secret_paths=frozenset(secrets),
            provider_urn=provider_urn_of(entry.get("provider") or None),
            parent=entry.get("parent") or None,
            id=entry.get("id") or None,
            source=where,
            dependencies=dependencies,
            # An entry that carries propertyDependencies lists every input's sources: an input
            # without one was written literally (the pack fails closed on what it cannot read).
            dependencies_known=isinstance(entry.get("propertyDependencies"), dict),
            input_keys=frozenset(inputs),
        )


def load_state(path: Path, passphrase: str | None = None) -> Target:
    """A target from a `pulumi stack export` file; StateError says what is wrong with it.

    With `passphrase`, the ciphertexts of a passphrase-encrypted export are decrypted so rules
    judge their values (they stay marked secret); without it they stay masked.
    """
    shown = _shown(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_STATE_BYTES + 1)
    except OSError as error:
        raise StateError(f"{shown}: cannot read the state export: {error.strerror}") from error
    return parse_state(data, shown, passphrase)


def parse_state(data: bytes, shown: str, passphrase: str | None = None) -> Target:
    """A target from the bytes of a `pulumi stack export` document; `shown` names it in
    messages and locations (a file, or a backend object)."""
    if len(data) > MAX_STATE_BYTES:
        raise StateError(f"{shown}: over {MAX_STATE_BYTES >> 20} MiB: not a state export")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise StateError(
            f"{shown}:{line}: not UTF-8 (byte {data[error.start]:#04x} at offset {error.start}): "
            "not a `pulumi stack export` file"
        ) from error
    try:
        document = jsonfile.loads(text)
    except jsonfile.JsonError as error:
        raise StateError(f"{shown}: {error}; expected a `pulumi stack export` file") from error
    reader = _StateReader(shown, None)
    if not isinstance(document, dict) or "deployment" not in document:
        raise StateError(
            f"{shown}: no `deployment` object ({_kind(document)} at the top): not a "
            '`pulumi stack export` file ({"version": 3, "deployment": {...}})'
        )
    version = document.get("version")
    if version != DEPLOYMENT_VERSION or isinstance(version, bool):
        raise StateError(
            f"{shown}: version: deployment version {_value(version)} is not supported; export "
            f"it with a current CLI (`pulumi stack export`, version {DEPLOYMENT_VERSION})"
        )
    deployment = document["deployment"]
    reader.expect(deployment, dict, "deployment", "the deployment object")
    for key in ("manifest", "metadata"):
        if deployment.get(key) is not None:
            reader.expect(deployment[key], dict, f"deployment.{key}", "an object")
    provider = _secrets_provider(reader, deployment)
    if passphrase is not None:
        reader.decrypter = _decrypter(reader, deployment, provider, passphrase)
    entries = deployment.get("resources")
    if entries is None:
        entries = []
    reader.expect(entries, list, "deployment.resources", "a list of resources")
    pending = deployment.get("pending_operations")
    checked: list[tuple[dict[str, Any], _Urn, str]] = []
    for index, entry in enumerate(entries):
        where = f"deployment.resources[{index}]"
        checked.append((*reader.resource(entry, where), where))
    if pending is not None:
        reader.expect(pending, list, "deployment.pending_operations", "a list of operations")
        for index, operation in enumerate(pending):
            where = f"deployment.pending_operations[{index}]"
            reader.expect(operation, dict, where, "an operation object")
            checked.append((*reader.resource(operation.get("resource"), f"{where}.resource"),
                            f"{where}.resource"))  # fmt: skip

    stacks = {urn.stack for _, urn, _ in checked}
    if len(stacks) > 1:
        first = checked[0][1].stack
        _, odd, where = next(c for c in checked if c[1].stack != first)
        reader.fail(
            f"{where}.urn",
            f"stack {odd.stack!r} differs from {first!r} of the other resources: an export "
            "holds one stack",
        )
    live: dict[str, str] = {}
    for entry, _, where in checked:
        if entry.get("delete") or ".pending_operations" in where:
            continue
        if entry["urn"] in live:
            reader.fail(
                f"{where}.urn",
                f"{_value(entry['urn'])} is also the URN of {live[entry['urn']]}: each resource "
                "appears once (besides copies marked `delete` while they are replaced)",
            )
        live[entry["urn"]] = where

    lines = _urn_lines(text)
    stack_entry = next((e for e, urn, _ in checked if urn.type == STACK_TYPE), None)
    stack = next(iter(stacks), None)
    # Every resource is judged, those pending deletion or creation too: they exist in the cloud
    # until the engine finishes, so none leaves the review unseen.
    views = [
        reader.view(entry, urn, where, Location(shown, lines.get(entry["urn"])))
        for entry, urn, where in checked
        if urn.type != STACK_TYPE
    ]
    return Target(
        name=f"{shown} ({stack or 'unknown stack'})",
        site=site_facts(stack, _config_of(stack), observed_secrets_provider=provider),
        resources=views,
        stack_urn=str(stack_entry["urn"]) if stack_entry else stack_urn(stack or "unknown"),
        fallback=Location(shown, lines.get(str(stack_entry["urn"])) if stack_entry else None),
    )


def _decrypter(
    reader: _StateReader, deployment: dict[str, Any], provider: str | None, passphrase: str
) -> Decrypter:
    if provider != "passphrase":
        reader.fail(
            "deployment.secrets_providers.type",
            f"the export's secrets provider is {provider or 'not set'}; a passphrase decrypts "
            "exports of the passphrase provider only",
        )
    state = deployment["secrets_providers"].get("state")
    reader.expect(state, dict, "deployment.secrets_providers.state", "an object")
    salt = state.get("salt")
    reader.expect(salt, str, "deployment.secrets_providers.state.salt", "the passphrase salt")
    try:
        return Decrypter.from_state(str(salt), passphrase)
    except PassphraseError as error:
        reader.fail("deployment.secrets_providers.state.salt", str(error))


def _config_of(stack: str | None) -> dict[str, Any]:
    """The repository's config for the exported stack, when it is one of ours.

    A v3 export carries no config; the site facts (production, DR pairing, backend) come from
    the stack's files here. An export of a stack this repository does not define is judged
    on its resources alone; rules that need site facts then answer "not applicable". One of
    ours whose files cannot be read is refused: judging it without its facts (production, DR
    site) would pass what its own config forbids.
    """
    if stack is None:
        return {}
    if stack not in known_stacks():
        # A workspace closed (its stack file gone) but still deployed somewhere: judge it with
        # its site's facts, which any of the site's stacks carries.
        name = StackName.try_parse(stack)
        if name is None or name.layer is not Layer.WORKSPACE:
            return {}
        stack = str(name.sibling(Layer.NETWORK))
        if stack not in known_stacks():
            return {}
    try:
        return dict(load_layered_config(stack))
    except ConfigError as error:
        raise StateError(
            f"the export is of stack {stack!r}, whose stack files cannot be read: {error}"
        ) from error


def _secrets_provider(reader: _StateReader, deployment: dict[str, Any]) -> str | None:
    providers = deployment.get("secrets_providers")
    if providers is None:
        return None
    where = "deployment.secrets_providers"
    reader.expect(providers, dict, where, "an object {type, state}")
    kind = providers.get("type")
    if kind in (None, ""):
        return None
    reader.expect(kind, str, f"{where}.type", "the provider's type (passphrase, hashivault...)")
    state = providers.get("state")
    if state is not None:
        reader.expect(state, dict, f"{where}.state", "an object")
    if kind == "cloud" and isinstance(state, dict) and state.get("url"):
        reader.expect(state["url"], str, f"{where}.state.url", "the provider's URL")
        return str(state["url"])
    return str(kind)
