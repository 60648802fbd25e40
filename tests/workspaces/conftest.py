"""Fixtures of the workspace tier: manifests written to a private projects folder, and stack
files written to a private copy of stacks/ (tests/private_stacks.py), never the checkout's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from hubcore.stackfiles import STACKS_DIR_VARIABLE
from hubctl.workspaces.common import REPORTS_ENV, Site
from hubctl.workspaces.manifest import PROJECTS_ENV
from tests.private_stacks import copy_stacks
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


@pytest.fixture(autouse=True)
def _stack_files_in_a_private_copy(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test writes its stack files into a copy of stacks/. A test on the deployed
    workspace site uses that site's copy instead (its env carries $HUB_STACKS_DIR)."""
    if "workspace_site" not in request.fixturenames:
        monkeypatch.setenv(STACKS_DIR_VARIABLE, str(copy_stacks(tmp_path)))
