"""Security groups, ports, networks and listeners judged as Neutron and Octavia enforce them.

Expected normalisations come from Neutron's API definition and its security-group DB code
(neutron/extensions/securitygroup.py, neutron/db/securitygroups_db.py) and IANA numbers.
"""

from __future__ import annotations

import dataclasses
from ipaddress import ip_network
from typing import Any

import pytest

from policies.evaluate import Target
from policies.model import SECRET_MASK, UNKNOWN_MASK, ResourceView, Status
from policies.neutron import Refused, address_set, covers_everything, normalise, outside
from tests.policies.conftest import REMOVE, failures, find, mutate, statuses, with_config

RULE = "secGroupRule:SecGroupRule"
PORT = "networking/port:Port"
BASE = {"direction": "ingress", "ethertype": "IPv4", "remoteIpPrefix": "0.0.0.0/0"}


def rule(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


# --- Neutron's reading -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inputs", "protocol", "ports"),
    [
        (rule(protocol="tcp", portRangeMin=22, portRangeMax=22), 6, (22, 22)),
        (rule(protocol="TCP", portRangeMin=22, portRangeMax=22), 6, (22, 22)),
        (rule(protocol="6", portRangeMin=22, portRangeMax=22), 6, (22, 22)),
        (rule(protocol=6, portRangeMin=22.0, portRangeMax=22.0), 6, (22, 22)),
        (rule(protocol="tcp", portRangeMin=1, portRangeMax=65535), 6, None),
        (rule(protocol="tcp"), 6, None),
        (rule(protocol="tcp", portRangeMin=0, portRangeMax=0), 6, None),  # the provider's unset
        (rule(protocol="any"), None, None),
        (rule(protocol="ANY"), None, None),
        (rule(protocol=None), None, None),
        (rule(protocol="0"), None, None),
        (rule(protocol="ip"), None, None),
        (rule(protocol="icmpv6", ethertype="IPv6", remoteIpPrefix="::/0"), 58, None),
        (rule(protocol="17", portRangeMin="53", portRangeMax="53"), 17, (53, 53)),
    ],
)
def test_every_spelling_neutron_accepts_is_read_as_neutron_reads_it(inputs, protocol, ports):
    read = normalise(inputs)
    assert (read.protocol, read.ports) == (protocol, ports)


@pytest.mark.parametrize(
    "inputs",
    [
        rule(protocol="tcpp"),
        rule(protocol="256"),
        rule(protocol=True),
        rule(portRangeMin=22, portRangeMax=22),  # ports without a protocol
        rule(protocol="tcp", portRangeMin=22),  # min without max
        rule(protocol="tcp", portRangeMin=30, portRangeMax=20),
        rule(protocol="gre", portRangeMin=22, portRangeMax=22),
        rule(protocol="tcp", portRangeMin=70000, portRangeMax=70000),
        rule(direction="INGRESS"),
        rule(direction=None),
        rule(ethertype="IPv5"),
        rule(ethertype="IPv6"),  # an IPv4 prefix on an IPv6 rule
        rule(protocol="ipv6-icmp"),  # IPv6-only protocol on IPv4
        rule(remoteGroupId="sg-id"),  # a prefix and a group together
    ],
)
def test_a_rule_neutron_refuses_is_refused(inputs):
    with pytest.raises(Refused):
        normalise(inputs)


def test_ethertype_is_case_insensitive_as_in_neutron():
    assert normalise(rule(ethertype="ipv4")).ethertype == "IPv4"


def test_pieces_of_the_world_cover_the_world():
    pieces = [ip_network("0.0.0.0/1"), ip_network("128.0.0.0/1")]
    assert covers_everything(address_set(pieces), 4)
    assert not covers_everything(address_set(pieces[:1]), 4)


def test_ipv4_mapped_ipv6_covers_its_ipv4_image():
    assert covers_everything(address_set([ip_network("::ffff:0:0/96")]), 4)


def test_a_prefix_covered_by_two_allowed_ranges_is_not_beyond_them():
    allowed = [ip_network("10.10.0.0/16"), ip_network("10.11.0.0/16")]
    assert outside([ip_network("10.10.0.0/15")], allowed) == {}
    assert outside([ip_network("10.8.0.0/14")], allowed)


# --- world ingress and egress on the shipped network --------------------------------------------


def world_rule(network: Target, **changes: Any):
    return mutate(network, find(network, RULE, "ingress-in-443-world-v4"), **changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"protocol": "6", "portRangeMin": 22.0, "portRangeMax": 22.0},
        {"protocol": "TCP", "portRangeMin": 1.0, "portRangeMax": 65535.0},
        {"protocol": "any", "portRangeMin": REMOVE, "portRangeMax": REMOVE},
        {"protocol": "0", "portRangeMin": REMOVE, "portRangeMax": REMOVE},
        {"protocol": "udp"},
        {"protocol": "17"},
    ],
)
def test_other_spellings_of_a_world_open_rule_fail(target, changes):
    network = target("prod-network")
    changed, open_rule = world_rule(network, **changes)
    assert failures("exposure-world-ingress", changed, open_rule)


def test_a_rule_neutron_would_refuse_is_a_violation_not_not_applicable(target):
    network = target("prod-network")
    changed, bad = world_rule(network, protocol="tcp", portRangeMin=22.0, portRangeMax=REMOVE)
    [message] = failures("exposure-world-ingress", changed, bad)
    assert "Neutron refuses" in message


def test_the_world_in_two_halves_on_ssh_fails(target):
    network = target("prod-network")
    operators = find(network, RULE, "admin-in-22-operators")
    first = dataclasses.replace(
        operators, inputs={**operators.inputs, "remoteIpPrefix": "0.0.0.0/1"}
    )
    second = dataclasses.replace(
        operators,
        urn=operators.urn + "-b",
        name=operators.name + "-b",
        inputs={**operators.inputs, "remoteIpPrefix": "128.0.0.0/1"},
    )
    resources = [first if r.urn == operators.urn else r for r in network.resources] + [second]
    changed = dataclasses.replace(network, resources=resources)
    assert failures("exposure-admin-port-ssh", changed, first)
    assert failures("exposure-world-ingress", changed, second)


def test_a_site_range_of_the_whole_internet_does_not_make_the_world_internal(target):
    network = target("prod-network", hub__adminCidrs='["0.0.0.0/0"]')
    operators = find(network, RULE, "admin-in-22-operators")
    assert failures("exposure-world-ingress", network, operators)
    assert failures("exposure-admin-port-ssh", network, operators)


def test_ssh_from_ipv4_mapped_ipv6_of_the_world_fails(target):
    network = target("prod-network")
    changed, mapped = mutate(
        network,
        find(network, RULE, "admin-in-22-operators"),
        ethertype="IPv6",
        remoteIpPrefix="::ffff:0:0/96",
    )
    assert failures("exposure-admin-port-ssh", changed, mapped)


def test_a_public_prefix_into_the_app_tier_fails_even_if_not_the_whole_world(target):
    network = target("prod-network")
    changed, public = mutate(
        network,
        find(network, RULE, "app-in-8443-from-ingress"),
        remoteGroupId=REMOVE,
        remoteIpPrefix="198.51.100.0/24",
    )
    assert failures("exposure-world-ingress", changed, public)


def test_egress_beyond_the_site_on_another_port_than_https_fails(target):
    network = target("prod-network")
    changed, egress = mutate(
        network, find(network, RULE, "app-out-443-world"), portRangeMin=80.0, portRangeMax=80.0
    )
    assert failures("exposure-world-egress", changed, egress)
    assert statuses("exposure-world-egress", network, find(network, RULE, "app-out-443-world")) == {
        Status.PASS
    }


@pytest.mark.parametrize("mask", [SECRET_MASK, UNKNOWN_MASK])
def test_a_prefix_the_pack_cannot_read_fails_closed(target, mask):
    network = target("prod-network")
    secret = ("remoteIpPrefix",) if mask == SECRET_MASK else ()
    changed, hidden = world_rule(network, secret=secret, remoteIpPrefix=mask)
    [message] = failures("exposure-world-ingress", changed, hidden)
    assert "could not be judged" in message


def test_a_prefix_python_cannot_read_fails_closed(target):
    network = target("prod-network")
    changed, odd = world_rule(network, remoteIpPrefix=" 0.0.0.0/0")
    assert failures("exposure-world-ingress", changed, odd)


# --- groups together per port ------------------------------------------------------------------


def with_port(network: Target, tier: str, groups: list[str]) -> tuple[Target, ResourceView]:
    template = find(network, PORT, "core-app")
    port = dataclasses.replace(
        template,
        urn=template.urn + "-host",
        name="hub-prod-host",
        id="hub-prod-host-id",
        inputs={
            **template.inputs,
            "tags": [f"tier={tier}"],
            "fixedIps": [{"subnetId": f"hub-prod-{tier}-id"}],
            "securityGroupIds": [f"hub-prod-{g}-id" for g in groups],
        },
    )
    return dataclasses.replace(network, resources=[*network.resources, port]), port


def test_a_data_port_that_also_carries_the_ingress_group_gets_its_world_https(target):
    network = target("prod-network")
    changed, port = with_port(network, "data", ["data", "ingress"])
    [message] = failures("exposure-world-ingress", changed, port)
    assert "ingress" in message and "data" in message
    changed, port = with_port(network, "ingress", ["ingress"])
    assert statuses("exposure-world-ingress", changed, port) == {Status.PASS}


def test_a_data_port_that_also_carries_the_app_group_gets_its_egress(target):
    network = target("prod-network")
    changed, port = with_port(network, "data", ["data", "app"])
    assert failures("exposure-world-egress", changed, port)


# --- port security, default groups, external network -------------------------------------------


@pytest.mark.parametrize("value", [False, "false", "False", "0", "f"])
def test_port_security_off_in_any_spelling_fails(target, value):
    network = target("prod-network")
    changed, port = mutate(network, find(network, PORT, "core-app"), portSecurityEnabled=value)
    assert failures("exposure-port-security-disabled", changed, port)


def test_port_security_off_on_the_network_fails_and_on_is_fine(target):
    network = target("prod-network")
    net = find(network, "network:Network", "net")
    assert statuses("exposure-port-security-disabled", network, net) == {Status.PASS}
    changed, off = mutate(network, net, portSecurityEnabled=False)
    assert failures("exposure-port-security-disabled", changed, off)


def test_a_group_that_keeps_neutron_s_default_rules_fails(target):
    network = target("prod-network")
    group = find(network, "secGroup:SecGroup", "app")
    assert statuses("exposure-default-security-group", network, group) == {Status.PASS}
    for value in (REMOVE, False, "false"):
        changed, kept = mutate(network, group, deleteDefaultRules=value)
        assert failures("exposure-default-security-group", changed, kept)


def test_a_port_without_groups_gets_the_default_group_unless_it_is_a_router_port(target):
    network = target("prod-network")
    router_port = find(network, PORT, "core-app")
    assert statuses("exposure-default-security-group", network, router_port) == {Status.PASS}
    lone = dataclasses.replace(router_port, urn=router_port.urn + "-x", id="lone-id", name="lone")
    changed = dataclasses.replace(network, resources=[*network.resources, lone])
    assert failures("exposure-default-security-group", changed, lone)


def test_an_instance_in_the_default_group_fails(target):
    compute = target("prod-compute")
    instance = find(compute, "instance:Instance")
    assert statuses("exposure-default-security-group", compute, instance) == {Status.PASS}
    changed, default = mutate(compute, instance, securityGroups=["default"])
    assert failures("exposure-default-security-group", changed, default)
    changed, bare = mutate(compute, instance, networks=[{"name": "hub-prod-net"}])
    assert failures("exposure-default-security-group", changed, bare)


@pytest.mark.parametrize("network", [{"name": "Ext-Net"}, {"name": "public"}])
def test_an_instance_of_a_forbidden_tier_on_the_external_network_fails(target, network):
    compute = target("prod-compute")
    instance = find(compute, "instance:Instance", "data")
    assert statuses("exposure-external-network-host", compute, instance) == {Status.PASS}
    changed, exposed = mutate(compute, instance, networks=[network])
    assert failures("exposure-external-network-host", changed, exposed)


def test_a_port_on_the_router_gateway_network_fails(target):
    network = target("prod-network")
    gateway = find(network, "router:Router", "edge").get("externalNetworkId")
    changed, port = mutate(network, find(network, PORT, "core-app"), networkId=gateway)
    assert failures("exposure-external-network-host", changed, port)


def test_a_port_on_a_literal_network_id_of_no_stack_fails_when_dependencies_are_known(target):
    network = target("prod-network")
    port = find(network, PORT, "core-app")
    literal = dataclasses.replace(
        port, inputs={**port.inputs, "networkId": "6f1c-literal"}, dependencies_known=True
    )
    changed = dataclasses.replace(
        network, resources=[literal if r.urn == port.urn else r for r in network.resources]
    )
    assert failures("exposure-external-network-host", changed, literal)


# --- floating IPs ------------------------------------------------------------------------------


def floating_ip(target_: Target, port: ResourceView) -> tuple[Target, ResourceView]:
    provider = find(target_, "providers:openstack")
    fip = ResourceView(
        urn=f"urn:pulumi:{target_.name}::hub::openstack:networking/floatingIp:FloatingIp::fip",
        type="openstack:networking/floatingIp:FloatingIp",
        name="fip",
        inputs={"pool": "Ext-Net", "portId": port.id},
        provider_urn=provider.urn,
    )
    return dataclasses.replace(target_, resources=[*target_.resources, fip]), fip


def test_a_floating_ip_on_a_port_with_any_forbidden_tier_fails(target):
    network = target("prod-network")
    changed, port = with_port(network, "app", ["app"])
    changed, fip = floating_ip(changed, port)
    assert statuses("exposure-floating-ip-tier", changed, fip) == {Status.PASS}
    changed, port = with_port(network, "app", ["app", "admin"])
    changed, fip = floating_ip(changed, port)
    assert failures("exposure-floating-ip-tier", changed, fip)


# --- load balancers ------------------------------------------------------------------------------


def listener(target_: Target, **inputs: Any) -> tuple[Target, ResourceView]:
    provider = find(target_, "providers:openstack")
    view = ResourceView(
        urn=f"urn:pulumi:{target_.name}::hub::openstack:loadbalancer/listener:Listener::web",
        type="openstack:loadbalancer/listener:Listener",
        name="web",
        inputs={"loadbalancerId": "lb-id", **inputs},
        provider_urn=provider.urn,
    )
    return dataclasses.replace(target_, resources=[*target_.resources, view]), view


@pytest.mark.parametrize(
    ("inputs", "passes"),
    [
        ({"protocol": "TERMINATED_HTTPS", "protocolPort": 443}, True),
        ({"protocol": "HTTPS", "protocolPort": 443.0}, True),
        ({"protocol": "HTTP", "protocolPort": 80}, False),
        ({"protocol": "HTTP", "protocolPort": 443}, False),
        ({"protocol": "TCP", "protocolPort": 22}, False),
        (
            {"protocol": "TCP", "protocolPort": 5432, "allowedCidrs": ["0.0.0.0/1", "128.0.0.0/1"]},
            False,
        ),
        ({"protocol": "TCP", "protocolPort": 22, "allowedCidrs": ["10.255.0.0/24"]}, True),
        ({"protocol": "tcp", "protocolPort": 443}, False),  # Octavia refuses lower case
        ({"protocol": "TCP", "protocolPort": 8443}, False),
        ({"protocol": "HTTPS", "protocolPort": 0}, False),
    ],
)
def test_load_balancer_listeners_open_only_https_to_the_world(target, inputs, passes):
    network = target("prod-network")
    changed, view = listener(network, **inputs)
    assert (failures("exposure-load-balancer-listener", changed, view) == []) is passes


def test_a_host_on_the_network_the_site_names_external_fails(target):
    network = target("prod-network")
    template = find(target("prod-compute"), "instance:Instance", "data")
    host = dataclasses.replace(
        template,
        provider_urn=find(network, "providers:openstack").urn,
        inputs={**template.inputs, "networks": [{"name": "hub-prod-net"}], "securityGroups": ["x"]},
    )
    changed = dataclasses.replace(network, resources=[*network.resources, host])
    assert statuses("exposure-external-network-host", changed, host) == {Status.PASS}
    renamed = with_config(changed, hub__externalNetwork="hub-prod-net")
    [message] = failures("exposure-external-network-host", renamed, host)
    assert "external network" in message


def test_a_remote_the_provider_computes_in_a_preview_is_not_a_second_remote(target):
    """Preview: the bridged provider plans remote_group_id as unknown for a prefix rule."""
    network = target("prod-network")
    changed, planned = mutate(
        network, find(network, RULE, "ingress-in-443-world-v4"), remoteGroupId=UNKNOWN_MASK
    )
    planned = dataclasses.replace(planned, engine=True)
    changed = dataclasses.replace(
        changed, resources=[planned if r.urn == planned.urn else r for r in changed.resources]
    )
    assert statuses("exposure-world-ingress", changed, planned) == {Status.PASS}
    opened, wide = mutate(changed, planned, portRangeMin=22.0, portRangeMax=22.0)
    assert failures("exposure-world-ingress", opened, wide)


# --- the world reached together, by a sweep (policies.neutron.world_reach) -----------------------


def _rule(
    protocol: int | None,
    ports: tuple[int, int] | None,
    prefix: str | None,
    direction: str = "ingress",
    ethertype: str = "IPv4",
) -> Any:
    from ipaddress import ip_network

    from policies.neutron import Rule

    return Rule(direction, ethertype, protocol, ports, ip_network(prefix) if prefix else None)


def test_two_halves_of_the_world_on_one_port_reach_it_together():
    from policies.neutron import world_reach

    rules = [_rule(6, (22, 22), "0.0.0.0/1"), _rule(6, (22, 22), "128.0.0.0/1")]
    assert world_reach(rules) == {0: "the whole IPv4 Internet", 1: "the whole IPv4 Internet"}


def test_halves_on_ports_that_never_meet_do_not():
    from policies.neutron import world_reach

    rules = [_rule(6, (1, 10), "0.0.0.0/1"), _rule(6, (11, 20), "128.0.0.0/1")]
    assert world_reach(rules) == {}


def test_halves_meeting_on_one_shared_port_reach_it_there_only():
    """The third rule never shares a port with both halves at once: it reaches nothing."""
    from policies.neutron import world_reach

    rules = [
        _rule(6, (1, 10), "0.0.0.0/1"),
        _rule(6, (10, 20), "128.0.0.0/1"),
        _rule(6, (15, 20), "10.0.0.0/8"),
    ]
    assert set(world_reach(rules)) == {0, 1}


def test_a_rule_of_every_protocol_adds_up_with_a_tcp_one():
    from policies.neutron import world_reach

    rules = [_rule(6, (443, 443), "0.0.0.0/1"), _rule(None, None, "128.0.0.0/1")]
    assert set(world_reach(rules)) == {0, 1}


def test_udp_and_tcp_halves_do_not_add_up():
    from policies.neutron import world_reach

    assert world_reach([_rule(6, (53, 53), "0.0.0.0/1"), _rule(17, (53, 53), "128.0.0.0/1")]) == {}


def test_directions_do_not_add_up():
    from policies.neutron import world_reach

    rules = [_rule(6, (22, 22), "0.0.0.0/1"), _rule(6, (22, 22), "128.0.0.0/1", "egress")]
    assert world_reach(rules) == {}


def test_ipv6_halves_reach_the_ipv6_world_and_a_mapped_prefix_covers_ipv4():
    from policies.neutron import world_reach

    six = [
        _rule(6, (22, 22), "::/1", ethertype="IPv6"),
        _rule(6, (22, 22), "8000::/1", ethertype="IPv6"),
    ]
    assert set(world_reach(six)) == {0, 1}  # (::/1 holds every IPv4-mapped address too)
    assert world_reach(six[:1]) == {0: "the whole IPv4 Internet"}  # mapped space alone
    mapped = [
        _rule(6, (22, 22), "::ffff:0:0/97", ethertype="IPv6"),
        _rule(6, (22, 22), "128.0.0.0/1"),
    ]
    assert set(world_reach(mapped).values()) == {"the whole IPv4 Internet"}


def test_256_slash_8s_spread_over_many_rules_are_the_world():
    from policies.neutron import world_reach

    rules = [_rule(6, (22, 22), f"{i}.0.0.0/8") for i in range(256)]
    rules += [_rule(6, (22, 22), f"11.{i % 256}.{i // 256}.7/32") for i in range(5000)]
    assert len(world_reach(rules)) == len(rules)
    assert world_reach(rules[1:256]) == {}  # one /8 short
