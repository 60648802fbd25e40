"""No service a hub host does not need, and no risky systemd feature (BP-028 R62, R63)."""

from __future__ import annotations

from infra.hardening.model import HardeningSettings, Measure, UserDataPart
from infra.tiers import HostRole

NO_LEGACY_SERVICES = Measure(
    id="no-legacy-services",
    recommendation="R62",
    summary="no clear-text, legacy or discovery network service is installed",
)
MASKED_UNITS = Measure(
    id="systemd-risky-units-masked",
    recommendation="R63",
    summary="Ctrl-Alt-Del reboot and systemd's root debug shell are masked",
)

MEASURES: tuple[Measure, ...] = (NO_LEGACY_SERVICES, MASKED_UNITS)

# Debian packages providing services a hub host must never run.
FORBIDDEN_PACKAGES: tuple[str, ...] = (
    "telnetd",
    "inetutils-telnetd",
    "rsh-server",
    "rsh-redone-server",
    "xinetd",
    "openbsd-inetd",
    "inetutils-inetd",
    "nis",
    "tftpd-hpa",
    "atftpd",
    "talkd",
    "inetutils-talkd",
    "rpcbind",
    "avahi-daemon",
    "cups-daemon",
    "vsftpd",
    "snmpd",
)
MASKED: tuple[str, ...] = ("ctrl-alt-del.target", "debug-shell.service")


def _purge_script() -> str:
    names = " ".join(FORBIDDEN_PACKAGES)
    # Only purge what is installed: apt-get refuses names its lists do not know.
    return (
        f"for p in {names}; do dpkg-query -W -f='${{Status}}\\n' \"$p\" 2>/dev/null"
        ' | grep -q "install ok installed" && echo "$p"; done'
        " | xargs -r apt-get purge -y -q"
    )


def part(role: HostRole, settings: HardeningSettings) -> UserDataPart:
    return UserDataPart(
        runcmd=[
            ["sh", "-c", _purge_script()],
            ["systemctl", "mask", *MASKED],
        ],
    )
