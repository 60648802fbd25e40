"""The /proc readers: hubcore/procfs.py (hubctl, the host harness) and localcloud/procfs.py (the
local cloud, which imports nothing of the project)."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hubcore import procfs
from localcloud import procfs as cloud_procfs


def fake_proc(tmp_path: Path, processes: dict[int, str], btime: int = 1_700_000_000) -> Path:
    (tmp_path / "stat").write_text(f"cpu  1 2 3\nbtime {btime}\nprocesses 9\n")
    (tmp_path / "self").mkdir()
    for pid, stat in processes.items():
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "stat").write_text(stat)
        (tmp_path / str(pid) / "environ").write_bytes(b"A=1\0HUBCTL_RUN=x\0")
    return tmp_path


def stat_line(name: str, state: str, session: int, start: int) -> str:
    # pid (comm) state ppid pgrp session tty tpgid flags ... starttime is field 22
    rest = [state, "1", "7", str(session)] + ["0"] * 15 + [str(start), "99"]
    return f"42 ({name}) " + " ".join(rest) + "\n"


def test_the_fields_are_read_after_the_last_parenthesis(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {42: stat_line("a (b) c)", "S", 31, 500)})
    assert procfs.pids(proc) == [42]
    assert procfs.stat(42, proc) == procfs.Stat("S", 31, 500)
    assert procfs.environ(42, proc) == [b"A=1", b"HUBCTL_RUN=x", b""]
    assert procfs.boot_time(proc) == 1_700_000_000


def test_a_process_starts_at_boot_plus_its_ticks(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {42: stat_line("x", "R", 1, 250 * os.sysconf("SC_CLK_TCK"))})
    assert procfs.started_at(42, proc) == datetime.fromtimestamp(1_700_000_250, UTC)


@pytest.mark.parametrize("state", ["Z", "X"])
def test_a_zombie_or_dead_process_has_no_start(tmp_path: Path, state: str) -> None:
    proc = fake_proc(tmp_path, {42: stat_line("x", state, 1, 5)})
    assert procfs.stat(42, proc) is not None
    assert procfs.started_at(42, proc) is None


def test_a_gone_or_malformed_process_is_none(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {42: "42 (short) S 1\n"})
    assert procfs.stat(42, proc) is None
    assert procfs.stat(43, proc) is None and procfs.environ(43, proc) is None
    assert procfs.started_at(43, proc) is None


def test_both_readers_agree_on_this_process() -> None:
    mine = procfs.stat(os.getpid())
    assert mine is not None and mine.session == os.getsid(0)
    assert cloud_procfs.stat(os.getpid()) == cloud_procfs.Stat(*vars(mine).values())
    assert os.getpid() in procfs.pids() and os.getpid() in cloud_procfs.pids()
    entry = f"PATH={os.environ['PATH']}".encode()
    assert cloud_procfs.has_in_environ(os.getpid(), entry)
    assert entry in (procfs.environ(os.getpid()) or [])


def test_a_listening_socket_is_seen() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        assert port not in cloud_procfs.listening_tcp_ports()
        server.listen()
        assert port in cloud_procfs.listening_tcp_ports()
