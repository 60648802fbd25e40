"""Kernel tunables: set at every boot by systemd-sysctl, and live on a booted host."""

from __future__ import annotations

import pytest

from tests.host.probe import Target, sysctl_config, sysctl_interfaces, sysctl_live

# What BP-028 asks for, value by value; a set where more than one value satisfies it.
MEMORY = {"vm.mmap_min_addr": {"65536"}}
KERNEL = {
    "kernel.sysrq": {"0"},
    "kernel.kptr_restrict": {"2"},
    "kernel.dmesg_restrict": {"1"},
    "kernel.perf_event_paranoid": {"2", "3"},
    "kernel.perf_event_max_sample_rate": {"1"},
    "kernel.perf_cpu_time_max_percent": {"1"},
    "kernel.randomize_va_space": {"2"},
    "kernel.unprivileged_bpf_disabled": {"1"},
    "kernel.panic_on_oops": {"1"},
}
YAMA = {"kernel.yama.ptrace_scope": {"1", "2", "3"}}
IPV4 = {
    "net.core.bpf_jit_harden": {"2"},
    "net.ipv4.ip_forward": {"0"},
    "net.ipv4.conf.all.accept_local": {"0"},
    "net.ipv4.conf.all.accept_redirects": {"0"},
    "net.ipv4.conf.default.accept_redirects": {"0"},
    "net.ipv4.conf.all.secure_redirects": {"0"},
    "net.ipv4.conf.default.secure_redirects": {"0"},
    "net.ipv4.conf.all.shared_media": {"0"},
    "net.ipv4.conf.default.shared_media": {"0"},
    "net.ipv4.conf.all.accept_source_route": {"0"},
    "net.ipv4.conf.default.accept_source_route": {"0"},
    "net.ipv4.conf.all.arp_filter": {"1"},
    "net.ipv4.conf.all.arp_ignore": {"2"},
    "net.ipv4.conf.all.route_localnet": {"0"},
    "net.ipv4.conf.all.drop_gratuitous_arp": {"1"},
    "net.ipv4.conf.all.rp_filter": {"1"},
    "net.ipv4.conf.default.rp_filter": {"1"},
    "net.ipv4.conf.all.send_redirects": {"0"},
    "net.ipv4.conf.default.send_redirects": {"0"},
    "net.ipv4.icmp_ignore_bogus_error_responses": {"1"},
    "net.ipv4.ip_local_port_range": {"32768 65535"},
    "net.ipv4.tcp_rfc1337": {"1"},
    "net.ipv4.tcp_syncookies": {"1"},
}
# Every interface's own value as well: the kernel turns redirects, shared media and local
# sources on when either `all` or the interface asks, and `default` misses interfaces that
# existed before it was set (eth0, at boot).
EVERY_INTERFACE = {
    "accept_local": {"0"},
    "accept_redirects": {"0"},
    "secure_redirects": {"0"},
    "send_redirects": {"0"},
    "shared_media": {"0"},
    "accept_source_route": {"0"},
    "route_localnet": {"0"},
    "rp_filter": {"1"},
    "arp_filter": {"1"},
    "arp_ignore": {"2"},
    "drop_gratuitous_arp": {"1"},
}
IPV4 |= {f"net.ipv4.conf.*.{key}": accepted for key, accepted in EVERY_INTERFACE.items()}
IPV6_OFF = {
    "net.ipv6.conf.all.disable_ipv6": {"1"},
    "net.ipv6.conf.default.disable_ipv6": {"1"},
}
FILESYSTEM = {
    "fs.suid_dumpable": {"0"},
    "fs.protected_fifos": {"2"},
    "fs.protected_regular": {"2"},
    "fs.protected_symlinks": {"1"},
    "fs.protected_hardlinks": {"1"},
}


def assert_sysctls(target: Target, expected: dict[str, set[str]]) -> None:
    at_boot = sysctl_config(target.host)
    wrong = {
        key: at_boot.get(key, "<kernel default>")
        for key, accepted in expected.items()
        if at_boot.get(key) not in accepted
    }
    assert not wrong, f"set at boot to the wrong value (wanted {expected}): {wrong}"
    if target.booted:
        live = {key: sysctl_live(target.host, key) for key in expected if "*" not in key}
        wrong_live = {key: value for key, value in live.items() if value not in expected[key]}
        assert not wrong_live, f"live kernel disagrees with the hardening: {wrong_live}"


@pytest.mark.measure("sysctl-memory")
def test_lowest_memory_pages_cannot_be_mapped(target: Target) -> None:
    assert_sysctls(target, MEMORY)


@pytest.mark.measure("sysctl-kernel")
def test_kernel_hides_its_internals_and_refuses_sysrq(target: Target) -> None:
    assert_sysctls(target, KERNEL)


@pytest.mark.measure("sysctl-yama")
def test_ptrace_is_restricted_to_descendants(target: Target) -> None:
    assert_sysctls(target, YAMA)


def assert_every_interface(target: Target) -> None:
    """Each interface's own value, live, on every interface the kernel has."""
    values = sysctl_interfaces(target.host, sorted(EVERY_INTERFACE))
    interfaces = {interface for interface, _ in values} - {"all", "default"}
    assert interfaces, f"no interface listed: {values}"
    wrong = {
        f"{interface}.{key}": value
        for (interface, key), value in sorted(values.items())
        if value not in EVERY_INTERFACE[key]
    }
    assert not wrong, f"an interface's own value disagrees with the hardening: {wrong}"


@pytest.mark.measure("sysctl-ipv4")
def test_ipv4_stack_neither_routes_nor_follows_redirects(target: Target) -> None:
    assert_sysctls(target, IPV4)
    if target.booted:  # a root's /proc is the build machine's, not the host's
        assert_every_interface(target)


@pytest.mark.measure("sysctl-ipv6-disabled")
def test_ipv6_is_disabled(target: Target) -> None:
    assert_sysctls(target, IPV6_OFF)


@pytest.mark.measure("sysctl-filesystem")
def test_links_fifos_and_setuid_dumps_are_protected(target: Target) -> None:
    assert_sysctls(target, FILESYSTEM)
