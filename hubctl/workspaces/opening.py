"""Open a workspace, as `hubctl workspace open` runs it.

Open validates the manifest (ManifestError: exit 2, nothing written), allocates the range and
writes the workspace's stack file, generates the members' initial passwords as Pulumi secrets,
runs the policy pack on the synthesised stack (a mandatory violation: nothing deployed) and
deploys. A new workspace whose deployment fails is rolled back by the close
(hubctl.workspaces.closing).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hubcore.paths import relative
from hubcore.stackfiles import stack_file
from hubcore.stacks import StackName
from hubcore.values import ConfigError
from hubctl.workspaces import closing_record
from hubctl.workspaces.closing import close_workspace
from hubctl.workspaces.common import Site, today
from hubctl.workspaces.manifest import Manifest, manifest_path
from hubctl.workspaces.opened import (
    PASSWORDS_KEY,
    allocation_lock,
    range_for,
    rewrite_header,
    route_lock,
    workspace_stack,
    write_stack_file,
)
from policies.config import load_pack_config

if TYPE_CHECKING:  # the engine's SDK loads only for what deploys
    from pulumi import automation as auto

    from hubctl.deploy import LayerRun


class PackRefusal(Exception):
    """The policy pack found mandatory violations: nothing was deployed."""

    def __init__(self, findings: list[str]) -> None:
        super().__init__("\n".join(findings))
        self.findings = findings


def _passwords(stack: auto.Stack, manifest: Manifest) -> None:
    """Every member gets an initial password, kept as a Pulumi secret; existing ones stay."""
    from pulumi import automation as auto

    try:
        current = json.loads(stack.get_config(PASSWORDS_KEY).value)
    except (auto.errors.CommandError, json.JSONDecodeError):
        current = {}
    wanted = {m.id: current.get(m.id) or secrets.token_urlsafe(18) for m in manifest.members}
    if wanted != current:
        stack.set_config(PASSWORDS_KEY, auto.ConfigValue(json.dumps(wanted), secret=True))


def check_with_pack(stack: StackName) -> list[str]:
    """Mandatory findings of the pack on the synthesised workspace stack."""
    from hubctl.targets import target_of_synth
    from policies.evaluate import evaluate
    from synth.synthesis import synthesize

    # The members' passwords are secrets the engine decrypts; offline, a placeholder stands in.
    result = synthesize(str(stack), {PASSWORDS_KEY: "[secret]"})
    report = evaluate(target_of_synth(result), load_pack_config())
    return [f"{f.policy}: {f.message}" for f in report.mandatory]


def prepare(site: Site, project: str, stacks_dir: Path | None = None) -> tuple[Manifest, bool]:
    """Validate the manifest and write the workspace's stack file; True if it is new."""
    manifest = site.manifest(project)
    if manifest.expires < today():
        raise ConfigError(
            f"{relative(manifest_path(site.name, project))}: expires = {manifest.expires} is past "
            f"(today is {today()}): an expired workspace is not opened",
            key="expires",
        )
    assert site.config.workspace_pool is not None
    path = stack_file(workspace_stack(site.name, project), stacks_dir)
    new = not path.exists()
    with allocation_lock(stacks_dir):
        cidr = range_for(site.name, project, site.config.workspace_pool, stacks_dir)
        write_stack_file(site.name, manifest.spec(cidr), stacks_dir)
    return manifest, new


def stage(site: Site, project: str, env: Mapping[str, str] | None = None) -> bool:
    """Everything of an open before the deployment: the manifest validated, the stack file
    written, the pack's verdict on the synthesised stack, the members' passwords. True when the
    workspace is new (it had no stack file)."""
    from hubctl.deploy import select_named_stack

    manifest, new = prepare(site, project)
    name = workspace_stack(site.name, project)
    try:
        findings = check_with_pack(name)
    except Exception:
        if new:
            stack_file(name).unlink(missing_ok=True)
        raise
    if findings:
        if new:
            stack_file(name).unlink(missing_ok=True)
        raise PackRefusal(findings)
    _passwords(select_named_stack(name, dict(env or {})), manifest)
    rewrite_header(site.name, project)
    return new


@dataclass
class Opened:
    """How an open went: the deployment, and, when it failed for a new workspace, its rollback."""

    run: LayerRun
    rollback: closing_record.Record | None = None  # the closing record of what the failed open made
    rollback_error: str | None = None  # the rollback itself failed: what is left is below
    left: list[str] = field(default_factory=list)  # resources still in the workspace's state


def open_workspace(
    site: Site,
    project: str,
    *,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> Opened:
    """Validate, check with the pack, deploy. ManifestError/ConfigError: nothing was done;
    PackRefusal: nothing deployed (a new stack file is removed again).

    A new workspace whose deployment fails is rolled back at once, by the same close as an
    operator's (key shredded, everything destroyed and checked gone, evidence written): a failed
    open leaves nothing of it in the cloud. Should the rollback fail too, `left` lists what its
    state still holds, which `hubctl workspace close` removes. A workspace that was already open
    (a rerun) is never rolled back: its data is live.
    """
    name = workspace_stack(site.name, project)
    new = stage(site, project, env)
    opened = Opened(deploy(site, project, log_dir, env))
    if opened.run.status == "done" or not new:
        return opened
    say(f"{name}: the open failed; rolling back what it made")
    last = ((opened.run.error or "").strip().splitlines() or ["no error text"])[-1]
    try:
        opened.rollback = close_workspace(
            site,
            project,
            log_dir=log_dir,
            env=env,
            say=say,
            cause=f"rolled back: its open failed ({last.strip()})",
        )
    except Exception as error:  # what is left is listed; the operator's close removes it
        opened.rollback_error = f"{type(error).__name__}: {error}"
    if opened.rollback is None or not opened.rollback.ok:
        opened.left = _still_held(name, env)
    return opened


def _still_held(name: StackName, env: Mapping[str, str] | None) -> list[str]:
    """What the workspace's state still holds, one `type name (id)` line each."""
    from hubctl.deploy import select_named_stack

    if not stack_file(name).exists():
        return []
    try:
        deployment = select_named_stack(name, dict(env or {})).export_stack().deployment or {}
    except Exception as error:
        return [f"(its state could not be read: {type(error).__name__}: {error})"]
    return [
        f"{entry['type']} {entry['name']} ({entry['id'] or 'no id'})"
        for entry in map(closing_record.resource_entry, deployment.get("resources") or [])
        if closing_record.is_real({"type": entry["type"]})
    ]


def deploy(
    site: Site, project: str, log_dir: Path, env: Mapping[str, str] | None = None
) -> LayerRun:
    """`up` of everything but the shared routes (in parallel with other workspaces), then of
    the routes alone, one workspace at a time."""
    from hubctl.deploy import run_stack
    from infra.layers.workspace import shared_route_urns

    name = workspace_stack(site.name, project)
    routes = shared_route_urns(str(name), site.name, project)
    run = run_stack(name, "up", log_dir / f"{name}.up.log", dict(env or {}), exclude=routes)
    if run.status != "done":
        return run
    with route_lock():
        last = run_stack(name, "up", log_dir / f"{name}.route.log", dict(env or {}), target=routes)
    # What both passes changed; "same" counts are not added: every pass sees the others.
    last.changes = {
        key: run.changes.get(key, 0) + last.changes.get(key, 0)
        for key in {*run.changes, *last.changes} - {"same"}
    }
    last.started = run.started
    last.log = run.log
    return last
