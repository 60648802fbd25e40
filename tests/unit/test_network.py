"""Network layer: tiers, least-privilege security groups, egress only where needed."""

from __future__ import annotations

import pytest

from synth.records import ResourceRecord, SynthResult
from tests.conftest import Synth, of_type


@pytest.fixture(scope="module")
def network(synth: Synth) -> SynthResult:
    return synth("staging-network")


def rules_of(result: SynthResult, group: str) -> list[ResourceRecord]:
    group_id = f"{group}-id"
    return [r for r in of_type(result, "SecGroupRule") if r.inputs["securityGroupId"] == group_id]


def test_one_subnet_per_tier_inside_the_site_range(network: SynthResult) -> None:
    subnets = {r.name: r.inputs["cidr"] for r in of_type(network, "subnet:Subnet")}
    assert subnets == {
        "hub-staging-ingress": "10.20.1.0/24",
        "hub-staging-app": "10.20.2.0/24",
        "hub-staging-data": "10.20.3.0/24",
        "hub-staging-admin": "10.20.4.0/24",
    }


def test_security_groups_drop_openstack_default_rules(network: SynthResult) -> None:
    groups = of_type(network, "secGroup:SecGroup")
    assert len(groups) == 4
    assert all(g.inputs["deleteDefaultRules"] for g in groups)


def test_only_https_into_ingress_is_open_to_the_world(network: SynthResult) -> None:
    world = [
        r
        for r in of_type(network, "SecGroupRule")
        if r.inputs["direction"] == "ingress"
        and r.inputs.get("remoteIpPrefix") in {"0.0.0.0/0", "::/0"}
    ]
    assert {(r.inputs["securityGroupId"], r.inputs["portRangeMin"]) for r in world} == {
        ("hub-staging-ingress-id", 443)
    }
    assert {r.inputs["ethertype"] for r in world} == {"IPv4", "IPv6"}


def test_data_tier_accepts_the_database_only_from_app(network: SynthResult) -> None:
    inbound = [
        r for r in rules_of(network, "hub-staging-data") if r.inputs["direction"] == "ingress"
    ]
    sources = {(r.inputs["portRangeMin"], r.inputs.get("remoteGroupId")) for r in inbound}
    assert sources == {(5432, "hub-staging-app-id"), (22, "hub-staging-admin-id")}


def test_ssh_reaches_app_and_data_only_through_the_bastion(network: SynthResult) -> None:
    ssh = [
        r
        for r in of_type(network, "SecGroupRule")
        if r.inputs["direction"] == "ingress" and r.inputs["portRangeMin"] == 22
    ]
    by_group = {r.inputs["securityGroupId"]: r for r in ssh}
    assert by_group["hub-staging-app-id"].inputs["remoteGroupId"] == "hub-staging-admin-id"
    assert by_group["hub-staging-data-id"].inputs["remoteGroupId"] == "hub-staging-admin-id"
    assert by_group["hub-staging-admin-id"].inputs["remoteIpPrefix"] == "10.255.0.0/24"


def test_data_tier_has_no_egress_to_the_world(network: SynthResult) -> None:
    egress = [r for r in rules_of(network, "hub-staging-data") if r.inputs["direction"] == "egress"]
    assert egress, "egress rules are explicit"
    assert all(r.inputs.get("remoteIpPrefix") != "0.0.0.0/0" for r in egress)


def test_every_rule_is_explicit_and_described(network: SynthResult) -> None:
    for rule in of_type(network, "SecGroupRule"):
        assert rule.inputs["protocol"] in {"tcp", "udp"}, rule.urn
        assert rule.inputs["portRangeMin"] == rule.inputs["portRangeMax"], rule.urn
        assert rule.inputs.get("description"), rule.urn


def test_only_the_edge_router_has_an_external_gateway(network: SynthResult) -> None:
    routers = {r.name: r.inputs for r in of_type(network, "router:Router")}
    assert routers["hub-staging-edge"]["externalNetworkId"]
    assert "externalNetworkId" not in routers["hub-staging-core"]


def test_the_data_tier_is_attached_to_the_core_router_only(network: SynthResult) -> None:
    interfaces = {r.name: r.inputs for r in of_type(network, "routerInterface:RouterInterface")}
    edge = {n for n, i in interfaces.items() if i["routerId"] == "hub-staging-edge-id"}
    assert edge == {"hub-staging-edge-ingress", "hub-staging-edge-app", "hub-staging-edge-admin"}
    assert interfaces["hub-staging-core-data"]["subnetId"] == "hub-staging-data-id"


def test_app_and_admin_reach_the_data_tier_through_the_core_router(network: SynthResult) -> None:
    routes = {r.name: r.inputs for r in of_type(network, "subnetRoute:SubnetRoute")}
    assert routes["hub-staging-app-to-data"] == {
        "subnetId": "hub-staging-app-id",
        "destinationCidr": "10.20.3.0/24",
        "nextHop": "10.20.2.254",
    }
    assert routes["hub-staging-admin-to-data"]["nextHop"] == "10.20.4.254"


def test_every_resource_uses_the_explicit_provider(network: SynthResult) -> None:
    custom = [r for r in network.resources if r.custom and not r.is_provider]
    assert custom
    for record in custom:
        assert record.provider and "pulumi:providers:openstack::openstack" in record.provider, (
            record.urn
        )


def test_the_provider_takes_region_and_endpoint_from_config(network: SynthResult) -> None:
    provider = next(r for r in network.resources if r.type == "pulumi:providers:openstack")
    assert provider.inputs["region"] == "GRA11"
    assert provider.inputs["authUrl"] == "https://auth.cloud.ovh.net/v3"
    assert not {"password", "token", "applicationCredentialSecret"} & provider.inputs.keys()


def test_network_resources_carry_site_tags(network: SynthResult) -> None:
    net = of_type(network, "network:Network")[0]
    assert "site=staging" in net.inputs["tags"]
    assert "classification=internal" in net.inputs["tags"]


def test_without_a_package_proxy_no_tier_has_a_proxy_rule(network: SynthResult) -> None:
    assert not [r for r in of_type(network, "SecGroupRule") if "apt-proxy" in r.name]


def test_every_tier_reaches_the_package_proxy_and_only_its_address(synth: Synth) -> None:
    network = synth("staging-network", hub__aptProxy="http://10.20.250.10:3142")
    proxy_rules = [r for r in of_type(network, "SecGroupRule") if "apt-proxy" in r.name]
    assert {r.inputs["securityGroupId"] for r in proxy_rules} == {
        f"hub-staging-{tier}-id" for tier in ("ingress", "app", "data", "admin")
    }
    for rule in proxy_rules:
        assert rule.inputs["direction"] == "egress"
        assert rule.inputs["remoteIpPrefix"] == "10.20.250.10/32"
        assert rule.inputs["portRangeMin"] == rule.inputs["portRangeMax"] == 3142
