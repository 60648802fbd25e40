"""Network: the workspace's own range, no gateway, one leg on the site's admin subnet, and the
admin tier's routes to it."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from hubcore.values import ConfigError
from infra.layers.base import LayerContext
from infra.layers.network import NetworkExports
from infra.layers.workspace.names import EDGE_ROUTE, SHARED_ROUTE, WorkspaceFacts
from infra.tiers import Tier


@dataclass(frozen=True)
class WorkspaceNetwork:
    network: openstack.networking.Network
    subnet: openstack.networking.Subnet
    router: openstack.networking.Router
    admin_leg: openstack.networking.Port


def declare_network(
    owner: pulumi.ComponentResource,
    site_context: LayerContext,
    ws: LayerContext,
    facts: WorkspaceFacts,
    site: pulumi.Output[NetworkExports],
) -> WorkspaceNetwork:
    """The workspace's network and subnet, its router's two legs (the subnet, a port on the
    site's admin subnet) and the admin tier's two routes to the workspace."""
    spec, name, tags = facts.spec, facts.name, facts.tags
    cidr = spec.cidr
    network = openstack.networking.Network(
        name("net"),
        name=name("net"),
        admin_state_up=True,
        port_security_enabled=True,
        description=f"Network of research workspace {spec.id}",
        tags=tags,
        opts=ws.opts(owner),
    )
    subnet = openstack.networking.Subnet(
        name("subnet"),
        name=name("subnet"),
        network_id=network.id,
        cidr=str(cidr),
        ip_version=4,
        gateway_ip=str(cidr[1]),
        enable_dhcp=True,
        dns_nameservers=[],
        tags=[*tags, f"tier={Tier.WORKSPACE.value}"],
        opts=ws.opts(owner),
    )
    router = openstack.networking.Router(
        name("router"),
        name=name("router"),
        description="Workspace router: no external gateway; its other leg is the admin tier",
        admin_state_up=True,
        tags=tags,
        opts=ws.opts(owner),
    )
    openstack.networking.RouterInterface(
        name("router", "workspace"),
        router_id=router.id,
        subnet_id=subnet.id,
        opts=ws.opts(owner),
    )
    admin_leg = openstack.networking.Port(
        name("admin-leg"),
        name=name("admin-leg"),
        network_id=site.apply(lambda n: n.network_id),
        fixed_ips=[
            openstack.networking.PortFixedIpArgs(
                subnet_id=site.apply(lambda n: n.subnet_ids[Tier.ADMIN.value])
            )
        ],
        admin_state_up=True,
        tags=[*tags, f"tier={Tier.ADMIN.value}"],
        opts=ws.opts(owner),
    )
    openstack.networking.RouterInterface(
        name("router", "admin"),
        router_id=router.id,
        port_id=admin_leg.id,
        opts=ws.opts(owner),
    )
    # The admin tier's hosts reach this workspace (and only it) through its router: hosts that
    # boot from now on by their subnet's route, hosts already running through their gateway, the
    # site's edge router (in the site's project), which hands the range to the same leg. Replies
    # come back directly, from the leg. The edge router routes other tiers' packets there too;
    # the workspace's group admits the admin tier only and its router has no route back to them.
    leg_address = admin_leg.all_fixed_ips.apply(lambda ips: ips[0])
    openstack.networking.SubnetRoute(
        name(SHARED_ROUTE),
        subnet_id=site.apply(lambda n: n.subnet_ids[Tier.ADMIN.value]),
        destination_cidr=str(cidr),
        next_hop=leg_address,
        opts=ws.opts(owner),
    )
    openstack.networking.RouterRoute(
        name(EDGE_ROUTE),
        router_id=site.apply(_edge_router),
        destination_cidr=str(cidr),
        next_hop=leg_address,
        opts=site_context.opts(owner),
    )
    return WorkspaceNetwork(network=network, subnet=subnet, router=router, admin_leg=admin_leg)


def _edge_router(site: NetworkExports) -> str:
    if site.edge_router_id is None:
        raise ConfigError(
            "the site's network layer does not export its edge router yet (deployed before it "
            "did): run `hubctl up` for the site once, then open the workspace",
            key="edge_router_id",
        )
    return site.edge_router_id
