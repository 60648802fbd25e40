"""exposure-external-network-host: No host of the app, data or admin tier is attached to the
external network."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from hubcore.resource_types import INSTANCE, INTERFACE_ATTACH, NETWORK, PORT, ROUTER
from policies.model import Context, Outcome, Reading, ResourceView, failed, passed
from policies.registry import RuleSettings, Scope, Severity, rule
from policies.rules.common import cannot_judge, describe
from policies.rules.exposure.common import ADMIN_TIER, APP_TIER, DATA_TIER, tiers_text
from policies.rules.topology import (
    as_list,
    external_network_ids,
    external_network_names,
    network_names,
    tiers_of,
)


def _network_verdict(
    subject: ResourceView,
    context: Context,
    *,
    network_id: Any = None,
    name: Any = None,
    prop: str = "networkId",
) -> str | None:
    """Why the network is (or may be) the external one; None when it is a private one."""
    if name not in (None, ""):
        if name in external_network_names(context):
            return f"network {name!r} is the site's external network"
        if name not in network_names(context):
            return f"network {name!r} is no network of this stack, so it may be external"
        return None
    if network_id in (None, ""):
        return None
    reading = context.reading(subject, prop, network_id)
    if reading is Reading.COMPUTED:
        return None
    if not reading.readable:
        return f"its network cannot be read ({reading.value})"
    if network_id in external_network_ids(context):
        return "its network is the external network the site's routers use"
    if context.by_id(network_id, NETWORK) is not None:
        return None
    if not subject.dependencies_known:
        return None  # offline synthesis: the id came from the program or a stack reference
    sources = subject.dependencies.get(prop.split("[")[0], ())
    if sources:
        return None  # an output of a resource or a stack reference of the site, judged there
    return f"network {network_id!r} is written literally and declared by no stack of the site"


class ExternalNetworkSettings(RuleSettings):
    """exposure-external-network-host: the tiers whose hosts never sit on the external network."""

    forbidden_tiers: list[str] = Field(default_factory=lambda: [APP_TIER, DATA_TIER, ADMIN_TIER])


@rule(
    "exposure-external-network-host",
    description="No host of the app, data or admin tier is attached to the external network.",
    remediation="Put hosts on their tier's subnet; reach them through the ingress tier.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "HDS-ISO27001-A8"),
    enforces=(
        "no host of the app, data or admin tier (setting `forbiddenTiers`) on the external "
        "network, or on a network the pack cannot show private"
    ),
    scope=Scope.RESOURCES,
    applies_to=(PORT, INSTANCE, INTERFACE_ATTACH, ROUTER),
    settings=ExternalNetworkSettings(),
)
def exposure_external_network_host(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: ports and instance networks on the stack's private networks (or outputs of the
    site's stacks); a host of the ingress tier alone on the external network.
    Fails: a port, an instance network or an attached interface on the external network (the
    site's hub:externalNetwork, a router's gateway network, a network marked external), or on a
    network the pack cannot show to be private (a name of no network of the stack, an id
    written literally), for a host of a forbidden tier or of no known tier; a router whose
    gateway network, or a host whose networks, groups or addresses cannot be read."""
    forbidden = set(context.settings(ExternalNetworkSettings).forbidden_tiers)
    checks: list[tuple[str, ResourceView]] = []
    watched = {
        ROUTER: ("externalNetworkId",),
        PORT: ("fixedIps", "securityGroupIds"),
        INSTANCE: ("networks", "securityGroups"),
        INTERFACE_ATTACH: ("instanceId", "portId"),
    }[resource.type]
    for prop in watched:
        reading = context.reading(resource, prop)
        if reading is Reading.SECRET or reading is Reading.UNKNOWN:
            return [cannot_judge(resource, prop, reading, "which network and tier it is on")]
    if resource.type == ROUTER:
        return [passed()]
    if resource.type == PORT:
        why = _network_verdict(resource, context, network_id=resource.get("networkId"))
        if why:
            checks.append((why, resource))
    elif resource.type == INSTANCE:
        for index, network in enumerate(as_list(resource.get("networks"))):
            if not isinstance(network, Mapping) or network.get("port") not in (None, ""):
                continue  # through a port: the port is judged
            why = _network_verdict(
                resource,
                context,
                network_id=network.get("uuid"),
                name=network.get("name"),
                prop=f"networks[{index}]",
            )
            if why:
                checks.append((why, resource))
    else:
        instance = context.referenced(resource, "instanceId", INSTANCE)
        why = _network_verdict(resource, context, network_id=resource.get("networkId"))
        if why:
            checks.append((why, instance or resource))
    outcomes: list[Outcome] = []
    for why, host in checks:
        tiers = tiers_of(host, context)
        if tiers and not tiers & forbidden:
            outcomes.append(passed())
            continue
        where = tiers_text(tiers) if tiers else "no known tier"
        outcomes.append(
            failed(
                f"{describe(resource)} ({where}) is attached where {why}: hosts of the "
                f"{', '.join(sorted(forbidden))} tiers never sit on the external network, "
                "where the whole Internet reaches them past the edge router.",
            )
        )
    return outcomes or [passed()]
