"""The local site's network, kms and storage layers deployed into a Keystone project of the
test session (never the user's hub-local), with a projects folder of its own for the tests'
manifests; every workspace still open at the end is closed, then the layers destroyed.

One deployment serves every module of the session that opens workspaces (the workspace and
airlock tiers): tests/cloud.py's `workspace_site` fixture.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hubcore.stackfiles import STACKS_DIR_VARIABLE
from hubcore.stacks import Layer, StackName
from hubctl.cloud import connect_from_env
from hubctl.deploy import forget_generated_keys, run_stack
from hubctl.workspaces.closing import close_workspace
from hubctl.workspaces.common import REPORTS_ENV, Site
from hubctl.workspaces.manifest import PROJECTS_ENV
from tests.private_stacks import copy_stacks

SITE_LAYERS = (Layer.NETWORK, Layer.KMS, Layer.STORAGE)


@dataclass
class WorkspaceSite:
    """The deployed site's environment, and where the tests' manifests and stack files go."""

    env: dict[str, str]
    root: Path

    @contextmanager
    def active(self) -> Iterator[None]:
        """The site's environment in os.environ (hubctl's commands run in-process read it), for
        the modules that use the site and no longer: a session-long change would hand the site's
        project and backend to every later tier."""
        saved = {key: os.environ.get(key) for key in self.env}
        os.environ.update(self.env)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def write_manifest(self, project: str, data: dict[str, Any]) -> Path:
        path = self.root / "projects" / "local" / f"{project}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    def close_left_open(self, *workspaces: str) -> None:
        """Close what a test left open, pending airlock requests or not."""
        for workspace in workspaces:
            path = self.stacks / f"Pulumi.local-ws-{workspace}.yaml"
            if path.exists():
                try:
                    with self.active():
                        close_workspace(
                            Site.load("local"),
                            workspace,
                            log_dir=self.root / "logs",
                            pending_ok=True,
                        )
                finally:
                    path.unlink(missing_ok=True)

    @property
    def stacks(self) -> Path:
        """The site's copy of stacks/, where its workspaces' stack files are written."""
        return Path(self.env[STACKS_DIR_VARIABLE])

    def manifests(self) -> list[str]:
        return sorted(p.stem for p in (self.root / "projects" / "local").glob("*.yaml"))


@contextmanager
def deployed_site(
    deploy_env: dict[str, str], admin_connection: Any, root: Path
) -> Iterator[WorkspaceSite]:
    project = admin_connection.identity.create_project(
        name=f"hub-wstest-{secrets.token_hex(3)}", domain_id="default", description="ws tests"
    )
    user = admin_connection.identity.find_user(deploy_env["OS_USERNAME"])
    for role in ("admin", "member", "creator"):
        admin_connection.identity.assign_project_role_to_user(
            project, user, admin_connection.identity.find_role(role)
        )
    (root / "projects" / "local").mkdir(parents=True)
    # A backend of its own: the integration tier deploys the same stack names (local-kms, ...)
    # into the session's project, and one backend for both would hand each the other's state.
    backend = f"file://{root / 'backend'}"
    (root / "backend").mkdir()
    env = {
        **deploy_env,
        "OS_PROJECT_NAME": project.name,
        "PULUMI_BACKEND_URL": backend,
        "HUB_STATE_BACKEND": backend,
        PROJECTS_ENV: str(root / "projects"),
        REPORTS_ENV: str(root / "reports"),
        STACKS_DIR_VARIABLE: str(copy_stacks(root)),
    }
    logs = root / "logs"
    site = WorkspaceSite(env, root)

    def layer(action: str, which: Layer) -> str:
        run = run_stack(StackName("local", which), action, logs / f"{which}.{action}.log", env)  # type: ignore[arg-type]
        return run.status + (f": {run.error}" if run.error else "")

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            first = list(pool.map(lambda w: layer("up", w), (Layer.NETWORK, Layer.KMS)))
        assert first == ["done", "done"], first
        assert layer("up", Layer.STORAGE) == "done"
        yield site
    finally:
        site.close_left_open(*site.manifests())
        for which in reversed(SITE_LAYERS):
            layer("destroy", which)
        replica = connect_from_env({**env, "OS_REGION_NAME": "LOCAL2"})
        forget_generated_keys("local", connect_from_env(env), replica)
        admin_connection.identity.delete_project(project)
        shutil.rmtree(root, ignore_errors=True)
