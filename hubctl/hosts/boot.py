"""Waiting for a site's hosts to finish their first boot, each judged on its own console.

`hubctl up` (and the drill's rebuild) deploys servers that Nova reports ACTIVE long before their
first boot is over: ACTIVE means qemu runs, not that cloud-init applied the hardening. This
waits for every host's cloud-init result and fails with each failed host's own error lines, so a
cloud-init error is never taken for a deployed host.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from hubctl.cloud import Fault, Host, Hosts, fault_of
from hubctl.hosts import console
from hubctl.hosts.console import BootState

DEFAULT_TIMEOUT_S = 1800.0
POLL_S = 10.0
# Lines of a console shown when a host gives no result in time.
TAIL_LINES = 8
# Nova's status of a server that is stopped and starts again on request. A host is found so
# when its hypervisor stopped under it (the cloud's host restarted, as `scripts/local-cloud
# stop` and `start` do): the compute layer declares it running, so `hubctl up` starts it.
STOPPED = "SHUTOFF"
# Statuses in which a server does not run and that `hubctl up` leaves to an operator, with the
# command that brings it back (a suspended or shelved host was put so on purpose).
NOT_RUNNING: dict[str, str] = {
    "SUSPENDED": "openstack server resume",
    "PAUSED": "openstack server unpause",
    "SHELVED": "openstack server unshelve",
    "SHELVED_OFFLOADED": "openstack server unshelve",
    "SOFT_DELETED": "openstack server restore",
}


@dataclass
class HostBoot:
    """One host's first boot, as hubctl saw it."""

    name: str
    role: str
    server_id: str = ""
    state: str = BootState.BOOTING.value
    seconds: float | None = None
    uptime_s: float | None = None
    errors: list[str] = field(default_factory=list)
    host_keys: list[str] = field(default_factory=list)
    # True when hubctl found the server stopped and started it: its console shows a new boot.
    started: bool = False

    @property
    def ok(self) -> bool:
        return self.state == BootState.FINISHED.value

    def line(self) -> str:
        if self.ok:
            return (
                f"{self.name} ({self.role}): hardened first boot finished in {self.seconds:.0f} s"
            )
        why = "; ".join(self.errors[:6]) or "no cloud-init result"
        return f"{self.name} ({self.role}): {self.state}: {why}"


def _no_console(server: Host) -> str:
    return (
        f"Nova has no console for it: its guest does not run, yet Nova reports it {server.status}"
    )


# A console the cloud refuses or has no service for: waiting will not bring it.
REFUSED_CONSOLE = (Fault.FORBIDDEN, Fault.ABSENT)


@dataclass(frozen=True)
class ConsoleRead:
    """A server's console as the cloud gave it (None: it has none, its guest does not run), or
    why the cloud did not answer for it."""

    text: str | None
    fault: Fault | None = None
    why: str = ""


def _read_console(cloud: Hosts, server: Host) -> ConsoleRead:
    # A cloud restarted under its hosts answers a console request with a 500 or not at all
    # until its compute service is back: a read that fails is told, never raised.
    try:
        return ConsoleRead(cloud.console(server))
    except Exception as error:  # the client's own exception, of any kind: fault_of sorts it
        fault, why = fault_of(error)
        return ConsoleRead(None, fault, why)


def _unanswered(read: ConsoleRead) -> str:
    return f"Nova did not give its console: {read.why}"


def _not_running(server: Host) -> list[str] | None:
    """Why a server that is neither running, building nor in error has no boot to read (Nova
    has no console for it), with the command that brings it back; None when it may run."""
    status = server.status
    if status == STOPPED:
        return [f"Nova reports it {STOPPED}: it is not running; `hubctl up` starts it"]
    if status in NOT_RUNNING:
        return [
            f"Nova reports it {status}: it is not running; "
            f"`{NOT_RUNNING[status]} {server.name}` brings it back"
        ]
    return None


def wait(
    cloud: Hosts,
    hosts: Mapping[str, list[str]],
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    poll_s: float = POLL_S,
    say: Callable[[str], None] = print,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[HostBoot]:
    """Poll every host's console until each has finished or failed its first boot, or the
    time is up. `hosts` maps a role to its servers' names (the compute layer's `instances`)."""
    started = clock()
    boots = [HostBoot(name, role) for role, names in hosts.items() for name in names]
    pending = list(boots)
    while pending:
        for boot in list(pending):
            server = cloud.find(boot.name)
            if server is None:
                boot.state, boot.errors = BootState.FAILED.value, ["no such server in the project"]
            elif server.status == "ERROR":
                boot.state, boot.errors = (
                    BootState.FAILED.value,
                    [f"server in ERROR: {server.fault}"],
                )
            elif server.status == STOPPED and not boot.started:
                # Start it once; until Nova reports it running there is no console to read.
                cloud.start(server)
                boot.started, boot.server_id = True, server.id
                say(f"{boot.name} ({boot.role}): was {STOPPED}, started it")
            elif server.status in NOT_RUNNING:
                boot.state, boot.errors = BootState.FAILED.value, _not_running(server) or []
            elif server.status == STOPPED:
                if clock() - started > timeout_s:
                    boot.state = BootState.FAILED.value
                    boot.errors = [
                        f"started it, and Nova still reports it {STOPPED} after {timeout_s:.0f} s"
                    ]
            else:
                boot.server_id = server.id
                read = _read_console(cloud, server)
                text = read.text
                first = console.read(text or "")
                boot.host_keys = first.host_keys
                if read.fault in REFUSED_CONSOLE:
                    boot.state, boot.errors = BootState.FAILED.value, [_unanswered(read)]
                elif first.state is not BootState.BOOTING:
                    boot.state, boot.errors, boot.uptime_s = (
                        first.state.value,
                        first.errors,
                        first.uptime_s,
                    )
                elif clock() - started > timeout_s:
                    if read.fault is not None:
                        tail = [_unanswered(read)]
                    elif text is None:
                        tail = [_no_console(server)]
                    else:
                        tail = [line for line in text.splitlines() if line.strip()]
                    boot.state = "timed out"
                    boot.errors = [
                        f"no cloud-init result after {timeout_s:.0f} s",
                        *tail[-TAIL_LINES:],
                    ]
            if boot.state != BootState.BOOTING.value:
                boot.seconds = clock() - started
                pending.remove(boot)
                say(boot.line())
        if pending:
            sleep(poll_s)
    return boots


def read_once(cloud: Hosts, hosts: Mapping[str, list[str]]) -> list[HostBoot]:
    """Each host's first boot as its console shows it now (host keys included), no waiting."""
    boots = []
    for role, names in hosts.items():
        for name in names:
            boot = HostBoot(name, role)
            server = cloud.find(name)
            if server is not None:
                boot.server_id = server.id
            if server is not None and (stopped := _not_running(server)) is not None:
                boot.state, boot.errors = BootState.FAILED.value, stopped
            elif server is not None and (read := _read_console(cloud, server)).fault is not None:
                boot.state, boot.errors = BootState.FAILED.value, [_unanswered(read)]
            elif server is not None and read.text is None:
                boot.state, boot.errors = BootState.FAILED.value, [_no_console(server)]
            elif server is not None:
                first = console.read(read.text or "")
                boot.state, boot.errors, boot.uptime_s = (
                    first.state.value,
                    first.errors,
                    first.uptime_s,
                )
                boot.host_keys = first.host_keys
            boots.append(boot)
    return boots
