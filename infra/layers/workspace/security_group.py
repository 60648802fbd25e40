"""The one security group: in from the admin tier, out to NTP and the package proxy only."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import pulumi
import pulumi_openstack as openstack

from infra.config import HubConfig
from infra.layers.base import LayerContext
from infra.layers.network import NetworkExports
from infra.layers.workspace.names import WorkspaceFacts
from infra.tiers import FLOWS, Tier

NTP = 123


def egress_prefixes(config: HubConfig) -> list[tuple[int, str, str]]:
    """(port, protocol, prefix) of each egress a workspace host has: the site's NTP servers
    (an address inside the site's range as itself, anything else as the site's range, where the
    site's relays live) and its package proxy."""
    site = config.network_cidr
    prefixes: list[tuple[int, str, str]] = []
    for server in config.ntp_servers:
        try:
            address = IPv4Address(server)
        except ValueError:
            address = None
        prefix = f"{address}/32" if address is not None and address in site else str(site)
        if (NTP, "udp", prefix) not in prefixes:
            prefixes.append((NTP, "udp", prefix))
    proxy = config.apt_proxy_endpoint
    if proxy is not None:
        prefixes.append((proxy[1], "tcp", f"{proxy[0]}/32"))
    return prefixes


def declare_security_group(
    owner: pulumi.ComponentResource,
    ws: LayerContext,
    facts: WorkspaceFacts,
    site: pulumi.Output[NetworkExports],
) -> openstack.networking.SecGroup:
    """The hosts' one security group: the workspace tier's flows in from the site's admin
    subnet, and out only to the site's NTP servers and package proxy (egress_prefixes)."""
    spec, name = facts.spec, facts.name
    security_group = openstack.networking.SecGroup(
        name("sg"),
        name=name("sg"),
        description=f"Research workspace {spec.id}: bastion in, NTP and package proxy out",
        delete_default_rules=True,
        tags=[*facts.tags, f"tier={Tier.WORKSPACE.value}"],
        opts=ws.opts(owner),
    )
    admin_cidr = site.apply(lambda n: n.subnet_cidrs[Tier.ADMIN.value])
    for flow in FLOWS:
        if flow.tier is not Tier.WORKSPACE:
            continue
        openstack.networking.SecGroupRule(
            name("sg", f"in-{flow.port}-from-{flow.source}"),
            security_group_id=security_group.id,
            direction="ingress",
            ethertype="IPv4",
            protocol="tcp",
            port_range_min=flow.port,
            port_range_max=flow.port,
            remote_ip_prefix=admin_cidr,
            description=flow.purpose,
            opts=ws.opts(owner),
        )
    for out_port, protocol, remote in egress_prefixes(facts.config):
        openstack.networking.SecGroupRule(
            name("sg", f"out-{out_port}-{IPv4Network(remote).network_address}"),
            security_group_id=security_group.id,
            direction="egress",
            ethertype="IPv4",
            protocol=protocol,
            port_range_min=out_port,
            port_range_max=out_port,
            remote_ip_prefix=remote,
            description="NTP inside the site" if out_port == NTP else "the site's proxy",
            opts=ws.opts(owner),
        )
    return security_group
