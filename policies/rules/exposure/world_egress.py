"""exposure-world-egress: Only HTTPS may leave for beyond the site's ranges, and never from the data
tier."""

from __future__ import annotations

from hubcore.resource_types import PORT, SECURITY_GROUP_RULE
from policies.model import Context, Outcome, ResourceView
from policies.registry import Scope, Severity, rule
from policies.rules.exposure.common import judge_host_union, judge_sg_rule


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
        return judge_host_union(resource, context, "egress")
    return judge_sg_rule(resource, context, "egress")
