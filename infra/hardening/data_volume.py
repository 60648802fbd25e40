"""The data tier's volume mounted where the database expects it, and a research workspace's
analysis volume where its analysts work (BP-028 R28).

The volume is encrypted by the cloud (an encrypted Cinder volume type, keys in the key manager,
chosen by the compute layer), so the guest sees a plain block device: it formats it once, and
mounts it without setuid, device files or execution, and without blocking boot if it is late.
"""

from __future__ import annotations

from infra.hardening.model import HardeningSettings, Measure, UserDataPart
from infra.hardening.mounts import RESTRICTIVE
from infra.tiers import HostRole

DATA_VOLUME = Measure(
    id="data-volume-mount",
    recommendation="R28",
    summary="the encrypted data volume is formatted once and mounted nosuid,nodev,noexec",
    roles=frozenset({HostRole.DATA, HostRole.WORKSPACE}),
)

MEASURES: tuple[Measure, ...] = (DATA_VOLUME,)


def mount_options() -> str:
    return f"defaults,{RESTRICTIVE},nofail,x-systemd.device-timeout=30s"


def part(role: HostRole, settings: HardeningSettings) -> UserDataPart:
    if not DATA_VOLUME.applies_to(role):
        return UserDataPart()
    device = settings.data_volume_device
    return UserDataPart(
        # cloud-init's disk_setup never formats a device that already holds a filesystem.
        keys={
            "fs_setup": [
                {
                    "label": settings.data_label,
                    "filesystem": settings.data_filesystem,
                    "device": device,
                    "partition": "none",
                    "overwrite": False,
                }
            ]
        },
        mounts=[
            [
                device,
                settings.data_mount_point,
                settings.data_filesystem,
                mount_options(),
                "0",
                "2",
            ]
        ],
    )
