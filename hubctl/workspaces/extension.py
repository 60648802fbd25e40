"""Extend a workspace, as `hubctl workspace extend` runs it: its manifest's expiry moves,
within the authorisation and the pack's bound, and an open workspace is redeployed with it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from hubcore.paths import relative
from hubcore.stackfiles import stack_file
from hubcore.values import ConfigError
from hubctl.workspaces.common import Site, today
from hubctl.workspaces.manifest import ManifestError, load_manifest, manifest_path
from hubctl.workspaces.opened import rewrite_header, workspace_stack
from hubctl.workspaces.opening import deploy, prepare

if TYPE_CHECKING:  # the engine's SDK loads only for what deploys
    from hubctl.deploy import LayerRun


def rewrite_expiry(path: Path, new: date) -> None:
    """Change the manifest's `expires:` line in place, keeping its comments and layout."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("expires:"):
            comment = line.partition("#")[2]
            lines[index] = f"expires: {new.isoformat()}" + (f"  #{comment}" if comment else "\n")
            path.write_text("".join(lines), encoding="utf-8")
            return
    raise ConfigError(f"{relative(path)}: no top-level `expires:` line to change", key="expires")


def extend(
    site: Site,
    project: str,
    expires: date,
    *,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
) -> LayerRun | None:
    """Move the expiry; refused (ManifestError) beyond the authorisation or the pack's bound,
    and the manifest is left as it was. An open workspace is redeployed with the new date."""
    manifest = site.manifest(project)
    path = manifest_path(site.name, project)
    if expires <= today():
        raise ManifestError(
            path,
            [f"{relative(path)}: --expires {expires} is not in the future (today is {today()})"],
        )
    original = path.read_text(encoding="utf-8")
    rewrite_expiry(path, expires)
    try:
        load_manifest(path, site.facts)
    except ManifestError as error:
        path.write_text(original, encoding="utf-8")
        raise ManifestError(
            path,
            [f"--expires {expires} refused ({manifest.authorisation.reference}):", *error.problems],
        ) from error
    name = workspace_stack(site.name, project)
    if not stack_file(name).exists():
        return None
    prepare(site, project)
    rewrite_header(site.name, project)
    return deploy(site, project, log_dir, env)
