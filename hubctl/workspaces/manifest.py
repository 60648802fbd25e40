"""A research project's manifest, `projects/<site>/<project-id>.yaml`, and its validation.

The manifest is what a person writes and reviews: who works on what data, under which
authorisation, until when. Every problem is reported at once, each naming the file and line,
the key, the value and what is allowed (ManifestError); nothing is deployed from a manifest
that has one. The site's facts it is checked against (its datasets, its classification) and
the pack's settings (the longest workspace, the SSH key sizes) come from their own files.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hubcore.paths import REPO_ROOT, relative
from hubcore.stacks import PROJECT_ID_PATTERN
from hubcore.strict_yaml import _Reader
from hubcore.values import ConfigError
from infra.config import (
    Authorisation,
    Classification,
    HubConfig,
    Tenancy,
    WorkspaceMember,
    WorkspaceSize,
    WorkspaceSpec,
)

PROJECTS_ENV = "HUB_PROJECTS_DIR"
MANIFEST_SUFFIX = ".yaml"
# Authorisations: a CNIL decision (its reference, e.g. DR-2024-123 or 2019-112) or one of the
# reference methodologies MR-001 to MR-006 (domain notes: research projects).
REFERENCE = re.compile(r"^(?:MR-00[1-6]|(?!MR-)[A-Za-z0-9][A-Za-z0-9._-]{2,39})$")
CLASSIFICATION_RANK = {
    Classification.PUBLIC: 0,
    Classification.INTERNAL: 1,
    Classification.HEALTH_DATA: 2,
}


def projects_dir() -> Path:
    """Where manifests live: projects/ of the repository, or $HUB_PROJECTS_DIR (tests)."""
    return Path(os.environ.get(PROJECTS_ENV) or REPO_ROOT / "projects")


def manifest_path(site: str, project: str, root: Path | None = None) -> Path:
    return (root or projects_dir()) / site / f"{project}{MANIFEST_SUFFIX}"


@dataclass(frozen=True)
class KeyRules:
    """The SSH key algorithms members may use, from the pack's crypto settings (RGS B1): the
    same settings crypto-key-strength judges the keys with in the workspace's user data."""

    min_rsa_bits: int = 3072
    curves: tuple[str, ...] = ("P256", "P384", "P521")
    allow_ed25519: bool = True


@dataclass(frozen=True)
class SiteFacts:
    """What a manifest is checked against: the site's own config and the pack's settings."""

    site: str
    datasets: tuple[str, ...]
    classification: Classification
    max_days: int
    keys: KeyRules
    needs_project: bool = False


# --------------------------------------------------------------------------------------------
# SSH public keys


_CURVES = {"nistp256": "P256", "nistp384": "P384", "nistp521": "P521"}


def _ssh_string(blob: bytes, offset: int) -> tuple[bytes, int]:
    if offset + 4 > len(blob):
        raise ValueError("truncated key")
    (length,) = struct.unpack(">I", blob[offset : offset + 4])
    end = offset + 4 + length
    if end > len(blob):
        raise ValueError("truncated key")
    return blob[offset + 4 : end], end


def ssh_key_strength(text: str) -> tuple[str, str]:
    """(algorithm, strength) of one OpenSSH public key line, read from the key itself.

    The algorithm is the blob's own type (the text prefix can lie); strength is the RSA modulus
    size in bits, the curve of an ECDSA key, or "Ed25519". ValueError for anything unreadable.
    """
    parts = text.strip().split()
    if len(parts) < 2:
        raise ValueError("expected '<type> <base64 key> [comment]' (one OpenSSH public key)")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the key is not base64") from None
    kind, offset = _ssh_string(blob, 0)
    algorithm = kind.decode("ascii", "replace")
    if algorithm != parts[0]:
        raise ValueError(f"the key says it is {algorithm!r}, not {parts[0]!r}")
    if algorithm == "ssh-rsa":
        _, offset = _ssh_string(blob, offset)  # public exponent
        modulus, _ = _ssh_string(blob, offset)
        return algorithm, str(int.from_bytes(modulus, "big").bit_length())
    if algorithm.startswith("ecdsa-sha2-"):
        curve, offset = _ssh_string(blob, offset)
        _ssh_string(blob, offset)
        name = curve.decode("ascii", "replace")
        return algorithm, _CURVES.get(name, name)
    if algorithm == "ssh-ed25519":
        key, _ = _ssh_string(blob, offset)
        if len(key) != 32:
            raise ValueError("an Ed25519 key is 32 bytes")
        return algorithm, "Ed25519"
    return algorithm, ""


def check_ssh_key(text: str, rules: KeyRules) -> str | None:
    """Why this key is refused, or None. ECDSA on an allowed curve, Ed25519 (when the pack
    allows it), or RSA of at least the pack's minimum (ANSSI RGS B1: 3072 bits for keys used
    beyond 2030). The key must also be one the pack can read (a point on its curve): the pack
    judges it again in the workspace's user data and fails closed on what it cannot read."""
    from policies.keymaterial import openssh_line

    ed25519 = ", Ed25519" if rules.allow_ed25519 else ""
    allowed = (
        f"ECDSA on {', '.join(rules.curves)}{ed25519}, or RSA of at least {rules.min_rsa_bits} "
        "bits (ANSSI RGS B1, the pack's crypto-key-strength settings)"
    )
    try:
        algorithm, strength = ssh_key_strength(text)
    except ValueError as error:
        return f"not an OpenSSH public key ({error}); allowed: {allowed}"
    unreadable = openssh_line(text).problem
    if unreadable is not None:
        return f"not a usable OpenSSH public key ({unreadable}); allowed: {allowed}"
    if algorithm == "ssh-rsa":
        if int(strength) >= rules.min_rsa_bits:
            return None
        return f"an RSA key of {strength} bits; allowed: {allowed}"
    if algorithm.startswith("ecdsa-sha2-"):
        if strength in rules.curves:
            return None
        return f"an ECDSA key on {strength}; allowed: {allowed}"
    if algorithm == "ssh-ed25519" and rules.allow_ed25519:
        return None
    return f"a {algorithm} key; allowed: {allowed}"


# --------------------------------------------------------------------------------------------
# The model


class AuthorisationIn(Authorisation):
    @field_validator("reference")
    @classmethod
    def _reference(cls, value: str) -> str:
        if not REFERENCE.match(value):
            raise ValueError(
                "a CNIL decision reference (3 to 40 letters, digits, '.', '_' or '-', e.g. "
                "DR-2024-123) or a reference methodology MR-001 to MR-006 (e.g. MR-004)"
            )
        return value


class Manifest(BaseModel):
    """The file a project's team and its data protection officer write and review."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(max_length=40)
    title: str = Field(min_length=3, max_length=200)
    authorisation: AuthorisationIn
    datasets: list[str] = Field(min_length=1)
    members: list[WorkspaceMember] = Field(min_length=1)
    starts: date
    expires: date
    size: WorkspaceSize
    classification: Classification
    project: str | None = Field(default=None, min_length=1, max_length=64)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not PROJECT_ID_PATTERN.match(value):
            raise ValueError("a slug: lowercase letters and digits joined by '-', e.g. cohort-2026")
        return value

    @field_validator("datasets")
    @classmethod
    def _unique_datasets(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each dataset once")
        return value

    @field_validator("members")
    @classmethod
    def _unique_members(cls, value: list[WorkspaceMember]) -> list[WorkspaceMember]:
        ids = [m.id for m in value]
        if len(set(ids)) != len(ids):
            raise ValueError(f"member ids must be unique: {', '.join(ids)}")
        return value

    @model_validator(mode="after")
    def _dates(self) -> Manifest:
        if self.expires <= self.starts:
            raise ValueError(f"expires ({self.expires}) must come after starts ({self.starts})")
        if self.expires > self.authorisation.ends:
            raise ValueError(
                f"expires ({self.expires}) is after the authorisation ends "
                f"({self.authorisation.ends}, {self.authorisation.reference})"
            )
        return self

    def spec(self, cidr: Any) -> WorkspaceSpec:
        """What the workspace stack carries (`hub:workspace`), with its allocated range."""
        return WorkspaceSpec.model_validate(
            {**self.model_dump(by_alias=True, exclude={"project"}), "cidr": cidr}
            | ({"project": self.project} if self.project else {})
        )


# --------------------------------------------------------------------------------------------
# Reading and checking


_TAG = "tag:yaml.org,2002:"


def _plain(reader: _Reader, node: yaml.Node, where: str) -> Any:
    """The composed node as plain values: mappings through the stack files' reader (a key given
    twice is refused, merges resolved), dates kept as their text for the model to parse."""
    if isinstance(node, yaml.MappingNode):
        return {
            entry.key: _plain(reader, entry.value, f"{where}.{entry.key}" if where else entry.key)
            for entry in reader.entries(node, where or "manifest")
        }
    if isinstance(node, yaml.SequenceNode):
        return [_plain(reader, child, f"{where}[{i}]") for i, child in enumerate(node.value)]
    text = str(node.value)
    kind = node.tag.removeprefix(_TAG)
    if getattr(node, "style", None) or kind in ("str", "timestamp"):
        return text
    if kind == "null":
        return None
    if kind == "bool":
        return text.lower() in ("true", "yes", "on")
    try:
        return int(text, 0) if kind == "int" else float(text) if kind == "float" else text
    except ValueError:
        return text


def read_document(path: Path) -> tuple[Any, yaml.Node]:
    """A manifest read by the stack files' hardened reader: UTF-8 only, bounded in size,
    aliases and merges bounded before expansion, no duplicate key."""
    reader = _Reader(path, "project manifest")
    root = reader.root
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError(f"{relative(path)}: the project manifest must be a YAML mapping")
    return _plain(reader, root, ""), root


class ManifestError(ConfigError):
    """Every problem of one manifest, one line each."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = list(problems)
        super().__init__("\n".join(self.problems), key="manifest")


def _line_of(node: yaml.Node | None, loc: Sequence[str | int]) -> int | None:
    """The line of the value at `loc` in the composed document (1-based)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            found = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            found = node.value[part] if part < len(node.value) else None
        else:
            found = None
        if found is None:
            break
        node = found
        line = node.start_mark.line + 1
    return line


def _path(loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "manifest"


def _value_at(data: Any, loc: Sequence[str | int]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return "<missing>"
    return data


def _shown(value: Any) -> str:
    text = repr(value if not isinstance(value, date) else value.isoformat())
    return text if len(text) <= 70 else text[:60] + "...'"


def load_manifest(path: Path, facts: SiteFacts) -> Manifest:
    """The validated manifest at `path`; ManifestError lists every problem found."""
    where = relative(path)
    try:
        data, node = read_document(path)
    except ConfigError as error:
        raise ManifestError(path, [str(error)]) from error
    problems: list[str] = []

    def problem(loc: Sequence[str | int], value: Any, message: str) -> None:
        line = _line_of(node, loc)
        at = f"{where}:{line}" if line else where
        problems.append(f"{at}: {_path(loc)} = {_shown(value)} is invalid: {message}")

    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        for found in exc.errors():
            loc = [p for p in found["loc"] if isinstance(p, str | int)]
            message = found["msg"].removeprefix("Value error, ")
            if found["type"] == "missing":
                problems.append(f"{where}: {_path(loc)} is required: {_required(loc)}")
            elif found["type"] == "extra_forbidden":
                problem(loc, _value_at(data, loc), f"unknown key; {_known(loc)}")
            else:
                problem(loc, _value_at(data, loc), message)
        raise ManifestError(path, problems) from exc

    if manifest.id != path.stem:
        problem(["id"], manifest.id, f"the file is named {path.name}: the id must be {path.stem!r}")
    for index, dataset in enumerate(manifest.datasets):
        if dataset not in facts.datasets:
            problem(
                ["datasets", index],
                dataset,
                f"not a dataset of site {facts.site!r}; allowed (its hub:datasets): "
                f"{', '.join(facts.datasets)}",
            )
    for index, member in enumerate(manifest.members):
        refused = check_ssh_key(member.ssh_public_key, facts.keys)
        if refused:
            problem(["members", index, "sshPublicKey"], member.ssh_public_key, refused)
    days = (manifest.expires - manifest.starts).days
    if days > facts.max_days:
        problem(
            ["expires"],
            manifest.expires,
            f"the workspace would last {days} days; the pack allows at most {facts.max_days} "
            "(workspace-expiry-valid maxDurationDays)",
        )
    if CLASSIFICATION_RANK[manifest.classification] > CLASSIFICATION_RANK[facts.classification]:
        problem(
            ["classification"],
            manifest.classification.value,
            f"site {facts.site!r} is classified {facts.classification.value}: a workspace holds "
            "no data more sensitive than its site",
        )
    if facts.needs_project and not manifest.project:
        problems.append(
            f"{where}: project is required: this site's provider creates no projects "
            "(hub:workspaceTenancy: existing); name the workspace's existing Keystone project"
        )
    if problems:
        raise ManifestError(path, problems)
    return manifest


_FIELDS: dict[str, type[BaseModel]] = {
    "": Manifest,
    "authorisation": AuthorisationIn,
    "members": WorkspaceMember,
    "size": WorkspaceSize,
}


def _model_at(loc: Sequence[str | int]) -> type[BaseModel]:
    parent = next((str(p) for p in loc[:-1] if isinstance(p, str)), "")
    return _FIELDS.get(parent, Manifest)


def _keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def _known(loc: Sequence[str | int]) -> str:
    return f"known keys: {', '.join(_keys(_model_at(loc)))}"


def _required(loc: Sequence[str | int]) -> str:
    model = _model_at(loc)
    field = str(loc[-1]) if loc else ""
    info = next((f for n, f in model.model_fields.items() if (f.alias or n) == field), None)
    hint = info.description if info is not None and info.description else ""
    return hint or f"{model.__name__} needs {', '.join(_keys(model))}"


def site_facts_for(config: HubConfig, max_days: int, keys: KeyRules) -> SiteFacts:
    return SiteFacts(
        site=config.site,
        datasets=tuple(config.datasets),
        classification=config.classification,
        max_days=max_days,
        keys=keys,
        needs_project=config.workspace_tenancy is Tenancy.EXISTING,
    )


def manifests_of(site: str, root: Path | None = None) -> list[Path]:
    folder = (root or projects_dir()) / site
    return sorted(folder.glob(f"*{MANIFEST_SUFFIX}")) if folder.is_dir() else []
