"""The one /proc reader, hubcore/procfs.py: hubctl's, the host harness's and the local cloud's."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hubcore import procfs


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


def test_this_process_is_read_as_the_kernel_tells_it() -> None:
    mine = procfs.stat(os.getpid())
    assert mine is not None and mine.session == os.getsid(0) and mine.state == "R"
    assert os.getpid() in procfs.pids()
    entry = f"PATH={os.environ['PATH']}".encode()
    assert procfs.has_in_environ(os.getpid(), entry)
    assert not procfs.has_in_environ(os.getpid(), entry + b":/not-in-it")
    assert entry in (procfs.environ(os.getpid()) or [])


def test_a_listening_socket_is_seen() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        assert port not in procfs.listening_tcp_ports()
        server.listen()
        assert port in procfs.listening_tcp_ports()


def test_a_mount_point_with_a_space_is_unescaped_from_octal(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {})
    # proc(5): mountinfo's fifth field is the mount point, a space written \040, a backslash \134.
    (proc / "self" / "mountinfo").write_text(
        "36 35 98:0 / / rw,noatime master:1 - ext3 /dev/root rw\n"
        "37 36 0:24 / /run/netns/hub\\040a rw shared:5 - tmpfs tmpfs rw\n"
        "38 36 0:25 / /srv/back\\134slash rw - tmpfs tmpfs rw\n"
    )
    assert procfs.mount_points(proc) == {"/", "/run/netns/hub a", "/srv/back\\slash"}


def test_only_listening_sockets_count_as_listening(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {})
    (proc / "net").mkdir()
    header = "  sl  local_address rem_address   st tx_queue rx_queue\n"
    # proc(5): st 0A is LISTEN, 01 ESTABLISHED; the port is the hex after the address's colon.
    (proc / "net" / "tcp").write_text(
        header
        + "   0: 0100007F:1538 00000000:0000 0A 00000000:00000000\n"
        + "   1: 0100007F:D431 0100007F:1538 01 00000000:00000000\n"
    )
    (proc / "net" / "tcp6").write_text(
        header + "   0: 00000000000000000000000001000000:2328 00000000:0000 0A 0:0\n"
    )
    assert procfs.listening_tcp_ports(proc) == {5432, 9000}
