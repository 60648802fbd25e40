"""The target answers and is what the suite is meant for: without this, failures prove nothing."""

from __future__ import annotations

import json

from tests.host.probe import Target, run


def test_target_is_a_debian_bookworm_system_after_cloud_init_first_boot(target: Target) -> None:
    os_release = dict(
        line.split("=", 1)
        for line in run(target.host, "cat /etc/os-release").splitlines()
        if "=" in line
    )
    assert os_release["ID"] == "debian"
    assert os_release["VERSION_CODENAME"] == "bookworm"
    # cloud-init records the outcome of the whole first boot here, on roots and hosts alike.
    result = json.loads(run(target.host, "cat /var/lib/cloud/data/result.json"))
    assert result["v1"]["errors"] == []
