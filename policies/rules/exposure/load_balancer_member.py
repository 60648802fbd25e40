"""exposure-load-balancer-member: Load-balancer members (and their health checks) are addresses of
the site."""

from __future__ import annotations

from hubcore.resource_types import MEMBER
from policies.model import Context, Outcome, ResourceView, failed
from policies.registry import Severity, rule
from policies.rules.common import describe
from policies.rules.exposure.common import allowed_destinations, judge_addresses


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
        outcomes += judge_addresses(
            resource,
            context,
            prop,
            [(prop, value)],
            allowed_destinations(context),
            "the load balancer would send the site's requests (TLS already terminated) there",
        )
    return outcomes
