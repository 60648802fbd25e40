"""stack-site-ranges-private: The site's ranges are private address space; its package proxy lies
inside it."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

from policies.model import Context, Outcome, failed, not_applicable, passed
from policies.registry import Scope, Severity, rule
from policies.rules.stack.common import is_private

RANGE_KEYS = ("hub:networkCidr", "hub:adminCidrs", "hub:workspacePool")


@rule(
    "stack-site-ranges-private",
    description="The site's ranges are private address space; its package proxy lies inside it.",
    remediation="Use RFC 1918 (or IPv6 ULA) ranges; put hub:aptProxy inside hub:networkCidr.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "CLOSED-WORLD"),
    enforces=(
        "`hub:networkCidr`, `hub:adminCidrs`, `hub:workspacePool` are private address space (RFC "
        "1918, IPv6 ULA); `hub:aptProxy` is an address inside `hub:networkCidr`"
    ),
    scope=Scope.STACK,
)
def stack_site_ranges_private(context: Context) -> list[Outcome]:
    """Passes: hub:networkCidr, every hub:adminCidrs entry and hub:workspacePool lie inside
    private address space (10/8, 172.16/12, 192.168/16, fc00::/7), and hub:aptProxy's address
    inside hub:networkCidr.
    Fails: a range with any public address in it (8.8.8.0/24, a supernet of 10/8 such as
    8.0.0.0/5, 0.0.0.0/0), a value that is not a CIDR or cannot be read (secret), a proxy that
    is not an address of the site.
    Not applicable: a stack without config (a foreign state export)."""
    site = context.site
    if not site.config:
        return [not_applicable("no stack config")]
    outcomes: list[Outcome] = []
    network: IPv4Network | IPv6Network | None = None
    for key in RANGE_KEYS:
        if key not in site.config:
            continue
        if site.is_secret(key):
            outcomes.append(
                failed(
                    f"{key} is a secret here, so whether the site's range is private could not "
                    "be judged; a site's ranges are not secrets.",
                    config_keys=(key,),
                )
            )
            continue
        value = site.value(key)
        for item in value if isinstance(value, list) else [value]:
            try:
                parsed = ip_network(str(item).strip(), strict=False)
            except ValueError:
                outcomes.append(
                    failed(
                        f"{key} holds {item!r}, which is not a CIDR: the site's range cannot be "
                        "judged.",
                        value=str(item),
                        config_keys=(key,),
                    )
                )
                continue
            if key == "hub:networkCidr":
                network = parsed
            if is_private(parsed):
                outcomes.append(passed())
                continue
            outcomes.append(
                failed(
                    f"{key} holds {item!r}, which is not private address space (RFC 1918, or "
                    "IPv6 ULA fc00::/7): every rule trusts the site's ranges, so public space "
                    "passed off as the site's would let the world in as the site.",
                    value=str(item),
                    config_keys=(key,),
                )
            )
    proxy = site.text("hub:aptProxy")
    if proxy is not None:
        host = urlsplit(proxy.strip()).hostname if not site.is_secret("hub:aptProxy") else None
        try:
            address = ip_address(host or "")
        except ValueError:
            address = None
        if address is None or network is None or address not in network:
            outcomes.append(
                failed(
                    f"hub:aptProxy {proxy!r} is not an address inside the site's range "
                    f"({network or 'unknown'}): hosts without internet egress may reach only "
                    "the site, so the proxy must be one of its addresses.",
                    value=proxy,
                    config_keys=("hub:aptProxy",),
                )
            )
        else:
            outcomes.append(passed())
    return outcomes or [not_applicable("no site range configured")]
