"""Two workspaces on the real local cloud, proved apart with their members' own Keystone
credentials, then closed with evidence and the key gone.

The site's network, kms and storage layers are deployed into a Keystone project of this test
session and a DIY backend of its own, so the user's deployed `local` site is never touched. The
workspaces are the two example manifests of projects/local/, under ids suffixed for this
session; every workspace opened here is closed before the module ends.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import STACKS_DIR, stacks_dir
from hubcore.stacks import Layer
from hubctl.cli import app
from hubctl.cloud import connect_from_env
from hubctl.workspaces.access import member_env, workspace_exports
from hubctl.workspaces.common import REPORTS_ENV, Site
from tests.cloud import exports
from tests.workspaces.site import WorkspaceSite

pytestmark = pytest.mark.integration
runner = CliRunner()
SUFFIX = secrets.token_hex(3)
A, B = f"diabetes-cohort-{SUFFIX}", f"claims-pathways-{SUFFIX}"
SITE_LAYERS = (Layer.NETWORK, Layer.KMS, Layer.STORAGE)


def invoke(*args: str) -> Any:
    result = runner.invoke(app, ["workspace", *args])
    return result


@pytest.fixture(scope="module")
def site_env(workspace_site: WorkspaceSite) -> Iterator[dict[str, str]]:
    """The two example manifests of projects/local/, under this module's ids."""
    for example, project_id in (("diabetes-cohort", A), ("claims-pathways", B)):
        data = yaml.safe_load((REPO_ROOT / "projects" / "local" / f"{example}.yaml").read_text())
        data["id"] = project_id
        if project_id == B:
            # B expires in two days: `expire --as-of` three days on closes it and, unless an
            # unrelated workspace of this worktree expires as soon, nothing else.
            data["expires"] = str(date.today() + timedelta(days=2))
        workspace_site.write_manifest(project_id, data)
    with workspace_site.active():
        try:
            yield workspace_site.env
        finally:
            workspace_site.close_left_open(A, B)


@pytest.fixture(scope="module")
def opened(site_env: dict[str, str]) -> dict[str, Any]:
    results = {w: invoke("open", "--site", "local", "--project", w) for w in (A, B)}
    for workspace, result in results.items():
        assert result.exit_code == 0, f"{workspace}: {result.output}"
    return {w: workspace_exports("local", w) for w in (A, B)}


def connection_of(env: dict[str, str]) -> Any:
    return connect_from_env(env)


@pytest.fixture(scope="module")
def alice(opened: dict[str, Any]) -> Any:
    """A's first member, with A's credentials (her own Keystone user and password)."""
    return connection_of(member_env(Site.load("local"), A, "alice"))


def status(conn: Any, service: str, path: str, method: str = "GET", **extra: Any) -> int:
    response = conn.session.request(
        path, method, endpoint_filter={"service_type": service}, raise_exc=False, **extra
    )
    return int(response.status_code)


def swift_url(project_id: str, container: str) -> str:
    return f"http://127.0.0.1:8080/v1/AUTH_{project_id}/{container}"


def test_both_workspaces_are_listed_open(opened: dict[str, Any]) -> None:
    result = invoke("list", "--site", "local", "--format", "json")
    rows = {row["id"]: row for row in json.loads(result.output)}
    assert rows[A]["state"] == rows[B]["state"] == "open"
    assert rows[A]["members"] == ["alice", "bruno"] and rows[B]["members"] == ["chloe"]
    assert rows[A]["cidr"] != rows[B]["cidr"]


def test_the_site_census_finds_the_workspaces_routes_in_their_states(
    opened: dict[str, Any], tmp_path: Path
) -> None:
    """Each workspace routes the admin tier to its range on the site's admin subnet and edge
    router, in the site's project: the census that ends the site's `up` must find all four
    routes owned, never orphans (which `up --orphans` would delete, cutting members off)."""
    from hubctl import census
    from hubctl.cloud.openstack.project import OpenStackProject
    from hubctl.commands.deploy import _deployments
    from hubctl.deploy import SiteDeployer

    deployer = SiteDeployer(site="local", log_dir=tmp_path)
    # The site's project is this module's own (OS_PROJECT_NAME of the active site_env).
    project = OpenStackProject(connect_from_env(dict(os.environ)))
    taken = census.take(project, "local", _deployments(deployer, "local"))
    ranges = {opened[A].cidr, opened[B].cidr}
    routes = [o for o in taken.cloud if any(f"-route-{cidr}-" in o.id for cidr in ranges)]
    listed = [o.line() for o in taken.cloud if "-route-" in o.id]
    assert sorted(o.token.rsplit(":", 1)[-1] for o in routes) == [
        "RouterRoute",
        "RouterRoute",
        "SubnetRoute",
        "SubnetRoute",
    ], (ranges, listed)
    assert [o.line() for o in routes if o in taken.orphans] == []


def test_the_workspaces_live_in_their_own_projects(opened: dict[str, Any]) -> None:
    assert opened[A].project_id != opened[B].project_id
    assert opened[A].key_ref != opened[B].key_ref


def test_a_member_lists_only_her_workspace_hosts(alice: Any, opened: dict[str, Any]) -> None:
    names = {server.name for server in alice.compute.servers()}
    assert names == set(opened[A].instances)
    for server in opened[B].instance_ids:
        assert status(alice, "compute", f"/servers/{server}") == 404


def test_a_member_cannot_list_or_read_the_other_workspace_container(
    alice: Any, opened: dict[str, Any]
) -> None:
    other = swift_url(opened[B].project_id, opened[B].extract_container)
    assert alice.session.get(other, raise_exc=False).status_code == 403
    assert alice.session.get(f"{other}/anything", raise_exc=False).status_code == 403
    own = swift_url(opened[A].project_id, opened[A].extract_container)
    assert alice.session.get(own, raise_exc=False).status_code in (200, 204)


def test_a_member_cannot_read_the_other_workspace_key(alice: Any, opened: dict[str, Any]) -> None:
    other = opened[B].key_ref.rstrip("/").rsplit("/", 1)[-1]
    assert status(alice, "key-manager", f"/v1/secrets/{other}/payload") in (403, 404)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v2.0/networks", {"network": {"name": "escape"}}),
        ("/v2.0/routers", {"router": {"name": "escape"}}),
        ("/v2.0/floatingips", {"floatingip": {"floating_network_id": "x"}}),
        ("/v2.0/ports", {"port": {"network_id": "x"}}),
    ],
)
def test_a_member_creates_no_network_object(
    alice: Any, opened: dict[str, Any], path: str, body: dict[str, Any]
) -> None:
    if "port" in body:
        body = {"port": {"network_id": opened[A].network_id}}
    if "floatingip" in body:
        ext = alice.network.find_network("Ext-Net")
        body = {"floatingip": {"floating_network_id": ext.id if ext else "x"}}
    assert status(alice, "network", path, "POST", json=body) == 403


def test_the_extract_is_sealed_and_readable_by_members(
    alice: Any, opened: dict[str, Any], tmp_path: Path
) -> None:
    extract = tmp_path / "cohort.csv"
    extract.write_bytes(b"patient,hba1c\n1,6.8\n2,7.4\n")
    loaded = invoke("load", "--site", "local", "--project", A, str(extract))
    assert loaded.exit_code == 0, loaded.output
    raw = alice.session.get(
        swift_url(opened[A].project_id, f"{opened[A].extract_container}/cohort.csv")
    )
    assert b"hba1c" not in raw.content
    assert raw.headers["X-Object-Meta-Key-Ref"] == opened[A].key_ref
    read = runner.invoke(
        app, ["workspace", "read", "--site", "local", "--project", A, "cohort.csv",
              "--member", "alice"],
    )  # fmt: skip
    assert read.exit_code == 0 and read.stdout_bytes == extract.read_bytes()


def test_an_extract_from_a_dataset_is_resealed_under_the_workspace_key(
    alice: Any, opened: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hubctl.cloud import site_cloud
    from hubctl.drill.cloud import empty_container

    # The site's layers of this module live in the project OS_PROJECT_NAME names, not in the
    # tenant's clouds.yaml entry: hubctl dataset reaches the site through OS_* here.
    monkeypatch.delenv("OS_CLIENT_CONFIG_FILE", raising=False)
    data = b"patient,hba1c\n9,6.1\n"
    (tmp_path / "from-dataset.csv").write_bytes(data)
    site = site_cloud("local", "LOCAL1").connect()
    try:
        loaded = runner.invoke(
            app, ["dataset", "load", "--site", "local", "--dataset", "synthetic-cohorts",
                  str(tmp_path / "from-dataset.csv")],
        )  # fmt: skip
        assert loaded.exit_code == 0, loaded.output
        extract = invoke("load", "--site", "local", "--project", A,
                         "--dataset", "synthetic-cohorts", "from-dataset.csv")  # fmt: skip
        assert extract.exit_code == 0, extract.output
        raw = alice.session.get(
            swift_url(opened[A].project_id, f"{opened[A].extract_container}/from-dataset.csv")
        )
        assert raw.headers["X-Object-Meta-Key-Ref"] == opened[A].key_ref  # the workspace's key
        assert b"hba1c" not in raw.content
        read = runner.invoke(
            app, ["workspace", "read", "--site", "local", "--project", A, "from-dataset.csv",
                  "--member", "alice"],
        )  # fmt: skip
        assert read.exit_code == 0 and read.stdout_bytes == data
    finally:
        empty_container(site, "hub-local-dataset-synthetic-cohorts")


def test_an_extract_from_a_dataset_the_workspace_may_not_use_is_refused(
    opened: dict[str, Any],
) -> None:
    result = invoke("load", "--site", "local", "--project", A, "--dataset", "synthetic-claims",
                    "claims.csv")  # fmt: skip
    assert result.exit_code == 2
    assert "authorised for synthetic-cohorts only" in result.output


def test_members_write_the_outbox_and_only_the_data_officer_reads_it(
    alice: Any, opened: dict[str, Any], cloud_env: dict[str, str]
) -> None:
    outbox = swift_url(opened[A].project_id, opened[A].outbox_container)
    put = alice.session.put(f"{outbox}/result.csv", data=b"mean,7.1\n", raise_exc=False)
    assert put.status_code == 201
    assert alice.session.get(f"{outbox}/result.csv", raise_exc=False).status_code == 403
    assert alice.session.get(outbox, raise_exc=False).status_code == 403
    officer = exports([str(REPO_ROOT / "scripts/local-cloud"), "env", "officer"])
    conn = connection_of({**officer, "OS_PROJECT_NAME": opened[A].project_name})
    got = conn.session.get(f"{outbox}/result.csv", raise_exc=False)
    assert got.status_code == 200 and got.content == b"mean,7.1\n"


def test_extend_moves_the_deployed_expiry(opened: dict[str, Any], alice: Any) -> None:
    result = invoke("extend", "--site", "local", "--project", A, "--expires", "2028-01-31")
    assert result.exit_code == 0, result.output
    head = alice.session.head(swift_url(opened[A].project_id, opened[A].extract_container))
    assert head.headers["X-Container-Meta-Workspace-Expires"] == "2028-01-31"


def test_extend_beyond_the_authorisation_is_refused(opened: dict[str, Any]) -> None:
    result = invoke("extend", "--site", "local", "--project", A, "--expires", "2028-07-01")
    assert result.exit_code == 2 and "2028-06-30" in result.output


@pytest.fixture(scope="module")
def closed_a(opened: dict[str, Any], alice: Any) -> dict[str, Any]:
    """A's extract object as a backup would hold it, then A closed."""
    backup = alice.session.get(
        swift_url(opened[A].project_id, f"{opened[A].extract_container}/cohort.csv"),
        raise_exc=False,
    )
    result = invoke("close", "--site", "local", "--project", A)
    reports = Path(os.environ[REPORTS_ENV])
    records = sorted(reports.glob(f"{A}-closed-*.json"))
    return {"result": result, "records": records, "backup": backup}


def test_closing_succeeds_with_every_check_passed(closed_a: dict[str, Any]) -> None:
    assert closed_a["result"].exit_code == 0, closed_a["result"].output
    (record,) = closed_a["records"]
    data = json.loads(record.read_text())
    assert data["result"] == "closed"
    assert {c["result"] for c in data["checks"]} == {"pass"}
    assert record.with_suffix(".md").exists()
    assert data["credentials"]["user"] == os.environ["OS_USERNAME"]
    assert any(e["type"].endswith("orderV1:OrderV1") for e in data["existed"])


def test_after_closing_the_key_reference_is_gone_from_barbican(
    closed_a: dict[str, Any], opened: dict[str, Any]
) -> None:
    operator = connect_from_env(dict(os.environ))
    key = opened[A].key_ref.rstrip("/").rsplit("/", 1)[-1]
    assert status(operator, "key-manager", f"/v1/secrets/{key}") == 404
    purge = subprocess.run(
        [str(REPO_ROOT / "scripts/local-cloud"), "purge-secrets", key],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert purge.returncode == 0 and f"{key}: 0 row(s)" in purge.stdout, purge.stdout


def test_a_backup_of_the_extract_cannot_be_opened_after_closing(
    closed_a: dict[str, Any], opened: dict[str, Any]
) -> None:
    from hubctl.envelope import EnvelopeError, fetch_project_key

    backup = closed_a["backup"]
    assert backup.status_code == 200 and b"hba1c" not in backup.content
    operator = connect_from_env(dict(os.environ))
    with pytest.raises(EnvelopeError, match="cannot be read"):
        fetch_project_key(operator, opened[A].key_ref)


def test_closing_a_leaves_b_untouched(closed_a: dict[str, Any], opened: dict[str, Any]) -> None:
    chloe = connection_of(member_env(Site.load("local"), B, "chloe"))
    assert {s.name for s in chloe.compute.servers()} == set(opened[B].instances)
    container = swift_url(opened[B].project_id, opened[B].extract_container)
    assert chloe.session.get(container, raise_exc=False).status_code in (200, 204)
    listed = invoke("list", "--site", "local", "--format", "json")
    states = {row["id"]: row["state"] for row in json.loads(listed.output)}
    assert states[A] == "closed" and states[B] == "open"


def test_a_lingering_expired_workspace_export_is_rejected(
    closed_a: dict[str, Any], tmp_path: Path
) -> None:
    from pulumi import automation as auto

    stack = auto.select_stack(f"local-ws-{B}", work_dir=str(REPO_ROOT))
    export = tmp_path / "b.json"
    export.write_text(json.dumps({"version": 3, "deployment": stack.export_stack().deployment}))
    today = date.today()
    assert runner.invoke(app, ["check", "--state", str(export)]).exit_code == 0
    expires = date.fromisoformat(workspace_exports("local", B).expires)
    late = tmp_path / "late.json"
    late.write_text(json.dumps({"workspace-not-expired": {"asOf": str(expires + timedelta(1))}}))
    result = runner.invoke(app, ["check", "--state", str(export), "--policy-config", str(late)])
    assert result.exit_code == 1 and "workspace-not-expired" in result.output
    assert expires >= today


def test_expire_as_of_a_date_past_b_closes_it(
    closed_a: dict[str, Any], opened: dict[str, Any]
) -> None:
    after = str(date.fromisoformat(opened[B].expires) + timedelta(days=1))
    dry = invoke("expire", "--site", "local", "--as-of", after, "--dry-run")
    due = [line.split()[1] for line in dry.output.splitlines() if line.startswith("due:")]
    # Never close someone else's workspace: only B may be due for the real run to go ahead.
    assert dry.exit_code == 1 and due == [B], dry.output
    result = invoke("expire", "--site", "local", "--as-of", after)
    assert result.exit_code == 0, result.output
    assert not (stacks_dir() / f"Pulumi.local-ws-{B}.yaml").exists()
    assert not (STACKS_DIR / f"Pulumi.local-ws-{B}.yaml").exists()
    assert sorted(Path(os.environ[REPORTS_ENV]).glob(f"{B}-closed-*.json"))
