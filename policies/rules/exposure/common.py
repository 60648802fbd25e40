"""What several rules of the exposure family share: the site's ranges and the hub's tiers,
how far a security-group rule reaches (alone, with its group, with a port's groups), how
addresses are judged against the site's ranges; and the administration-port rules' table and
the factory each of their modules registers its rule with. Registers no rule itself."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any

from hubcore.resource_types import SECURITY_GROUP_RULE
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.neutron import TCP, address_set, describe_set, outside, world_reach
from policies.neutron import Rule as NeutronRule
from policies.registry import Rule, RuleSettings, Scope, Severity, register
from policies.rules.common import cannot_judge, describe
from policies.rules.topology import (
    group_of_rule,
    groups_of,
    read_rule,
    rules_by_group,
    tier_tags,
    tiers_of,
)

HTTPS = 443
# The hub's tiers as the pack knows them (its own specification, not the program's table: a
# program that moved a flow must still meet these rules). A resource's tier is its `tier` tag.
INGRESS_TIER, APP_TIER, DATA_TIER, ADMIN_TIER = "ingress", "app", "data", "admin"

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


def tiers_text(tiers: set[str]) -> str:
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


def judge_sg_rule(resource: ResourceView, context: Context, direction: str) -> Outcome:
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
    where = tiers_text(tiers) if tiers else "a group whose tier cannot be determined"
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


def judge_host_union(resource: ResourceView, context: Context, direction: str) -> Outcome:
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
                f"{describe(resource)} is in {tiers_text(tiers) if tiers else 'no known tier'} "
                f"and also carries group {group.name!r}, whose {describe(sg_rule)} allows "
                f"{read.describe(sg_rule.get('protocol'))} {flow} {beyond}: security groups add "
                "up on a port, so that flow reaches this host. Give each port only its own "
                "tier's group.",
            )
    return passed()


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


# --- addresses a resource claims: address pairs, load-balancer members, subnets ---------------


def read_prefix(value: Any) -> Network | None:
    """An address or a CIDR as Neutron and Octavia read it; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def judge_addresses(
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
        network = read_prefix(value)
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
