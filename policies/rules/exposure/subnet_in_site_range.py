"""exposure-subnet-in-site-range: Subnets lie inside the site's network (or its workspace pool)."""

from __future__ import annotations

from hubcore.resource_types import SUBNET
from policies.model import Context, Outcome, ResourceView, not_applicable
from policies.registry import Severity, rule
from policies.rules.exposure.common import PRIVATE_RANGES, Network, judge_addresses, read_prefix


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
    if network and read_prefix(network) is not None:
        allowed.append(read_prefix(network))  # type: ignore[arg-type]
    if site.workspace_pool is not None:
        allowed.append(site.workspace_pool)
    cidr = resource.get("cidr")
    if cidr in (None, ""):
        return [not_applicable("no CIDR: a subnet pool gives it (refused elsewhere)")]
    return judge_addresses(
        resource,
        context,
        "cidr",
        [("cidr", cidr)],
        allowed or list(PRIVATE_RANGES),
        "its hosts get addresses the exposure rules do not count as the site's",
    )
