"""exposure-world-ingress: Nothing is reachable from beyond the site's ranges except HTTPS into
ingress."""

from __future__ import annotations

from hubcore.resource_types import PORT, SECURITY_GROUP_RULE
from policies.model import Context, Outcome, ResourceView
from policies.registry import Scope, Severity, rule
from policies.rules.exposure.common import judge_host_union, judge_sg_rule


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
        return judge_host_union(resource, context, "ingress")
    return judge_sg_rule(resource, context, "ingress")
