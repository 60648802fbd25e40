"""The stack's network topology, as the rules that judge it read it: security-group rules as
Neutron enforces them, which groups, subnets and ports a host has, its tiers, which ports are
router interfaces and which networks are external.

Not a family (it registers no rule): the exposure and workspace families share it, so neither
imports the other. Every lookup is indexed once per stack (`Context.memo`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hubcore.resource_types import (
    FLOATING_IP,
    FLOATING_IP_ASSOCIATE,
    INSTANCE,
    LOAD_BALANCER,
    NETWORK,
    PORT,
    PORT_SECURITY_GROUPS,
    ROUTER,
    ROUTER_INTERFACE,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    SUBNET,
)
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable
from policies.neutron import Refused, Unreadable, normalise
from policies.neutron import Rule as NeutronRule
from policies.rules.common import cannot_judge, describe, truth

SG_RULE_INPUTS = (
    "direction",
    "ethertype",
    "protocol",
    "portRangeMin",
    "portRangeMax",
)

FLOATING_IP_TYPES = (
    FLOATING_IP_ASSOCIATE,
    FLOATING_IP,
)


def read_rule(resource: ResourceView, context: Context) -> NeutronRule | Outcome:
    """The rule as Neutron will enforce it, or the verdict when it cannot be (refused, or an
    input the pack cannot read); a prefix computed by the stack's resources is N/A."""

    def compute() -> NeutronRule | Outcome:
        for prop in SG_RULE_INPUTS:
            reading = context.reading(resource, prop)
            if reading is Reading.COMPUTED:
                return not_applicable(f"{prop} computed by resources of the stack")
            if not reading.readable:
                return cannot_judge(resource, prop, reading, "what the rule opens")
        for prop in ("remoteIpPrefix", "remoteGroupId", "securityGroupId"):
            # Ids the provider computes are found through their dependencies; a secret or an
            # unknown from outside the program could be any group or range.
            reading = context.reading(resource, prop)
            if reading is Reading.SECRET or reading is Reading.UNKNOWN:
                return cannot_judge(resource, prop, reading, "where the rule reaches")
        # A rule has one remote. In a preview the bridged provider plans the remote the program
        # left unset (remote_group_id, remote_ip_prefix are computed attributes) as unknown, and
        # Neutron receives nothing for it; the one the program set may be unknown too (a group's
        # id not created yet), and it still is the rule's remote.
        prefix = context.reading(resource, "remoteIpPrefix")
        group = context.reading(resource, "remoteGroupId")
        if prefix is Reading.COMPUTED and group is not Reading.VALUE:
            return not_applicable("the rule's remote prefix is computed by resources of the stack")
        dropped = set()
        if group is Reading.COMPUTED and prefix is Reading.VALUE:
            dropped.add("remoteGroupId")
        if prefix is Reading.COMPUTED and group is Reading.VALUE:
            dropped.add("remoteIpPrefix")
        if context.reading(resource, "remoteAddressGroupId") is Reading.COMPUTED:
            if prefix is Reading.ABSENT and group is Reading.ABSENT:
                return not_applicable("the rule's remote is computed by resources of the stack")
            dropped.add("remoteAddressGroupId")
        inputs = {key: value for key, value in resource.inputs.items() if key not in dropped}
        try:
            return normalise(inputs)
        except Refused as error:
            return failed(
                f"{describe(resource)}: Neutron refuses this rule ({error}), so the group does "
                "not filter what the program declares. Fix the rule.",
            )
        except Unreadable as error:
            return failed(
                f"{describe(resource)}: {error}; what it opens could not be judged, and a "
                "value the pack cannot read does not pass.",
            )

    result: NeutronRule | Outcome = context.memo(("sg-rule", resource.urn), compute)
    return result


def tier_tags(resource: ResourceView) -> set[str]:
    tier = resource.tags.get("tier")
    return {tier} if tier else set()


def group_of_rule(resource: ResourceView, context: Context) -> ResourceView | None:
    return context.referenced(resource, "securityGroupId", SECURITY_GROUP)


def as_list(value: Any) -> list[Any]:
    """A list input as a list (ids, names, fixed IPs, networks); anything else, none."""
    return list(value) if isinstance(value, list | tuple) else []


def rules_by_group(context: Context) -> dict[str, list[ResourceView]]:
    """Group URN -> the security-group rules of the stack that belong to it."""

    def compute() -> dict[str, list[ResourceView]]:
        index: dict[str, list[ResourceView]] = {}
        for sg_rule in context.of_type(SECURITY_GROUP_RULE):
            group = group_of_rule(sg_rule, context)
            if group is not None:
                index.setdefault(group.urn, []).append(sg_rule)
        return index

    result: dict[str, list[ResourceView]] = context.memo(("rules-by-group",), compute)
    return result


def groups_of(resource: ResourceView, context: Context) -> list[ResourceView]:
    """The security groups of the stack a port (or an instance's own ports) carries."""
    found: dict[str, ResourceView] = {}
    if resource.type == PORT:
        for sg_id in as_list(resource.get("securityGroupIds")):
            group = context.by_id(sg_id, SECURITY_GROUP)
            if group is not None:
                found[group.urn] = group
        for urn in resource.dependencies.get("securityGroupIds", ()):
            group = context.by_urn(urn)
            if group is not None and group.type == SECURITY_GROUP:
                found[group.urn] = group
        for association in _associations(context).get(resource.urn, []):
            for sg_id in as_list(association.get("securityGroupIds")):
                group = context.by_id(sg_id, SECURITY_GROUP)
                if group is not None:
                    found[group.urn] = group
    elif resource.type == INSTANCE:
        by_name = _groups_by_name(context)
        for name in as_list(resource.get("securityGroups")):
            for group in by_name.get(str(name), []):
                found[group.urn] = group
    return list(found.values())


def _associations(context: Context) -> dict[str, list[ResourceView]]:
    """Port URN -> the group associations that name it (indexed once: no port x association
    scan)."""

    def compute() -> dict[str, list[ResourceView]]:
        index: dict[str, list[ResourceView]] = {}
        for association in context.of_type(PORT_SECURITY_GROUPS):
            port = context.referenced(association, "portId", PORT)
            if port is not None:
                index.setdefault(port.urn, []).append(association)
        return index

    result: dict[str, list[ResourceView]] = context.memo(("associations",), compute)
    return result


def _groups_by_name(context: Context) -> dict[str, list[ResourceView]]:
    def compute() -> dict[str, list[ResourceView]]:
        index: dict[str, list[ResourceView]] = {}
        for group in context.of_type(SECURITY_GROUP):
            index.setdefault(str(group.get("name")), []).append(group)
        return index

    result: dict[str, list[ResourceView]] = context.memo(("groups-by-name",), compute)
    return result


def subnets_of(port: ResourceView, context: Context) -> list[ResourceView]:
    found = []
    for fixed in as_list(port.get("fixedIps")):
        if isinstance(fixed, Mapping):
            subnet = context.by_id(fixed.get("subnetId"), SUBNET)
            if subnet is not None:
                found.append(subnet)
    return found


def ports_of_instance(instance: ResourceView, context: Context) -> list[ResourceView]:
    ports = []
    for index, network in enumerate(as_list(instance.get("networks"))):
        if isinstance(network, Mapping) and network.get("port") not in (None, ""):
            port = context.by_id(network.get("port"), PORT)
            if port is None:
                deps = instance.dependencies.get("networks", ())
                candidates = [
                    found
                    for urn in deps
                    if (found := context.by_urn(urn)) is not None and found.type == PORT
                ]
                port = candidates[index] if len(candidates) > index else None
            if port is not None:
                ports.append(port)
    return ports


def tiers_of(resource: ResourceView, context: Context) -> set[str]:
    """Every tier something says the resource is in (empty: none could be found)."""
    tiers = tier_tags(resource)
    if resource.type == PORT:
        for group in groups_of(resource, context):
            tiers |= tier_tags(group)
        for subnet in subnets_of(resource, context):
            tiers |= tier_tags(subnet)
    elif resource.type == INSTANCE:
        for group in groups_of(resource, context):
            tiers |= tier_tags(group)
        for port in ports_of_instance(resource, context):
            tiers |= tiers_of(port, context)
    elif resource.type == LOAD_BALANCER:
        vip_subnet = context.referenced(resource, "vipSubnetId", SUBNET)
        if vip_subnet is not None:
            tiers |= tier_tags(vip_subnet)
    return tiers


def is_router_port(port: ResourceView, context: Context) -> bool:
    """Whether a router interface of the stack uses the port (Neutron filters no router port)."""

    def compute() -> set[str]:
        found = set()
        for interface in context.of_type(ROUTER_INTERFACE):
            target = context.referenced(interface, "portId", PORT)
            if target is not None:
                found.add(target.urn)
        return found

    router_ports: set[str] = context.memo(("router-ports",), compute)
    return port.urn in router_ports


def external_network_ids(context: Context) -> set[Any]:
    """Ids of the external network: routers' gateway networks, networks marked external."""

    def compute() -> set[Any]:
        ids: set[Any] = set()
        for router in context.of_type(ROUTER):
            value = router.get("externalNetworkId")
            if isinstance(value, str) and value:
                ids.add(value)
        for network in context.of_type(NETWORK):
            if truth(network.get("external")) and network.id:
                ids.add(network.id)
        return ids

    result: set[Any] = context.memo(("external-ids",), compute)
    return result


def external_network_names(context: Context) -> set[str]:
    """Names of the external network: networks marked external, the site's hub:externalNetwork."""

    def compute() -> set[str]:
        names = {str(n.get("name")) for n in context.of_type(NETWORK) if truth(n.get("external"))}
        configured = context.site.text("hub:externalNetwork")
        if configured:
            names.add(configured)
        return names

    result: set[str] = context.memo(("external-names",), compute)
    return result


def network_names(context: Context) -> set[Any]:
    """Names of the networks the stack declares."""
    result: set[Any] = context.memo(
        ("network-names",), lambda: {n.get("name") for n in context.of_type(NETWORK)}
    )
    return result
