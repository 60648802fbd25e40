"""A host's first boot read from its console log (hubctl.hosts.console)."""

from __future__ import annotations

from hubctl.hosts import console
from hubctl.hosts.console import BootState

# Lines as Nova's `console log` returns them from a Debian 12 guest (kernel timestamps, systemd
# colour codes, cloud-init's output on the serial console).
BOOTING = """\
[    0.000000] Linux version 6.1.0-57-cloud-amd64 (debian-kernel@lists.debian.org)
[\x1b[0;32m  OK  \x1b[0m] Started \x1b[0;1;39mssh.service\x1b[0m - OpenBSD Secure Shell server.
[  189.513353] cloud-init[264]: Cloud-init v. 22.4.2 running 'init-local' at Sun, 06 Dec 2026 \
09:32:43 +0000. Up 187.74 seconds.
"""
KEYS = """\
[  240.1] cloud-init[273]: -----BEGIN SSH HOST KEY KEYS-----
[ 240.2] cloud-init[273]: ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY= r
[  240.3] cloud-init[273]: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPrKom1HXSuZg4tu root@hub-local-app-0
[  240.4] cloud-init[273]: -----END SSH HOST KEY KEYS-----
"""
FINISHED = (
    "[  401.507114] cloud-init[357]: Cloud-init v. 22.4.2 finished at Sun, 06 Dec 2026 10:00:04"
    " +0000. Datasource DataSourceConfigDrive [net,ver=2][source=/dev/sr0].  Up 401.25 seconds\n"
)


def test_a_boot_without_cloud_inits_final_line_is_still_booting():
    assert console.read(BOOTING).state is BootState.BOOTING


def test_the_final_line_without_errors_is_a_finished_first_boot():
    first = console.read(BOOTING + KEYS + FINISHED)
    assert first.state is BootState.FINISHED
    assert first.uptime_s == 401.25
    assert first.errors == []


def test_host_keys_are_read_from_the_block_cloud_init_prints():
    assert console.read(KEYS).host_keys == [
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY=",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPrKom1HXSuZg4tu",
    ]


def test_a_failed_hardening_step_fails_the_boot_with_its_line():
    failed = (
        "[  300.1] cloud-init[357]: hardening step failed: systemctl restart nftables.service\n"
    )
    first = console.read(BOOTING + failed + FINISHED)
    assert first.state is BootState.FAILED
    assert first.errors == ["hardening step failed: systemctl restart nftables.service"]


def test_a_module_cloud_init_could_not_run_fails_the_boot():
    line = (
        "[  310.2] cloud-init[357]: 2026-12-06 10:00:01,000 - util.py[WARNING]: Failed to run"
        " module scripts-user (scripts in /var/lib/cloud/instance/scripts)\n"
    )
    first = console.read(BOOTING + line + FINISHED)
    assert first.state is BootState.FAILED
    assert "Failed to run module scripts-user" in first.errors[0]


def test_apts_errors_fail_the_boot():
    line = "[  151.0] cloud-init[357]: E: Unable to locate package auditd\n"
    assert console.read(BOOTING + line + FINISHED).errors == ["E: Unable to locate package auditd"]


def test_a_kernel_panic_fails_a_boot_that_never_finishes():
    panic = (
        "[    5.1] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n"
    )
    first = console.read(BOOTING + panic)
    assert first.state is BootState.FAILED
    assert first.errors == [
        "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"
    ]


def test_systemds_emergency_shell_fails_the_boot():
    line = 'You are in emergency mode. After logging in, type "journalctl -xb" to view\n'
    assert console.read(BOOTING + line).state is BootState.FAILED
