"""exposure-port-security-disabled: Ports and networks keep port security on, so security groups
filter them."""

from __future__ import annotations

from hubcore.resource_types import NETWORK, PORT
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.registry import Severity, rule
from policies.rules.common import cannot_judge, describe, truth


@rule(
    "exposure-port-security-disabled",
    description="Ports and networks keep port security on, so security groups filter them.",
    remediation="Remove port_security_enabled=False; open flows with security-group rules.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "HDS-ISO27001-A8"),
    enforces="ports and networks keep port security on",
    applies_to=(PORT, NETWORK),
)
def exposure_port_security_disabled(resource: ResourceView, context: Context) -> Outcome:
    """Passes: port security on (the default). Fails: `portSecurityEnabled` false in any
    spelling the provider accepts (no filtering at all: every port, any source, and address
    spoofing), on a port or on a network whose ports inherit it; a value the pack cannot read."""
    raw = resource.get("portSecurityEnabled")
    reading = context.reading(resource, "portSecurityEnabled", raw)
    if reading is Reading.ABSENT:
        return passed()
    if reading is Reading.COMPUTED:
        return not_applicable("computed by resources of the stack")
    if not reading.readable:
        return cannot_judge(resource, "portSecurityEnabled", reading, "whether it is filtered")
    enabled = truth(raw)
    if enabled is None:
        return failed(
            f"{describe(resource)}: port_security_enabled {raw!r} is not a boolean the provider "
            "reads; whether the port is filtered could not be judged.",
        )
    if enabled:
        return passed()
    kind = "network (every port on it inherits it)" if resource.type == NETWORK else "port"
    return failed(
        f"{describe(resource)} turns port security off on this {kind}: no security group "
        "filters it, so every port is open to every source and addresses can be spoofed.",
    )
