"""Exposure family: what the outside world can reach, judged as Neutron and Octavia enforce it.

Only HTTPS into the ingress tier may come from beyond the site's own ranges (the site network
and the operators' CIDRs, hub:networkCidr and hub:adminCidrs); only HTTPS may leave for beyond
them, and never from the data tier; administration ports (SSH, RDP, databases) are reachable
from those ranges only; floating IPs stay off the data and admin tiers; no host of the app,
data or admin tier sits on the external network; every port is filtered (port security on, no
group that keeps Neutron's default rules); load-balancer listeners open only HTTPS to the world.

Rules are read as Neutron reads them (policies/neutron.py): every protocol and port spelling it
accepts, and a rule it would refuse is a violation. Address sets are judged by coverage, so a
world split into prefixes is still the world, and security groups are judged together per
port: a port carrying the ingress group gets its world HTTPS, whatever its other tier.

A resource's tier is the union of what says it: its own `tier` tag, the tier tags of its
security groups and of its subnets. A resource whose tier cannot be found fails closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from pydantic import Field

from hubcore.resource_types import (
    INSTANCE,
    INTERFACE_ATTACH,
    LISTENER,
    LOAD_BALANCER,
    MEMBER,
    NETWORK,
    PORT,
    ROUTER,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    SUBNET,
)
from policies.model import (
    Context,
    Outcome,
    Reading,
    ResourceView,
    failed,
    not_applicable,
    passed,
)
from policies.neutron import (
    TCP,
    address_set,
    describe_set,
    outside,
    world_reach,
)
from policies.neutron import Rule as NeutronRule
from policies.registry import Rule, RuleSettings, Scope, Severity, register, rule
from policies.rules.common import cannot_judge, describe, truth
from policies.rules.topology import (
    FLOATING_IP_TYPES,
    as_list,
    external_network_ids,
    external_network_names,
    group_of_rule,
    groups_of,
    is_router_port,
    network_names,
    read_rule,
    rules_by_group,
    tier_tags,
    tiers_of,
)

HTTPS = 443
# The hub's tiers as the pack knows them (its own specification, not the program's table: a
# program that moved a flow must still meet these rules). A resource's tier is its `tier` tag.
INGRESS_TIER, APP_TIER, DATA_TIER, ADMIN_TIER = "ingress", "app", "data", "admin"
NO_FLOATING_IP_TIERS = frozenset({DATA_TIER, ADMIN_TIER})

PRIVATE_RANGES = tuple(
    ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
Network = IPv4Network | IPv6Network


def allowed_sources(context: Context) -> list[Network]:
    """Where traffic may come from or go to without being exposure: the site's ranges."""
    return context.site.internal_ranges or list(PRIVATE_RANGES)


def allowed_destinations(context: Context) -> list[Network]:
    """Where egress may go without leaving the site: its ranges and its workspace pool (the
    admin tier reaches the research workspaces; they are never a trusted source)."""
    pool = context.site.workspace_pool
    return [*allowed_sources(context), *([pool] if pool is not None else [])]


def _tiers_text(tiers: set[str]) -> str:
    return "the " + " and ".join(sorted(tiers)) + " tier" + ("s" if len(tiers) > 1 else "")


# --- world ingress and egress ------------------------------------------------------------------


def _world_of(urns: frozenset[str], context: Context) -> dict[str, str]:
    """Rule URN -> "the whole IPv4/IPv6 Internet" for each rule of these groups that reaches the
    world together with the rules of the same groups matching the same packets (groups add up:
    on one port, or within one group). Computed once per set of groups by a sweep, n log n."""

    def compute() -> dict[str, str]:
        by_group = rules_by_group(context)
        views = [r for urn in sorted(urns) for r in by_group.get(urn, [])]
        read = [(v, read_rule(v, context)) for v in views]
        usable = [(v, r) for v, r in read if not isinstance(r, Outcome)]
        reach = world_reach([r for _, r in usable])
        return {usable[i][0].urn: text for i, text in reach.items()}

    result: dict[str, str] = context.memo(("world", urns), compute)
    return result


def _group_world(resource: ResourceView, context: Context) -> str | None:
    """The world this rule reaches with the other rules of its own group, if any."""
    group = group_of_rule(resource, context)
    if group is None:
        read = read_rule(resource, context)
        if isinstance(read, Outcome):
            return None
        return next(iter(world_reach([read]).values()), None)
    return _world_of(frozenset({group.urn}), context).get(resource.urn)


def _beyond(rule_: NeutronRule, context: Context, world: str | None = None) -> str | None:
    """Where the rule reaches beyond the site's ranges, described; None when nowhere.

    Beyond means outside hub:networkCidr and hub:adminCidrs, or, whatever those ranges say,
    the whole Internet (by itself or together with the rules it adds up with: `world`, from
    _world_of): a site range of 0.0.0.0/0 does not make the world internal.
    """
    remote = rule_.remote
    if remote is None:
        return None
    allowed = allowed_destinations(context) if rule_.direction == "egress" else None
    if outside([remote], allowed or allowed_sources(context)):
        return f"{remote}" + (
            f" (with the other rules: {world})" if world and remote.prefixlen else ""
        )
    if world:
        return f"{remote} (with the other rules: {world})" if remote.prefixlen else str(remote)
    return None


def _world_ok(rule_: NeutronRule, tiers: set[str], direction: str) -> bool:
    if not rule_.only(TCP, HTTPS):
        return False
    if direction == "ingress":
        return tiers == {INGRESS_TIER}
    return bool(tiers) and DATA_TIER not in tiers


def _judge_sg_rule(resource: ResourceView, context: Context, direction: str) -> Outcome:
    read = read_rule(resource, context)
    if isinstance(read, Outcome):
        # A refused or unreadable rule is reported once per direction it may open.
        wanted = resource.get("direction")
        if read.status.value == "fail" and wanted not in ("ingress", "egress"):
            return read if direction == "ingress" else not_applicable("reported as ingress")
        return read if wanted == direction else not_applicable(f"not an {direction} rule")
    if read.direction != direction:
        return not_applicable(f"not an {direction} rule")
    beyond = _beyond(read, context, _group_world(resource, context))
    if beyond is None:
        return passed()
    group = group_of_rule(resource, context)
    tiers = tier_tags(group) if group is not None else set()
    if _world_ok(read, tiers, direction):
        return passed()
    where = _tiers_text(tiers) if tiers else "a group whose tier cannot be determined"
    opened = read.describe(resource.get("protocol"))
    if direction == "ingress":
        return failed(
            f"{describe(resource)} opens {opened} from {beyond} into {where}; only "
            "HTTPS (TCP 443) into the ingress tier may come from beyond the site's ranges. "
            "Restrict remote_ip_prefix to the site or the operators' ranges, or use a group.",
        )
    return failed(
        f"{describe(resource)} lets {where} send {opened} to {beyond}, beyond the "
        "site's ranges; the data tier has no path out and other tiers may leave on TCP 443 only.",
    )


def _judge_host_union(resource: ResourceView, context: Context, direction: str) -> Outcome:
    """The groups a port carries, together: a world rule of one reaches every tier of the port."""
    groups = groups_of(resource, context)
    if not groups:
        return not_applicable("no security group of this stack on the port")
    tiers = tiers_of(resource, context)
    by_group = rules_by_group(context)
    together = _world_of(frozenset(group.urn for group in groups), context)
    for group in groups:
        alone = _world_of(frozenset({group.urn}), context)
        for sg_rule in by_group.get(group.urn, []):
            read = read_rule(sg_rule, context)
            if isinstance(read, Outcome) or read.direction != direction:
                continue
            beyond = _beyond(read, context, together.get(sg_rule.urn))
            if beyond is None or _world_ok(read, tiers, direction):
                continue
            if not _world_ok(read, tier_tags(group), direction) and _beyond(
                read, context, alone.get(sg_rule.urn)
            ):
                continue  # reported on the rule itself
            flow = "from" if direction == "ingress" else "to"
            return failed(
                f"{describe(resource)} is in {_tiers_text(tiers) if tiers else 'no known tier'} "
                f"and also carries group {group.name!r}, whose {describe(sg_rule)} allows "
                f"{read.describe(sg_rule.get('protocol'))} {flow} {beyond}: security groups add "
                "up on a port, so that flow reaches this host. Give each port only its own "
                "tier's group.",
            )
    return passed()


@rule(
    "exposure-world-ingress",
    description="Nothing is reachable from beyond the site's ranges except HTTPS into ingress.",
    remediation="Restrict remote_ip_prefix to the site or operators' ranges, or use a group.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "HDS-ISO27001-A8"),
    enforces=(
        "nothing reachable from beyond the site's ranges (or from the whole Internet, in one piece "
        "or several) except TCP 443 into the ingress tier; per port, groups add up"
    ),
    scope=Scope.RESOURCES,
    applies_to=(SECURITY_GROUP_RULE, PORT),
)
def exposure_world_ingress(resource: ResourceView, context: Context) -> Outcome:
    """Passes: an ingress rule from a group or from within the site's ranges (hub:networkCidr,
    hub:adminCidrs); TCP 443 from anywhere into a group of the ingress tier only; a port whose
    groups together open the world's HTTPS only if it is of the ingress tier alone.
    Fails: any other ingress from beyond those ranges, whatever the spelling (protocol names or
    numbers, all-port ranges, prefixes covering the world in pieces, IPv4-mapped IPv6); a group
    whose tier cannot be found; a rule Neutron refuses or the pack cannot read; a port of
    another tier carrying the ingress group.
    Not applicable: egress rules, values computed by resources of the stack."""
    if resource.type == PORT:
        return _judge_host_union(resource, context, "ingress")
    return _judge_sg_rule(resource, context, "ingress")


@rule(
    "exposure-world-egress",
    description="Only HTTPS may leave for beyond the site's ranges, and never from the data tier.",
    remediation="Limit egress to HTTPS from tiers that need updates; keep the data tier closed.",
    severity=Severity.HIGH,
    requirements=("SNC-13", "HDS-ISO27001-A8"),
    enforces=(
        "only TCP 443 beyond the site's ranges, never from the data tier (also through another "
        "group on the same port)"
    ),
    scope=Scope.RESOURCES,
    applies_to=(SECURITY_GROUP_RULE, PORT),
)
def exposure_world_egress(resource: ResourceView, context: Context) -> Outcome:
    """Passes: egress to a group or within the site's ranges; TCP 443 beyond them from a tier
    other than data. Fails: other egress beyond the site's ranges, data-tier egress beyond them
    (also through another group on the same port), an unknown group, a refused or unreadable
    rule. Not applicable: ingress rules."""
    if resource.type == PORT:
        return _judge_host_union(resource, context, "egress")
    return _judge_sg_rule(resource, context, "egress")


# --- floating IPs --------------------------------------------------------------------------------


def _target(resource: ResourceView, context: Context) -> tuple[str, ResourceView | None] | Outcome:
    for prop, token in (("portId", PORT), ("instanceId", INSTANCE)):
        value = resource.get(prop)
        if value in (None, ""):
            continue
        reading = context.reading(resource, prop, value)
        if reading is Reading.SECRET or reading is Reading.UNKNOWN:
            return cannot_judge(resource, prop, reading, "which host the address reaches")
        found = context.referenced(resource, prop, token)
        if found is None and prop == "portId":
            found = next(
                (
                    lb
                    for urn in resource.dependencies.get(prop, ())
                    if (lb := context.by_urn(urn)) is not None and lb.type == LOAD_BALANCER
                ),
                None,
            )
        return prop, found
    return not_applicable("not attached")


@rule(
    "exposure-floating-ip-tier",
    description="No floating IP is attached to any port or instance of the data or admin tier.",
    remediation="Reach data and admin hosts through the bastion and the ingress tier instead.",
    severity=Severity.HIGH,
    requirements=("SNC-13", "HDS-ISO27001-A8"),
    enforces=(
        "no floating IP on any port or instance with a data or admin tier among its tiers (tags, "
        "groups, subnets); fails closed on an unknown target"
    ),
    scope=Scope.RESOURCES,
    applies_to=FLOATING_IP_TYPES,
)
def exposure_floating_ip_tier(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a floating IP on a port, instance or load balancer of the ingress or app tier only.
    Fails: a target with any data or admin tier among its tiers (its tag, its groups', its
    subnets', an instance's ports'), a target whose tier or identity cannot be found, a target
    that cannot be read (fail closed).
    Not applicable: a floating IP attached to nothing."""
    target = _target(resource, context)
    if isinstance(target, Outcome):
        return target
    _, found = target
    tiers = tiers_of(found, context) if found is not None else set()
    if tiers and not tiers & NO_FLOATING_IP_TIERS:
        return passed()
    what = f"{describe(found)} in {_tiers_text(tiers)}" if found and tiers else "an unknown target"
    return failed(
        f"{describe(resource)} puts a public address on {what}; data and admin tiers are never "
        "reachable from outside (the admin tier is reached through the operators' VPN).",
    )


# --- ports, groups and networks --------------------------------------------------------------


@rule(
    "exposure-port-security-disabled",
    description="Ports and networks keep port security on, so security groups filter them.",
    remediation="Remove port_security_enabled=False; open flows with security-group rules.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "HDS-ISO27001-A8"),
    enforces="ports and networks keep port security on",
    applies_to=(PORT, NETWORK),
)
def exposure_port_security_disabled(resource: ResourceView, context: Context) -> Outcome:
    """Passes: port security on (the default). Fails: `portSecurityEnabled` false in any
    spelling the provider accepts (no filtering at all: every port, any source, and address
    spoofing), on a port or on a network whose ports inherit it; a value the pack cannot read."""
    raw = resource.get("portSecurityEnabled")
    reading = context.reading(resource, "portSecurityEnabled", raw)
    if reading is Reading.ABSENT:
        return passed()
    if reading is Reading.COMPUTED:
        return not_applicable("computed by resources of the stack")
    if not reading.readable:
        return cannot_judge(resource, "portSecurityEnabled", reading, "whether it is filtered")
    enabled = truth(raw)
    if enabled is None:
        return failed(
            f"{describe(resource)}: port_security_enabled {raw!r} is not a boolean the provider "
            "reads; whether the port is filtered could not be judged.",
        )
    if enabled:
        return passed()
    kind = "network (every port on it inherits it)" if resource.type == NETWORK else "port"
    return failed(
        f"{describe(resource)} turns port security off on this {kind}: no security group "
        "filters it, so every port is open to every source and addresses can be spoofed.",
    )


@rule(
    "exposure-default-security-group",
    description="No security group keeps Neutron's default rules, and no port gets the default.",
    remediation="Set delete_default_rules=True; give every port its tier's security group.",
    severity=Severity.HIGH,
    requirements=("SNC-13", "HDS-ISO27001-A8"),
    enforces=(
        "groups delete Neutron's default rules; no port (but router interfaces) or instance gets "
        "the project's `default` group"
    ),
    scope=Scope.RESOURCES,
    applies_to=(SECURITY_GROUP, PORT, INSTANCE),
)
def exposure_default_security_group(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a group created with delete_default_rules; a port with its own groups, with
    no_security_groups, or serving as a router interface (Neutron filters no router port); an
    instance whose networks all go through such ports.
    Fails: a group that keeps Neutron's default egress-to-anywhere rules; a port without groups
    (Neutron attaches the project's `default` group: all egress, all traffic between its
    members); an instance that names the `default` group or lets Nova create ports in it; a
    setting the pack cannot read."""
    if resource.type == SECURITY_GROUP:
        raw = resource.get("deleteDefaultRules")
        reading = context.reading(resource, "deleteDefaultRules", raw)
        if reading is Reading.COMPUTED:
            return not_applicable("computed by resources of the stack")
        if not reading.readable:
            return cannot_judge(resource, "deleteDefaultRules", reading, "its default rules")
        if truth(raw):
            return passed()
        return failed(
            f"{describe(resource)} keeps Neutron's default rules (egress to 0.0.0.0/0 and ::/0 on "
            "every protocol): set delete_default_rules=True and declare each flow.",
        )
    if resource.type == PORT:
        for prop in ("noSecurityGroups", "portSecurityEnabled"):
            reading = context.reading(resource, prop)
            if reading is Reading.SECRET or reading is Reading.UNKNOWN:
                return cannot_judge(resource, prop, reading, "which groups filter it")
        security = resource.get("portSecurityEnabled")
        if truth(resource.get("noSecurityGroups")) or (
            security is not None and truth(security) is False
        ):
            return passed()  # no group at all (all dropped), or port security off (own rule)
        groups = resource.get("securityGroupIds")
        reading = context.reading(resource, "securityGroupIds", groups)
        if reading is Reading.COMPUTED or (reading is Reading.VALUE and as_list(groups)):
            return passed()
        if not reading.readable:
            return cannot_judge(resource, "securityGroupIds", reading, "which groups filter it")
        if is_router_port(resource, context):
            return passed()
        return failed(
            f"{describe(resource)} names no security group, so Neutron attaches the project's "
            "`default` group (all egress, all traffic between its members). Give the port its "
            "tier's group.",
        )
    names = [str(n) for n in as_list(resource.get("securityGroups"))]
    if any(name.lower() == "default" for name in names):
        return failed(
            f"{describe(resource)} is in the project's `default` security group, which keeps "
            "Neutron's default rules. Use the tier's group on a port of its own.",
        )
    for network in as_list(resource.get("networks")):
        if isinstance(network, Mapping) and network.get("port") in (None, "") and not names:
            return failed(
                f"{describe(resource)} lets Nova create a port on network "
                f"{network.get('name') or network.get('uuid')!r} with no security group: "
                "Neutron puts it in the project's `default` group. Attach a port of the stack.",
            )
    return passed()


# --- hosts on the external network -------------------------------------------------------------


def _network_verdict(
    subject: ResourceView,
    context: Context,
    *,
    network_id: Any = None,
    name: Any = None,
    prop: str = "networkId",
) -> str | None:
    """Why the network is (or may be) the external one; None when it is a private one."""
    if name not in (None, ""):
        if name in external_network_names(context):
            return f"network {name!r} is the site's external network"
        if name not in network_names(context):
            return f"network {name!r} is no network of this stack, so it may be external"
        return None
    if network_id in (None, ""):
        return None
    reading = context.reading(subject, prop, network_id)
    if reading is Reading.COMPUTED:
        return None
    if not reading.readable:
        return f"its network cannot be read ({reading.value})"
    if network_id in external_network_ids(context):
        return "its network is the external network the site's routers use"
    if context.by_id(network_id, NETWORK) is not None:
        return None
    if not subject.dependencies_known:
        return None  # offline synthesis: the id came from the program or a stack reference
    sources = subject.dependencies.get(prop.split("[")[0], ())
    if sources:
        return None  # an output of a resource or a stack reference of the site, judged there
    return f"network {network_id!r} is written literally and declared by no stack of the site"


class ExternalNetworkSettings(RuleSettings):
    """exposure-external-network-host: the tiers whose hosts never sit on the external network."""

    forbidden_tiers: list[str] = Field(default_factory=lambda: [APP_TIER, DATA_TIER, ADMIN_TIER])


@rule(
    "exposure-external-network-host",
    description="No host of the app, data or admin tier is attached to the external network.",
    remediation="Put hosts on their tier's subnet; reach them through the ingress tier.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "HDS-ISO27001-A8"),
    enforces=(
        "no host of the app, data or admin tier (setting `forbiddenTiers`) on the external "
        "network, or on a network the pack cannot show private"
    ),
    scope=Scope.RESOURCES,
    applies_to=(PORT, INSTANCE, INTERFACE_ATTACH, ROUTER),
    settings=ExternalNetworkSettings(),
)
def exposure_external_network_host(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: ports and instance networks on the stack's private networks (or outputs of the
    site's stacks); a host of the ingress tier alone on the external network.
    Fails: a port, an instance network or an attached interface on the external network (the
    site's hub:externalNetwork, a router's gateway network, a network marked external), or on a
    network the pack cannot show to be private (a name of no network of the stack, an id
    written literally), for a host of a forbidden tier or of no known tier; a router whose
    gateway network, or a host whose networks, groups or addresses cannot be read."""
    forbidden = set(context.settings(ExternalNetworkSettings).forbidden_tiers)
    checks: list[tuple[str, ResourceView]] = []
    watched = {
        ROUTER: ("externalNetworkId",),
        PORT: ("fixedIps", "securityGroupIds"),
        INSTANCE: ("networks", "securityGroups"),
        INTERFACE_ATTACH: ("instanceId", "portId"),
    }[resource.type]
    for prop in watched:
        reading = context.reading(resource, prop)
        if reading is Reading.SECRET or reading is Reading.UNKNOWN:
            return [cannot_judge(resource, prop, reading, "which network and tier it is on")]
    if resource.type == ROUTER:
        return [passed()]
    if resource.type == PORT:
        why = _network_verdict(resource, context, network_id=resource.get("networkId"))
        if why:
            checks.append((why, resource))
    elif resource.type == INSTANCE:
        for index, network in enumerate(as_list(resource.get("networks"))):
            if not isinstance(network, Mapping) or network.get("port") not in (None, ""):
                continue  # through a port: the port is judged
            why = _network_verdict(
                resource,
                context,
                network_id=network.get("uuid"),
                name=network.get("name"),
                prop=f"networks[{index}]",
            )
            if why:
                checks.append((why, resource))
    else:
        instance = context.referenced(resource, "instanceId", INSTANCE)
        why = _network_verdict(resource, context, network_id=resource.get("networkId"))
        if why:
            checks.append((why, instance or resource))
    outcomes: list[Outcome] = []
    for why, host in checks:
        tiers = tiers_of(host, context)
        if tiers and not tiers & forbidden:
            outcomes.append(passed())
            continue
        where = _tiers_text(tiers) if tiers else "no known tier"
        outcomes.append(
            failed(
                f"{describe(resource)} ({where}) is attached where {why}: hosts of the "
                f"{', '.join(sorted(forbidden))} tiers never sit on the external network, "
                "where the whole Internet reaches them past the edge router.",
            )
        )
    return outcomes or [passed()]


# --- load balancers ------------------------------------------------------------------------------

OCTAVIA_PROTOCOLS = frozenset(
    {"HTTP", "HTTPS", "TCP", "TERMINATED_HTTPS", "UDP", "SCTP", "PROMETHEUS"}
)
TLS_LISTENERS = frozenset({"HTTPS", "TERMINATED_HTTPS", "TCP"})


# --- administration ports: one parameterised family ----------------------------------------


class AdminPortSettings(RuleSettings):
    """exposure-admin-port-*: the ports the rule watches (its defaults per kind of service)."""

    ports: list[int]


ADMIN_PORTS: dict[str, tuple[str, tuple[int, ...]]] = {
    "ssh": ("SSH", (22,)),
    "rdp": ("RDP", (3389,)),
    # PostgreSQL, MySQL/MariaDB, SQL Server, Oracle, MongoDB, Redis, Cassandra, Elasticsearch.
    "database": ("database", (5432, 3306, 1433, 1521, 27017, 6379, 9042, 9200)),
}
EVERY_ADMIN_PORT = sorted({port for _, ports in ADMIN_PORTS.values() for port in ports})
# Each kind's requirements and what its rule enforces.
ADMIN_PORT_REFERENCES: dict[str, tuple[tuple[str, ...], str]] = {
    "ssh": (
        ("SNC-13", "ANSSI-BP-028"),
        "SSH only from the site and the operators' ranges (`hub:adminCidrs`), by coverage",
    ),
    "rdp": (("SNC-13", "ANSSI-BP-028"), "same for RDP"),
    "database": (("SNC-13", "HDS-ISO27001-A8"), "same for database ports (setting `ports`)"),
}


def _cidrs(value: Any) -> list[Network] | None:
    networks: list[Network] = []
    for item in as_list(value):
        try:
            networks.append(ip_network(str(item), strict=False))
        except ValueError:
            return None
    return networks


@rule(
    "exposure-load-balancer-listener",
    description="Load-balancer listeners open only HTTPS to the world, never admin ports.",
    remediation="Listen on 443 with HTTPS/TERMINATED_HTTPS; restrict allowed_cidrs otherwise.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "HDS-ISO27001-A8", "ANSSI-BP-028"),
    enforces=(
        "Octavia listeners open beyond the site's ranges only on 443 with HTTPS, TERMINATED_HTTPS "
        "or TCP, never on an administration port"
    ),
    applies_to=(LISTENER,),
)
def exposure_load_balancer_listener(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a listener whose allowed_cidrs stay within the site's ranges; one open beyond
    them (no allowed_cidrs: the world) only on TCP 443 with HTTPS, TERMINATED_HTTPS or TCP
    passthrough, never on an administration port.
    Fails: an administration port (SSH, RDP, databases) reachable from beyond the site; any
    other port or a plain protocol open beyond it; a protocol or port Octavia refuses; values
    the pack cannot read."""
    for prop in ("protocol", "protocolPort", "allowedCidrs"):
        reading = context.reading(resource, prop)
        if reading is Reading.COMPUTED:
            return not_applicable(f"{prop} computed by resources of the stack")
        if not reading.readable:
            return cannot_judge(resource, prop, reading, "who can reach the listener")
    protocol = resource.get("protocol")
    port = resource.get("protocolPort")
    if not isinstance(protocol, str) or protocol not in OCTAVIA_PROTOCOLS:
        return failed(
            f"{describe(resource)}: Octavia refuses protocol {protocol!r} (one of "
            f"{', '.join(sorted(OCTAVIA_PROTOCOLS))}).",
        )
    if isinstance(port, bool) or not isinstance(port, int | float) or not 1 <= int(port) <= 65535:
        return failed(f"{describe(resource)}: Octavia refuses protocol_port {port!r} (1-65535).")
    number = int(port)
    cidrs = _cidrs(resource.get("allowedCidrs"))
    if cidrs is None:
        return failed(f"{describe(resource)}: allowed_cidrs holds a value that is not a CIDR.")
    sources = cidrs or [ip_network("0.0.0.0/0"), ip_network("::/0")]
    rest = outside(sources, allowed_sources(context))
    if not rest:
        return passed()
    beyond = describe_set(rest)
    if number in EVERY_ADMIN_PORT:
        return failed(
            f"{describe(resource)} listens on administration port {number} ({protocol}) for "
            f"{beyond}: administration goes through the bastion from the operators' VPN.",
        )
    if number == HTTPS and protocol in TLS_LISTENERS:
        return passed()
    return failed(
        f"{describe(resource)} listens on {protocol} {number} for {beyond}; only HTTPS on 443 "
        "(HTTPS, TERMINATED_HTTPS or TCP passthrough) may be open beyond the site's ranges.",
    )


def admin_port_check(label: str) -> Any:
    def check(resource: ResourceView, context: Context) -> Outcome:
        """Passes: the rule does not open the ports, or opens them from a security group, the
        site's network or the operators' ranges (by coverage). Fails: from anywhere else, in
        any spelling Neutron accepts; a rule that cannot be read. Not applicable: egress."""
        read = read_rule(resource, context)
        if isinstance(read, Outcome):
            return read if resource.get("direction") != "egress" else not_applicable("egress")
        if read.direction != "ingress":
            return not_applicable("egress rule")
        ports = context.settings(AdminPortSettings).ports
        hit = [p for p in ports if read.reaches(p)]
        if not hit:
            return passed()
        remote = read.remote
        if remote is None:
            return passed()
        allowed = allowed_sources(context)
        beyond = _beyond(read, context, _group_world(resource, context))
        if beyond is None:
            return passed()
        prefix = resource.get("remoteIpPrefix")
        ranges = ", ".join(str(r) for r in allowed)
        return failed(
            f"{describe(resource)} exposes {label} port {', '.join(map(str, hit))} to "
            f"{beyond}, outside the site and the operators' ranges ({ranges}). "
            "Administration goes through the bastion from the operators' VPN (hub:adminCidrs).",
            value=str(prefix) if isinstance(prefix, str) else None,
            config_keys=("hub:adminCidrs",),
        )

    return check


def register_admin_port(module: str, key: str) -> Rule:
    """Register `exposure-admin-port-<key>` (its label and ports: ADMIN_PORTS[key]) as a rule of
    `module`, the module that calls this with its `__name__`. The check is made here, so its
    `__module__` is set to that module: the registry reads a rule's family, and in a family
    package the module it must live in, from its check's `__module__`."""
    label, ports = ADMIN_PORTS[key]
    check = admin_port_check(label)
    check.__module__ = module
    return register(
        Rule(
            id=f"exposure-admin-port-{key}",
            description=f"{label} ports are reachable only from the site and the operators' VPN.",
            remediation="Open administration ports to hub:adminCidrs or a security group only.",
            severity=Severity.CRITICAL,
            scope=Scope.RESOURCE,
            applies_to=(SECURITY_GROUP_RULE,),
            check=check,
            settings=AdminPortSettings(ports=list(ports)),
            requirements=ADMIN_PORT_REFERENCES[key][0],
            enforces=ADMIN_PORT_REFERENCES[key][1],
        )
    )


for _key in ADMIN_PORTS:
    register_admin_port(__name__, _key)


# --- addresses a resource claims: address pairs, load-balancer members, subnets ---------------


def _prefix(value: Any) -> Network | None:
    """An address or a CIDR as Neutron and Octavia read it; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def _judge_addresses(
    resource: ResourceView,
    context: Context,
    prop: str,
    values: list[tuple[str, Any]],
    allowed: list[Network],
    harm: str,
) -> list[Outcome]:
    """Each (path, value): a readable address or CIDR inside `allowed`."""
    outcomes: list[Outcome] = []
    for path, value in values:
        reading = context.reading(resource, prop, value)
        if reading is Reading.COMPUTED:
            outcomes.append(not_applicable(f"{path} computed by resources of the stack"))
            continue
        if not reading.readable:
            outcomes.append(cannot_judge(resource, path, reading, "which addresses it covers"))
            continue
        network = _prefix(value)
        if network is None:
            outcomes.append(
                failed(f"{describe(resource)}: {path} {value!r} is not an address or a CIDR.")
            )
            continue
        beyond = outside([network], allowed)
        if not beyond:
            outcomes.append(passed())
            continue
        ranges = ", ".join(str(r) for r in allowed)
        covered = describe_set(address_set([network]) if network.prefixlen == 0 else beyond)
        outcomes.append(
            failed(
                f"{describe(resource)}: {path} {value!r} covers {covered}, beyond "
                f"the site's ranges ({ranges}): {harm}.",
                value=str(value),
            )
        )
    return outcomes


@rule(
    "exposure-allowed-address-pairs",
    description="A port's allowed address pairs stay inside the site's ranges.",
    remediation="List only addresses of the site (a VRRP address of the subnet), never the world.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "HDS-ISO27001-A8"),
    enforces="a port's allowed address pairs lie inside the site's ranges (never the world)",
    applies_to=(PORT,),
)
def exposure_allowed_address_pairs(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: no allowed address pairs, or pairs whose addresses (or CIDRs) lie inside the
    site's ranges (hub:networkCidr, hub:adminCidrs, hub:workspacePool).
    Fails: a pair covering anything beyond them (0.0.0.0/0, a public address, a piece of the
    world), an address that is not one, a pair the pack cannot read."""
    pairs = resource.get("allowedAddressPairs")
    reading = context.reading(resource, "allowedAddressPairs", pairs)
    if reading is Reading.ABSENT or pairs == []:
        return [passed()]
    if reading is Reading.COMPUTED:
        return [not_applicable("address pairs computed by resources of the stack")]
    if not reading.readable or not isinstance(pairs, list):
        return [cannot_judge(resource, "allowedAddressPairs", reading, "which addresses it uses")]
    values = [
        (f"allowedAddressPairs[{index}].ipAddress", pair.get("ipAddress"))
        if isinstance(pair, Mapping)
        else (f"allowedAddressPairs[{index}]", pair)
        for index, pair in enumerate(pairs)
    ]
    return _judge_addresses(
        resource,
        context,
        "allowedAddressPairs",
        values,
        allowed_destinations(context),
        "the port may send and receive as those addresses, past the security groups' prefix "
        "rules (spoofing)",
    ) or [passed()]


@rule(
    "exposure-load-balancer-member",
    description="Load-balancer members (and their health checks) are addresses of the site.",
    remediation="Balance only to hosts of the site's subnets.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "SNC-19.1"),
    enforces="load-balancer members and their health checks are addresses of the site's ranges",
    applies_to=(MEMBER,),
)
def exposure_load_balancer_member(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: address and monitor_address inside the site's ranges (hub:networkCidr,
    hub:adminCidrs, hub:workspacePool).
    Fails: a member or health-check address beyond them (a host abroad), one that is not an
    address, one the pack cannot read."""
    values = [
        (prop, resource.get(prop))
        for prop in ("address", "monitorAddress")
        if resource.get(prop) not in (None, "")
    ]
    if not values:
        return [failed(f"{describe(resource)} names no member address: where it sends is unknown.")]
    outcomes: list[Outcome] = []
    for prop, value in values:
        outcomes += _judge_addresses(
            resource,
            context,
            prop,
            [(prop, value)],
            allowed_destinations(context),
            "the load balancer would send the site's requests (TLS already terminated) there",
        )
    return outcomes


@rule(
    "exposure-subnet-in-site-range",
    description="Subnets lie inside the site's network (or its workspace pool).",
    remediation="Carve subnets from hub:networkCidr (workspaces: from hub:workspacePool).",
    severity=Severity.HIGH,
    requirements=("SNC-13", "HDS-ISO27001-A8"),
    enforces="subnets lie inside `hub:networkCidr` or `hub:workspacePool`",
    applies_to=(SUBNET,),
)
def exposure_subnet_in_site_range(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: a subnet CIDR inside hub:networkCidr or hub:workspacePool (the private ranges
    when the stack has no config, as a foreign state export).
    Fails: a CIDR beyond them (public address space given to hosts the rules then take for
    the site's), one that is not a CIDR, one the pack cannot read.
    Not applicable: a CIDR computed by resources of the stack (a subnet pool is refused)."""
    site = context.site
    allowed: list[Network] = []
    network = site.text("hub:networkCidr")
    if network and _prefix(network) is not None:
        allowed.append(_prefix(network))  # type: ignore[arg-type]
    if site.workspace_pool is not None:
        allowed.append(site.workspace_pool)
    cidr = resource.get("cidr")
    if cidr in (None, ""):
        return [not_applicable("no CIDR: a subnet pool gives it (refused elsewhere)")]
    return _judge_addresses(
        resource,
        context,
        "cidr",
        [("cidr", cidr)],
        allowed or list(PRIVATE_RANGES),
        "its hosts get addresses the exposure rules do not count as the site's",
    )
