"""An open that fails half-way leaves nothing in the cloud; a half-opened workspace closes.

The failure is a real one of the local cloud: a manifest whose analysis hosts ask for a flavor
the cloud does not have. Everything before the hosts (the Keystone project and users, the
network, the key order, the containers, the volumes) is made, then Nova refuses the hosts.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import STACKS_DIR, stacks_dir
from hubctl.cli import app
from hubctl.workspaces.common import Site, reports_dir
from hubctl.workspaces.opening import deploy, stage
from tests.workspaces.site import WorkspaceSite

pytestmark = pytest.mark.integration
runner = CliRunner()
NO_SUCH_FLAVOR = "z9-no-such-flavor"


def _manifest(site: WorkspaceSite, project: str) -> None:
    data = yaml.safe_load((REPO_ROOT / "projects" / "local" / "diabetes-cohort.yaml").read_text())
    data["id"] = project
    data["size"]["flavor"] = NO_SUCH_FLAVOR
    site.write_manifest(project, data)


def _projects_named(admin: Any, name: str) -> list[Any]:
    return list(admin.identity.projects(name=name))


def _closing_records(project: str) -> list[dict[str, Any]]:
    return [
        json.loads(path.read_text())
        for path in sorted(reports_dir().glob(f"{project}-closed-*.json"))
    ]


@pytest.fixture(scope="module", autouse=True)
def _in_the_site(workspace_site: WorkspaceSite) -> Iterator[None]:
    """hubctl's commands, run in-process, act on the session's workspace site."""
    with workspace_site.active():
        yield


@pytest.fixture(scope="module")
def failed_open(workspace_site: WorkspaceSite) -> dict[str, Any]:
    project = f"failing-{secrets.token_hex(3)}"
    _manifest(workspace_site, project)
    try:
        result = runner.invoke(app, ["workspace", "open", "--site", "local", "--project", project])
        return {"project": project, "result": result}
    finally:
        workspace_site.close_left_open(project)


def test_a_failed_open_exits_1_and_says_it_rolled_back(failed_open: dict[str, Any]) -> None:
    result = failed_open["result"]
    assert result.exit_code == 1, result.output
    assert "rolled back:" in result.output, result.output
    assert "nothing of it is left" in result.output, result.output
    assert "Traceback" not in result.output


def test_a_failed_open_leaves_no_stack_file_and_lists_nothing_open(
    failed_open: dict[str, Any],
) -> None:
    project = failed_open["project"]
    assert not (stacks_dir() / f"Pulumi.local-ws-{project}.yaml").exists()
    assert not (STACKS_DIR / f"Pulumi.local-ws-{project}.yaml").exists()
    listed = runner.invoke(app, ["workspace", "list", "--site", "local", "--format", "json"])
    rows = {row["id"]: row for row in json.loads(listed.output)}
    assert rows[project]["state"] != "open"


def test_a_failed_open_leaves_no_keystone_project(
    failed_open: dict[str, Any], admin_connection: Any
) -> None:
    assert _projects_named(admin_connection, f"hub-local-ws-{failed_open['project']}") == []


def test_the_rollback_is_recorded_as_evidence_with_what_the_open_had_made(
    failed_open: dict[str, Any],
) -> None:
    (record,) = _closing_records(failed_open["project"])
    assert record["cause"].startswith("rolled back: its open failed")
    assert record["open_completed"] is False
    made = {entry["type"] for entry in record["existed"]}
    # made before Nova refused the hosts
    assert {
        "openstack:identity/project:Project",
        "openstack:networking/network:Network",
        "openstack:keymanager/orderV1:OrderV1",
        "openstack:objectstorage/container:Container",
    } <= made
    assert "openstack:compute/instance:Instance" not in made
    assert record["result"] == "closed", [c for c in record["checks"] if c["result"] != "pass"]
    checked = {check["check"] for check in record["checks"]}
    assert any(check.startswith("the key reference") for check in checked)
    assert "the workspace's stack holds no resource" in checked


def test_the_key_the_failed_open_ordered_is_gone(failed_open: dict[str, Any]) -> None:
    (record,) = _closing_records(failed_open["project"])
    key_checks = [c for c in record["checks"] if c["check"].startswith("the key reference")]
    assert key_checks and all(c["observed"] == "HTTP 404" for c in key_checks)
    assert record["purge"]["exit"] == 0


def test_an_operator_closes_a_half_opened_workspace(
    workspace_site: WorkspaceSite, admin_connection: Any, tmp_path: Path
) -> None:
    """Deployed half-way without the rollback (as a killed open would leave it), then closed."""
    project = f"halfway-{secrets.token_hex(3)}"
    _manifest(workspace_site, project)
    site = Site.load("local")
    try:
        assert stage(site, project, workspace_site.env)
        run = deploy(site, project, tmp_path / "logs", workspace_site.env)
        assert run.status == "failed"
        assert _projects_named(admin_connection, f"hub-local-ws-{project}") != []
        closed = runner.invoke(app, ["workspace", "close", "--site", "local", "--project", project])
        assert closed.exit_code == 0, closed.output
    finally:
        workspace_site.close_left_open(project)
    assert _projects_named(admin_connection, f"hub-local-ws-{project}") == []
    (record,) = _closing_records(project)
    assert record["open_completed"] is False
    assert record["cause"] is None
    assert record["result"] == "closed"
    assert any(e["type"] == "openstack:identity/project:Project" for e in record["existed"])
