"""Supervision of the local cloud's processes (declared in services.py): start, health, stop.

Every process is started as the leader of a session of its own; its pid file records its pid and
its start time (so a pid reused after a reboot is not taken for it), and run/sessions keeps every
session this cloud ever started until `stop` has emptied them. A process belongs to the cloud
when it is in one of those sessions (workers, Erlang helpers, children of a crashed parent), or
when it carries LOCAL_CLOUD_INSTANCE=<state dir> in its environment. The environment alone is not
enough: setproctitle, which neutron's and nova's workers use, overwrites it. Nothing is matched
by name.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from hubcore import procfs
from localcloud import netns
from localcloud.layout import Layout
from localcloud.services import CLOUD_PORTS, INSTANCE_VAR, Service, base_env


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, session id, start time in clock ticks) of a process, or None if it is gone."""
    found = procfs.stat(pid)
    return (found.state, found.session, found.start_ticks) if found else None


def _record(path: Path) -> tuple[int, int] | None:
    """(pid, start time) from a pid file or a line of run/sessions."""
    try:
        pid, start = path.read_text().split()[:2]
        return int(pid), int(start)
    except (OSError, ValueError):
        return None


def read_pid(path: Path) -> int | None:
    record = _record(path)
    return record[0] if record else None


def _is(pid: int, start: int) -> bool:
    """True when `pid` is still the very process started at `start`."""
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z" and stat[2] == start


def is_running(service: Service, layout: Layout) -> bool:
    record = _record(service.pid_file(layout))
    return record is not None and _is(*record)


def _sessions_file(layout: Layout) -> Path:
    return layout.run / "sessions"


def _known_sessions(layout: Layout) -> set[int]:
    """Session ids of this cloud. A recorded leader that is alive must be the same process
    (start time); a dead leader's id still names its session while members remain, because
    Linux does not reuse a pid that is still a session id."""
    records: list[tuple[int, int]] = []
    with contextlib.suppress(OSError):
        for line in _sessions_file(layout).read_text().splitlines():
            with contextlib.suppress(ValueError, IndexError):
                fields = line.split()
                records.append((int(fields[0]), int(fields[1])))
    for pid_file in layout.run.glob("*.pid"):
        record = _record(pid_file)
        if record:
            records.append(record)
    sessions = set()
    for pid, start in records:
        stat = _stat(pid)
        if stat is None or stat[2] == start:
            sessions.add(pid)
    return sessions


def _marked(pid: int, marker: bytes) -> bool:
    return procfs.has_in_environ(pid, marker)


def launch(service: Service, layout: Layout) -> int:
    """Start one service in its own session, output appended to its log file."""
    env = base_env(layout)
    env.update(service.env)
    log = service.log_file(layout)
    with open(log, "ab") as out:
        out.write(f"\n==== localcloud: starting {service.name} at {time.ctime()}\n".encode())
        out.flush()
        proc = subprocess.Popen(
            service.argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=layout.state,
            start_new_session=True,
            close_fds=True,
        )
    stat = _stat(proc.pid)
    start = stat[2] if stat else 0
    service.pid_file(layout).write_text(f"{proc.pid} {start}\n")
    with open(_sessions_file(layout), "a") as sessions:
        sessions.write(f"{proc.pid} {start} {service.name}\n")
    return proc.pid


def tcp_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def listening(port: int) -> bool:
    """True when the kernel has a socket in LISTEN state on this TCP port (any address).

    Read from /proc rather than by connecting: a bare connect-and-close makes epmd and MariaDB
    log an error per probe.
    """
    return port in procfs.listening_tcp_ports()


def http_ok(url: str) -> bool:
    """True when the URL answers with any status below 500 (401, 300 and 404 mean 'up')."""
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return int(resp.status) < 500
    except urllib.error.HTTPError as err:
        return err.code < 500
    except (OSError, ValueError):
        return False


def healthy(service: Service) -> bool:
    if service.url is not None:
        return http_ok(service.url)
    if service.port is not None:
        return listening(service.port)
    return True


class StartError(RuntimeError):
    pass


def wait_healthy(
    services: Iterable[Service], layout: Layout, timeout: float, verbose: bool = False
) -> None:
    """Poll until every service answers; fail early when one of them has died."""
    pending = list(services)
    began = time.monotonic()
    deadline = time.monotonic() + timeout
    while pending:
        for service in list(pending):
            if not is_running(service, layout):
                raise StartError(
                    f"{service.name} exited during start; see {service.log_file(layout)}"
                )
            if healthy(service):
                pending.remove(service)
                if verbose:
                    print(
                        f"local-cloud:   {service.name} up after {time.monotonic() - began:.1f} s",
                        file=sys.stderr,
                        flush=True,
                    )
        if not pending:
            return
        if time.monotonic() > deadline:
            names = ", ".join(s.name for s in pending)
            raise StartError(f"not healthy after {timeout:.0f} s: {names}")
        time.sleep(0.5)


def instance_processes(layout: Layout, sessions: set[int] | None = None) -> list[int]:
    """Every live process of this cloud (or only of the given sessions)."""
    wanted = _known_sessions(layout) if sessions is None else sessions
    marker = f"{INSTANCE_VAR}={layout.state}".encode()
    found = []
    for pid in procfs.pids():
        if pid == os.getpid():
            continue
        stat = _stat(pid)
        if stat is None or stat[0] == "Z":
            continue
        if stat[1] in wanted or (sessions is None and _marked(pid, marker)):
            found.append(pid)
    return found


def _signal_all(pids: Iterable[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def terminate(service: Service, layout: Layout, timeout: float = 20.0) -> None:
    """SIGTERM every process of the service's session, SIGKILL what is left after `timeout`.

    The session is ended even when its leader has exited already (a crashed neutron-server
    leaves its workers holding the port).
    """
    record = _record(service.pid_file(layout))
    if record is not None:
        pid, start = record
        stat = _stat(pid)
        if stat is None or stat[2] == start:  # not a reused pid
            members = instance_processes(layout, {pid})
            _signal_all(members, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while members and time.monotonic() < deadline:
                time.sleep(0.2)
                members = instance_processes(layout, {pid})
            if members:
                print(
                    f"local-cloud:   {service.name} ignored SIGTERM for {timeout:.0f} s: killed",
                    file=sys.stderr,
                    flush=True,
                )
            _signal_all(members, signal.SIGKILL)
    service.pid_file(layout).unlink(missing_ok=True)


def kill_strays(layout: Layout, timeout: float = 10.0) -> list[int]:
    """End any process of this cloud still alive after every service was stopped; then forget
    the sessions."""
    strays = instance_processes(layout)
    _signal_all(strays, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while instance_processes(layout) and time.monotonic() < deadline:
        time.sleep(0.2)
    _signal_all(instance_processes(layout), signal.SIGKILL)
    time.sleep(0.2)
    if not instance_processes(layout):
        _sessions_file(layout).unlink(missing_ok=True)
    return strays


def processes_in_namespaces(names: list[netns.Namespace], timeout: float = 20.0) -> list[int]:
    """SIGTERM every process in the network namespaces `names` (qemu guests, dnsmasq, privsep
    helpers: started by daemons, they are in no session of the cloud), SIGKILL what remains."""
    found = netns.processes_in(names)
    _signal_all(found, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while netns.processes_in(names) and time.monotonic() < deadline:
        time.sleep(0.2)
    _signal_all(netns.processes_in(names), signal.SIGKILL)
    return found


def listening_ports(ports: Iterable[int] = CLOUD_PORTS) -> list[int]:
    """The cloud's TCP ports on which something listens or accepts connections right now."""
    return [port for port in ports if listening(port) or tcp_open(port)]
