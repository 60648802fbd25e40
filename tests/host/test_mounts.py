"""Temporary directories and the data volume: /etc/fstab as mount(8) reads it, and live mounts."""

from __future__ import annotations

import pytest

from infra.hardening import HardeningSettings
from tests.host.probe import Target, fstab_entry, live_mount, mount_options

RESTRICTIVE = {"nosuid", "nodev", "noexec"}


def assert_mounted_restrictively(target: Target, mount_point: str) -> dict[str, str]:
    entry = fstab_entry(target.host, mount_point)
    assert mount_options(entry) >= RESTRICTIVE, f"{mount_point} in fstab: {entry['options']}"
    if target.booted:
        live = live_mount(target.host, mount_point)
        assert mount_options(live) >= RESTRICTIVE, f"{mount_point} mounted: {live['options']}"
    return entry


@pytest.mark.measure("mount-tmp")
def test_tmp_is_a_tmpfs_without_setuid_devices_or_execution(target: Target) -> None:
    entry = assert_mounted_restrictively(target, "/tmp")
    assert entry["fstype"] == "tmpfs"


@pytest.mark.measure("mount-var-tmp")
def test_var_tmp_has_no_setuid_devices_or_execution(target: Target) -> None:
    assert_mounted_restrictively(target, "/var/tmp")


@pytest.mark.measure("mount-dev-shm")
def test_dev_shm_has_no_setuid_devices_or_execution(target: Target) -> None:
    assert_mounted_restrictively(target, "/dev/shm")


@pytest.mark.measure("data-volume-mount")
def test_data_volume_is_mounted_where_the_database_expects_it(
    target: Target, settings: HardeningSettings
) -> None:
    entry = assert_mounted_restrictively(target, settings.data_mount_point)
    assert entry["source"] == settings.data_volume_device
    assert entry["fstype"] == settings.data_filesystem
    # A late volume must not hold the host in emergency mode, away from its administrators.
    assert "nofail" in mount_options(entry)
    if target.booted:
        live = live_mount(target.host, settings.data_mount_point)
        assert live["fstype"] == settings.data_filesystem
