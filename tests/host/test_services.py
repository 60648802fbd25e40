"""Services a hub host must not run, and systemd features it must not offer."""

from __future__ import annotations

import pytest

from tests.host.probe import Target, run, unit_state

# Legacy clear-text, discovery and RPC services, independently of the hardening's purge list.
LEGACY_SERVICE_PACKAGES = (
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


@pytest.mark.measure("no-legacy-services")
def test_no_legacy_network_service_is_installed(target: Target) -> None:
    installed = run(target.host, "dpkg-query -W -f='${Package} ${Status}\\n'").splitlines()
    present = {line.split()[0] for line in installed if line.endswith("install ok installed")}
    assert sorted(present & set(LEGACY_SERVICE_PACKAGES)) == []


@pytest.mark.measure("systemd-risky-units-masked")
def test_console_reboot_and_debug_shell_are_masked(target: Target) -> None:
    for unit in ("ctrl-alt-del.target", "debug-shell.service"):
        assert unit_state(target.host, unit) == "masked", f"{unit} is not masked"
