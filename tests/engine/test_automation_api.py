"""The Automation API (what the DR drill drives) runs on the toolchain's CLI and plugins."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pulumi import automation as auto

from tests.engine.conftest import PROJECTS, pinned

pytestmark = pytest.mark.engine


@pytest.fixture
def automation_stack(
    engine_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> auto.Stack:
    for key, value in engine_env.items():
        monkeypatch.setenv(key, value)
    backend = tmp_path / "backend"
    backend.mkdir()
    project = tmp_path / "tls-only"
    shutil.copytree(PROJECTS / "tls-only", project)
    workspace = auto.LocalWorkspaceOptions(
        work_dir=str(project),
        env_vars={
            "PULUMI_BACKEND_URL": backend.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": "automation-test-only",
        },
        secrets_provider="passphrase",
    )
    return auto.create_stack("automation", work_dir=str(project), opts=workspace)


def test_automation_api_drives_the_pinned_cli(automation_stack: auto.Stack) -> None:
    workspace = automation_stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    assert workspace.pulumi_version == pinned()["PULUMI_CLI_VERSION"]


def test_automation_api_up_then_destroy_round_trips(automation_stack: auto.Stack) -> None:
    up = automation_stack.up()
    assert up.summary.result == "succeeded"
    assert up.outputs["key_algorithm"].value == "ECDSA"
    destroy = automation_stack.destroy()
    assert destroy.summary.result == "succeeded"
    deployment = automation_stack.export_stack().deployment or {}
    assert not deployment.get("resources")
