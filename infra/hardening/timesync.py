"""Time synchronised to the site's own NTP servers (BP-028 R71: trustworthy log timestamps)."""

from __future__ import annotations

from infra.hardening.model import HardeningSettings, Measure, UserDataPart, enable_and_restart
from infra.tiers import HostRole

TIME_SYNC = Measure(
    id="time-sync",
    recommendation="R71",
    summary="chrony keeps time from the configured NTP servers only, no public pool",
)

MEASURES: tuple[Measure, ...] = (TIME_SYNC,)


def part(role: HostRole, settings: HardeningSettings) -> UserDataPart:
    # cloud-init's ntp module installs chrony, writes its whole configuration from the server
    # list (no pool unless given one) and enables the service.
    return UserDataPart(
        keys={
            "ntp": {
                "enabled": True,
                "ntp_client": "chrony",
                "servers": list(settings.ntp_servers),
                "pools": [],
            }
        },
        runcmd=enable_and_restart("chrony.service"),
    )
