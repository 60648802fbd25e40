"""The processes and listening sockets of this machine as /proc tells them (proc(5)): the local
cloud's one reader. localcloud imports nothing of the project, so it does not share
hubcore/procfs.py, which hubctl reads.

A process that is gone, or not ours to read, is None or left out: /proc changes while it is read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

TCP_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")
TCP_LISTEN = "0A"  # the st column of a socket in LISTEN state


@dataclass(frozen=True)
class Stat:
    """The fields of /proc/PID/stat the cloud reads (proc(5) numbers them from 1)."""

    state: str  # field 3: R, S, D, Z (zombie)...
    session: int  # field 6
    start_ticks: int  # field 22: start time in clock ticks after boot


def pids() -> list[int]:
    """Every process id /proc lists."""
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def stat(pid: int) -> Stat | None:
    """The process's stat, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            text = handle.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
    fields = text.rsplit(")", 1)[-1].split()
    try:
        return Stat(fields[0], int(fields[3]), int(fields[19]))
    except (IndexError, ValueError):
        return None


def has_in_environ(pid: int, entry: bytes) -> bool:
    """True when the process's environment holds `entry` (NAME=VALUE); False when it is gone or
    not ours to read."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            return entry in handle.read().split(b"\0")
    except OSError:
        return False


def listening_tcp_ports() -> set[int]:
    """Every TCP port with a socket in LISTEN state (any address, IPv4 and IPv6)."""
    found: set[int] = set()
    for table in TCP_TABLES:
        try:
            with open(table) as handle:
                next(handle)  # the header
                for line in handle:
                    fields = line.split()
                    if fields[3] == TCP_LISTEN:
                        found.add(int(fields[1].rsplit(":", 1)[1], 16))
        except OSError:
            continue
    return found


def mount_points() -> set[str]:
    """The mount points of this process's mount namespace (/proc/self/mountinfo, field 5, whose
    spaces and backslashes are escaped in octal)."""
    with open("/proc/self/mountinfo", encoding="utf-8") as table:
        return {
            re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4])
            for line in table
        }
