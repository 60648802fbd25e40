"""`hubctl audit` on a site deployed by the real engine into the test session's own tenant.

The `local` site is deployed once for the module (the session tenant's project, its own state
backend); every test then audits it as `hubctl audit` runs for an operator (a subprocess), or
reads it through the audit's own modules. A test that plants a problem behind Pulumi's back (a
rule, an ACL, a volume, a server's metadata) takes it out again before it ends, so each test
sees the site as deployed.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from hubcore.paths import REPO_ROOT
from hubcore.stacks import SITE_LAYERS
from hubctl.audit.builders import Live
from hubctl.audit.compare import drift_of
from hubctl.audit.mapping import LIVE_TYPES, build_all
from hubctl.cloud import inventory_of
from hubctl.deploy import SiteDeployer, select_stack
from hubctl.state_export import parse_state
from policies.model import ResourceView
from tests.hubctl_runner import run_hubctl
from tests.integration.diagnosis import failures
from tests.integration.proxy import Forwarder
from tests.integration.tenant import Tenant

pytestmark = pytest.mark.integration
SITE = "local"

# The live types the local site deploys: each is compared with what the provider recorded.
# (Floating IPs, router routes, load balancers, images: the site has none; their builders are
# checked against the provider's property names only, tests/unit/test_audit_mapping.py.)
LOCAL_SITE_TYPES = sorted(
    {
        "openstack:networking/network:Network",
        "openstack:networking/subnet:Subnet",
        "openstack:networking/subnetRoute:SubnetRoute",
        "openstack:networking/router:Router",
        "openstack:networking/routerInterface:RouterInterface",
        "openstack:networking/port:Port",
        "openstack:networking/secGroup:SecGroup",
        "openstack:networking/secGroupRule:SecGroupRule",
        "openstack:compute/instance:Instance",
        "openstack:compute/keypair:Keypair",
        "openstack:compute/serverGroup:ServerGroup",
        "openstack:blockstorage/volume:Volume",
        "openstack:objectstorage/container:Container",
        "openstack:keymanager/secretV1:SecretV1",
        "openstack:keymanager/containerV1:ContainerV1",
        "openstack:keymanager/orderV1:OrderV1",
    }
)


@pytest.fixture(scope="module")
def site(
    deploy_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SiteDeployer]:
    deployer = SiteDeployer(site=SITE, log_dir=tmp_path_factory.mktemp("logs"), env=deploy_env)
    runs = deployer.run("up")
    assert [r.status for r in runs] == ["done"] * len(runs), failures(runs)
    yield deployer
    deployer.run("destroy")


def audit(
    env: dict[str, str], tmp: Path, *args: str, extra_env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    """`hubctl audit --site local --format json` as an operator runs it: exit code, report,
    stderr."""
    json_format = [] if "--format" in args else ["--format", "json"]
    done = run_hubctl(
        "audit", "--site", SITE, *json_format, "--reports", str(tmp / "reports"), *args,
        env={**os.environ, **env, **(extra_env or {})},
    )  # fmt: skip
    try:
        report = json.loads(done.stdout) if done.stdout.strip() else {}
    except ValueError:
        report = {}
    return done.returncode, report, done.stderr


def found(report: dict[str, Any], policy: str) -> list[dict[str, Any]]:
    return [v for v in report.get("violations", []) if v["policy"] == policy]


def exports(env: dict[str, str]) -> dict[str, list[ResourceView]]:
    """Each layer's state as the provider recorded it (`pulumi stack export`), as views."""
    views = {}
    for layer in SITE_LAYERS:
        deployment = select_stack(SITE, layer, env).export_stack()
        document = {"version": 3, "deployment": deployment.deployment}
        target = parse_state(json.dumps(document).encode(), f"{SITE}-{layer.value}")
        views[f"{SITE}-{layer.value}"] = list(target.resources)
    return views


# --------------------------------------------------------------------------- a clean site


def test_a_freshly_deployed_site_audits_clean_with_exit_0(
    site: SiteDeployer, deploy_env: dict[str, str], tmp_path: Path
) -> None:
    code, report, stderr = audit(deploy_env, tmp_path)
    assert code == 0, (stderr, report.get("violations"))
    counts = report["audit"]["counts"]
    assert counts["managed"] > 50 and counts["unmanaged"] == 0, counts
    assert (counts["missing"], counts["drifted"], report["audit"]["partial"]) == (0, 0, False)


def test_replicas_stamped_by_hubctl_replicate_still_audit_clean(
    site: SiteDeployer, deploy_env: dict[str, str], tmp_path: Path
) -> None:
    """`hubctl replicate` writes the replicas' last-sync time: hubctl's own, not a drift, and
    a key the pack admits."""
    replicated = run_hubctl("replicate", "--site", SITE, env={**os.environ, **deploy_env})
    assert replicated.returncode == 0, replicated.stdout + replicated.stderr
    code, report, stderr = audit(deploy_env, tmp_path)
    assert code == 0, (stderr, report.get("violations"))


def test_the_audit_writes_its_record_for_the_evidence_page(
    site: SiteDeployer, deploy_env: dict[str, str], tmp_path: Path
) -> None:
    audit(deploy_env, tmp_path)
    [record] = (tmp_path / "reports" / "audits").glob(f"{SITE}-*.json")
    data = json.loads(record.read_text())
    assert data["site"] == SITE and data["exit_code"] == 0 and data["partial"] is False


def test_the_site_deploys_exactly_the_types_compared_with_the_provider(
    site: SiteDeployer, deploy_env: dict[str, str]
) -> None:
    deployed = {v.type for views in exports(deploy_env).values() for v in views}
    assert sorted(deployed & set(LIVE_TYPES)) == LOCAL_SITE_TYPES


@pytest.fixture(scope="module")
def live_and_states(
    site: SiteDeployer, deploy_env: dict[str, str], test_tenant: Tenant
) -> tuple[dict[tuple[str, str], Live], dict[str, list[ResourceView]]]:
    raw = inventory_of(test_tenant.connect(SITE)).read("LOCAL1", 100_000)
    assert [g for g in raw.gaps if g.kind.partial] == []
    live = {(item.token, item.id): item for item in build_all(raw)}
    return live, exports(deploy_env)


@pytest.mark.parametrize("token", LOCAL_SITE_TYPES)
def test_each_type_reads_live_as_the_provider_recorded_it(
    token: str,
    live_and_states: tuple[dict[tuple[str, str], Live], dict[str, list[ResourceView]]],
) -> None:
    """Every compared property of every resource of the type: present in the state the
    provider wrote, and equal to what the audit reads from the cloud."""
    live, states = live_and_states
    views = [v for stack in states.values() for v in stack if v.type == token]
    assert views, f"the site deploys no {token}"
    compared = LIVE_TYPES[token].compared
    recorded = 0
    for view in views:
        item = live.get((token, view.id or ""))
        assert item is not None, f"{view.urn} ({view.id}) was not read from the cloud"
        drifts, secret = drift_of(item, view)
        assert secret == [], (view.urn, secret)
        assert drifts == [], [(view.urn, d.prop, d.state_value, d.live_value) for d in drifts]
        recorded += sum(c.state_value(view.inputs) not in (None, "", [], {}) for c in compared)
    # Not vacuous: the provider recorded values for the properties compared.
    assert recorded > 0


# --------------------------------------------------------------------------- planted problems


@contextmanager
def added_rule(tenant: Tenant, tier: str, port: int, prefix: str) -> Iterator[Any]:
    """A TCP ingress rule added by hand to a tier's group, for the time of the block."""
    conn = tenant.connect(SITE)
    [group] = conn.network.security_groups(
        project_id=conn.current_project_id, name=f"hub-{SITE}-{tier}"
    )
    rule = conn.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", ether_type="IPv4", protocol="tcp",
        port_range_min=port, port_range_max=port, remote_ip_prefix=prefix,
    )  # fmt: skip
    try:
        yield rule
    finally:
        conn.network.delete_security_group_rule(rule.id)


def test_a_world_open_ssh_rule_added_to_a_tier_group_is_found_and_is_drift(
    site: SiteDeployer, deploy_env: dict[str, str], test_tenant: Tenant, tmp_path: Path
) -> None:
    with added_rule(test_tenant, "app", 22, "0.0.0.0/0") as rule:
        code, report, _ = audit(deploy_env, tmp_path)
    assert code == 1
    assert any(rule.id in v["urn"] for v in found(report, "exposure-admin-port-ssh"))
    [drift] = found(report, "audit-drift")
    assert drift["urn"].endswith(f"::hub-{SITE}-app") and rule.id in drift["message"]
    assert "0.0.0.0/0" in drift["message"]


def test_drift_is_filed_at_the_program_line_that_declares_the_resource(
    site: SiteDeployer, deploy_env: dict[str, str], test_tenant: Tenant, tmp_path: Path
) -> None:
    output = tmp_path / "audit.sarif"
    with added_rule(test_tenant, "data", 5432, "10.40.0.0/16"):
        code, _, _ = audit(deploy_env, tmp_path, "--format", "sarif", "--output", str(output))
    sarif = json.loads(output.read_text())
    assert code == 1
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "audit-drift"]
    where = result["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "infra/layers/network.py"
    declared = (REPO_ROOT / "infra/layers/network.py").read_text().splitlines()
    assert "SecGroup(" in declared[where["region"]["startLine"] - 1]


def test_a_container_made_public_with_the_swift_cli_is_found_and_is_drift(
    site: SiteDeployer, deploy_env: dict[str, str], tmp_path: Path
) -> None:
    container = f"hub-{SITE}-backups"
    env = {**os.environ, **deploy_env}
    subprocess.run(["swift", "post", "-r", ".r:*,.rlistings", container], env=env, check=True)
    try:
        code, report, _ = audit(deploy_env, tmp_path)
    finally:
        subprocess.run(["swift", "post", "-r", "", container], env=env, check=True)
    assert code == 1
    [public] = found(report, "encryption-container-private")
    assert public["urn"].endswith(f"::{container}")
    [drift] = found(report, "audit-drift")
    assert "containerRead" in drift["message"] and ".r:*" in drift["message"]


def test_a_volume_created_by_hand_on_a_plain_type_is_found_and_unmanaged(
    site: SiteDeployer, deploy_env: dict[str, str], test_tenant: Tenant, tmp_path: Path
) -> None:
    conn = test_tenant.connect(SITE)
    volume = conn.block_storage.create_volume(name="made-by-hand", size=1, volume_type="classic")
    conn.block_storage.wait_for_status(volume, "available", wait=180)
    try:
        code, report, _ = audit(deploy_env, tmp_path)
    finally:
        conn.block_storage.delete_volume(volume.id)
    assert code == 1
    assert [v["urn"] for v in found(report, "encryption-volume-luks")] == [
        v["urn"] for v in found(report, "audit-unmanaged")
    ]
    assert volume.id in found(report, "audit-unmanaged")[0]["urn"]


def test_a_live_resource_of_a_type_the_pack_does_not_know_is_a_finding(
    site: SiteDeployer, deploy_env: dict[str, str], test_tenant: Tenant, tmp_path: Path
) -> None:
    """The closed world holds live too: the project's own image is outside the inventory."""
    conn = test_tenant.connect(SITE)
    image = conn.image.create_image(
        name="made-by-hand-image", data=b"\0" * 1024, disk_format="raw",
        container_format="bare", visibility="private",
    )  # fmt: skip
    try:
        code, report, _ = audit(deploy_env, tmp_path)
    finally:
        conn.image.delete_image(image.id)
    assert code == 1
    [unknown] = found(report, "inventory-known-type")
    assert image.id in unknown["urn"] and "openstack:images/image:Image" in unknown["message"]


def test_a_baseline_written_by_an_audit_makes_those_findings_known(
    site: SiteDeployer, deploy_env: dict[str, str], test_tenant: Tenant, tmp_path: Path
) -> None:
    conn = test_tenant.connect(SITE)
    volume = conn.block_storage.create_volume(name="known-volume", size=1, volume_type="classic")
    conn.block_storage.wait_for_status(volume, "available", wait=180)
    baseline = tmp_path / "audit-baseline.json"
    try:
        written, _, _ = audit(deploy_env, tmp_path, "--write-baseline", str(baseline))
        known, report, stderr = audit(deploy_env, tmp_path, "--baseline", str(baseline))
    finally:
        conn.block_storage.delete_volume(volume.id)
    assert (written, known) == (0, 0), stderr
    assert report["violations"] == [] and "2 known" in stderr


def test_a_password_put_in_a_servers_metadata_is_found_and_is_drift(
    site: SiteDeployer, deploy_env: dict[str, str], test_tenant: Tenant, tmp_path: Path
) -> None:
    conn = test_tenant.connect(SITE)
    server = conn.compute.find_server(f"hub-{SITE}-app-0")
    conn.compute.set_server_metadata(server, db_password="Hunter2-but-longer")
    try:
        code, report, _ = audit(deploy_env, tmp_path)
    finally:
        conn.compute.delete_server_metadata(server, ["db_password"])
    assert code == 1
    [leak] = found(report, "secrets-embedded-credentials")
    assert leak["urn"].endswith(f"::hub-{SITE}-app-0") and "Hunter2" not in leak["message"]
    [drift] = found(report, "audit-drift")
    assert "metadata" in drift["message"] and "Hunter2" not in drift["message"]


# --------------------------------------------------------------------------- least privilege


def _reader_entry(test_tenant: Tenant, tmp: Path, role: str) -> tuple[dict[str, str], Any]:
    """A user of the tenant's project with one role, and a clouds.yaml entry `local-audit`."""
    import secrets

    admin = test_tenant.admin
    name, password = f"{test_tenant.name}-{role}", secrets.token_urlsafe(18)
    user = admin.identity.create_user(name=name, password=password, domain_id="default")
    roles = {r.name: r.id for r in admin.identity.roles()}
    admin.identity.assign_project_role_to_user(test_tenant.projects[SITE], user.id, roles[role])
    clouds = yaml.safe_load(test_tenant.clouds_yaml.read_text())
    entry = json.loads(json.dumps(clouds["clouds"][SITE]))
    entry["auth"].update({"username": name, "password": password})
    clouds["clouds"]["local-audit"] = entry
    path = tmp / "clouds.yaml"
    path.write_text(json.dumps(clouds))
    return {"OS_CLIENT_CONFIG_FILE": str(path)}, user


def test_a_service_the_auditor_may_not_read_is_a_finding_not_a_silence(
    site: SiteDeployer, deploy_env: dict[str, str], test_tenant: Tenant, tmp_path: Path
) -> None:
    """Keystone's reader role: Barbican's legacy policy on the local cloud (Zed) refuses it."""
    extra, user = _reader_entry(test_tenant, tmp_path, "reader")
    try:
        code, report, _ = audit(deploy_env, tmp_path, "--cloud", "local-audit", extra_env=extra)
    finally:
        test_tenant.admin.identity.delete_user(user.id)
    assert code == 1
    refused = " ".join(v["message"] for v in found(report, "audit-forbidden"))
    assert "key-manager" in refused and "403" in refused
    assert report["audit"]["identity"]["roles"] == ["reader"]
    assert report["audit"]["identity"]["least_privilege"] is True
    assert report["audit"]["partial"] is False


# --------------------------------------------------------------------------- faults


def _entry_with_override(deploy_env: dict[str, str], tmp: Path, service: str, url: str) -> str:
    clouds = yaml.safe_load(Path(deploy_env["OS_CLIENT_CONFIG_FILE"]).read_text())
    entry = json.loads(json.dumps(clouds["clouds"][SITE]))
    entry[f"{service}_endpoint_override"] = url
    clouds["clouds"]["local-faulty"] = entry
    path = tmp / "clouds-faulty.yaml"
    path.write_text(json.dumps(clouds))
    return str(path)


def test_a_service_made_unreachable_mid_audit_gives_exit_2_and_a_partial_report(
    site: SiteDeployer, deploy_env: dict[str, str], tmp_path: Path
) -> None:
    # Cinder answers the first connection (the volume listing starts), then its path goes.
    forwarder = Forwarder(("127.0.0.1", 8776), allow=1)
    config = _entry_with_override(
        deploy_env, tmp_path, "block_storage", forwarder.url + "/v3/%(project_id)s"
    )
    try:
        code, report, stderr = audit(
            deploy_env, tmp_path, "--cloud", "local-faulty",
            extra_env={"OS_CLIENT_CONFIG_FILE": config},
        )  # fmt: skip
    finally:
        forwarder.close()
    assert code == 2, stderr
    assert report["audit"]["partial"] is True
    partial = " ".join(v["message"] for v in found(report, "audit-incomplete"))
    assert "block-storage" in partial and "unreachable" in partial
    assert "Traceback" not in stderr and "PARTIAL AUDIT" in stderr


def test_a_service_that_stops_answering_times_out_into_a_partial_report(
    site: SiteDeployer, deploy_env: dict[str, str], tmp_path: Path
) -> None:
    forwarder = Forwarder(("127.0.0.1", 9311), allow=0, hang=True)
    config = _entry_with_override(deploy_env, tmp_path, "key_manager", forwarder.url)
    started = time.monotonic()
    try:
        code, report, stderr = audit(
            deploy_env, tmp_path, "--cloud", "local-faulty", "--timeout", "2",
            extra_env={"OS_CLIENT_CONFIG_FILE": config},
        )  # fmt: skip
    finally:
        forwarder.close()
    assert code == 2, stderr
    assert "timeout" in " ".join(v["message"] for v in found(report, "audit-incomplete"))
    assert time.monotonic() - started < 120


def test_a_half_created_resource_makes_the_audit_partial(
    site: SiteDeployer,
    deploy_env: dict[str, str],
    test_tenant: Tenant,
    admin_connection: Any,
    tmp_path: Path,
) -> None:
    """A volume of a type no backend serves: Cinder leaves it in `error`, never final."""
    kind = admin_connection.block_storage.create_type(
        name=f"{test_tenant.name}-nowhere", extra_specs={"volume_backend_name": "nowhere"}
    )
    conn = test_tenant.connect(SITE)
    volume = conn.block_storage.create_volume(name="half-made", size=1, volume_type=kind.name)
    try:
        conn.block_storage.wait_for_status(volume, "error", failures=[], wait=180)
        code, report, stderr = audit(deploy_env, tmp_path)
    finally:
        conn.block_storage.delete_volume(volume.id)
        conn.block_storage.wait_for_delete(volume, wait=180)
        admin_connection.block_storage.delete_type(kind.id)
    assert code == 2, stderr
    partial = " ".join(v["message"] for v in found(report, "audit-incomplete"))
    assert "half-created" in partial and "half-made" in partial


def test_a_project_over_the_limit_is_partial_and_one_at_the_limit_is_not(
    site: SiteDeployer, deploy_env: dict[str, str], tmp_path: Path
) -> None:
    code, report, _ = audit(deploy_env, tmp_path)
    listed = report["audit"]["counts"]["listed"]
    at, _, _ = audit(deploy_env, tmp_path, "--max-resources", str(listed))
    over, truncated, _ = audit(deploy_env, tmp_path, "--max-resources", str(listed - 1))
    assert (code, at, over) == (0, 0, 2)
    assert "truncated" in " ".join(v["message"] for v in found(truncated, "audit-incomplete"))


def test_a_resource_deleted_behind_pulumis_back_is_missing(
    site: SiteDeployer, deploy_env: dict[str, str], test_tenant: Tenant, tmp_path: Path
) -> None:
    conn = test_tenant.connect(SITE)
    [group] = conn.network.security_groups(
        project_id=conn.current_project_id, name=f"hub-{SITE}-ingress"
    )
    rule = next(
        r
        for r in conn.network.security_group_rules(security_group_id=group.id)
        if r.direction == "ingress"
        and r.port_range_min == 443
        and r.remote_ip_prefix == "0.0.0.0/0"
    )
    conn.network.delete_security_group_rule(rule.id)
    try:
        code, report, _ = audit(deploy_env, tmp_path)
    finally:
        # Converge again: the refresh drops the rule from the state, the up recreates it.
        network = select_stack(SITE, SITE_LAYERS[0], deploy_env)
        network.refresh(color="never")
        network.up(color="never")
    assert code == 1
    [gone] = found(report, "audit-missing")
    assert rule.id in gone["message"] and gone["urn"].endswith("in-443-world-v4")
