"""Network layer: a private network per site, one subnet and security group per tier.

Least privilege comes from infra.tiers.FLOWS, the one table of allowed flows. Two routers keep
egress where it is needed: the edge router has the external gateway and serves only the tiers in
EGRESS_TIERS; the core router has no gateway and links the data tier to the tiers that talk to
it, so data hosts have no path out of the site.
"""

from __future__ import annotations

from ipaddress import IPv4Network
from typing import Any, ClassVar

import pulumi
import pulumi_openstack as openstack

from hubcore.stacks import Layer
from infra.config import HubConfig
from infra.layers.base import LayerContext, LayerExports, Upstream
from infra.tiers import EGRESS_TIERS, FLOWS, OPERATORS, SITE_TIERS, WORLD, Tier

TIER_ORDER: tuple[Tier, ...] = SITE_TIERS
HTTPS, DNS, NTP = 443, 53, 123


class NetworkExports(LayerExports):
    layer: ClassVar[Layer] = Layer.NETWORK

    network_id: str
    subnet_ids: dict[str, str]
    subnet_cidrs: dict[str, str]
    security_group_ids: dict[str, str]
    security_group_names: dict[str, str]
    # The admin tier's gateway: a workspace adds its route here too, since running hosts never
    # read their subnet's routes again. Absent from sites whose network layer was deployed
    # before it was exported (a workspace asks for the site's `up` first).
    edge_router_id: str | None = None

    @classmethod
    def placeholder(cls, config: HubConfig) -> dict[str, Any]:
        cidrs = tier_cidrs(config.network_cidr)
        return {
            "network_id": f"{config.site}-network-id",
            "subnet_ids": {t.value: f"{config.site}-{t.value}-subnet-id" for t in TIER_ORDER},
            "subnet_cidrs": {t.value: str(c) for t, c in cidrs.items()},
            "security_group_ids": {t.value: f"{config.site}-{t.value}-sg-id" for t in TIER_ORDER},
            "security_group_names": {t.value: f"hub-{config.site}-{t.value}" for t in TIER_ORDER},
            "edge_router_id": f"{config.site}-edge-router-id",
        }


def tier_cidrs(network: IPv4Network) -> dict[Tier, IPv4Network]:
    """One /24 per tier, in TIER_ORDER, from the start of the site's range."""
    subnets = network.subnets(new_prefix=24)
    next(subnets)  # x.y.0.0/24 stays free for provider-side services
    return {tier: next(subnets) for tier in TIER_ORDER}


class NetworkLayer(pulumi.ComponentResource):
    def __init__(
        self,
        context: LayerContext,
        upstream: Upstream | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        config = context.config
        super().__init__("hub:layers:Network", context.name("network"), None, opts)
        self.context = context
        cidrs = tier_cidrs(config.network_cidr)

        self.network = openstack.networking.Network(
            context.name("net"),
            name=context.name("net"),
            admin_state_up=True,
            port_security_enabled=True,
            description=f"Private network of the {config.site} site",
            tags=context.tags_for(self, openstack.networking.Network, context.name("net")),
            opts=context.opts(self),
        )

        core_router_ip = {tier: str(cidrs[tier][254]) for tier in (Tier.APP, Tier.ADMIN)}
        self.subnets: dict[Tier, openstack.networking.Subnet] = {}
        for tier in TIER_ORDER:
            cidr = cidrs[tier]
            self.subnets[tier] = openstack.networking.Subnet(
                context.name(tier.value),
                name=context.name(tier.value),
                network_id=self.network.id,
                cidr=str(cidr),
                ip_version=4,
                gateway_ip=str(cidr[1]),
                # Addresses and routes come from the config drive, not DHCP. Neutron's DHCP
                # gives every subnet of a network an on-link route to each sibling subnet, so a
                # host would ARP for another tier's hosts directly, and those ignore ARP from
                # another subnet (arp_ignore=2, ANSSI BP-028 R12): no tier could reach another.
                # Static addressing carries exactly the routes declared here (the gateway, the
                # subnet routes to the data tier), so tiers meet only through their routers.
                enable_dhcp=False,
                dns_nameservers=[str(ip) for ip in config.dns_nameservers],
                tags=context.tags_for(
                    self,
                    openstack.networking.Subnet,
                    context.name(tier.value),
                    f"tier={tier.value}",
                ),
                opts=context.opts(self),
            )

        self._routers(context, core_router_ip)
        for tier, next_hop in core_router_ip.items():
            # Tiers that talk to the data tier reach it through the core router.
            openstack.networking.SubnetRoute(
                context.name(tier.value, "to-data"),
                subnet_id=self.subnets[tier].id,
                destination_cidr=str(cidrs[Tier.DATA]),
                next_hop=next_hop,
                opts=context.opts(self),
            )
        self.security_groups = self._security_groups(context, cidrs)

        self.exports = pulumi.Output.all(
            network_id=self.network.id,
            edge_router_id=self.edge_router.id,
            subnet_ids={t.value: s.id for t, s in self.subnets.items()},
            security_group_ids={t.value: g.id for t, g in self.security_groups.items()},
        ).apply(
            lambda values: {
                **values,
                "subnet_cidrs": {t.value: str(c) for t, c in cidrs.items()},
                "security_group_names": {t.value: context.name(t.value) for t in TIER_ORDER},
            }
        )
        self.register_outputs({"exports": self.exports})

    def _routers(self, context: LayerContext, core_router_ip: dict[Tier, str]) -> None:
        external = openstack.networking.get_network_output(
            name=context.config.external_network,
            external=True,
            opts=pulumi.InvokeOptions(provider=context.provider),
        )
        self.edge_router = openstack.networking.Router(
            context.name("edge"),
            name=context.name("edge"),
            description="External gateway, only for tiers that need egress",
            admin_state_up=True,
            external_network_id=external.id,
            tags=context.tags_for(self, openstack.networking.Router, context.name("edge")),
            opts=context.opts(self),
        )
        for tier in TIER_ORDER:
            if tier in EGRESS_TIERS:
                openstack.networking.RouterInterface(
                    context.name("edge", tier.value),
                    router_id=self.edge_router.id,
                    subnet_id=self.subnets[tier].id,
                    opts=context.opts(self),
                )

        self.core_router = openstack.networking.Router(
            context.name("core"),
            name=context.name("core"),
            description="Internal router of the data tier: no external gateway",
            admin_state_up=True,
            tags=context.tags_for(self, openstack.networking.Router, context.name("core")),
            opts=context.opts(self),
        )
        openstack.networking.RouterInterface(
            context.name("core", Tier.DATA.value),
            router_id=self.core_router.id,
            subnet_id=self.subnets[Tier.DATA].id,
            opts=context.opts(self),
        )
        for tier, address in core_router_ip.items():
            port = openstack.networking.Port(
                context.name("core", tier.value),
                name=context.name("core", tier.value),
                network_id=self.network.id,
                fixed_ips=[{"subnet_id": self.subnets[tier].id, "ip_address": address}],
                admin_state_up=True,
                tags=context.tags_for(
                    self, openstack.networking.Port, context.name("core", tier.value)
                ),
                opts=context.opts(self),
            )
            openstack.networking.RouterInterface(
                context.name("core", tier.value),
                router_id=self.core_router.id,
                port_id=port.id,
                opts=context.opts(self),
            )

    def _security_groups(
        self, context: LayerContext, cidrs: dict[Tier, IPv4Network]
    ) -> dict[Tier, openstack.networking.SecGroup]:
        config = context.config
        groups = {
            tier: openstack.networking.SecGroup(
                context.name(tier.value),
                name=context.name(tier.value),
                description=f"{tier.value} tier of the {config.site} site: least privilege",
                # OpenStack's default rules allow all egress: every flow here is explicit instead.
                delete_default_rules=True,
                tags=context.tags_for(
                    self,
                    openstack.networking.SecGroup,
                    context.name(tier.value),
                    f"tier={tier.value}",
                ),
                opts=context.opts(self),
            )
            for tier in TIER_ORDER
        }

        def rule(
            name: str,
            tier: Tier,
            direction: str,
            port: int,
            description: str,
            *,
            protocol: str = "tcp",
            remote_group: Tier | None = None,
            remote_prefix: str | None = None,
        ) -> None:
            openstack.networking.SecGroupRule(
                context.name(tier.value, name),
                security_group_id=groups[tier].id,
                direction=direction,
                ethertype="IPv6" if remote_prefix and ":" in remote_prefix else "IPv4",
                protocol=protocol,
                port_range_min=port,
                port_range_max=port,
                remote_group_id=groups[remote_group].id if remote_group else None,
                remote_ip_prefix=remote_prefix,
                description=description,
                opts=context.opts(self),
            )

        for flow in FLOWS:
            if flow.tier not in groups:
                continue  # a workspace's own flows: its stack declares them (and the egress below)
            base = f"in-{flow.port}"
            if flow.source == WORLD:
                for suffix, prefix in (("v4", "0.0.0.0/0"), ("v6", "::/0")):
                    rule(
                        f"{base}-world-{suffix}",
                        flow.tier,
                        "ingress",
                        flow.port,
                        flow.purpose,
                        remote_prefix=prefix,
                    )
            elif flow.source == OPERATORS:
                for index, admin_cidr in enumerate(config.admin_cidrs):
                    rule(
                        f"{base}-operators-{index}",
                        flow.tier,
                        "ingress",
                        flow.port,
                        flow.purpose,
                        remote_prefix=str(admin_cidr),
                    )
            else:
                source = Tier(flow.source)
                rule(
                    f"{base}-from-{source.value}",
                    flow.tier,
                    "ingress",
                    flow.port,
                    flow.purpose,
                    remote_group=source,
                )
                # The matching egress on the source side, so nothing else may leave it.
                rule(
                    f"out-{flow.port}-to-{flow.tier.value}",
                    source,
                    "egress",
                    flow.port,
                    flow.purpose,
                    remote_group=flow.tier,
                )

        if config.workspace_pool is not None:
            # The bastion reaches research workspaces on their flows' ports, and nothing else
            # does: each workspace stack opens the matching ingress from the admin tier.
            for flow in FLOWS:
                if flow.tier is Tier.WORKSPACE:
                    rule(
                        f"out-{flow.port}-to-workspaces",
                        Tier(flow.source),
                        "egress",
                        flow.port,
                        flow.purpose,
                        remote_prefix=str(config.workspace_pool),
                    )

        site = str(config.network_cidr)
        proxy = config.apt_proxy_endpoint
        for tier in TIER_ORDER:
            # Name resolution and time only inside the site's range (resolvers, NTP relays).
            rule(
                "out-53-site",
                tier,
                "egress",
                DNS,
                "DNS inside the site",
                protocol="udp",
                remote_prefix=site,
            )
            rule(
                "out-123-site",
                tier,
                "egress",
                NTP,
                "NTP inside the site",
                protocol="udp",
                remote_prefix=site,
            )
            if proxy is not None:
                address, port = proxy
                rule(
                    f"out-{port}-apt-proxy",
                    tier,
                    "egress",
                    port,
                    "packages through the site's proxy",
                    remote_prefix=f"{address}/32",
                )
            if tier in EGRESS_TIERS:
                rule(
                    "out-443-world",
                    tier,
                    "egress",
                    HTTPS,
                    "HTTPS egress for security updates",
                    remote_prefix="0.0.0.0/0",
                )
        return groups
