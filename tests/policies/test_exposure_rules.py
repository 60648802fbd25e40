"""Exposure family: world-open rules, floating IPs, administration ports."""

from __future__ import annotations

import dataclasses

import pytest

from policies.model import UNKNOWN_MASK, ResourceView, Status
from policies.registry import REGISTRY
from policies.rules.exposure.common import ADMIN_PORT_REFERENCES, ADMIN_PORTS
from tests.policies.conftest import REMOVE, failures, find, mutate, statuses

RULE = "secGroupRule:SecGroupRule"


def test_https_from_the_world_into_the_ingress_tier_passes(target):
    network = target("prod-network")
    for name in ("ingress-in-443-world-v4", "ingress-in-443-world-v6"):
        assert statuses("exposure-world-ingress", network, find(network, RULE, name)) == {
            Status.PASS
        }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"portRangeMin": 22.0, "portRangeMax": 22.0}, "ports 22-22"),
        ({"portRangeMin": 1.0, "portRangeMax": 65535.0}, "all ports"),
        ({"protocol": REMOVE, "portRangeMin": REMOVE, "portRangeMax": REMOVE}, "all ports"),
        ({"protocol": "udp"}, "udp"),
    ],
)
def test_anything_but_https_from_the_world_fails(target, changes, expected):
    network = target("prod-network")
    changed, rule = mutate(network, find(network, RULE, "ingress-in-443-world-v4"), **changes)
    [message] = failures("exposure-world-ingress", changed, rule)
    assert expected in message


def test_https_from_the_world_into_another_tier_fails(target):
    network = target("prod-network")
    operators = find(network, RULE, "admin-in-22-operators")
    changed, rule = mutate(
        network, operators, remoteIpPrefix="0.0.0.0/0", portRangeMin=443.0, portRangeMax=443.0
    )
    [message] = failures("exposure-world-ingress", changed, rule)
    assert "admin tier" in message


def test_a_rule_with_no_remote_at_all_is_open_to_the_world(target):
    network = target("prod-network")
    changed, rule = mutate(
        network, find(network, RULE, "admin-in-22-operators"), remoteIpPrefix=REMOVE
    )
    assert failures("exposure-world-ingress", changed, rule)


def test_a_rule_whose_group_cannot_be_found_fails_closed(target):
    network = target("prod-network")
    changed, rule = mutate(
        network,
        find(network, RULE, "ingress-in-443-world-v4"),
        securityGroupId="some-other-stack-sg",
    )
    [message] = failures("exposure-world-ingress", changed, rule)
    assert "cannot be determined" in message


def test_the_group_is_found_through_property_dependencies_when_ids_are_unknown(target):
    network = target("prod-network")
    group = find(network, "secGroup:SecGroup", "ingress")
    rule = find(network, RULE, "ingress-in-443-world-v4")
    engine_like = dataclasses.replace(
        rule,
        inputs={**rule.inputs, "securityGroupId": "[unknown]"},
        dependencies={"securityGroupId": (group.urn,)},
    )
    changed = dataclasses.replace(
        network, resources=[engine_like if r.urn == rule.urn else r for r in network.resources]
    )
    assert statuses("exposure-world-ingress", changed, engine_like) == {Status.PASS}


def test_https_egress_from_the_app_tier_passes_and_from_the_data_tier_fails(target):
    network = target("prod-network")
    app_out = find(network, RULE, "app-out-443-world")
    assert statuses("exposure-world-egress", network, app_out) == {Status.PASS}
    data_group = find(network, "secGroup:SecGroup", "data")
    changed, rule = mutate(network, app_out, securityGroupId=data_group.id)
    [message] = failures("exposure-world-egress", changed, rule)
    assert "data tier" in message


def _floating_ip(target, port: ResourceView) -> tuple:
    view = ResourceView(
        urn=port.urn.replace("networking/port:Port", "networking/floatingIp:FloatingIp") + "-fip",
        type="openstack:networking/floatingIp:FloatingIp",
        name=f"{port.name}-fip",
        inputs={"pool": "Ext-Net", "portId": port.id},
        provider_urn=port.provider_urn,
    )
    return dataclasses.replace(target, resources=[*target.resources, view]), view


@pytest.mark.parametrize("host", ["hub-prod-data-0", "hub-prod-bastion-0"])
def test_a_floating_ip_on_a_data_or_admin_port_fails(target, host):
    compute = target("prod-compute")
    changed, fip = _floating_ip(compute, find(compute, "port:Port", host))
    [message] = failures("exposure-floating-ip-tier", changed, fip)
    assert "public address" in message


def test_a_floating_ip_on_an_app_port_passes(target):
    compute = target("prod-compute")
    changed, fip = _floating_ip(compute, find(compute, "port:Port", "hub-prod-app-0"))
    assert statuses("exposure-floating-ip-tier", changed, fip) == {Status.PASS}


def test_an_unattached_floating_ip_is_not_judged(target):
    compute = target("prod-compute")
    changed, fip = _floating_ip(compute, find(compute, "port:Port", "hub-prod-app-0"))
    changed, fip = mutate(changed, fip, portId=REMOVE)
    assert statuses("exposure-floating-ip-tier", changed, fip) == {Status.NOT_APPLICABLE}


def test_every_kind_of_administration_port_has_its_rule():
    """Each kind of ADMIN_PORTS is registered by its own module (admin_port_<key>.py): a kind
    added to the table without one would watch nothing."""
    assert set(ADMIN_PORT_REFERENCES) == set(ADMIN_PORTS)
    assert {f"exposure-admin-port-{key}" for key in ADMIN_PORTS} == {
        rule_id for rule_id in REGISTRY if rule_id.startswith("exposure-admin-port-")
    }


def test_ssh_from_the_operators_range_passes(target):
    network = target("prod-network")
    assert statuses(
        "exposure-admin-port-ssh", network, find(network, RULE, "admin-in-22-operators")
    ) == {Status.PASS}


def test_ssh_from_a_group_inside_the_site_passes(target):
    network = target("prod-network")
    assert statuses(
        "exposure-admin-port-ssh", network, find(network, RULE, "data-in-22-from-admin")
    ) == {Status.PASS}


@pytest.mark.parametrize(
    ("rule_id", "port"),
    [
        ("exposure-admin-port-ssh", 22.0),
        ("exposure-admin-port-rdp", 3389.0),
        ("exposure-admin-port-database", 5432.0),
        ("exposure-admin-port-database", 3306.0),
    ],
)
def test_admin_ports_from_outside_the_site_fail(target, rule_id, port):
    network = target("prod-network")
    changed, rule = mutate(
        network,
        find(network, RULE, "admin-in-22-operators"),
        remoteIpPrefix="198.51.100.0/24",
        portRangeMin=port,
        portRangeMax=port,
    )
    [message] = failures(rule_id, changed, rule)
    assert str(int(port)) in message and "198.51.100.0/24" in message


def test_a_port_range_that_covers_ssh_is_judged_as_ssh(target):
    network = target("prod-network")
    changed, rule = mutate(
        network,
        find(network, RULE, "admin-in-22-operators"),
        remoteIpPrefix="203.0.113.7/32",
        portRangeMin=1.0,
        portRangeMax=1024.0,
    )
    assert failures("exposure-admin-port-ssh", changed, rule)
    assert failures("exposure-admin-port-rdp", changed, rule) == []


def test_a_prefix_the_engine_has_not_computed_yet_is_judged_on_up(target):
    """Under the engine an unknown is an output not computed yet: judged again before create."""
    network = target("prod-network")
    changed, rule = mutate(
        network, find(network, RULE, "ingress-out-8443-to-app"), remoteIpPrefix=UNKNOWN_MASK
    )
    engine_rule = dataclasses.replace(rule, engine=True)
    changed = dataclasses.replace(
        changed, resources=[engine_rule if r.urn == rule.urn else r for r in changed.resources]
    )
    assert Status.FAIL not in statuses("exposure-world-egress", changed, engine_rule)
    assert Status.FAIL not in statuses("exposure-world-ingress", changed, engine_rule)


def test_the_admin_tier_may_reach_into_the_sites_workspace_pool(target):
    network = target("prod-network")
    rule = find(network, RULE, "admin-out-22-to-workspaces")
    assert rule.inputs["remoteIpPrefix"] == "10.110.0.0/16"  # prod's hub:workspacePool
    assert statuses("exposure-world-egress", network, rule) == {Status.PASS}


def test_egress_just_outside_the_workspace_pool_still_leaves_the_site(target):
    network = target("prod-network")
    changed, rule = mutate(
        network, find(network, RULE, "admin-out-22-to-workspaces"), remoteIpPrefix="10.111.0.0/16"
    )
    [message] = failures("exposure-world-egress", changed, rule)
    assert "10.111.0.0/16" in message


def test_the_workspace_pool_is_no_trusted_source_of_admin_ssh(target):
    network = target("prod-network")
    changed, rule = mutate(
        network, find(network, RULE, "admin-in-22-operators"), remoteIpPrefix="10.110.0.0/16"
    )
    assert failures("exposure-world-ingress", changed, rule)
