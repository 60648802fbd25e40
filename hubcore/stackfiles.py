"""The stack files: a site's shared values in stacks/sites.yaml, one small file per stack, and
`-c KEY=VALUE` overrides, layered into values that remember their file and line.

A stack's effective configuration is layered, lowest first:
  1. the site's shared values in stacks/sites.yaml (region, provider, sizes...);
  2. the stack file stacks/Pulumi.<stack>.yaml (what `pulumi config set` writes);
  3. `-c KEY=VALUE` overrides given on the command line for one run.
Every value remembers where it came from, so an error (or a policy violation) names the file and
line a person has to change. Nothing here knows what a key means: infra.config validates them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from hubcore.stacks import PROJECT, SITE_LAYERS, StackName
from hubcore.values import COMMAND_LINE, SECRET_PLACEHOLDER, ConfigError, ConfigValue, Location

REPO_ROOT = Path(__file__).resolve().parent.parent
STACKS_DIR = REPO_ROOT / "stacks"
SITES_FILE_NAME = "sites.yaml"


def stack_file(stack: str | StackName, stacks_dir: Path = STACKS_DIR) -> Path:
    return stacks_dir / f"Pulumi.{stack}.yaml"


def relative(path: Path) -> str:
    """`path` as a person at the repository root would type it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _as_config_text(value: Any) -> str:
    """Pulumi hands structured config to programs as JSON text and scalars as their text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


# libyaml's loader when present (about 5x faster, same line marks); the pure-Python one otherwise.
LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml_mapping(path: Path, what: str) -> tuple[Any, yaml.MappingNode]:
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=LOADER)
        node = yaml.compose(text, Loader=LOADER)
    except FileNotFoundError as exc:
        raise ConfigError(f"{relative(path)}: {what} not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{relative(path)}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{relative(path)}: {what} must be a YAML mapping")
    return data, node


def _child(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    for key_node, value_node in node.value:
        if key_node.value == key:
            found: yaml.Node = value_node
            return found
    return None


def _entries(values: Any, node: yaml.Node | None, path: Path, where: str) -> dict[str, ConfigValue]:
    if values is None:
        return {}
    if not isinstance(values, dict) or not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{relative(path)}: `{where}` must be a mapping of config keys")
    result: dict[str, ConfigValue] = {}
    for key_node in _keys_with_merges(node):
        key = str(key_node.value)
        raw = values[key]
        if ":" not in key:
            raise ConfigError(
                f"{relative(path)}:{key_node.start_mark.line + 1}: config key {key!r} has no "
                f"namespace; write it as {PROJECT}:{key} (or openstack:{key} for the provider)",
                key=key,
            )
        secret = isinstance(raw, dict) and set(raw) == {"secure"}
        text = SECRET_PLACEHOLDER if secret else _as_config_text(raw)
        location = Location(relative(path), key_node.start_mark.line + 1)
        result[key] = ConfigValue(text, secret, location)
    return result


def _keys_with_merges(node: yaml.MappingNode) -> list[yaml.Node]:
    """Key nodes of a mapping, YAML merge keys (`<<: *defaults`) expanded in place.

    Keys merged from an anchor keep the line where the anchor wrote them, so a location points
    at the line to edit.
    """
    keys: dict[str, yaml.Node] = {}
    explicit: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        if key_node.value == "<<":
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            for source in sources:
                if isinstance(source, yaml.MappingNode):
                    for merged in _keys_with_merges(source):
                        keys.setdefault(str(merged.value), merged)
        else:
            explicit[str(key_node.value)] = key_node
    keys.update(explicit)
    return list(keys.values())


def load_layered_config(
    stack: str | StackName,
    overrides: dict[str, str] | None = None,
    stacks_dir: Path = STACKS_DIR,
) -> dict[str, ConfigValue]:
    """The stack's effective config from sites.yaml, its stack file and command-line overrides."""
    name = stack if isinstance(stack, StackName) else StackName.parse(stack)
    site = name.site
    sites_path = stacks_dir / SITES_FILE_NAME
    sites, sites_node = _read_yaml_mapping(sites_path, "site catalogue")
    site_values = (sites.get("sites") or {}).get(site)
    sites_map = _child(sites_node, "sites")
    if site_values is None or not isinstance(sites_map, yaml.MappingNode):
        known = sorted((sites.get("sites") or {}).keys())
        raise ConfigError(
            f"{relative(sites_path)}: site {site!r} (from stack {str(name)!r}) is not defined; "
            f"known sites: {', '.join(known)}",
            key="site",
        )
    merged = _entries(site_values, _child(sites_map, site), sites_path, f"sites.{site}")

    path = stack_file(name, stacks_dir)
    data, node = _read_yaml_mapping(path, f"stack file for {str(name)!r}")
    merged.update(_entries(data.get("config"), _child(node, "config"), path, "config"))

    config_node = _child(node, "config")
    for key, value in (overrides or {}).items():
        if ":" not in key:
            key = f"{PROJECT}:{key}"
        home = Location(relative(path), _home_line(node, config_node, key))
        location = Location(COMMAND_LINE, override=f"{key}={value}", home=home)
        merged[key] = ConfigValue(value, False, location)
    return merged


def _home_line(node: yaml.MappingNode, config: yaml.Node | None, key: str) -> int:
    """The stack-file line where `key` belongs: its own line, else the `config:` line (where
    `pulumi config set` would write it), else the first line."""
    if isinstance(config, yaml.MappingNode):
        for key_node, _ in config.value:
            if key_node.value == key:
                return int(key_node.start_mark.line) + 1
    for key_node, _ in node.value:
        if key_node.value == "config":
            return int(key_node.start_mark.line) + 1
    return 1


def parse_override(text: str) -> tuple[str, str]:
    """`KEY=VALUE` as given to -c; the key gets the project namespace if it has none."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"-c {text!r}: expected KEY=VALUE, e.g. -c openstack:region=GRA11")
    key = key.strip()
    return (key if ":" in key else f"{PROJECT}:{key}"), value


def known_stacks(stacks_dir: Path = STACKS_DIR) -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for p in stacks_dir.glob("Pulumi.*.yaml")
    )


def known_sites(stacks_dir: Path = STACKS_DIR) -> list[str]:
    """Sites that have at least one stack file."""
    names = (StackName.try_parse(stack) for stack in known_stacks(stacks_dir))
    return sorted({name.site for name in names if name is not None})


def missing_site_stacks(site: str, stacks_dir: Path = STACKS_DIR) -> list[str]:
    """The stacks of `site`'s layers that have no stack file (all of them for an unknown site)."""
    stacks = set(known_stacks(stacks_dir))
    wanted = (str(StackName(site, layer)) for layer in SITE_LAYERS)
    return [stack for stack in wanted if stack not in stacks]
