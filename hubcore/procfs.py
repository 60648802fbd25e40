"""The processes of this machine as /proc tells them (proc(5)): the one reader of hubctl and the
host-test harness (localcloud, which imports nothing of the project, has its own:
localcloud/procfs.py).

A process that is gone, or not ours to read, is None or left out: /proc changes while it is read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PROC = Path("/proc")


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
