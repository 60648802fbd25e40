"""The stack files: a site's shared values in stacks/sites.yaml, one small file per stack, and
`-c KEY=VALUE` overrides, layered into values that remember their file and line.

A stack's effective configuration is layered, lowest first:
  1. the site's shared values in stacks/sites.yaml (region, provider, sizes...);
  2. the stack file stacks/Pulumi.<stack>.yaml (what `pulumi config set` writes);
  3. `-c KEY=VALUE` overrides given on the command line for one run.
Every value remembers where it came from, so an error (or a policy violation) names the file and
line a person has to change. Nothing here knows what a key means: infra.config validates them.

This is the one reader of those files (the program, hubctl and the policy pack all use it), and
it refuses what it cannot read unambiguously instead of guessing: a file that is not UTF-8, a
key given twice (YAML readers keep the last one silently), a top-level key Pulumi would ignore
(`configs:`), a blank value, a value over the size bound, a `secure:` value that is not Pulumi
ciphertext, and a plain scalar that YAML 1.1 (PyYAML) and YAML 1.2 (go-yaml v3, which Pulumi
reads stack files with) read differently (`yes`, `017`, `1_000`, a date): the program and the
engine must see the same value. Aliases and merge keys are bounded on the composed node graph,
before anything is expanded, so an exponential alias ("billion laughs") or a long merge chain
is refused in milliseconds.

The stacks directory is `stacks/` beside this package, or $HUB_STACKS_DIR when set (offline
commands on a copy of the stack files, e.g. the property-based tests).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hubcore.stacks import PROJECT, SITE_LAYERS, SITE_NAME, StackName
from hubcore.values import COMMAND_LINE, SECRET_PLACEHOLDER, ConfigError, ConfigValue, Location

REPO_ROOT = Path(__file__).resolve().parent.parent
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

# Bounds. Every shipped file is far inside them; each exists so that no input can make the
# reader slow or large.
MAX_FILE_BYTES = 1 << 20
MAX_NODES = 100_000  # nodes of a file as if every alias and merge were expanded
MAX_DEPTH = 32  # nesting of mappings and sequences
MAX_MERGE_DEPTH = 8  # a mapping merging a mapping merging a mapping...
MAX_KEY_CHARS = 256
MAX_VALUE_CHARS = 8192  # each config key's value, as the config text the program receives
SHOWN_CHARS = 60

MERGE_KEY = "<<"
SECURE_KEY = "secure"
# Pulumi's ciphertext (sdk/go/common/resource/config/crypt.go, symmetricCrypter): "v1:" then
# the base64 of a 12-byte AES-GCM nonce, then the base64 of the sealed value and its 16-byte tag.
CIPHERTEXT_FORM = "v1:<base64 12-byte nonce>:<base64 ciphertext>"
NONCE_BYTES = 12
GCM_TAG_BYTES = 16

_TAG = "tag:yaml.org,2002:"
# Plain scalars as YAML 1.2's core schema reads them; anything PyYAML's 1.1 resolver reads
# otherwise is ambiguous between the two readers.
_CORE_FORMS = {
    "null": re.compile(r"^(?:~|null|Null|NULL|)$"),
    "bool": re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    "int": re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$|^0x[0-9a-fA-F]+$"),
    "float": re.compile(
        r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"
        r"|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$"
    ),
}
_SCALAR_KINDS = frozenset({"str", "null", "bool", "int", "float", "timestamp"})
_READINGS = {
    "str": "text",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean",
    "timestamp": "a date",
    "null": "nothing (null)",
}
# go-yaml v3 also reads these as numbers where PyYAML reads strings.
_V3_NUMBER = re.compile(r"^[-+]?0[bo][0-9a-fA-F_]+$|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$")


def stacks_dir() -> Path:
    """The stacks directory: $HUB_STACKS_DIR when set, else the repository's stacks/."""
    configured = os.environ.get(STACKS_DIR_VARIABLE)
    return Path(configured) if configured else STACKS_DIR


def stack_file(stack: str | StackName, stacks_dir: Path | None = None) -> Path:
    return (stacks_dir or _default_dir()) / f"Pulumi.{stack}.yaml"


def _default_dir() -> Path:
    return stacks_dir()


def relative(path: Path) -> str:
    """`path` as a person at the repository root would type it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def shown(value: Any, limit: int = SHOWN_CHARS) -> str:
    """A value as an error message quotes it: repr (so control characters and markup-like
    brackets print as themselves), cut to `limit` characters."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) > limit:
        return repr(text[:limit]) + f"... ({len(text)} characters)"
    return repr(text)


# --------------------------------------------------------------------------------------------
# Reading one YAML file into checked nodes


@dataclass(frozen=True)
class _Entry:
    """One key of a mapping after merges: its text, key node and value node."""

    key: str
    key_node: yaml.Node
    value: yaml.Node


class _Reader:
    """One YAML file, composed (never constructed by PyYAML) and checked against the bounds."""

    def __init__(self, path: Path, what: str) -> None:
        self.path = path
        self.file = relative(path)
        self.what = what
        self.root = self._compose(self._text())

    def error(self, node: yaml.Node | None, message: str, key: str | None = None) -> ConfigError:
        line = node.start_mark.line + 1 if node is not None else None
        location = Location(self.file, line)
        return ConfigError(f"{location}: {message}", key=key, location=location)

    def _text(self) -> str:
        try:
            with self.path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError as exc:
            raise ConfigError(f"{self.file}: {self.what} not found") from exc
        except OSError as exc:
            raise ConfigError(f"{self.file}: cannot read the {self.what}: {exc.strerror}") from exc
        if len(data) > MAX_FILE_BYTES:
            raise ConfigError(
                f"{self.file}: the {self.what} is over {MAX_FILE_BYTES // 1024} KiB; "
                "a stack file holds a few keys"
            )
        try:
            return data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ConfigError(
                f"{self.file}:{line}: not UTF-8 (byte {data[exc.start]:#04x} at offset "
                f"{exc.start}); stack files are UTF-8 text"
            ) from exc

    def _compose(self, text: str) -> yaml.Node | None:
        try:
            node: yaml.Node | None = yaml.compose(text, Loader=LOADER)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"{self.file}:{mark.line + 1}" if mark else self.file
            problem = " ".join(str(exc.problem or exc.context or "").split())
            raise ConfigError(f"{where}: not valid YAML: {problem}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"{self.file}: not valid YAML: {exc}") from exc
        except RecursionError as exc:
            raise ConfigError(f"{self.file}: nested deeper than {MAX_DEPTH} levels") from exc
        if node is not None:
            self._measure(node)
        return node

    def _measure(self, root: yaml.Node) -> None:
        """Bound the file as if every alias and merge were expanded, without expanding it.

        Aliases share nodes in the composed graph; sizes are memoised per node, so this is
        linear in the file however many times an anchor is used. A node that contains itself
        (`&a [*a]`) is refused here too, before any walk could loop on it.
        """
        sizes: dict[int, int] = {}
        depths: dict[int, int] = {}
        merges: dict[int, int] = {}
        open_nodes: set[int] = set()
        stack: list[tuple[yaml.Node, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            ident = id(node)
            children = _children(node)
            if done:
                open_nodes.discard(ident)
                sizes[ident] = 1 + sum(sizes[id(c)] for c in children)
                depths[ident] = 1 + max((depths[id(c)] for c in children), default=0)
                merges[ident] = max(
                    (merges[id(s)] + 1 for s in _merge_sources(node)),
                    default=0,
                )
                merges[ident] = max([merges[ident], *(merges[id(c)] for c in children)])
                self._within_bounds(node, sizes[ident], depths[ident], merges[ident])
                continue
            if ident in sizes:
                continue
            if ident in open_nodes:
                raise self.error(node, "an alias refers to a node that contains it (a cycle)")
            open_nodes.add(ident)
            stack.append((node, True))
            for child in children:
                if id(child) in open_nodes:
                    raise self.error(child, "an alias refers to a node that contains it (a cycle)")
                if id(child) not in sizes:
                    stack.append((child, False))

    def _within_bounds(self, node: yaml.Node, size: int, depth: int, merge: int) -> None:
        if size > MAX_NODES:
            raise self.error(
                node,
                f"aliases and merges expand this value to more than {MAX_NODES:,} nodes "
                f"(the limit); write the values out or use fewer nested aliases",
            )
        if depth > MAX_DEPTH:
            raise self.error(node, f"nested deeper than {MAX_DEPTH} levels (the limit)")
        if merge > MAX_MERGE_DEPTH:
            raise self.error(
                node,
                f"`<<:` merges are chained {merge} deep, over the limit of {MAX_MERGE_DEPTH}; "
                "merge from one anchor of shared values",
            )

    # The walk: every mapping checked for duplicate keys, merges resolved like YAML's merge key
    # (explicit keys win, then earlier sources over later ones).

    def entries(self, node: yaml.Node, where: str) -> list[_Entry]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, f"`{where}` must be a mapping, not {_kind(node)}")
        explicit: dict[str, _Entry] = {}
        merged: dict[str, _Entry] = {}
        for key_node, value_node in node.value:
            key = self.key_text(key_node, where)
            if key in explicit:
                first = explicit[key].key_node.start_mark.line + 1
                raise self.error(
                    key_node,
                    f"key {key!r} is given twice in `{where}` (lines {first} and "
                    f"{key_node.start_mark.line + 1}, value {shown(_text_of(value_node))}); "
                    "a YAML reader keeps the last one silently: keep one",
                    key=key,
                )
            explicit[key] = _Entry(key, key_node, value_node)
            if key == MERGE_KEY:
                for source in self._sources(value_node, where):
                    for entry in self.entries(source, where):
                        merged.setdefault(entry.key, entry)
        explicit.pop(MERGE_KEY, None)
        return list({**merged, **explicit}.values())

    def _sources(self, node: yaml.Node, where: str) -> list[yaml.Node]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise self.error(
                    source,
                    f"`<<:` in `{where}` merges mappings only (an alias such as *defaults or "
                    f"a list of them), not {_kind(source)}",
                    key=MERGE_KEY,
                )
        return list(sources)

    def key_text(self, node: yaml.Node, where: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(node, f"a key in `{where}` must be text, not {_kind(node)}")
        key = str(node.value)
        if len(key) > MAX_KEY_CHARS:
            raise self.error(
                node, f"key {shown(key)} in `{where}` is over {MAX_KEY_CHARS} characters"
            )
        return key

    def value(self, node: yaml.Node, key: str, depth: int = 0) -> tuple[Any, bool]:
        """The plain Python value of `node` (JSON-like) and whether it holds a secure value."""
        if node.tag not in (_TAG + "map", _TAG + "seq") and not isinstance(node, yaml.ScalarNode):
            raise self.error(
                node, f"config key {key}: the tag {node.tag!r} is not allowed", key=key
            )
        if isinstance(node, yaml.MappingNode):
            entries = self.entries(node, key)
            if any(e.key == SECURE_KEY for e in entries):
                self.secure(node, entries, key)
                return SECRET_PLACEHOLDER, True
            result: dict[str, Any] = {}
            secret = False
            for entry in entries:
                result[entry.key], inner = self.value(entry.value, f"{key}.{entry.key}", depth + 1)
                secret = secret or inner
            return result, secret
        if isinstance(node, yaml.SequenceNode):
            items: list[Any] = []
            secret = False
            for index, child in enumerate(node.value):
                item, inner = self.value(child, f"{key}[{index}]", depth + 1)
                items.append(item)
                secret = secret or inner
            return items, secret
        return self.scalar(node, key), False

    def plain(self, node: yaml.Node, where: str, *, raw: bool = False) -> Any:
        """A node as a YAML 1.2 reader (go-yaml v3, which the engine and gophercloud use)
        reads it: mappings with unique keys and merges resolved, lists, and scalars of the
        core schema (a quoted scalar is text); any other tag is refused. `raw`: every scalar
        but null as its text, for a reader that types values by their target field (go-yaml
        decodes `region_name: 017` into a string field as "017")."""
        if isinstance(node, yaml.MappingNode):
            return {
                e.key: self.plain(e.value, f"{where}.{e.key}", raw=raw)
                for e in self.entries(node, where)
            }
        if isinstance(node, yaml.SequenceNode):
            return [
                self.plain(child, f"{where}[{i}]", raw=raw) for i, child in enumerate(node.value)
            ]
        assert isinstance(node, yaml.ScalarNode)
        text = str(node.value)
        kind = node.tag.removeprefix(_TAG) if node.tag.startswith(_TAG) else node.tag
        if kind not in _SCALAR_KINDS:
            raise self.error(node, f"`{where}`: the tag {node.tag!r} is not allowed")
        if node.style or (raw and not _CORE_FORMS["null"].match(text)):
            return text
        core = next((k for k, form in _CORE_FORMS.items() if form.match(text)), "str")
        if core == "null":
            return None
        if core == "bool":
            return text.lower() == "true"
        if core == "int":
            return int(text, 16) if text.startswith("0x") else int(text)
        if core == "float":
            number = float(text.replace(".inf", "inf").replace(".nan", "nan").lower())
            return number if math.isfinite(number) else text
        return text

    def secure(self, node: yaml.Node, entries: list[_Entry], key: str) -> None:
        """A `secure:` mapping must be Pulumi ciphertext alone, as `pulumi config set --secret`
        writes it; anything else would reach the program as a plain object (Pulumi's rule) and
        expose what was meant to be secret."""
        allowed = (
            f"`secure:` takes Pulumi ciphertext ({CIPHERTEXT_FORM}) as `pulumi config set "
            "--secret` writes it"
        )
        if len(entries) != 1:
            others = sorted(e.key for e in entries if e.key != SECURE_KEY)
            raise self.error(
                node, f"config key {key}: {allowed}, alone; here beside {others}", key=key
            )
        value = entries[0].value
        text = value.value if isinstance(value, yaml.ScalarNode) else None
        if not isinstance(text, str) or value.tag != _TAG + "str" or not is_ciphertext(text):
            raise self.error(
                value,
                f"config key {key}: secure value {shown(_text_of(value))} is not ciphertext; "
                f"{allowed}",
                key=key,
            )

    def scalar(self, node: yaml.Node, key: str) -> Any:
        assert isinstance(node, yaml.ScalarNode)
        text = str(node.value)
        kind = node.tag.removeprefix(_TAG) if node.tag.startswith(_TAG) else node.tag
        if kind not in _SCALAR_KINDS:
            raise self.error(
                node,
                f"config key {key}: the tag {node.tag!r} is not allowed; write plain text, "
                "numbers, true/false, lists and mappings",
                key=key,
            )
        if node.style:  # quoted, or a block scalar: text for every reader
            return text
        core = next((k for k, form in _CORE_FORMS.items() if form.match(text)), None)
        if core is None and _V3_NUMBER.match(text):
            core = "float"
        if (core or "str") != kind:  # PyYAML (YAML 1.1) and YAML 1.2 disagree
            raise self._ambiguous(node, key, text, _reading(kind), _reading(core or "str"))
        if kind == "str":
            return text
        if kind == "null":
            return None
        if kind == "bool":
            return text.lower() == "true"
        try:
            number = (
                int(text, 16)
                if text.startswith("0x")
                else int(text)
                if kind == "int"
                else float(text)
            )
        except ValueError as exc:  # e.g. more digits than Python converts
            raise self.error(node, f"config key {key}: {shown(text)} is not a number", key) from exc
        if not math.isfinite(number):
            raise self.error(node, f"config key {key}: {text!r} is not a finite number", key=key)
        return number

    def _ambiguous(self, node: yaml.Node, key: str, text: str, old: str, new: str) -> ConfigError:
        return self.error(
            node,
            f"config key {key}: {text!r} is read as {old} by YAML 1.1 readers and as {new} by "
            "YAML 1.2 ones (Pulumi's); the program and the engine must see the same value: "
            "quote it for text, or write true/false or a plain decimal number",
            key=key,
        )


def read_yaml(path: Path, what: str, *, raw: bool = False) -> Any:
    """Any YAML file the pack reads (clouds.yaml and its companions, Pulumi.yaml), through the
    same bounded reader as the stack files: size, nesting, alias and merge expansion bounded
    before anything is expanded, duplicate keys refused. Raises ConfigError naming the file."""
    reader = _Reader(path, what)
    return None if reader.root is None else reader.plain(reader.root, what, raw=raw)


def _reading(kind: str) -> str:
    return _READINGS.get(kind, f"a {kind}")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _merge_sources(node: yaml.Node) -> Iterator[yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == MERGE_KEY:
            if isinstance(value_node, yaml.SequenceNode):
                yield from value_node.value
            else:
                yield value_node


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"the value {shown(node.value)}"


def _text_of(node: yaml.Node) -> str:
    """A node as a message quotes it: a scalar's text, or the first characters of a collection."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if isinstance(node, yaml.MappingNode):
        keys = [str(k.value) for k, _ in node.value[:4] if isinstance(k, yaml.ScalarNode)]
        return (
            "{" + ", ".join(f"{k}: ..." for k in keys) + ("}" if len(node.value) <= 4 else ", ...}")
        )
    return f"[{len(node.value)} items]"


def is_ciphertext(text: str) -> bool:
    """Whether `text` has the form of Pulumi ciphertext (it cannot tell a wrong key)."""
    parts = text.split(":")
    if len(parts) != 3 or parts[0] != "v1":
        return False
    try:
        nonce = base64.b64decode(parts[1], validate=True)
        sealed = base64.b64decode(parts[2], validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(nonce) == NONCE_BYTES and len(sealed) >= GCM_TAG_BYTES


def _as_config_text(value: Any) -> str:
    """Pulumi hands structured config to programs as JSON text and scalars as their text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


# libyaml's parser when present (about 5x faster, same line marks); the pure-Python one otherwise.
LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
