"""exposure-allowed-address-pairs: A port's allowed address pairs stay inside the site's ranges."""

from __future__ import annotations

from collections.abc import Mapping

from hubcore.resource_types import PORT
from policies.model import Context, Outcome, Reading, ResourceView, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.common import cannot_judge
from policies.rules.exposure.common import allowed_destinations, judge_addresses


@rule(
    "exposure-allowed-address-pairs",
    description="A port's allowed address pairs stay inside the site's ranges.",
    remediation="List only addresses of the site (a VRRP address of the subnet), never the world.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "HDS-ISO27001-A8"),
    enforces="a port's allowed address pairs lie inside the site's ranges (never the world)",
    applies_to=(PORT,),
)
def exposure_allowed_address_pairs(resource: ResourceView, context: Context) -> list[Outcome]:
    """Passes: no allowed address pairs, or pairs whose addresses (or CIDRs) lie inside the
    site's ranges (hub:networkCidr, hub:adminCidrs, hub:workspacePool).
    Fails: a pair covering anything beyond them (0.0.0.0/0, a public address, a piece of the
    world), an address that is not one, a pair the pack cannot read."""
    pairs = resource.get("allowedAddressPairs")
    reading = context.reading(resource, "allowedAddressPairs", pairs)
    if reading is Reading.ABSENT or pairs == []:
        return [passed()]
    if reading is Reading.COMPUTED:
        return [not_applicable("address pairs computed by resources of the stack")]
    if not reading.readable or not isinstance(pairs, list):
        return [cannot_judge(resource, "allowedAddressPairs", reading, "which addresses it uses")]
    values = [
        (f"allowedAddressPairs[{index}].ipAddress", pair.get("ipAddress"))
        if isinstance(pair, Mapping)
        else (f"allowedAddressPairs[{index}]", pair)
        for index, pair in enumerate(pairs)
    ]
    return judge_addresses(
        resource,
        context,
        "allowedAddressPairs",
        values,
        allowed_destinations(context),
        "the port may send and receive as those addresses, past the security groups' prefix "
        "rules (spoofing)",
    ) or [passed()]
