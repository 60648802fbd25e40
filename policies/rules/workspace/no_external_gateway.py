"""workspace-no-external-gateway: A workspace's router has no external gateway."""

from __future__ import annotations

from hubcore.resource_types import ROUTER
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.common import describe
from policies.rules.workspace.common import is_workspace_stack


@rule(
    "workspace-no-external-gateway",
    description="A workspace's router has no external gateway.",
    remediation="Remove external_network_id / external_gateway from the workspace's router.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "GDPR-32"),
    enforces="a workspace router has no external gateway",
    applies_to=(ROUTER,),
)
def workspace_no_external_gateway(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a workspace router without external network. Fails: with one (by id, or an
    external gateway block). Not applicable: routers of no workspace."""
    if "workspace" not in resource.tags and not is_workspace_stack(context):
        return not_applicable("not a workspace router")
    gateway = resource.get("externalNetworkId") or resource.get("externalGateway")
    if gateway in (None, "", [], {}):
        return passed()
    return failed(
        f"{describe(resource)} has an external gateway: a workspace has no route out of the site."
    )
