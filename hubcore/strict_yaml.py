"""The strict YAML reader, which every YAML file the hub reads goes through (the stack files and
sites.yaml in hubcore.stackfiles, the region catalogue, clouds.yaml and its companions,
Pulumi.yaml, project manifests): a file is composed (never constructed by PyYAML) into nodes
checked against bounds, then read into plain values.

It refuses what it cannot read unambiguously instead of guessing: a file that is not UTF-8, a
key given twice (YAML readers keep the last one silently), a `secure:` value that is not Pulumi
ciphertext, and a plain scalar of a config value that YAML 1.1 (PyYAML) and YAML 1.2 (go-yaml
v3, which Pulumi reads stack files with) read differently (`yes`, `017`, `1_000`, a date): the
program and the engine must see the same value. Aliases and merge keys are bounded on the
composed node graph, before anything is expanded, so an exponential alias ("billion laughs") or
a long merge chain is refused in milliseconds.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hubcore.paths import relative
from hubcore.values import SECRET_PLACEHOLDER, ConfigError, Location

# Bounds. Every shipped file is far inside them; each exists so that no input can make the
# reader slow or large.
MAX_FILE_BYTES = 1 << 20
MAX_NODES = 100_000  # nodes of a file as if every alias and merge were expanded
MAX_DEPTH = 32  # nesting of mappings and sequences
MAX_MERGE_DEPTH = 8  # a mapping merging a mapping merging a mapping...
MAX_KEY_CHARS = 256
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


# libyaml's parser when present (about 5x faster, same line marks); the pure-Python one otherwise.
LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
