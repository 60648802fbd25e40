"""Every layer of the `local` site, deployed by the real engine to the real local cloud.

The tests run in file order: deploy, inspect through openstacksdk, idempotence, drift, then
destroy. Each compares what exists in the cloud with what the program declares (its synthesis).
"""

from __future__ import annotations

from typing import Any

import pytest

from hubcore.stacks import Layer
from hubctl.deploy import LayerRun, SiteDeployer, select_stack
from synth.records import SynthResult
from tests.conftest import Synth, of_type
from tests.integration.diagnosis import failures

pytestmark = pytest.mark.integration
SITE = "local"


def census(connection: Any) -> dict[str, int]:
    """How many resources of each kind the hub's project holds in the cloud."""
    project = connection.current_project_id
    return {
        "networks": len([n for n in connection.network.networks(project_id=project)]),
        "subnets": len(list(connection.network.subnets(project_id=project))),
        "routers": len(list(connection.network.routers(project_id=project))),
        "ports": len(list(connection.network.ports(project_id=project))),
        "security_groups": len(
            [
                g
                for g in connection.network.security_groups(project_id=project)
                if g.name != "default"
            ]
        ),
        "servers": len(list(connection.compute.servers())),
        "server_groups": len(list(connection.compute.server_groups())),
        "keypairs": len(list(connection.compute.keypairs())),
        "volumes": len(list(connection.block_storage.volumes())),
        "containers": len(list(connection.object_store.containers())),
        "secrets": len(list(connection.key_manager.secrets())),
        "key_containers": len(list(connection.key_manager.containers())),
    }


@pytest.fixture(scope="module")
def before(connection: Any, deploy_env: dict[str, str]) -> dict[str, int]:
    return census(connection)


@pytest.fixture(scope="module")
def deployer(deploy_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> SiteDeployer:
    return SiteDeployer(site=SITE, log_dir=tmp_path_factory.mktemp("logs"), env=deploy_env)


@pytest.fixture(scope="module")
def first_up(before: dict[str, int], deployer: SiteDeployer) -> list[LayerRun]:
    return deployer.run("up")


def test_every_layer_deploys_with_the_policy_pack(first_up: list[LayerRun]) -> None:
    assert [r.status for r in first_up] == ["done"] * 4, failures(first_up)
    for run in first_up:
        assert run.log is not None and "Policies:" in run.log.read_text(), run.stack


def test_tier_subnets_exist_as_declared(
    first_up: list[LayerRun], connection: Any, synth: Synth
) -> None:
    declared = {
        r.inputs["name"]: r.inputs["cidr"] for r in of_type(synth("local-network"), "subnet:Subnet")
    }
    project = connection.current_project_id
    actual = {
        s.name: s.cidr for s in connection.network.subnets(project_id=project) if s.name in declared
    }
    assert actual == declared


def test_security_group_rules_match_the_program(
    first_up: list[LayerRun], connection: Any, synth: Synth
) -> None:
    network: SynthResult = synth("local-network")
    declared = {
        (
            rule.inputs["securityGroupId"].removesuffix("-id"),
            rule.inputs["direction"],
            rule.inputs["protocol"],
            rule.inputs["portRangeMin"],
        )
        for rule in of_type(network, "secGroupRule:SecGroupRule")
    }
    # The cloud's admin role sees every project's groups: only this session's project counts.
    groups = {
        g.id: g.name
        for g in connection.network.security_groups(project_id=connection.current_project_id)
        if g.name.startswith("hub-local-")
    }
    actual = {
        (groups[r.security_group_id], r.direction, r.protocol, r.port_range_min)
        for r in connection.network.security_group_rules()
        if r.security_group_id in groups
    }
    assert actual == declared


def test_instances_are_active_in_anti_affinity_groups(
    first_up: list[LayerRun], connection: Any
) -> None:
    groups = {
        g.name: g for g in connection.compute.server_groups() if g.name.startswith("hub-local-")
    }
    assert set(groups) == {"hub-local-bastion", "hub-local-app", "hub-local-data"}
    for group in groups.values():
        assert group.policy == "anti-affinity" or "anti-affinity" in (group.policies or [])
        assert group.member_ids, group.name
        for member in group.member_ids:
            server = connection.compute.get_server(member)
            assert server.status == "ACTIVE", server.name


def test_volumes_are_on_encrypted_types(first_up: list[LayerRun], connection: Any) -> None:
    volumes = [v for v in connection.block_storage.volumes() if v.name.startswith("hub-local-")]
    assert volumes
    encrypted = {
        t.name
        for t in connection.block_storage.types()
        if connection.block_storage.get_type_encryption(t.id).provider
    }
    for volume in volumes:
        assert volume.volume_type in encrypted, volume.name
        assert volume.is_encrypted, volume.name


def test_containers_are_private_and_versioned(first_up: list[LayerRun], connection: Any) -> None:
    names = [
        c.name for c in connection.object_store.containers() if c.name.startswith("hub-local-")
    ]
    assert "hub-local-dataset-synthetic-cohorts" in names
    for name in names:
        container = connection.object_store.get_container_metadata(name)
        assert not container.read_ACL, name
        assert not container.write_ACL, name
    headers = connection.object_store.head("hub-local-dataset-synthetic-cohorts").headers
    assert headers.get("X-Versions-Enabled", "").lower() == "true"


def test_barbican_holds_the_ca_and_dataset_keys(first_up: list[LayerRun], connection: Any) -> None:
    secrets = {s.name for s in connection.key_manager.secrets()}
    assert {
        "hub-local-ca-cert",
        "hub-local-ca-key",
        "hub-local-app-cert",
        "hub-local-app-key",
    } <= secrets
    orders = list(connection.key_manager.orders())
    assert any(o.status == "ACTIVE" for o in orders)


def test_a_second_up_changes_nothing(first_up: list[LayerRun], deployer: SiteDeployer) -> None:
    again = deployer.run("up")
    assert [r.status for r in again] == ["done"] * 4, failures(again)
    for run in again:
        assert set(run.changes) <= {"same"}, f"{run.stack}: {run.changes}"


def test_refresh_finds_no_drift(first_up: list[LayerRun], deployer: SiteDeployer) -> None:
    refreshed = deployer.run("refresh")
    assert [r.status for r in refreshed] == ["done"] * 4, failures(refreshed)
    for run in refreshed:
        assert set(run.changes) <= {"same"}, f"{run.stack}: {run.changes}"


def test_a_resource_deleted_behind_pulumis_back_is_detected_and_recreated(
    first_up: list[LayerRun], deployer: SiteDeployer, connection: Any, deploy_env: dict[str, str]
) -> None:
    [group] = connection.network.security_groups(
        project_id=connection.current_project_id, name="hub-local-ingress"
    )
    rule = next(
        r
        for r in connection.network.security_group_rules(security_group_id=group.id)
        if r.port_range_min == 443 and r.remote_ip_prefix == "0.0.0.0/0"
    )
    connection.network.delete_security_group_rule(rule)

    stack = select_stack(SITE, Layer.NETWORK, deploy_env)
    refreshed = stack.refresh(color="never")
    assert refreshed.summary.resource_changes, "refresh saw the deletion"
    changes = {
        str(getattr(k, "value", k)): v for k, v in refreshed.summary.resource_changes.items()
    }
    assert changes.get("delete", 0) >= 1, changes
    up = stack.up(color="never")
    created = {
        str(getattr(k, "value", k)): v for k, v in (up.summary.resource_changes or {}).items()
    }
    assert created.get("create", 0) >= 1, created
    assert any(
        r.port_range_min == 443 and r.remote_ip_prefix == "0.0.0.0/0"
        for r in connection.network.security_group_rules(security_group_id=group.id)
    )


def test_destroy_leaves_nothing_behind(
    first_up: list[LayerRun], deployer: SiteDeployer, connection: Any, before: dict[str, int]
) -> None:
    destroyed = deployer.run("destroy")
    assert [r.status for r in destroyed] == ["done"] * 4, failures(destroyed)
    assert census(connection) == before
