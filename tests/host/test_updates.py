"""apt's merged configuration: minimal installs and daily unattended security updates."""

from __future__ import annotations

import pytest

from tests.host.probe import Target, apt_config, unit_state

FALSE = {"0", "false", "no"}


@pytest.mark.measure("apt-no-recommends")
def test_apt_installs_neither_recommends_nor_suggests(target: Target) -> None:
    config = apt_config(target.host)
    assert config.get("APT::Install-Recommends", ["<default: true>"])[-1].lower() in FALSE
    assert config.get("APT::Install-Suggests", ["<default: false>"])[-1].lower() in FALSE | {
        "<default: false>"
    }


@pytest.mark.measure("automatic-security-updates")
def test_security_updates_are_installed_daily_without_an_operator(target: Target) -> None:
    assert target.host.package("unattended-upgrades").is_installed
    config = apt_config(target.host)
    assert config.get("APT::Periodic::Update-Package-Lists", ["0"])[-1] == "1"
    assert config.get("APT::Periodic::Unattended-Upgrade", ["0"])[-1] == "1"
    origins = config.get("Unattended-Upgrade::Origins-Pattern", [])
    assert any("label=Debian-Security" in origin for origin in origins), origins
    for timer in ("apt-daily.timer", "apt-daily-upgrade.timer"):
        assert unit_state(target.host, timer) == "enabled"
        if target.booted:
            assert target.host.service(timer).is_running
