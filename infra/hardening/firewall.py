"""A default-deny nftables host firewall opening only the role's ports (BP-028 R80)."""

from __future__ import annotations

from infra.hardening.model import (
    HardeningSettings,
    Measure,
    UserDataPart,
    config_file,
    enable_and_restart,
    header,
)
from infra.tiers import HostRole, role_ports

NFTABLES_CONF = "/etc/nftables.conf"
TABLE = "hub_filter"

HOST_FIREWALL = Measure(
    id="host-firewall",
    recommendation="R80",
    summary="nftables drops all inbound traffic except the role's TCP ports, and forwards nothing",
)

MEASURES: tuple[Measure, ...] = (HOST_FIREWALL,)

# ICMP needed for path MTU discovery and diagnosis; echo is rate-limited.
ICMP_TYPES = ("destination-unreachable", "time-exceeded", "parameter-problem")


def render_ruleset(role: HostRole) -> str:
    ports = ", ".join(str(port) for port in role_ports(role))
    icmp = ", ".join(ICMP_TYPES)
    return (
        "#!/usr/sbin/nft -f\n"
        + header(HOST_FIREWALL)
        + "flush ruleset\n\n"
        + f"table inet {TABLE} {{\n"
        + "\tchain input {\n"
        + "\t\ttype filter hook input priority filter; policy drop;\n"
        + '\t\tiifname "lo" accept\n'
        + "\t\tct state established,related accept\n"
        + "\t\tct state invalid drop\n"
        + f"\t\ticmp type {{ {icmp} }} accept\n"
        + "\t\ticmp type echo-request limit rate 5/second accept\n"
        + f"\t\ttcp dport {{ {ports} }} ct state new accept\n"
        + "\t}\n\n"
        + "\tchain forward {\n"
        + "\t\ttype filter hook forward priority filter; policy drop;\n"
        + "\t}\n\n"
        + "\tchain output {\n"
        + "\t\ttype filter hook output priority filter; policy accept;\n"
        + "\t}\n"
        + "}\n"
    )


def part(role: HostRole, settings: HardeningSettings) -> UserDataPart:
    return UserDataPart(
        # Deferred: the nftables package ships this file as a conffile.
        write_files=[config_file(NFTABLES_CONF, render_ruleset(role), mode="0755", defer=True)],
        packages=["nftables"],
        runcmd=enable_and_restart("nftables.service"),
    )
