"""The processes and listening sockets of this machine as /proc tells them (proc(5)): the one
reader of hubctl, the host-test harness and the local cloud. localcloud runs under Debian's
python3, outside the project's virtualenv, so this module imports the standard library only.

A process that is gone, or not ours to read, is None or left out: /proc changes while it is read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PROC = Path("/proc")
TCP_TABLES = ("net/tcp", "net/tcp6")  # under PROC
TCP_LISTEN = "0A"  # the st column of a socket in LISTEN state


@dataclass(frozen=True)
class Stat:
    """The fields of /proc/PID/stat the project reads (proc(5) numbers them from 1)."""

    state: str  # field 3: R, S, D, Z (zombie), X (dead)...
    session: int  # field 6
    start_ticks: int  # field 22: start time in clock ticks after boot


def pids(proc: Path = PROC) -> list[int]:
    """Every process id /proc lists."""
    return [int(entry.name) for entry in proc.iterdir() if entry.name.isdigit()]


def stat(pid: int, proc: Path = PROC) -> Stat | None:
    """The process's stat, or None when it is gone."""
    try:
        text = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
    fields = text.rsplit(")", 1)[-1].split()
    try:
        return Stat(fields[0], int(fields[3]), int(fields[19]))
    except (IndexError, ValueError):
        return None


def environ(pid: int, proc: Path = PROC) -> list[bytes] | None:
    """The process's environment as NAME=VALUE entries, or None when gone or not ours to read."""
    try:
        return (proc / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:
        return None


def has_in_environ(pid: int, entry: bytes, proc: Path = PROC) -> bool:
    """True when the process's environment holds `entry` (NAME=VALUE); False when it is gone or
    not ours to read."""
    return entry in (environ(pid, proc) or [])


def boot_time(proc: Path = PROC) -> int | None:
    """When the machine booted, in seconds since the epoch (btime of /proc/stat)."""
    try:
        lines = (proc / "stat").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("btime "):
            try:
                return int(line.split()[1])
            except (IndexError, ValueError):
                return None
    return None


def started_at(pid: int, proc: Path = PROC) -> datetime | None:
    """When the live process `pid` started, or None when there is none (or only a zombie)."""
    found, boot = stat(pid, proc), boot_time(proc)
    if found is None or boot is None or found.state in ("Z", "X"):
        return None
    return datetime.fromtimestamp(boot + found.start_ticks / os.sysconf("SC_CLK_TCK"), UTC)


def listening_tcp_ports(proc: Path = PROC) -> set[int]:
    """Every TCP port with a socket in LISTEN state (any address, IPv4 and IPv6)."""
    found: set[int] = set()
    for table in TCP_TABLES:
        try:
            with (proc / table).open() as handle:
                next(handle)  # the header
                for line in handle:
                    fields = line.split()
                    if fields[3] == TCP_LISTEN:
                        found.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            continue
    return found


def mount_points(proc: Path = PROC) -> set[str]:
    """The mount points of this process's mount namespace (self/mountinfo, field 5, whose
    spaces and backslashes are escaped in octal)."""
    with (proc / "self" / "mountinfo").open(encoding="utf-8") as table:
        return {
            re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
            for line in table
        }
