"""Neutron's Linux bridge agent of the data plane, end to end: a port's MAC rules are replaced
without an error (Neutron's fix for Launchpad 2038541, applied at install) and the agent never
enters its retry loop."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from localcloud import netns
from localcloud.layout import default_layout
from tests.dataplane.conftest import BootedSite

pytestmark = pytest.mark.dataplane

PAIR = {"ip_address": "10.40.2.250", "mac_address": "fa:16:3e:0a:0b:0c"}
# The agent logs every command privsep ran that failed; the unpatched agent logs the same
# ebtables delete with exit code 4 again and again.
RETRY = re.compile(r"ebtables.*(Exit code: (4|255)|RULE_DELETE)|Exit code: (4|255).*ebtables")


def mac_rules(tap: str) -> list[str]:
    layout = default_layout()
    listing = subprocess.run(
        ["ip", "netns", "exec", netns.dataplane(layout.state), "ebtables", "-t", "nat", "-L",
         f"neutronMAC-{tap}"],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    return [line for line in listing.splitlines() if line.startswith("-")]


def wait_rules(tap: str, wanted: list[str], timeout: float = 120) -> list[str]:
    deadline = time.monotonic() + timeout
    while (found := mac_rules(tap)) != wanted and time.monotonic() < deadline:
        time.sleep(2)
    return found


def test_a_ports_mac_rules_are_replaced_without_a_retry(booted_site: BootedSite, connection: Any):
    # By name in the tier's own project: after `make up`, the newcomer's site has a port of
    # that name too, in another project, and the hub's users see every project's ports.
    (port,) = connection.network.ports(
        name="hub-local-app-0", project_id=connection.current_project_id
    )
    tap = f"tap{port.id[:11]}"
    own = f"-i {tap} --among-src {_short(port.mac_address)} -j RETURN"
    assert mac_rules(tap) == [own, "-j DROP"]
    log = default_layout().log / "neutron-linuxbridge-agent.log"
    offset = log.stat().st_size
    connection.network.update_port(port, allowed_address_pairs=[PAIR])
    try:
        # The agent sorts the MACs as it has them, ebtables lists them without leading zeros.
        both = ",".join(_short(mac) for mac in sorted([port.mac_address, PAIR["mac_address"]]))
        assert wait_rules(tap, [f"-i {tap} --among-src {both} -j RETURN", "-j DROP"]) == [
            f"-i {tap} --among-src {both} -j RETURN",
            "-j DROP",
        ]
    finally:
        connection.network.update_port(port, allowed_address_pairs=[])
    assert wait_rules(tap, [own, "-j DROP"]) == [own, "-j DROP"]
    written = _since(log, offset)
    assert not RETRY.search(written), RETRY.search(written)
    assert "Traceback" not in written


def _short(mac: str) -> str:
    """A MAC as ebtables lists it (no leading zero in a byte)."""
    return ":".join(format(int(part, 16), "x") for part in mac.split(":"))


def _since(log: Path, offset: int) -> str:
    with open(log, errors="replace") as handle:
        handle.seek(offset)
        return handle.read()
