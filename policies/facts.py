"""Site facts from the repository's files and the environment: what rules know about a stack
beyond its resources. Rules read no file; the callers that build a Context (hubctl check, the
engine adapter) build its facts here, from every source policies/config_sources.py lists.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from hubcore.paths import REPO_ROOT, relative
from hubcore.stackfiles import (
    known_stacks,
    load_layered_config,
    read_sites,
    read_stack_file,
    stack_file,
)
from hubcore.stacks import SITE_LAYERS, StackName
from hubcore.strict_yaml import read_yaml
from hubcore.values import ConfigError, ConfigValue
from policies.clouds_yaml import cloud_entry, cloud_key
from policies.config_sources import CREDENTIAL, classify_variable
from policies.model import SiteFacts, Sources

RELATED_SITE_KEYS = ("hub:drSite", "hub:protects")
PROJECT_FILE = REPO_ROOT / "Pulumi.yaml"
SET = "[set]"


@cache
def site_region(site: str, layer: str | None) -> str | None:
    """The openstack:region another site of this repository is configured with: its stack of
    the same layer when there is one, else any of its stacks; None when it has none."""
    stacks = set(known_stacks())
    preferred = [str(StackName(site, layer_)) for layer_ in SITE_LAYERS if layer_.value == layer]
    candidates = [*preferred, *(str(StackName(site, layer_)) for layer_ in SITE_LAYERS)]
    stack = next((s for s in candidates if s in stacks), None)
    if stack is None:
        return None
    try:
        region = load_layered_config(stack).get("openstack:region")
    except ConfigError:
        return None
    return None if region is None else region.value


def _site_values(site: str | None) -> dict[str, ConfigValue]:
    if site is None:
        return {}
    try:
        return dict(read_sites().sites.get(site, {}))
    except ConfigError:
        return {}


def is_production_site(site: str) -> bool:
    value = _site_values(site).get("hub:production")
    return value is not None and value.value.strip().lower() == "true"


def project_file(path: Path = PROJECT_FILE) -> tuple[dict[str, Any] | None, str | None]:
    """Pulumi.yaml as the engine reads it, or why it cannot be read (none: no engine run)."""
    if not path.exists():
        return None, None
    try:
        document = read_yaml(path, "project file")
    except ConfigError as error:
        return None, str(error)
    if not isinstance(document, dict):
        return None, f"{relative(path)}: the project file is not a mapping"
    return document, None


def environment(variables: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables of the families the engine and the providers read (and the hub's own),
    credentials replaced by a marker: judged by name, never kept or keyed by value."""
    found: dict[str, str] = {}
    for name, value in sorted((variables if variables is not None else os.environ).items()):
        verdict = classify_variable(name)
        if verdict is None:
            continue
        found[name] = SET if verdict is CREDENTIAL or "PASSPHRASE" in name else value
    return found


def pulumi_home(variables: Mapping[str, str] | None = None) -> Path:
    env = variables if variables is not None else os.environ
    return Path(env.get("PULUMI_HOME") or Path.home() / ".pulumi")


def credentials_backend(
    variables: Mapping[str, str] | None = None,
) -> tuple[str | None, str | None]:
    """The backend `pulumi login` made current ($PULUMI_HOME/credentials.json), or a problem."""
    path = pulumi_home(variables) / "credentials.json"
    try:
        if not path.is_file():
            return None, None
        if path.stat().st_size > 1 << 20:
            return None, f"{path} is larger than 1 MiB"
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        return None, f"{path} cannot be read ({type(error).__name__})"
    current = document.get("current") if isinstance(document, dict) else None
    if current is not None and not isinstance(current, str):
        return None, f"{path}: `current` is not a URL"
    return current or None, None


def sources(
    stack: str | None,
    *,
    config_problem: str | None = None,
    variables: Mapping[str, str] | None = None,
) -> Sources:
    project, project_problem = project_file()
    fields: dict[str, tuple[Any, int]] = {}
    name = None
    if stack is not None and stack in known_stacks():
        name = relative(stack_file(stack))
        try:
            fields = {key: (value, line) for key, value, line in read_stack_file(stack).fields}
        except ConfigError as error:
            config_problem = config_problem or str(error)
    parsed = StackName.try_parse(stack) if stack else None
    backend, credentials_problem = credentials_backend(variables)
    return Sources(
        project=project,
        project_problem=project_problem,
        stack_file=fields,
        stack_file_name=name,
        config_problem=config_problem,
        environment=environment(variables),
        credentials_backend=backend,
        credentials_problem=credentials_problem,
        site_values=_site_values(parsed.site if parsed else None),
    )


def site_facts(
    stack: str | None,
    config: Mapping[str, ConfigValue],
    *,
    observed_secrets_provider: str | None = None,
    config_problem: str | None = None,
) -> SiteFacts:
    name = StackName.try_parse(stack) if stack else None
    layer = name.layer.value if name else None
    regions: dict[str, str | None] = {}
    for key in RELATED_SITE_KEYS:
        value = config.get(key)
        if value is not None and value.value and not value.secret:
            regions[value.value] = site_region(value.value, layer)
    # The entries a provider may read: openstack:cloud, or OS_CLOUD when a provider sets none.
    names = {os.environ.get("OS_CLOUD", "")}
    configured = config.get("openstack:cloud")
    if configured is not None and not configured.secret:
        names.add(configured.value)
    regions_used = {None, os.environ.get("OS_REGION_NAME") or None}
    for key in ("openstack:region", "hub:replicaRegion"):
        if key in config and not config[key].secret:
            regions_used.add(config[key].value)
    clouds = {
        cloud_key(name, region): cloud_entry(name, region)
        for name in sorted(names)
        if name
        for region in sorted(regions_used, key=str)
    }
    protects = config.get("hub:protects")
    return SiteFacts(
        stack=stack,
        config=config,
        observed_secrets_provider=observed_secrets_provider,
        site_regions=regions,
        clouds=clouds,
        sources=sources(stack, config_problem=config_problem),
        protects_production=bool(
            protects is not None and not protects.secret and is_production_site(protects.value)
        ),
    )
