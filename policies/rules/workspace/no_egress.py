"""workspace-no-egress: A workspace sends nothing out but NTP inside the site and package-proxy
requests."""

from __future__ import annotations

from ipaddress import ip_network
from urllib.parse import urlsplit

from hubcore.resource_types import SECURITY_GROUP_RULE
from policies.model import Context, Outcome, ResourceView, failed, not_applicable, passed
from policies.neutron import Rule as NeutronRule
from policies.registry import Scope, Severity, rule
from policies.rules.common import describe
from policies.rules.topology import read_rule
from policies.rules.workspace.common import is_workspace_stack, site_network, workspace_group

NTP_PORT = 123


TCP, UDP = 6, 17  # IANA protocol numbers, as Neutron stores them


def _proxy(context: Context) -> tuple[str, int] | None:
    text = context.site.text("hub:aptProxy")
    if not text:
        return None
    url = urlsplit(text)
    return (url.hostname or "", url.port or 0) if url.hostname and url.port else None


@rule(
    "workspace-no-egress",
    description="A workspace sends nothing out but NTP inside the site and package-proxy requests.",
    remediation="Remove the egress rule: only NTP inside the site and hub:aptProxy.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "GDPR-32"),
    enforces=(
        "a workspace group's egress is UDP 123 into `hub:networkCidr` or TCP to `hub:aptProxy`, "
        "nothing else"
    ),
    scope=Scope.RESOURCES,
    applies_to=(SECURITY_GROUP_RULE,),
)
def workspace_no_egress(resource: ResourceView, context: Context) -> Outcome:
    """Passes: an egress rule of a workspace group that is UDP 123 into hub:networkCidr, or TCP
    to the package proxy's address and port only. Fails: any other egress of a workspace group
    (to another group, a wider range, another port). Not applicable: other rules; ingress."""
    in_ws_stack = is_workspace_stack(context)
    group = workspace_group(resource, context)
    if group is None and not in_ws_stack:
        return not_applicable("not a workspace group's rule")
    read = read_rule(resource, context)
    if not isinstance(read, NeutronRule):
        return read  # computed by the stack (N/A), or refused or unreadable (fails)
    if read.direction != "egress":
        return not_applicable("ingress rule")
    network = read.remote
    site = site_network(context)
    if (
        read.only(UDP, NTP_PORT)
        and network is not None
        and site is not None
        and network.version == site.version
        and network.subnet_of(site)  # type: ignore[arg-type]
    ):
        return passed()
    proxy = _proxy(context)
    if (
        proxy is not None
        and read.only(TCP, proxy[1])
        and network is not None
        and network == ip_network(f"{proxy[0]}/32", strict=False)
    ):
        return passed()
    target = str(network) if network is not None else "another security group"
    return failed(
        f"{describe(resource)} lets a workspace send {read.describe(resource.get('protocol'))} "
        f"to {target}; a workspace's only egress is NTP inside the site and the site's package "
        "proxy.",
    )
