"""The stack files: a site's shared values in stacks/sites.yaml, one small file per stack, and
`-c KEY=VALUE` overrides, layered into values that remember their file and line.

A stack's effective configuration is layered, lowest first:
  1. the site's shared values in stacks/sites.yaml (region, provider, sizes...);
  2. the stack file stacks/Pulumi.<stack>.yaml (what `pulumi config set` writes);
  3. `-c KEY=VALUE` overrides given on the command line for one run.
Every value remembers where it came from, so an error (or a policy violation) names the file and
line a person has to change. Nothing here knows what a key means: infra.config validates them.

This is the one reader of those files (the program, hubctl and the policy pack all use it). It
reads them with the strict YAML reader (hubcore.strict_yaml), which refuses what it cannot read
unambiguously (a file that is not UTF-8, a key given twice, a `secure:` value that is not Pulumi
ciphertext, a scalar YAML 1.1 and 1.2 read differently, aliases and merges past their bounds),
and refuses what no stack file may hold: a top-level key Pulumi would ignore (`configs:`), a
blank value, a value over the size bound.

The stacks directory is `stacks/` beside this package, or $HUB_STACKS_DIR when set (a copy of
the stack files: a reviewer's what-if, the tests' private folder). Ask `stacks_dir()` at call
time; hubctl's engine runs follow it too (hubctl.engine_project).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hubcore.paths import REPO_ROOT, relative
from hubcore.stacks import PROJECT, SITE_LAYERS, SITE_NAME, StackName
from hubcore.strict_yaml import (
    _TAG,
    CIPHERTEXT_FORM,
    MAX_FILE_BYTES,
    MAX_KEY_CHARS,
    _Entry,
    _kind,
    _Reader,
    _text_of,
    is_ciphertext,
    shown,
)
from hubcore.values import COMMAND_LINE, SECRET_PLACEHOLDER, ConfigError, ConfigValue, Location

STACKS_DIR = REPO_ROOT / "stacks"
STACKS_DIR_VARIABLE = "HUB_STACKS_DIR"
SITES_FILE_NAME = "sites.yaml"

# What a stack file may hold at the top: Pulumi's own ProjectStack fields (pulumi/pulumi,
# sdk/go/common/workspace/project.go). Pulumi ignores any other key, so a typo such as
# `configs:` would silently drop every value under it.
STACK_FILE_KEYS = ("config", "encryptedkey", "encryptionsalt", "environment", "secretsprovider")
# sites.yaml: the sites, and `x-*` entries that only hold anchors for `<<:` merges.
SITES_FILE_KEYS = ("sites", "x-*")
# What a site is, decided once in stacks/sites.yaml for all its stacks: a stack file that sets
# one is refused (a prod stack file saying `hub:production: false` would turn production's
# rules advisory for that stack). `-c` may still set them for one offline what-if run.
SITE_FACT_KEYS = (
    "hub:classification",
    "hub:production",
    "hub:protects",
    "hub:drSite",
    "hub:replicaRegion",
    "hub:networkCidr",
    "hub:adminCidrs",
    "hub:workspacePool",
    "hub:aptProxy",
    "hub:identityDomain",
)

# The bound on one key's value, from a file or from -c (the strict YAML reader bounds the rest).
MAX_VALUE_CHARS = 8192  # each config key's value, as the config text the program receives


def stacks_dir() -> Path:
    """The stacks directory: $HUB_STACKS_DIR when set, else the repository's stacks/."""
    configured = os.environ.get(STACKS_DIR_VARIABLE)
    return Path(configured) if configured else STACKS_DIR


def stacks_dir_shown() -> str:
    """The stacks directory as an error names it: `stacks/`, or the folder $HUB_STACKS_DIR
    names (with the variable, so that a mistyped one is found where it was set)."""
    folder = stacks_dir()
    if folder == STACKS_DIR:
        return f"{relative(folder)}/"
    return f"{folder}/ (${STACKS_DIR_VARIABLE})"


def stack_file(stack: str | StackName, stacks_dir: Path | None = None) -> Path:
    return (stacks_dir or _default_dir()) / f"Pulumi.{stack}.yaml"


def _default_dir() -> Path:
    return stacks_dir()


def _as_config_text(value: Any) -> str:
    """Pulumi hands structured config to programs as JSON text and scalars as their text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


# --------------------------------------------------------------------------------------------
# The two kinds of file


def _config_values(
    reader: _Reader, node: yaml.Node | None, where: str, *, secrets_allowed: bool
) -> dict[str, ConfigValue]:
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "null"):
        return {}
    result: dict[str, ConfigValue] = {}
    for entry in reader.entries(node, where):
        key, line = entry.key, entry.key_node.start_mark.line + 1
        if key != key.strip() or any(not c.isprintable() for c in key):
            raise reader.error(
                entry.key_node,
                f"config key {key!r} has spaces around it or unprintable characters",
                key=key,
            )
        if ":" not in key.strip(":"):
            raise reader.error(
                entry.key_node,
                f"config key {key!r} has no namespace; write it as {PROJECT}:{key.strip()} "
                f"(or openstack:{key.strip()} for the provider)",
                key=key,
            )
        value, secret = reader.value(entry.value, key)
        if secret and not secrets_allowed:
            raise reader.error(
                entry.value,
                f"config key {key}: a `secure:` value has no place in {SITES_FILE_NAME}, which "
                "Pulumi does not decrypt; set it in the stack file with `pulumi config set "
                f"--secret {key} ...`",
                key=key,
            )
        if value is None or (isinstance(value, str) and not value.strip()):
            raise reader.error(
                entry.value,
                f"config key {key} has a blank value ({shown(_text_of(entry.value))}); give it "
                "a value or remove the key",
                key=key,
            )
        text = SECRET_PLACEHOLDER if secret else _as_config_text(value)
        if len(text) > MAX_VALUE_CHARS:
            raise reader.error(
                entry.value,
                f"config key {key}: the value {shown(text)} is over {MAX_VALUE_CHARS:,} "
                "characters, the bound for one key",
                key=key,
            )
        result[key] = ConfigValue(text, secret, Location(reader.file, line))
    return result


def _refuse_unknown_keys(reader: _Reader, entries: list[_Entry], allowed: tuple[str, ...]) -> None:
    for entry in entries:
        patterns = [a for a in allowed if a.endswith("*") and entry.key.startswith(a[:-1])]
        if entry.key not in allowed and not patterns:
            raise reader.error(
                entry.key_node,
                f"unknown top-level key {entry.key!r} (value {shown(_text_of(entry.value))}) "
                f"in the {reader.what}; allowed: {', '.join(allowed)}",
                key=entry.key,
            )


@dataclass(frozen=True)
class StackFile:
    config: dict[str, ConfigValue]
    encryption_salt: str | None
    # The `config:` line (1 when there is none): where `pulumi config set` writes a new key.
    config_line: int = 1
    # Every other top-level key (secretsprovider, encryptedkey, environment...) as read, with
    # its line: the engine applies them too, and the pack judges each one.
    fields: tuple[tuple[str, Any, int], ...] = ()


@dataclass(frozen=True)
class SitesFile:
    sites: dict[str, dict[str, ConfigValue]]


def _read_stack_file(path: Path, what: str) -> StackFile:
    reader = _Reader(path, what)
    if reader.root is None:  # an empty stack file: Pulumi reads it as no config
        return StackFile({}, None)
    entries = reader.entries(reader.root, "the stack file")
    _refuse_unknown_keys(reader, entries, STACK_FILE_KEYS)
    found = {e.key: e for e in entries}
    for key in ("encryptionsalt", "secretsprovider", "encryptedkey"):
        if key in found:
            node = found[key].value
            text = node.value if isinstance(node, yaml.ScalarNode) else None
            if node.tag != _TAG + "str" or not isinstance(text, str) or not text.strip():
                raise reader.error(
                    node,
                    f"{key} must be the text Pulumi wrote, not {_kind(node)}",
                    key=key,
                )
    salt_entry = found.get("encryptionsalt")
    salt = str(salt_entry.value.value) if salt_entry else None
    if salt is not None and not _is_salt(salt):
        raise reader.error(
            salt_entry.value if salt_entry else None,
            f"encryptionsalt {shown(salt)} is not a passphrase salt (v1:<base64 salt>:"
            f"{CIPHERTEXT_FORM}) as `pulumi stack init` writes it",
            key="encryptionsalt",
        )
    if "environment" in found:
        node = found["environment"].value
        if isinstance(node, yaml.ScalarNode):
            raise reader.error(
                node, "environment must be a list of ESC environments or a mapping", "environment"
            )
        reader.value(node, "environment")
    config_entry = found.get("config")
    config = _config_values(
        reader, config_entry.value if config_entry else None, "config", secrets_allowed=True
    )
    config_line = config_entry.key_node.start_mark.line + 1 if config_entry else 1
    for key in SITE_FACT_KEYS:
        if key in config:
            raise ConfigError(
                f"{config[key].location}: {key} is a site fact, decided once for every stack of "
                f"the site in stacks/{SITES_FILE_NAME}; a stack file may not redefine it (remove "
                "it here, or change the site's entry)",
                key=key,
                location=config[key].location,
            )
    fields = tuple(
        (e.key, reader.plain(e.value, e.key), e.key_node.start_mark.line + 1)
        for e in entries
        if e.key != "config"
    )
    return StackFile(config, salt, config_line, fields)


def _is_salt(text: str) -> bool:
    version, _, rest = text.partition(":")
    salt, _, check = rest.partition(":")
    try:
        base64.b64decode(salt, validate=True)
    except (binascii.Error, ValueError):
        return False
    return version == "v1" and bool(salt) and is_ciphertext(check)


def _read_sites_file(path: Path) -> SitesFile:
    reader = _Reader(path, "site catalogue")
    if reader.root is None:
        raise ConfigError(f"{reader.file}: the site catalogue is empty; it needs `sites:`")
    entries = reader.entries(reader.root, SITES_FILE_NAME)
    _refuse_unknown_keys(reader, entries, SITES_FILE_KEYS)
    for entry in entries:
        if entry.key != "sites":  # anchors: checked for duplicates and bounds, used by merges
            reader.value(entry.value, entry.key)
    found = {e.key: e for e in entries}
    if "sites" not in found:
        raise ConfigError(f"{reader.file}: no `sites:` mapping; it names each site's values")
    sites: dict[str, dict[str, ConfigValue]] = {}
    for site in reader.entries(found["sites"].value, "sites"):
        if not SITE_NAME.match(site.key):
            raise reader.error(
                site.key_node,
                f"site {site.key!r} is not a site name: lowercase letters and digits joined by "
                "'-' (it names stacks <site>-<layer>)",
                key=site.key,
            )
        if not isinstance(site.value, yaml.MappingNode):
            raise reader.error(
                site.value,
                f"site {site.key!r} must be a mapping of config keys, not {_kind(site.value)}",
                key=site.key,
            )
        sites[site.key] = _config_values(
            reader, site.value, f"sites.{site.key}", secrets_allowed=False
        )
    return SitesFile(sites)


# Parsed files by path and content: the pack reads the same sites.yaml for every stack it
# judges. Keyed by a digest of the bytes, so an edited file is never served stale.
_CACHE: dict[tuple[str, str, bytes], StackFile | SitesFile] = {}
_CACHE_SIZE = 64


def _cached(kind: str, path: Path, what: str) -> StackFile | SitesFile:
    try:
        with path.open("rb") as handle:
            digest = hashlib.blake2b(handle.read(MAX_FILE_BYTES + 1), digest_size=16).digest()
    except OSError:
        digest = b""  # the reader reports it
    key = (kind, str(path), digest)
    if key not in _CACHE:
        parsed = _read_sites_file(path) if kind == "sites" else _read_stack_file(path, what)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = parsed
    return _CACHE[key]


def read_sites(directory: Path | None = None) -> SitesFile:
    found = _cached("sites", (directory or _default_dir()) / SITES_FILE_NAME, "site catalogue")
    assert isinstance(found, SitesFile)
    return found


def read_stack_file(stack: str | StackName, directory: Path | None = None) -> StackFile:
    found = _cached("stack", stack_file(stack, directory), f"stack file for {str(stack)!r}")
    assert isinstance(found, StackFile)
    return found


def load_layered_config(
    stack: str | StackName,
    overrides: dict[str, str] | None = None,
    stacks_dir: Path | None = None,
) -> dict[str, ConfigValue]:
    """The stack's effective config from sites.yaml, its stack file and command-line overrides."""
    name = stack if isinstance(stack, StackName) else StackName.parse(stack)
    directory = stacks_dir or _default_dir()
    sites = read_sites(directory)
    site_values = sites.sites.get(name.site)
    if site_values is None:
        raise ConfigError(
            f"{relative(directory / SITES_FILE_NAME)}: site {name.site!r} (from stack "
            f"{str(name)!r}) is not defined; known sites: {', '.join(sorted(sites.sites))}",
            key="site",
        )
    merged = dict(site_values)
    stack_values = read_stack_file(name, directory)
    merged.update(stack_values.config)
    for key, value in (overrides or {}).items():
        key, value = check_override(key, value)
        # A -c value has no line of its own; `home` is the stack-file line where its key belongs
        # (its own line, else `config:`, where `pulumi config set` would write it), for reports
        # whose consumers need a file (SARIF, Code Quality).
        own = stack_values.config.get(key)
        line = own.location.line if own is not None else stack_values.config_line
        home = Location(relative(stack_file(name, directory)), line)
        location = Location(COMMAND_LINE, override=f"{key}={value}", home=home)
        merged[key] = ConfigValue(value, False, location)
    return merged


def check_override(key: str, value: str) -> tuple[str, str]:
    """A `-c` key and value as the reader allows them (the same bounds as a file's)."""
    key = key.strip()
    if not key or key.strip(":") == "":
        raise ConfigError(f"-c {key}={shown(value)}: the key is empty", key=key)
    key = key if ":" in key else f"{PROJECT}:{key}"
    for text, what in ((key, "key"), (value, "value")):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ConfigError(
                f"-c {key}: the {what} {shown(text)} is not valid UTF-8 text", key=key
            ) from exc
    if len(key) > MAX_KEY_CHARS:
        raise ConfigError(f"-c {shown(key)}: the key is over {MAX_KEY_CHARS} characters", key=key)
    if len(value) > MAX_VALUE_CHARS:
        raise ConfigError(
            f"-c {key}={shown(value)}: the value is over {MAX_VALUE_CHARS:,} characters, the "
            "bound for one key",
            key=key,
        )
    return key, value


def parse_override(text: str) -> tuple[str, str]:
    """`KEY=VALUE` as given to -c; the key gets the project namespace if it has none."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(
            f"-c {shown(text)}: expected KEY=VALUE, e.g. -c openstack:region=GRA11", key=key
        )
    return check_override(key, value)


def known_stacks(stacks_dir: Path | None = None) -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for p in (stacks_dir or _default_dir()).glob("Pulumi.*.yaml")
    )


def known_sites(stacks_dir: Path | None = None) -> list[str]:
    """Sites that have at least one stack file."""
    names = (StackName.try_parse(stack) for stack in known_stacks(stacks_dir))
    return sorted({name.site for name in names if name is not None})


def missing_site_stacks(site: str, stacks_dir: Path | None = None) -> list[str]:
    """The stacks of `site`'s layers that have no stack file (all of them for an unknown site)."""
    stacks = set(known_stacks(stacks_dir))
    wanted = (str(StackName(site, layer)) for layer in SITE_LAYERS)
    return [stack for stack in wanted if stack not in stacks]
