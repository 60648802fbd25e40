"""Addresses a resource claims (address pairs, load-balancer members, subnets) and volume
attachments: each case differs from a real resource of a shipped stack by the field under test."""

from __future__ import annotations

import dataclasses

import pytest

from policies.evaluate import Target
from policies.model import SECRET_MASK, UNKNOWN_MASK, ResourceView, Status
from tests.policies.conftest import failures, find, mutate, statuses

# prod's ranges (stacks/sites.yaml): network 10.10.0.0/16, operators 10.255.0.0/24, workspace
# pool 10.110.0.0/16.


@pytest.mark.parametrize("address", ["10.10.1.5", "10.10.0.0/16", "10.255.0.7/32", "10.110.3.0/24"])
def test_address_pairs_inside_the_site_pass(target, address):
    network = target("prod-network")
    changed, port = mutate(
        network, find(network, "port:Port"), allowedAddressPairs=[{"ipAddress": address}]
    )
    assert statuses("exposure-allowed-address-pairs", changed, port) == {Status.PASS}


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("0.0.0.0/0", "the whole IPv4 Internet"),
        ("8.8.8.8", "8.8.8.8/32"),
        ("10.10.0.0/15", "10.11.0.0/16"),  # one past the site's /16: half of it is not the site's
        ("::/0", "the whole IPv6 Internet"),
    ],
)
def test_address_pairs_beyond_the_site_fail_naming_what_they_cover(target, address, shown):
    network = target("prod-network")
    changed, port = mutate(
        network, find(network, "port:Port"), allowedAddressPairs=[{"ipAddress": address}]
    )
    [message] = failures("exposure-allowed-address-pairs", changed, port)
    assert shown in message and "spoofing" in message


@pytest.mark.parametrize("value", ["not-an-address", "10.10.0.0/33"])
def test_an_address_pair_that_is_no_address_fails(target, value):
    network = target("prod-network")
    changed, port = mutate(
        network, find(network, "port:Port"), allowedAddressPairs=[{"ipAddress": value}]
    )
    assert failures("exposure-allowed-address-pairs", changed, port)


@pytest.mark.parametrize("mask", [SECRET_MASK, UNKNOWN_MASK])
def test_address_pairs_that_cannot_be_read_fail_closed(target, mask):
    network = target("prod-network")
    secret = ("allowedAddressPairs",) if mask == SECRET_MASK else ()
    changed, port = mutate(
        network, find(network, "port:Port"), secret=secret, allowedAddressPairs=mask
    )
    [message] = failures("exposure-allowed-address-pairs", changed, port)
    assert "does not pass" in message


def _member(network: Target, **inputs: object) -> tuple[Target, ResourceView]:
    provider = find(network, "providers:openstack")
    member = ResourceView(
        urn=f"urn:pulumi:{network.name}::hub::openstack:loadbalancer/member:Member::m",
        type="openstack:loadbalancer/member:Member",
        name="m",
        inputs={"poolId": "pool-id", "protocolPort": 443, **inputs},
        provider_urn=provider.urn,
    )
    return dataclasses.replace(network, resources=[*network.resources, member]), member


def test_a_member_of_the_site_passes(target):
    network, member = _member(target("prod-network"), address="10.10.2.20")
    assert statuses("exposure-load-balancer-member", network, member) == {Status.PASS}


@pytest.mark.parametrize(
    "inputs",
    [
        {"address": "203.0.113.7"},
        {"address": "10.10.2.20", "monitorAddress": "198.51.100.1"},
    ],
)
def test_a_member_or_health_check_abroad_fails(target, inputs):
    network, member = _member(target("prod-network"), **inputs)
    [message] = failures("exposure-load-balancer-member", network, member)
    assert "beyond the site's ranges" in message


def test_a_member_without_an_address_fails(target):
    network, member = _member(target("prod-network"))
    assert failures("exposure-load-balancer-member", network, member)


def test_shipped_subnets_lie_inside_the_site(target):
    network = target("prod-network")
    subnets = [v for v in network.resources if v.type.endswith("subnet:Subnet")]
    assert subnets
    for subnet in subnets:
        assert statuses("exposure-subnet-in-site-range", network, subnet) == {Status.PASS}


@pytest.mark.parametrize(
    ("cidr", "ok"),
    [
        ("10.10.255.0/24", True),  # the last /24 of the site's /16
        ("10.11.0.0/24", False),  # the first one past it
        ("10.110.0.0/24", True),  # the workspace pool
        ("8.8.8.0/24", False),  # public space passed off as the site's
        ("10.10.0.0/15", False),  # a supernet where a subnet is required
    ],
)
def test_a_subnet_at_and_past_the_site_s_bounds(target, cidr, ok):
    network = target("prod-network")
    changed, subnet = mutate(network, find(network, "subnet:Subnet"), cidr=cidr)
    verdict = statuses("exposure-subnet-in-site-range", changed, subnet)
    assert verdict == ({Status.PASS} if ok else {Status.FAIL})


def test_a_subnet_cidr_that_is_a_secret_fails_closed(target):
    network = target("prod-network")
    changed, subnet = mutate(
        network, find(network, "subnet:Subnet"), secret=("cidr",), cidr=SECRET_MASK
    )
    assert failures("exposure-subnet-in-site-range", changed, subnet)


def _attachment(compute: Target, **inputs: object) -> tuple[Target, ResourceView]:
    provider = find(compute, "providers:openstack")
    attach = ResourceView(
        urn=f"urn:pulumi:{compute.name}::hub::openstack:compute/volumeAttach:VolumeAttach::a",
        type="openstack:compute/volumeAttach:VolumeAttach",
        name="a",
        inputs=inputs,
        provider_urn=provider.urn,
        dependencies_known=True,
    )
    return dataclasses.replace(compute, resources=[*compute.resources, attach]), attach


def test_an_attachment_of_the_stack_s_volume_to_its_host_passes(target):
    compute = target("prod-compute")
    volume, instance = find(compute, "volume:Volume"), find(compute, "instance:Instance")
    stack, attach = _attachment(compute, volumeId=volume.id, instanceId=instance.id)
    assert statuses("encryption-volume-attachment", stack, attach) == {Status.PASS}


@pytest.mark.parametrize("literal", ["instanceId", "volumeId"])
def test_an_attachment_to_a_host_or_of_a_volume_the_stack_lacks_fails(target, literal):
    compute = target("prod-compute")
    volume, instance = find(compute, "volume:Volume"), find(compute, "instance:Instance")
    inputs = {"volumeId": volume.id, "instanceId": instance.id, literal: "1f0e-outside"}
    stack, attach = _attachment(compute, **inputs)
    [message] = failures("encryption-volume-attachment", stack, attach)
    assert "'1f0e-outside'" in message and "does not declare" in message


def test_an_attachment_computed_by_the_stack_is_judged_when_known(target):
    compute = target("prod-compute")
    volume = find(compute, "volume:Volume")
    stack, attach = _attachment(compute, volumeId=volume.id, instanceId=UNKNOWN_MASK)
    attach = dataclasses.replace(attach, engine=True)
    stack = dataclasses.replace(stack, resources=[*stack.resources[:-1], attach])
    assert statuses("encryption-volume-attachment", stack, attach) == {
        Status.PASS,
        Status.NOT_APPLICABLE,
    }
