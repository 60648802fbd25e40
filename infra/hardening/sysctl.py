"""Kernel tunables (BP-028 R8, R9, R11, R12, R13, R14), applied by systemd-sysctl at every boot."""

from __future__ import annotations

from infra.hardening.model import HardeningSettings, Measure, UserDataPart, config_file, header
from infra.tiers import HostRole

# Debian ships /usr/lib/sysctl.d/99-protect-links.conf, and systemd-sysctl lets the file whose
# name sorts last win across directories: this name sorts after every file a package ships.
SYSCTL_FILE = "/etc/sysctl.d/99-zz-hub-hardening.conf"

MEMORY = Measure(
    id="sysctl-memory",
    recommendation="R8",
    summary="no mapping of the lowest memory pages, against NULL-pointer dereference exploits",
)
KERNEL = Measure(
    id="sysctl-kernel",
    recommendation="R9",
    summary="no SysRq, hidden kernel pointers and log, restricted perf and BPF, panic on oops",
)
YAMA = Measure(
    id="sysctl-yama",
    recommendation="R11",
    summary="Yama restricts ptrace to a process's own descendants",
)
IPV4 = Measure(
    id="sysctl-ipv4",
    recommendation="R12",
    summary="an end host's IPv4: no forwarding, redirects or source routing; strict rp_filter",
)
IPV6 = Measure(
    id="sysctl-ipv6-disabled",
    recommendation="R13",
    summary="IPv6 is disabled: the hub's networks are IPv4 only",
)
FILESYSTEM = Measure(
    id="sysctl-filesystem",
    recommendation="R14",
    summary="protected links, FIFOs and regular files in sticky directories; no setuid core dumps",
)


# The kernel takes most of an interface's IPv4 settings from `all` or from the interface's own
# (redirects, shared media, local sources: either one set turns them on), and `default` reaches
# only interfaces made after it is set. eth0 exists before systemd-sysctl runs: with `all` and
# `default` alone it kept the kernel's 1s, and a booted bastion accepted an ICMP redirect (issue
# 20). `*` sets every interface's own value too, and systemd-sysctl sets it again on each
# interface that appears later.
def _every_interface(settings: dict[str, str]) -> dict[str, str]:
    prefix = "net.ipv4.conf.all."
    return {
        f"net.ipv4.conf.*.{key.removeprefix(prefix)}": value
        for key, value in settings.items()
        if key.startswith(prefix)
    }


SETTINGS: dict[Measure, dict[str, str]] = {
    MEMORY: {"vm.mmap_min_addr": "65536"},
    KERNEL: {
        "kernel.sysrq": "0",
        "kernel.kptr_restrict": "2",
        "kernel.dmesg_restrict": "1",
        # Debian's kernel understands 3 (no perf for unprivileged users at all), stricter than 2.
        "kernel.perf_event_paranoid": "3",
        "kernel.perf_event_max_sample_rate": "1",
        "kernel.perf_cpu_time_max_percent": "1",
        "kernel.randomize_va_space": "2",
        "kernel.unprivileged_bpf_disabled": "1",
        "kernel.panic_on_oops": "1",
    },
    YAMA: {"kernel.yama.ptrace_scope": "1"},
    IPV4: {
        "net.core.bpf_jit_harden": "2",
        "net.ipv4.ip_forward": "0",
        "net.ipv4.conf.all.accept_local": "0",
        "net.ipv4.conf.all.accept_redirects": "0",
        "net.ipv4.conf.default.accept_redirects": "0",
        "net.ipv4.conf.all.secure_redirects": "0",
        "net.ipv4.conf.default.secure_redirects": "0",
        "net.ipv4.conf.all.shared_media": "0",
        "net.ipv4.conf.default.shared_media": "0",
        "net.ipv4.conf.all.accept_source_route": "0",
        "net.ipv4.conf.default.accept_source_route": "0",
        "net.ipv4.conf.all.arp_filter": "1",
        "net.ipv4.conf.all.arp_ignore": "2",
        "net.ipv4.conf.all.route_localnet": "0",
        "net.ipv4.conf.all.drop_gratuitous_arp": "1",
        "net.ipv4.conf.all.rp_filter": "1",
        "net.ipv4.conf.default.rp_filter": "1",
        "net.ipv4.conf.all.send_redirects": "0",
        "net.ipv4.conf.default.send_redirects": "0",
        "net.ipv4.icmp_ignore_bogus_error_responses": "1",
        "net.ipv4.ip_local_port_range": "32768 65535",
        "net.ipv4.tcp_rfc1337": "1",
        "net.ipv4.tcp_syncookies": "1",
    },
    IPV6: {
        "net.ipv6.conf.all.disable_ipv6": "1",
        "net.ipv6.conf.default.disable_ipv6": "1",
    },
    FILESYSTEM: {
        "fs.suid_dumpable": "0",
        "fs.protected_fifos": "2",
        "fs.protected_regular": "2",
        "fs.protected_symlinks": "1",
        "fs.protected_hardlinks": "1",
    },
}

SETTINGS[IPV4] |= _every_interface(SETTINGS[IPV4])

MEASURES: tuple[Measure, ...] = tuple(SETTINGS)


def render_sysctl_conf() -> str:
    sections = []
    for measure, values in SETTINGS.items():
        lines = "".join(f"{key} = {value}\n" for key, value in values.items())
        sections.append(header(measure) + lines)
    return "\n".join(sections)


def part(role: HostRole, settings: HardeningSettings) -> UserDataPart:
    return UserDataPart(
        write_files=[config_file(SYSCTL_FILE, render_sysctl_conf())],
        # systemd-sysctl ran before cloud-init wrote the file: apply it now, on first boot too.
        runcmd=[["systemctl", "restart", "systemd-sysctl.service"]],
    )
