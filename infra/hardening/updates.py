"""Package hygiene: nothing installed beyond what is asked, security updates applied daily
(BP-028 R58, R61)."""

from __future__ import annotations

from infra.hardening.model import (
    HardeningSettings,
    Measure,
    UserDataPart,
    config_file,
    enable_and_restart,
    header,
)
from infra.tiers import HostRole

MINIMAL_APT = "/etc/apt/apt.conf.d/00hub-minimal-install"
AUTO_UPGRADES = "/etc/apt/apt.conf.d/21hub-auto-upgrades"

MINIMAL_PACKAGES = Measure(
    id="apt-no-recommends",
    recommendation="R58",
    summary="apt installs what is asked for, not its recommendations or suggestions",
)
SECURITY_UPDATES = Measure(
    id="automatic-security-updates",
    recommendation="R61",
    summary="unattended-upgrades refreshes the lists and installs security updates every day",
)

MEASURES: tuple[Measure, ...] = (MINIMAL_PACKAGES, SECURITY_UPDATES)


def render_minimal_apt() -> str:
    return (
        header(MINIMAL_PACKAGES)
        + 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n'
    )


def render_auto_upgrades() -> str:
    # Sorts after the package's own 20auto-upgrades, so these values win whatever debconf wrote.
    return header(SECURITY_UPDATES) + (
        'APT::Periodic::Update-Package-Lists "1";\n'
        'APT::Periodic::Unattended-Upgrade "1";\n'
        'APT::Periodic::AutocleanInterval "7";\n'
        'Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=${distro_codename},'
        'label=Debian-Security";\n'
        'Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=${distro_codename}-security,'
        'label=Debian-Security";\n'
        # Reboots are the operators' call, during a maintenance window.
        'Unattended-Upgrade::Automatic-Reboot "false";\n'
    )


def part(role: HostRole, settings: HardeningSettings) -> UserDataPart:
    keys = {}
    if settings.apt_proxy is not None:
        keys["apt"] = {"proxy": settings.apt_proxy}
    return UserDataPart(
        # Written in cloud-init's first stage, before any package is installed.
        write_files=[
            config_file(MINIMAL_APT, render_minimal_apt()),
            config_file(AUTO_UPGRADES, render_auto_upgrades()),
        ],
        packages=["unattended-upgrades"],
        runcmd=enable_and_restart("apt-daily.timer", "apt-daily-upgrade.timer"),
        keys=keys,
    )
