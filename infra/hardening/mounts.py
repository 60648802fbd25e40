"""Temporary directories mounted without setuid, device files or execution (BP-028 R28)."""

from __future__ import annotations

from infra.hardening.model import HardeningSettings, Measure, UserDataPart
from infra.tiers import HostRole

RESTRICTIVE = "nosuid,nodev,noexec"

TMP = Measure(
    id="mount-tmp",
    recommendation="R28",
    summary="/tmp is a tmpfs mounted nosuid,nodev,noexec",
)
VAR_TMP = Measure(
    id="mount-var-tmp",
    recommendation="R28",
    summary="/var/tmp is bind-mounted on itself nosuid,nodev,noexec (it outlives reboots)",
)
DEV_SHM = Measure(
    id="mount-dev-shm",
    recommendation="R28",
    summary="/dev/shm is mounted nosuid,nodev,noexec",
)

MEASURES: tuple[Measure, ...] = (TMP, VAR_TMP, DEV_SHM)

# cloud-init `mounts` entries: device, mount point, type, options, dump, pass.
ENTRIES: dict[Measure, list[str]] = {
    TMP: ["tmpfs", "/tmp", "tmpfs", f"rw,{RESTRICTIVE},mode=1777,size=25%", "0", "0"],
    VAR_TMP: ["/var/tmp", "/var/tmp", "none", f"bind,{RESTRICTIVE}", "0", "0"],
    DEV_SHM: ["tmpfs", "/dev/shm", "tmpfs", f"rw,{RESTRICTIVE},mode=1777", "0", "0"],
}


def part(role: HostRole, settings: HardeningSettings) -> UserDataPart:
    return UserDataPart(
        mounts=[list(entry) for entry in ENTRIES.values()],
        # systemd mounts /dev/shm before cloud-init adds its line, and `mount -a` skips what is
        # mounted already: remount it so its new options hold from first boot, not next boot.
        runcmd=[["mount", "-o", "remount", "/dev/shm"]],
    )
