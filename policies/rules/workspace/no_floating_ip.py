"""workspace-no-floating-ip: No floating IP in a workspace stack, nor on a workspace's port."""

from __future__ import annotations

from hubcore.resource_types import PORT
from policies.model import Context, Outcome, ResourceView, failed, not_applicable
from policies.registry import Scope, Severity, rule
from policies.rules.common import describe
from policies.rules.topology import FLOATING_IP_TYPES
from policies.rules.workspace.common import WORKSPACE_TIER, is_workspace_stack


@rule(
    "workspace-no-floating-ip",
    description="No floating IP in a workspace stack, nor on a workspace's port.",
    remediation="Reach workspace hosts through the site's bastion; remove the floating IP.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "GDPR-32"),
    enforces="no floating IP in a workspace stack or on a workspace port",
    scope=Scope.RESOURCES,
    applies_to=FLOATING_IP_TYPES,
)
def workspace_no_floating_ip(resource: ResourceView, context: Context) -> Outcome:
    """Fails: any floating IP declared by a workspace stack, or attached to a port of the
    workspace tier. Not applicable: other floating IPs."""
    target = context.referenced(resource, "portId", PORT)
    on_workspace = target is not None and target.tags.get("tier") == WORKSPACE_TIER
    if not is_workspace_stack(context) and not on_workspace:
        return not_applicable("not a workspace's")
    return failed(
        f"{describe(resource)} would give a research workspace a public address; workspaces "
        "are reached from the site's bastion only."
    )
