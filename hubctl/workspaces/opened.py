"""The opened workspaces of a site: their stack files, and the network ranges they hold.

Opening a workspace writes `stacks/Pulumi.<site>-ws-<id>.yaml`, generated from the manifest:
its `hub:workspace` (the manifest's facts and the range allocated to it) and, as a Pulumi
secret, its members' initial passwords. The file is the record that the workspace is open: a
range, once allocated, stays the workspace's on every rerun, and no two stack files hold
overlapping ranges. Closing removes the file and so frees the range.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hubcore.paths import relative
from hubcore.stackfiles import stack_file
from hubcore.stackfiles import stacks_dir as configured_stacks_dir
from hubcore.stacks import Layer, StackName
from hubcore.strict_yaml import read_yaml
from hubcore.values import ConfigError
from infra.config import WORKSPACE_PREFIX, WorkspaceSpec

SPEC_KEY = "hub:workspace"
PASSWORDS_KEY = "hub:memberPasswords"
_THREAD_LOCK = threading.Lock()


def workspace_stack(site: str, project: str) -> StackName:
    return StackName(site, Layer.WORKSPACE, project)


@dataclass(frozen=True)
class OpenedWorkspace:
    stack: StackName
    path: Path
    spec: WorkspaceSpec | None  # None when the file cannot be read (reported, never guessed)
    problem: str | None = None

    @property
    def id(self) -> str:
        assert self.stack.workspace is not None
        return self.stack.workspace


def _read(path: Path) -> dict[str, Any]:
    """A workspace's stack file through the bounded reader (it may be hand-written)."""
    data = read_yaml(path, "workspace stack file")
    return data if isinstance(data, dict) else {}


def read_opened(path: Path) -> OpenedWorkspace:
    stack = StackName.parse(path.name.removeprefix("Pulumi.").removesuffix(".yaml"))
    try:
        raw = (_read(path).get("config") or {}).get(SPEC_KEY)
        spec = WorkspaceSpec.model_validate(raw)
    except (OSError, ConfigError, ValidationError, AttributeError) as error:
        first = str(error).splitlines()[0]
        return OpenedWorkspace(stack, path, None, f"{relative(path)}: unreadable: {first}")
    return OpenedWorkspace(stack, path, spec)


def opened_workspaces(site: str, stacks_dir: Path | None = None) -> dict[str, OpenedWorkspace]:
    """Every workspace of `site` that has a stack file, by project id."""
    found: dict[str, OpenedWorkspace] = {}
    for path in sorted((stacks_dir or configured_stacks_dir()).glob(f"Pulumi.{site}-ws-*.yaml")):
        name = StackName.try_parse(path.name.removeprefix("Pulumi.").removesuffix(".yaml"))
        if name is None or name.site != site or name.layer is not Layer.WORKSPACE:
            continue  # another site whose name starts like this one's
        opened = read_opened(path)
        found[opened.id] = opened
    return found


def allocate(
    pool: IPv4Network, taken: Iterable[IPv4Network], prefix: int = WORKSPACE_PREFIX
) -> IPv4Network:
    """The first range of the pool that overlaps no range already taken."""
    held = list(taken)
    for candidate in pool.subnets(new_prefix=prefix):
        if not any(candidate.overlaps(other) for other in held):
            return candidate
    raise ConfigError(
        f"the workspace pool {pool} (hub:workspacePool) is full: {len(held)} ranges of /{prefix} "
        "are taken; close workspaces or give the site a larger pool",
        key="hub:workspacePool",
    )


@contextmanager
def allocation_lock(stacks_dir: Path | None = None) -> Iterator[None]:
    """One allocation at a time, across threads and processes (workspaces opened in parallel)."""
    lock_path = (stacks_dir or configured_stacks_dir()) / ".workspaces.lock"
    with _THREAD_LOCK, lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def route_lock(stacks_dir: Path | None = None) -> Iterator[None]:
    """One change at a time to the routes workspaces add to the site's admin subnet."""
    lock_path = (stacks_dir or configured_stacks_dir()) / ".workspace-routes.lock"
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def range_for(
    site: str, project: str, pool: IPv4Network, stacks_dir: Path | None = None
) -> IPv4Network:
    """The workspace's range: the one its stack file holds, else a new one from the pool.

    Call under allocation_lock, and write the stack file before releasing it.
    """
    opened = opened_workspaces(site, stacks_dir)
    mine = opened.get(project)
    if mine is not None and mine.spec is not None:
        return mine.spec.cidr
    unreadable = [o.problem for o in opened.values() if o.spec is None and o.problem]
    if unreadable:
        # A range we cannot read could be any range: allocating now could overlap it.
        raise ConfigError(f"cannot allocate a range safely: {unreadable[0]}", key=SPEC_KEY)
    return allocate(pool, (o.spec.cidr for o in opened.values() if o.spec is not None))


HEADER = (
    "# {site} site, research workspace {project}: written by `hubctl workspace open` from\n"
    "# projects/{site}/{project}.yaml. Edit the manifest, not this file. The range (cidr) was\n"
    "# allocated once from hub:workspacePool and stays the workspace's until it is closed;\n"
    "# hub:memberPasswords are the members' initial passwords, a Pulumi secret.\n"
)


def write_stack_file(site: str, spec: WorkspaceSpec, stacks_dir: Path | None = None) -> Path:
    """Write (or rewrite) the workspace's stack file, keeping its salt and secrets."""
    path = stack_file(workspace_stack(site, spec.id), stacks_dir)
    existing = _read(path) if path.exists() else {}
    config = dict(existing.get("config") or {})
    config[SPEC_KEY] = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    document: dict[str, Any] = {}
    for key, value in existing.items():
        if key != "config":
            document[key] = value
    document["config"] = config
    text = HEADER.format(site=site, project=spec.id) + yaml.safe_dump(
        document, sort_keys=False, default_flow_style=False, width=200
    )
    temporary = path.with_suffix(".yaml.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return path


def rewrite_header(site: str, project: str, stacks_dir: Path | None = None) -> None:
    """Put the header back after the engine rewrote the file (it keeps no comments)."""
    path = stack_file(workspace_stack(site, project), stacks_dir)
    text = path.read_text(encoding="utf-8")
    header = HEADER.format(site=site, project=project)
    if not text.startswith(header):
        path.write_text(header + text, encoding="utf-8")


def has_passwords(site: str, project: str, stacks_dir: Path | None = None) -> bool:
    path = stack_file(workspace_stack(site, project), stacks_dir)
    return path.exists() and PASSWORDS_KEY in (_read(path).get("config") or {})
