"""exposure-default-security-group: No security group keeps Neutron's default rules, and no port
gets the default."""

from __future__ import annotations

from collections.abc import Mapping

from hubcore.resource_types import INSTANCE, PORT, SECURITY_GROUP
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule
from policies.rules.common import cannot_judge, describe, truth
from policies.rules.topology import as_list, is_router_port


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
