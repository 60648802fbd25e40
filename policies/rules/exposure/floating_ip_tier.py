"""exposure-floating-ip-tier: No floating IP is attached to any port or instance of the data or
admin tier."""

from __future__ import annotations

from hubcore.resource_types import INSTANCE, LOAD_BALANCER, PORT
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule
from policies.rules.common import cannot_judge, describe
from policies.rules.exposure.common import ADMIN_TIER, DATA_TIER, tiers_text
from policies.rules.topology import FLOATING_IP_TYPES, tiers_of

NO_FLOATING_IP_TIERS = frozenset({DATA_TIER, ADMIN_TIER})


def _target(resource: ResourceView, context: Context) -> tuple[str, ResourceView | None] | Outcome:
    for prop, token in (("portId", PORT), ("instanceId", INSTANCE)):
        value = resource.get(prop)
        if value in (None, ""):
            continue
        reading = context.reading(resource, prop, value)
        if reading is Reading.SECRET or reading is Reading.UNKNOWN:
            return cannot_judge(resource, prop, reading, "which host the address reaches")
        found = context.referenced(resource, prop, token)
        if found is None and prop == "portId":
            found = next(
                (
                    lb
                    for urn in resource.dependencies.get(prop, ())
                    if (lb := context.by_urn(urn)) is not None and lb.type == LOAD_BALANCER
                ),
                None,
            )
        return prop, found
    return not_applicable("not attached")


@rule(
    "exposure-floating-ip-tier",
    description="No floating IP is attached to any port or instance of the data or admin tier.",
    remediation="Reach data and admin hosts through the bastion and the ingress tier instead.",
    severity=Severity.HIGH,
    requirements=("SNC-13", "HDS-ISO27001-A8"),
    enforces=(
        "no floating IP on any port or instance with a data or admin tier among its tiers (tags, "
        "groups, subnets); fails closed on an unknown target"
    ),
    scope=Scope.RESOURCES,
    applies_to=FLOATING_IP_TYPES,
)
def exposure_floating_ip_tier(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a floating IP on a port, instance or load balancer of the ingress or app tier only.
    Fails: a target with any data or admin tier among its tiers (its tag, its groups', its
    subnets', an instance's ports'), a target whose tier or identity cannot be found, a target
    that cannot be read (fail closed).
    Not applicable: a floating IP attached to nothing."""
    target = _target(resource, context)
    if isinstance(target, Outcome):
        return target
    _, found = target
    tiers = tiers_of(found, context) if found is not None else set()
    if tiers and not tiers & NO_FLOATING_IP_TIERS:
        return passed()
    what = f"{describe(found)} in {tiers_text(tiers)}" if found and tiers else "an unknown target"
    return failed(
        f"{describe(resource)} puts a public address on {what}; data and admin tiers are never "
        "reachable from outside (the admin tier is reached through the operators' VPN).",
    )
