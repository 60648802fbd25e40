"""How the host suite reads a host's effective state, the same way on a root and on a live host.

Each probe asks the host's own tools (systemd-sysctl, sshd -T, apt-config, findmnt, nft, sudo)
what the configuration amounts to, rather than grepping files: precedence between files is the
tools' business, and a check that reads the tools' answer cannot disagree with them.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

from infra.tiers import HostRole

Host = Any  # testinfra.host.Host; testinfra ships no type information


@dataclass(frozen=True)
class Target:
    """The host under test, its role, and whether it is a booted system or a root on disk."""

    host: Host
    role: HostRole
    booted: bool


def run(host: Host, command: str) -> str:
    """Run `command`, failing the test (not erroring it) when the host cannot answer."""
    result = host.run(command)
    assert result.rc == 0, f"`{command}` exited {result.rc}: {result.stderr.strip()}"
    return str(result.stdout)


def sysctl_config(host: Host) -> dict[str, str]:
    """Values systemd-sysctl sets at boot: every sysctl.d file in its order, the last one wins."""
    text = run(host, "/usr/lib/systemd/systemd-sysctl --cat-config")
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().lstrip("-").replace("/", ".")
        values[key] = " ".join(value.split())
    return values


def sysctl_live(host: Host, key: str) -> str:
    return " ".join(run(host, f"sysctl -n {shlex.quote(key)}").split())


def sysctl_interfaces(host: Host, keys: list[str]) -> dict[tuple[str, str], str]:
    """(interface, key) -> the interface's own IPv4 value, for every interface the kernel has
    (`all` and `default` included), read from /proc in one command."""
    paths = " ".join(f"*/{shlex.quote(key)}" for key in keys)
    text = run(host, f"cd /proc/sys/net/ipv4/conf && grep -H . {paths}")
    values: dict[tuple[str, str], str] = {}
    for line in text.splitlines():
        path, _, value = line.partition(":")
        interface, _, key = path.partition("/")
        values[(interface, key)] = value.strip()
    return values


def sshd_effective(target: Target) -> dict[str, str]:
    """sshd's own view of its configuration (sshd -T), keys lower-cased as sshd prints them."""
    # sshd -T wants its privilege-separation directory, which systemd creates when sshd runs.
    prefix = "" if target.booted else "mkdir -p /run/sshd && "
    text = run(target.host, prefix + "/usr/sbin/sshd -T")
    effective: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        effective.setdefault(key, value)
    return effective


def apt_config(host: Host) -> dict[str, list[str]]:
    """apt's merged configuration (apt-config dump): every value each option ends up with."""
    values: dict[str, list[str]] = {}
    for line in run(host, "apt-config dump").splitlines():
        match = re.match(r'^(\S+) "(.*)";$', line)
        if match:
            key = match.group(1).rstrip(":")
            values.setdefault(key, []).append(match.group(2))
    return values


def fstab_entry(host: Host, mount_point: str) -> dict[str, str]:
    """The /etc/fstab line for `mount_point`, as mount(8) reads it."""
    result = host.run(f"findmnt --fstab --json --mountpoint {shlex.quote(mount_point)}")
    assert result.rc == 0 and result.stdout.strip(), f"no /etc/fstab entry mounts {mount_point}"
    return dict(json.loads(result.stdout)["filesystems"][0])


def live_mount(host: Host, mount_point: str) -> dict[str, str]:
    result = host.run(f"findmnt --json --mountpoint {shlex.quote(mount_point)}")
    assert result.rc == 0 and result.stdout.strip(), f"nothing is mounted on {mount_point}"
    return dict(json.loads(result.stdout)["filesystems"][0])


def mount_options(entry: dict[str, str]) -> set[str]:
    return set(entry["options"].split(","))


def nft_ruleset(target: Target) -> list[dict[str, Any]]:
    """The ruleset as the kernel holds it, in nft's JSON form.

    On a booted host, the loaded ruleset. On a root, the boot-time file loaded into a throwaway
    network namespace: the kernel parses it exactly as at boot, and nothing else is touched.
    """
    if target.booted:
        text = run(target.host, "nft --json list ruleset")
    else:
        assert target.host.exists("nft"), "nft is not installed"
        text = run(
            target.host,
            "unshare --net sh -c 'nft -f /etc/nftables.conf && nft --json list ruleset'",
        )
    return list(json.loads(text)["nftables"])


def audit_rules(target: Target) -> list[str]:
    """Audit rules, one normalised line each: loaded in the kernel, or what augenrules loads."""
    if target.booted:
        lines = run(target.host, "auditctl -l").splitlines()
    else:
        result = target.host.run("cat /etc/audit/rules.d/*.rules")
        lines = result.stdout.splitlines() if result.rc == 0 else []
    return [normalise_audit_rule(line) for line in lines if line.strip() and line[0] != "#"]


def normalise_audit_rule(line: str) -> str:
    """One spelling per rule, whether written in a rules file or printed by auditctl -l."""
    words = line.split()
    out: list[str] = []
    syscalls: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-w" and i + 1 < len(words):
            # auditctl may print a watched directory with a trailing slash.
            out += ["-w", words[i + 1].rstrip("/") or "/"]
            i += 2
            continue
        if word == "-S" and i + 1 < len(words):
            syscalls.extend(words[i + 1].split(","))
            i += 2
            continue
        if word == "-k" and i + 1 < len(words):
            out += ["-F", f"key={words[i + 1]}"]
            i += 2
            continue
        if word == "-F" and i + 1 < len(words) and words[i + 1] == "auid!=-1":
            out += ["-F", "auid!=unset"]
            i += 2
            continue
        out.append(word)
        i += 1
    if syscalls:
        out += ["-S", ",".join(sorted(syscalls))]
    return " ".join(out)


def sudo_rights(host: Host, user: str) -> str:
    """What sudo grants `user`, from sudo's own evaluation of sudoers."""
    result = host.run(f"sudo -n -l -U {shlex.quote(user)}")
    assert result.rc == 0, f"sudo cannot list rights of {user}: {result.stderr.strip()}"
    return str(result.stdout)


def unit_state(host: Host, unit: str) -> str:
    """systemctl is-enabled, which reads unit files and so works on a root as on a host."""
    return str(host.run(f"systemctl is-enabled {shlex.quote(unit)}").stdout.strip())


def listening_tcp_ports(host: Host) -> set[int]:
    """TCP ports with a listener reachable from the network (loopback listeners excluded)."""
    ports: set[int] = set()
    for line in run(host, "ss -H -t -l -n").splitlines():
        local = line.split()[3]
        address, _, port = local.rpartition(":")
        if address.startswith(("127.", "[::1]")):
            continue
        ports.add(int(port))
    return ports
