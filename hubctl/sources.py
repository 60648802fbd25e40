"""Where resource views come from offline: a synthesized stack, or a `pulumi stack export` file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hubcore.stackfiles import known_stacks, load_layered_config, stack_file
from hubcore.stacks import Layer, StackName
from hubcore.values import ConfigError, ConfigValue, Location
from hubcore.wire import decode_properties, provider_urn_of
from infra.providers import REGION_KEY_PROVIDERS
from infra.synth import ResourceRecord, SynthResult
from policies.evaluate import Target
from policies.facts import site_facts
from policies.model import ResourceView

STACK_TYPE = "pulumi:pulumi:Stack"
DEPLOYMENT_VERSION = 3


def stack_urn(stack: str, project: str = "hub") -> str:
    return f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"


def _relative_stack_file(stack: str) -> Location:
    path = stack_file(stack)
    return Location(f"stacks/{path.name}")


def view_of_record(record: ResourceRecord) -> ResourceView:
    source = Location(record.source_file, record.source_line) if record.source_file else None
    return ResourceView(
        urn=record.urn,
        type=record.type,
        name=record.name,
        inputs=record.inputs,
        secret_paths=record.secret_paths,
        provider_urn=record.provider_urn,
        parent=record.parent,
        # infra.synth.HubMocks gives every resource the id "<name>-id"; references between
        # resources (a rule's security group) carry that id, so views resolve them by it.
        id=f"{record.name}-id" if record.custom else None,
        source=source,
    )


def target_of_synth(result: SynthResult) -> Target:
    return Target(
        name=result.stack,
        site=site_facts(result.stack, result.config),
        resources=[view_of_record(r) for r in result.resources],
        stack_urn=stack_urn(result.stack),
        fallback=_relative_stack_file(result.stack),
    )


def target_of_unplaced_stack(stack: str, config: Mapping[str, ConfigValue], key: str) -> Target:
    """A stack whose config names a region the catalogue does not know (or none) under `key`.

    The program cannot be declared without a catalogue region, but to the policy pack this is
    not a usage error: it is the very thing the region rules fail closed on. The stack is judged
    as the provider that key configures, so `hubctl check` reports a region violation at the
    config line, with the nearest allowed region.
    """
    name = REGION_KEY_PROVIDERS[key]
    provider = ResourceView(
        urn=f"urn:pulumi:{stack}::hub::{STACK_TYPE}$pulumi:providers:openstack::{name}",
        type="pulumi:providers:openstack",
        name=name,
        inputs={"region": config[key].value if key in config else None},
    )
    return Target(
        name=stack,
        site=site_facts(stack, config),
        resources=[provider],
        stack_urn=stack_urn(stack),
        fallback=_relative_stack_file(stack),
    )


class StateError(ValueError):
    """An export file that cannot be read as a deployment of version 3."""


def _urn_lines(text: str) -> dict[str, int]:
    """Line of each `"urn": "..."` in the export, so findings point into the file."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith('"urn":'):
            try:
                urn = json.loads("{" + stripped.rstrip(",") + "}")["urn"]
            except (json.JSONDecodeError, KeyError):
                continue
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


def _view_of_state(entry: dict[str, Any], where: Location) -> ResourceView:
    outputs, output_secrets = decode_properties(entry.get("outputs") or {})
    inputs, input_secrets = decode_properties(entry.get("inputs") or {})
    merged, secrets = _merge(
        inputs if isinstance(inputs, dict) else {},
        input_secrets,
        outputs if isinstance(outputs, dict) else {},
        output_secrets,
    )
    dependencies = {
        str(key): tuple(str(u) for u in urns)
        for key, urns in (entry.get("propertyDependencies") or {}).items()
        if isinstance(urns, list)
    }
    urn = str(entry["urn"])
    return ResourceView(
        urn=urn,
        type=str(entry["type"]),
        name=urn.rsplit("::", 1)[-1],
        inputs=merged,
        secret_paths=frozenset(secrets),
        provider_urn=provider_urn_of(entry.get("provider")),
        parent=entry.get("parent"),
        id=entry.get("id") or None,
        source=where,
        dependencies=dependencies,
    )


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_state(path: Path) -> Target:
    """A target from a `pulumi stack export` file; StateError says what is wrong with it."""
    shown = _shown(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise StateError(f"{shown}: cannot read the state export: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise StateError(f"{shown}: not a text file, not a `pulumi stack export`") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise StateError(
            f"{shown}: not valid JSON ({error}); expected a `pulumi stack export` file"
        ) from error
    if not isinstance(data, dict) or "deployment" not in data:
        raise StateError(f"{shown}: no `deployment` object: not a `pulumi stack export` file")
    version = data.get("version")
    if version != DEPLOYMENT_VERSION:
        raise StateError(
            f"{shown}: deployment version {version!r} is not supported; export it with a "
            f"current CLI (`pulumi stack export`, version {DEPLOYMENT_VERSION})"
        )
    deployment = data["deployment"]
    entries = deployment.get("resources") if isinstance(deployment, dict) else None
    if entries is None:
        entries = []
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and "urn" in e and "type" in e for e in entries
    ):
        raise StateError(f"{shown}: deployment.resources must be a list of resources with urn/type")

    lines = _urn_lines(text)
    stack_entry = next((e for e in entries if e["type"] == STACK_TYPE), None)
    stack = None
    if stack_entry is not None or entries:
        urn = str((stack_entry or entries[0])["urn"])
        stack = urn.split("::", 1)[0].removeprefix("urn:pulumi:")
    views = [
        _view_of_state(e, Location(shown, lines.get(str(e["urn"]))))
        for e in entries
        if e["type"] != STACK_TYPE and not e.get("delete")
    ]
    return Target(
        name=f"{shown} ({stack or 'unknown stack'})",
        site=site_facts(
            stack,
            _config_of(stack),
            observed_secrets_provider=_secrets_provider(deployment),
        ),
        resources=views,
        stack_urn=str(stack_entry["urn"]) if stack_entry else stack_urn(stack or "unknown"),
        fallback=Location(shown, lines.get(str(stack_entry["urn"])) if stack_entry else None),
    )


def _config_of(stack: str | None) -> dict[str, Any]:
    """The repository's config for the exported stack, when it is one of ours.

    A v3 export carries no config; the site facts (production, DR pairing, backend) come from
    the stack's files here. An export of a stack this repository does not define is judged
    on its resources alone; rules that need site facts then answer "not applicable".
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
    except ConfigError:
        return {}


def _secrets_provider(deployment: dict[str, Any]) -> str | None:
    providers = deployment.get("secrets_providers")
    if not isinstance(providers, dict) or not providers.get("type"):
        return None
    kind = str(providers["type"])
    state = providers.get("state")
    if kind == "cloud" and isinstance(state, dict) and state.get("url"):
        return str(state["url"])
    return kind
