"""The local site's network, kms and storage layers deployed into a Keystone project of the
test session (never the user's hub-local), with manifests in a private projects folder; every
workspace of those manifests still open at the end is closed, then the layers destroyed."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from hubcore.stackfiles import STACKS_DIR
from hubcore.stacks import Layer, StackName
from hubctl.deploy import connect_from_env, delete_order_secrets, run_stack
from hubctl.workspaces.lifecycle import REPORTS_ENV, Site, close_workspace
from hubctl.workspaces.manifest import PROJECTS_ENV

SITE_LAYERS = (Layer.NETWORK, Layer.KMS, Layer.STORAGE)


@contextmanager
def deployed_site(
    deploy_env: dict[str, str],
    admin_connection: Any,
    root: Path,
    manifests: dict[str, dict[str, Any]],
) -> Iterator[dict[str, str]]:
    project = admin_connection.identity.create_project(
        name=f"hub-wstest-{secrets.token_hex(3)}", domain_id="default", description="ws tests"
    )
    user = admin_connection.identity.find_user(deploy_env["OS_USERNAME"])
    for role in ("admin", "member", "creator"):
        admin_connection.identity.assign_project_role_to_user(
            project, user, admin_connection.identity.find_role(role)
        )
    folder = root / "projects" / "local"
    folder.mkdir(parents=True)
    for workspace, data in manifests.items():
        (folder / f"{workspace}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    env = {
        **deploy_env,
        "OS_PROJECT_NAME": project.name,
        PROJECTS_ENV: str(root / "projects"),
        REPORTS_ENV: str(root / "reports"),
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    logs = root / "logs"

    def layer(action: str, which: Layer) -> str:
        run = run_stack(StackName("local", which), action, logs / f"{which}.{action}.log", env)  # type: ignore[arg-type]
        return run.status + (f": {run.error}" if run.error else "")

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            first = list(pool.map(lambda w: layer("up", w), (Layer.NETWORK, Layer.KMS)))
        assert first == ["done", "done"], first
        assert layer("up", Layer.STORAGE) == "done"
        yield env
    finally:
        site = Site.load("local")
        for workspace in manifests:
            path = STACKS_DIR / f"Pulumi.local-ws-{workspace}.yaml"
            if path.exists():
                try:
                    close_workspace(site, workspace, log_dir=logs, pending_ok=True)
                finally:
                    path.unlink(missing_ok=True)
        for which in reversed(SITE_LAYERS):
            layer("destroy", which)
        delete_order_secrets(connect_from_env(env), "local")
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        admin_connection.identity.delete_project(project)
        shutil.rmtree(root, ignore_errors=True)
