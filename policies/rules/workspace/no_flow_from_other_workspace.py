"""workspace-no-flow-from-other-workspace: A workspace accepts flows only from the site's admin
tier, never from another workspace."""

from __future__ import annotations

from ipaddress import ip_network

from hubcore.resource_types import SECURITY_GROUP, SECURITY_GROUP_RULE, SUBNET
from policies.model import Context, Outcome, ResourceView, failed, is_known, not_applicable, passed
from policies.neutron import Rule as NeutronRule
from policies.registry import Scope, Severity, rule
from policies.rules.common import describe
from policies.rules.topology import read_rule
from policies.rules.workspace.common import is_workspace_stack, site_network, workspace_group


@rule(
    "workspace-no-flow-from-other-workspace",
    description="A workspace accepts flows only from the site's admin tier, never from "
    "another workspace.",
    remediation="Open workspace ingress from the site's admin subnet (or its own range) only.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "HDS-ISO27001-A8", "GDPR-32"),
    enforces=(
        "workspace ingress only from the site's range or its own subnet, never from "
        "`hub:workspacePool` or another stack's group"
    ),
    scope=Scope.RESOURCES,
    applies_to=(SECURITY_GROUP_RULE,),
)
def workspace_no_flow_from_other_workspace(resource: ResourceView, context: Context) -> Outcome:
    """Passes: ingress into a workspace group from inside hub:networkCidr, or from the
    workspace's own subnet. Fails: from the workspace pool outside its own range (another
    workspace), from a security group of another stack, or from anywhere else."""
    group = workspace_group(resource, context)
    if group is None and not is_workspace_stack(context):
        return not_applicable("not a workspace group's rule")
    read = read_rule(resource, context)
    if not isinstance(read, NeutronRule):
        return read  # computed by the stack (N/A), or refused or unreadable (fails)
    if read.direction != "ingress":
        return not_applicable("egress rule")
    if read.remote_group is not None:
        if context.referenced(resource, "remoteGroupId", SECURITY_GROUP) is not None:
            return passed()
        return failed(
            f"{describe(resource)} admits a security group this workspace does not own: "
            "another stack's hosts (another workspace's) could reach it."
        )
    network = read.remote
    if network is None:
        return not_applicable("remote prefix not known before the update")
    own = [
        ip_network(str(s.get("cidr")), strict=False)
        for s in context.resources
        if s.type == SUBNET and is_known(s.get("cidr"))
    ]
    if any(network.version == o.version and network.subnet_of(o) for o in own):  # type: ignore[arg-type]
        return passed()
    site = site_network(context)
    pool_text = context.site.text("hub:workspacePool")
    pool = ip_network(pool_text, strict=False) if pool_text else None
    if pool is not None and network.version == pool.version and network.overlaps(pool):
        return failed(
            f"{describe(resource)} admits {network}, inside the workspace pool {pool}: another "
            "workspace could reach this one.",
            config_keys=("hub:workspacePool",),
        )
    if site is not None and network.version == site.version and network.subnet_of(site):  # type: ignore[arg-type]
        return passed()
    return failed(
        f"{describe(resource)} admits {network}, outside the site ({site}); a workspace is "
        "reached from the site's admin tier only."
    )
