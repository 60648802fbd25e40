"""The host suite's probes, run against this machine through testinfra's local backend."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import testinfra

from tests.host.probe import (
    fstab_entry,
    listening_tcp_ports,
    normalise_audit_rule,
    sysctl_interfaces,
    sysctl_live,
)


@pytest.fixture(scope="module")
def local() -> object:
    return testinfra.get_host("local://")


@pytest.fixture
def listeners() -> Iterator[tuple[int, int]]:
    """A TCP listener on every interface and one on loopback only: (public port, loopback port)."""
    public = socket.create_server(("0.0.0.0", 0))
    loopback = socket.create_server(("127.0.0.1", 0))
    try:
        yield public.getsockname()[1], loopback.getsockname()[1]
    finally:
        public.close()
        loopback.close()


def test_listening_ports_include_public_listeners_and_skip_loopback_ones(
    local: object, listeners: tuple[int, int]
) -> None:
    public, loopback = listeners
    ports = listening_tcp_ports(local)
    assert public in ports
    assert loopback not in ports


def test_live_sysctl_reads_the_running_kernel(local: object) -> None:
    assert (
        sysctl_live(local, "kernel.ostype") == Path("/proc/sys/kernel/ostype").read_text().strip()
    )


def test_interface_sysctls_list_every_interface_of_the_running_kernel(local: object) -> None:
    conf = Path("/proc/sys/net/ipv4/conf")
    values = sysctl_interfaces(local, ["accept_redirects", "rp_filter"])
    assert values == {
        (interface.name, key): (interface / key).read_text().strip()
        for interface in conf.iterdir()
        for key in ("accept_redirects", "rp_filter")
    }
    assert ("all", "rp_filter") in values and ("lo", "accept_redirects") in values


def test_a_mount_point_missing_from_fstab_fails_the_check(local: object) -> None:
    with pytest.raises(AssertionError, match="no /etc/fstab entry"):
        fstab_entry(local, "/no/such/mount/point")


@pytest.mark.parametrize(
    ("written", "listed"),
    [
        (
            "-a always,exit -F arch=b64 -S init_module,finit_module -k modules",
            "-a always,exit -F arch=b64 -S finit_module,init_module -F key=modules",
        ),
        (
            "-a always,exit -F arch=b64 -S init_module -S delete_module -k modules",
            "-a always,exit -F arch=b64 -S delete_module,init_module -F key=modules",
        ),
        (
            "-a always,exit -F path=/usr/bin/sudo -F perm=x -F auid>=1000 -F auid!=unset -k p",
            "-a always,exit -F path=/usr/bin/sudo -F perm=x -F auid>=1000 -F auid!=-1 -F key=p",
        ),
        ("-w /etc/sudoers.d -p wa -k scope", "-w /etc/sudoers.d/ -p wa -k scope"),
    ],
)
def test_audit_rules_read_the_same_from_files_and_from_auditctl(written: str, listed: str) -> None:
    assert normalise_audit_rule(written) == normalise_audit_rule(listed)
