"""Time from the site's NTP servers, as chronyd itself parses its configuration."""

from __future__ import annotations

import pytest

from infra.hardening import HardeningSettings
from tests.host.probe import Target, run, unit_state


@pytest.mark.measure("time-sync")
def test_time_comes_from_the_configured_servers_only(
    target: Target, settings: HardeningSettings
) -> None:
    assert target.host.package("chrony").is_installed, "chrony is not installed"
    assert unit_state(target.host, "chrony.service") == "enabled"
    # chronyd -p prints the configuration as chronyd reads it, includes resolved.
    directives = [line.split() for line in run(target.host, "chronyd -p").splitlines()]
    servers = [words[1] for words in directives if words and words[0] == "server"]
    pools = [words[1] for words in directives if words and words[0] == "pool"]
    assert servers == list(settings.ntp_servers)
    assert pools == []
    if target.booted:
        assert target.host.service("chrony").is_running
        sources = run(target.host, "chronyc -n -c sources").splitlines()
        assert len(sources) == len(settings.ntp_servers)
