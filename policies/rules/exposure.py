"""Exposure family: what the outside world can reach.

Only HTTPS into the ingress tier may come from anywhere; only HTTPS may leave for anywhere, and
never from the data tier; floating IPs stay off the data and admin tiers; administration ports
(SSH, RDP, databases) are reachable from the site and the operators' VPN ranges only. The tier of
a security-group rule is the `tier=` tag of its group, found by id or through the engine's
property dependencies; a rule whose group cannot be found fails closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from policies.model import (
    UNKNOWN_MASK,
    Context,
    Outcome,
    ResourceView,
    failed,
    is_known,
    not_applicable,
    passed,
)
from policies.registry import Rule, Scope, Severity, register, rule
from policies.rules.region import describe

SG_RULE = "openstack:networking/secGroupRule:SecGroupRule"
SG = "openstack:networking/secGroup:SecGroup"
PORT = "openstack:networking/port:Port"
INSTANCE = "openstack:compute/instance:Instance"
HTTPS = 443
# The hub's tiers as the pack knows them (its own specification, not the program's table: a
# program that moved a flow must still meet these rules). A resource's tier is its `tier` tag.
INGRESS_TIER, APP_TIER, DATA_TIER, ADMIN_TIER = "ingress", "app", "data", "admin"
NO_FLOATING_IP_TIERS = frozenset({DATA_TIER, ADMIN_TIER})


def _number(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def port_range(resource: ResourceView) -> tuple[int, int] | None:
    """The ports a rule opens: None for none (ICMP...), (1, 65535) when it opens all."""
    protocol = str(resource.get("protocol") or "any").lower()
    if protocol in {"icmp", "ipv6-icmp", "icmpv6"}:
        return None
    low, high = _number(resource.get("portRangeMin")), _number(resource.get("portRangeMax"))
    if protocol not in {"tcp", "udp", "sctp"} or (low in (None, 0) and high in (None, 0)):
        return (1, 65535)
    return (low or 1, high or low or 65535)


def remote_network(resource: ResourceView) -> IPv4Network | IPv6Network | None:
    """The source (ingress) or destination (egress) range; None when it is another group."""
    prefix = resource.get("remoteIpPrefix")
    if prefix == UNKNOWN_MASK:
        # Computed by the provider and not known during a preview (the stack-wide analysis sees
        # outputs): judged on `up`, when the engine analyses the resource with known values.
        return None
    if resource.get("remoteGroupId") not in (None, "") and prefix in (None, ""):
        return None
    if prefix in (None, ""):
        # OpenStack reads a rule with no remote at all as "from/to anywhere".
        ethertype = str(resource.get("ethertype") or "IPv4")
        return ip_network("::/0" if ethertype == "IPv6" else "0.0.0.0/0")
    try:
        return ip_network(str(prefix), strict=False)
    except ValueError:
        return ip_network("0.0.0.0/0")  # unreadable: judged as the widest, fail closed


def is_world(network: IPv4Network | IPv6Network | None) -> bool:
    return network is not None and network.prefixlen == 0


def opens_only(resource: ResourceView, port: int) -> bool:
    return str(resource.get("protocol") or "").lower() == "tcp" and port_range(resource) == (
        port,
        port,
    )


def tier_of_rule(resource: ResourceView, context: Context) -> str | None:
    group = context.referenced(resource, "securityGroupId", SG)
    return None if group is None else group.tags.get("tier")


def _direction(resource: ResourceView) -> str:
    return str(resource.get("direction") or "ingress").lower()


@rule(
    "exposure-world-ingress",
    family="exposure",
    description="Nothing is open to 0.0.0.0/0 or ::/0 except HTTPS into the ingress tier.",
    remediation="Restrict remote_ip_prefix to the site or operators' ranges, or use a group.",
    severity=Severity.CRITICAL,
    scope=Scope.RESOURCES,
    applies_to=(SG_RULE,),
)
def exposure_world_ingress(resource: ResourceView, context: Context) -> Outcome:
    """Passes: an ingress rule from a bounded range or a group; TCP 443 from anywhere into the
    ingress tier's group. Fails: any other ingress from anywhere, or one whose group cannot be
    found. Not applicable: egress rules (exposure-world-egress)."""
    if _direction(resource) != "ingress":
        return not_applicable("egress rule")
    network = remote_network(resource)
    if not is_world(network):
        return passed()
    tier = tier_of_rule(resource, context)
    if opens_only(resource, HTTPS) and tier == INGRESS_TIER:
        return passed()
    where = f"the {tier} tier" if tier else "a group whose tier cannot be determined"
    ports = port_range(resource)
    opened = (
        "all ports"
        if ports == (1, 65535)
        else f"ports {ports[0]}-{ports[1]}"
        if ports
        else ("ICMP")
    )
    return failed(
        f"{describe(resource)} opens {opened} ({resource.get('protocol') or 'any protocol'}) "
        f"from {network} into {where}; only HTTPS (TCP 443) into the ingress tier may come from "
        "anywhere. Restrict remote_ip_prefix to the site or the operators' ranges.",
    )


@rule(
    "exposure-world-egress",
    family="exposure",
    description="Only HTTPS may leave for 0.0.0.0/0 or ::/0, and never from the data tier.",
    remediation="Limit egress to HTTPS from tiers that need updates; keep the data tier closed.",
    severity=Severity.HIGH,
    scope=Scope.RESOURCES,
    applies_to=(SG_RULE,),
)
def exposure_world_egress(resource: ResourceView, context: Context) -> Outcome:
    """Passes: egress to a bounded range or group; TCP 443 to anywhere from a tier other than
    data. Fails: other egress to anywhere, data-tier egress to anywhere, or an unknown group."""
    if _direction(resource) != "egress":
        return not_applicable("ingress rule")
    network = remote_network(resource)
    if not is_world(network):
        return passed()
    tier = tier_of_rule(resource, context)
    if opens_only(resource, HTTPS) and tier is not None and tier != DATA_TIER:
        return passed()
    where = f"the {tier} tier" if tier else "a group whose tier cannot be determined"
    return failed(
        f"{describe(resource)} lets {where} send to {network} beyond HTTPS updates; the data "
        "tier has no path out and other tiers may reach anywhere on TCP 443 only.",
    )


FLOATING_IP_TYPES = (
    "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
    "openstack:networking/floatingIp:FloatingIp",
    "openstack:compute/floatingIpAssociate:FloatingIpAssociate",
)


@rule(
    "exposure-floating-ip-tier",
    family="exposure",
    description="No floating IP is attached to a port or instance of the data or admin tier.",
    remediation="Reach data and admin hosts through the bastion and the ingress tier instead.",
    severity=Severity.HIGH,
    scope=Scope.RESOURCES,
    applies_to=FLOATING_IP_TYPES,
)
def exposure_floating_ip_tier(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a floating IP on a port or instance of the ingress or app tier.
    Fails: on the data or admin tier, or on a target whose tier cannot be found (fail closed).
    Not applicable: a floating IP attached to nothing."""
    if resource.get("portId") not in (None, ""):
        target = context.referenced(resource, "portId", PORT)
    elif resource.get("instanceId") not in (None, ""):
        target = context.referenced(resource, "instanceId", INSTANCE)
    else:
        return not_applicable("not attached")
    tier = None if target is None else target.tags.get("tier")
    if tier is not None and tier not in NO_FLOATING_IP_TIERS:
        return passed()
    what = f"{describe(target)} in the {tier} tier" if target and tier else "an unknown target"
    return failed(
        f"{describe(resource)} puts a public address on {what}; data and admin tiers are never "
        "reachable from outside (the admin tier is reached through the operators' VPN).",
    )


# --- administration ports: one parameterised family ----------------------------------------

ADMIN_PORTS: dict[str, tuple[str, tuple[int, ...]]] = {
    "ssh": ("SSH", (22,)),
    "rdp": ("RDP", (3389,)),
    # PostgreSQL, MySQL/MariaDB, SQL Server, Oracle, MongoDB, Redis, Cassandra, Elasticsearch.
    "database": ("database", (5432, 3306, 1433, 1521, 27017, 6379, 9042, 9200)),
}

PRIVATE_RANGES = tuple(
    ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def is_inside(
    network: IPv4Network | IPv6Network, ranges: Sequence[IPv4Network | IPv6Network]
) -> bool:
    return any(
        network.version == allowed.version and network.subnet_of(allowed)  # type: ignore[arg-type]
        for allowed in ranges
    )


def admin_port_check(label: str) -> Any:
    def check(resource: ResourceView, context: Context) -> Outcome:
        """Passes: the rule does not open the ports, or opens them from a security group, the
        site's network or the operators' ranges. Fails: from any other range."""
        if _direction(resource) != "ingress":
            return not_applicable("egress rule")
        ports = [int(p) for p in context.rule_config.get("ports", [])]
        opened = port_range(resource)
        hit = [p for p in ports if opened and opened[0] <= p <= opened[1]]
        if not hit:
            return passed()
        network = remote_network(resource)
        if network is None:
            return passed()
        allowed = context.site.internal_ranges or list(PRIVATE_RANGES)
        if is_inside(network, allowed):
            return passed()
        prefix = resource.get("remoteIpPrefix")
        ranges = ", ".join(str(r) for r in allowed)
        return failed(
            f"{describe(resource)} exposes {label} port {', '.join(map(str, hit))} to {network}, "
            f"outside the site and the operators' ranges ({ranges}). Administration goes "
            "through the bastion from the operators' VPN (hub:adminCidrs).",
            value=str(prefix) if is_known(prefix) else None,
            config_keys=("hub:adminCidrs",),
        )

    return check


for _key, (_label, _ports) in ADMIN_PORTS.items():
    register(
        Rule(
            id=f"exposure-admin-port-{_key}",
            family="exposure",
            description=f"{_label} ports are reachable only from the site and the operators' VPN.",
            remediation="Open administration ports to hub:adminCidrs or a security group only.",
            severity=Severity.CRITICAL,
            scope=Scope.RESOURCE,
            applies_to=(SG_RULE,),
            check=admin_port_check(_label),
            config_defaults={"ports": list(_ports)},
        )
    )
