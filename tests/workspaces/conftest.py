"""Fixtures of the workspace tier: manifests written to a private projects folder, and stack
files of workspaces under test names, removed after each test."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from hubcore.stackfiles import STACKS_DIR
from hubcore.stacks import Layer, StackName
from hubctl.workspaces.lifecycle import REPORTS_ENV, Site
from hubctl.workspaces.manifest import PROJECTS_ENV
from tests.workspaces.keys import ecdsa_key, ed25519_key

Manifests = Callable[..., Path]


def base_manifest(project: str) -> dict[str, Any]:
    """A manifest that passes every check on the local site (its datasets, its classification)."""
    return {
        "id": project,
        "title": "A test research project",
        "authorisation": {"reference": "MR-004", "ends": "2031-06-30"},
        "datasets": ["synthetic-cohorts"],
        "members": [
            {
                "id": "alice",
                "email": "alice@univ.example",
                "role": "investigator",
                "sshPublicKey": ecdsa_key("nistp384", "alice@univ.example"),
            },
            {
                "id": "bruno",
                "email": "bruno@univ.example",
                "role": "analyst",
                "sshPublicKey": ed25519_key("bruno@univ.example"),
            },
        ],
        "starts": "2030-01-01",
        "expires": "2030-12-31",
        "size": {"count": 1, "flavor": "d2-2", "volumeGb": 10},
        "classification": "internal",
    }


@pytest.fixture
def projects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Manifests:
    """Write `projects/<site>/<id>.yaml` (from base_manifest, with changes) in a private folder."""
    root = tmp_path / "projects"
    monkeypatch.setenv(PROJECTS_ENV, str(root))
    monkeypatch.setenv(REPORTS_ENV, str(tmp_path / "reports"))

    def write(project: str = "test-project", site: str = "local", **changes: Any) -> Path:
        data = base_manifest(project)
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        path = root / site / f"{project}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def local_site() -> Site:
    return Site.load("local")


@pytest.fixture
def scratch_stacks() -> Iterator[Callable[[str], Path]]:
    """Stack files of test workspaces in stacks/ (where the program reads them), removed after."""
    made: list[Path] = []
    tag = f"t{os.getpid()}"

    def name(project: str) -> Path:
        path = STACKS_DIR / f"Pulumi.local-ws-{project}-{tag}.yaml"
        made.append(path)
        return path

    yield name
    for path in made:
        path.unlink(missing_ok=True)
    for path in STACKS_DIR.glob(f"Pulumi.local-ws-*-{tag}.yaml"):
        path.unlink(missing_ok=True)


@dataclass
class WorkspaceSite:
    """The local site's network, kms and storage layers in a Keystone project of this test
    session (never the user's), with a projects folder of its own for the tests' manifests."""

    env: dict[str, str]
    root: Path

    def write_manifest(self, project: str, data: dict[str, Any]) -> Path:
        path = self.root / "projects" / "local" / f"{project}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    def close_left_open(self, *workspaces: str) -> None:
        """Close what a failed test left open (every workspace opened here is closed)."""
        from hubctl.workspaces.lifecycle import close_workspace

        for workspace in workspaces:
            if (STACKS_DIR / f"Pulumi.local-ws-{workspace}.yaml").exists():
                try:
                    close_workspace(Site.load("local"), workspace, log_dir=self.root / "logs")
                finally:
                    (STACKS_DIR / f"Pulumi.local-ws-{workspace}.yaml").unlink(missing_ok=True)


SITE_LAYERS = (Layer.NETWORK, Layer.KMS, Layer.STORAGE)


@pytest.fixture(scope="session")
def workspace_site(
    deploy_env: dict[str, str],
    admin_connection: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[WorkspaceSite]:
    """Deployed once for every workspace module of the session, destroyed at its end."""
    from hubctl.deploy import connect_from_env, delete_order_secrets, run_stack

    suffix = secrets.token_hex(3)
    project = admin_connection.identity.create_project(
        name=f"hub-wstest-{suffix}", domain_id="default", description="workspace tests"
    )
    user = admin_connection.identity.find_user(deploy_env["OS_USERNAME"])
    for role in ("admin", "member", "creator"):
        admin_connection.identity.assign_project_role_to_user(
            project, user, admin_connection.identity.find_role(role)
        )
    root = tmp_path_factory.mktemp("ws")
    (root / "projects" / "local").mkdir(parents=True)
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
        yield WorkspaceSite(env, root)
    finally:
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
