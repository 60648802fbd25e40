"""exposure-load-balancer-listener: Load-balancer listeners open only HTTPS to the world, never
admin ports."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

from hubcore.resource_types import LISTENER
from policies.model import Context, Outcome, Reading, ResourceView, failed, not_applicable, passed
from policies.neutron import describe_set, outside
from policies.registry import Severity, rule
from policies.rules.common import cannot_judge, describe
from policies.rules.exposure.common import EVERY_ADMIN_PORT, HTTPS, Network, allowed_sources
from policies.rules.topology import as_list

OCTAVIA_PROTOCOLS = frozenset(
    {"HTTP", "HTTPS", "TCP", "TERMINATED_HTTPS", "UDP", "SCTP", "PROMETHEUS"}
)
TLS_LISTENERS = frozenset({"HTTPS", "TERMINATED_HTTPS", "TCP"})


def _cidrs(value: Any) -> list[Network] | None:
    networks: list[Network] = []
    for item in as_list(value):
        try:
            networks.append(ip_network(str(item), strict=False))
        except ValueError:
            return None
    return networks


@rule(
    "exposure-load-balancer-listener",
    description="Load-balancer listeners open only HTTPS to the world, never admin ports.",
    remediation="Listen on 443 with HTTPS/TERMINATED_HTTPS; restrict allowed_cidrs otherwise.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "HDS-ISO27001-A8", "ANSSI-BP-028"),
    enforces=(
        "Octavia listeners open beyond the site's ranges only on 443 with HTTPS, TERMINATED_HTTPS "
        "or TCP, never on an administration port"
    ),
    applies_to=(LISTENER,),
)
def exposure_load_balancer_listener(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a listener whose allowed_cidrs stay within the site's ranges; one open beyond
    them (no allowed_cidrs: the world) only on TCP 443 with HTTPS, TERMINATED_HTTPS or TCP
    passthrough, never on an administration port.
    Fails: an administration port (SSH, RDP, databases) reachable from beyond the site; any
    other port or a plain protocol open beyond it; a protocol or port Octavia refuses; values
    the pack cannot read."""
    for prop in ("protocol", "protocolPort", "allowedCidrs"):
        reading = context.reading(resource, prop)
        if reading is Reading.COMPUTED:
            return not_applicable(f"{prop} computed by resources of the stack")
        if not reading.readable:
            return cannot_judge(resource, prop, reading, "who can reach the listener")
    protocol = resource.get("protocol")
    port = resource.get("protocolPort")
    if not isinstance(protocol, str) or protocol not in OCTAVIA_PROTOCOLS:
        return failed(
            f"{describe(resource)}: Octavia refuses protocol {protocol!r} (one of "
            f"{', '.join(sorted(OCTAVIA_PROTOCOLS))}).",
        )
    if isinstance(port, bool) or not isinstance(port, int | float) or not 1 <= int(port) <= 65535:
        return failed(f"{describe(resource)}: Octavia refuses protocol_port {port!r} (1-65535).")
    number = int(port)
    cidrs = _cidrs(resource.get("allowedCidrs"))
    if cidrs is None:
        return failed(f"{describe(resource)}: allowed_cidrs holds a value that is not a CIDR.")
    sources = cidrs or [ip_network("0.0.0.0/0"), ip_network("::/0")]
    rest = outside(sources, allowed_sources(context))
    if not rest:
        return passed()
    beyond = describe_set(rest)
    if number in EVERY_ADMIN_PORT:
        return failed(
            f"{describe(resource)} listens on administration port {number} ({protocol}) for "
            f"{beyond}: administration goes through the bastion from the operators' VPN.",
        )
    if number == HTTPS and protocol in TLS_LISTENERS:
        return passed()
    return failed(
        f"{describe(resource)} listens on {protocol} {number} for {beyond}; only HTTPS on 443 "
        "(HTTPS, TERMINATED_HTTPS or TCP passthrough) may be open beyond the site's ranges.",
    )
