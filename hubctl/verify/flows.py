"""`hubctl verify --flows`: real packets between every pair of tiers, and from and to outside.

What may flow is declared in one place, infra/tiers.py: FLOWS (who may open which TCP port on
which tier) and the network layer's egress rules (every tier to the site's NTP servers and
package proxy; the tiers of EGRESS_TIERS to HTTPS anywhere). This module derives from them what
must and must not get through, then observes it: a listener on every host binds every probed
port (a port a service already holds, like SSH, counts as listening), every host sends a probe
carrying a token to every other host on every port, and a flow is *observed* when the far side
received its token (or completed the handshake on a port a service holds). The outside is the
operators' network (their address for OPERATORS flows, a world address for WORLD flows); hosts'
egress to the world is observed by a listener there. Both filters are on the path: a security
group and the host's nftables; either one dropping a packet stops the flow.

Probed: every TCP port the network layer declares anywhere, the package proxy's port, NTP
(answered by the site's server), and a sample of ports nothing declares.
"""

from __future__ import annotations

import json
import secrets
import shlex
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubctl.hosts.access import SiteAccess
from hubctl.verify.model import Case
from infra.config import HubConfig
from infra.tiers import EGRESS_TIERS, FLOWS, OPERATORS, ROLE_TIER, WORLD, HostRole, Tier

AGENT = (Path(__file__).with_name("probe_agent.py")).read_text()
HTTPS = 443
# Ports nothing in the site declares: each must be dropped between every pair.
UNDECLARED_TCP: tuple[int, ...] = (21, 23, 25, 80, 3306, 6379, 8080)
UNDECLARED_UDP: tuple[int, ...] = (161, 514)
DECLARED_UDP: tuple[int, ...] = (53, 123)
LISTEN_SECONDS = 300


def declared_tcp(config: HubConfig) -> list[int]:
    ports = {flow.port for flow in FLOWS} | {HTTPS}
    if config.apt_proxy_endpoint is not None:
        ports.add(config.apt_proxy_endpoint[1])
    return sorted(ports)


def tcp_ports(config: HubConfig) -> list[int]:
    return sorted(set(declared_tcp(config)) | set(UNDECLARED_TCP))


def udp_ports() -> list[int]:
    return sorted(set(DECLARED_UDP) | set(UNDECLARED_UDP))


def allowed_in(dst: Tier, port: int, source: str) -> bool:
    """True when FLOWS lets `source` (a tier's value, OPERATORS or WORLD) open TCP `port` on
    `dst`: the security groups allow it and the host firewall opens it."""
    return any(f.tier == dst and f.port == port and f.source == source for f in FLOWS)


@dataclass(frozen=True)
class Host:
    name: str
    role: str
    address: str

    @property
    def tier(self) -> Tier:
        return ROLE_TIER[HostRole(self.role)]


@dataclass(frozen=True)
class Probe:
    source: str  # a host's name, or "operators" / "world"
    target: str  # a host's name, "world", or "provider"
    address: str
    kind: str  # tcp, udp or ntp
    port: int
    expected: bool
    token: str

    def name(self) -> str:
        return f"{self.source} -> {self.target} {self.kind}/{self.port}"


def plan(
    hosts: list[Host], config: HubConfig, world: str | None, outside: list[str]
) -> list[Probe]:
    """Every probe, each with whether the declared flows allow it.

    `world` is the address of a listener outside (None: hosts' egress to the world is not
    probed); `outside` the kinds of outside sources available ("operators", "world").
    """
    probes: list[Probe] = []

    def add(source: str, target: str, address: str, kind: str, port: int, expected: bool) -> None:
        token = f"hubflow:{len(probes)}"
        probes.append(Probe(source, target, address, kind, port, expected, token))

    for src in hosts:
        for dst in hosts:
            if src is dst:
                continue
            for port in tcp_ports(config):
                add(
                    src.name,
                    dst.name,
                    dst.address,
                    "tcp",
                    port,
                    allowed_in(dst.tier, port, src.tier.value),
                )
            for port in udp_ports():
                add(src.name, dst.name, dst.address, "udp", port, False)
        if config.apt_proxy_endpoint is not None:
            address, port = config.apt_proxy_endpoint
            add(src.name, "package proxy", str(address), "tcp", port, True)
        for server in config.ntp_servers:
            add(src.name, f"NTP {server}", str(server), "ntp", 123, True)
        if world is not None:
            for port in (HTTPS, 80, 8080):
                add(
                    src.name,
                    "world",
                    world,
                    "tcp",
                    port,
                    port == HTTPS and src.tier in EGRESS_TIERS,
                )
    for source in outside:
        kind = OPERATORS if source == "operators" else WORLD
        for dst in hosts:
            for port in tcp_ports(config):
                add(source, dst.name, dst.address, "tcp", port, allowed_in(dst.tier, port, kind))
    return probes


Runner = Callable[[list[str]], "subprocess.Popen[str]"]


def _agent(*args: str) -> list[str]:
    return ["python3", "-c", AGENT, *args]


def _remote(access: SiteAccess, address: str, *args: str) -> list[str]:
    command = " ".join(shlex.quote(a) for a in ["sudo", "-n", *_agent(*args)])
    return access.ssh(address, command)


def _local(netns: str | None, *args: str) -> list[str]:
    prefix = ["ip", "netns", "exec", netns] if netns else []
    return [*prefix, *_agent(*args)]


def _json_line(text: str, key: str) -> Any:
    for line in text.replace("\r", "").splitlines():
        line = line.strip()
        if line.startswith("{") and f'"{key}"' in line:
            return json.loads(line)[key]
    raise RuntimeError(f"no {key!r} line in: {text[-500:]}")


class Listener:
    """An agent listening somewhere until `stop` creates its stop file there."""

    def __init__(self, argv: list[str], stop: list[str]) -> None:
        self.stop_argv = stop
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        if not first:
            self.proc.wait(timeout=30)
            error = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"listener did not start: {error.strip()[-500:]}")
        ready = json.loads(first.replace("\r", "").strip())
        self.busy: dict[str, list[int]] = ready["busy"]

    def stop(self) -> list[list[Any]]:
        subprocess.run(self.stop_argv, capture_output=True, timeout=120, check=False)
        out, _ = self.proc.communicate(timeout=LISTEN_SECONDS + 60)
        received: list[list[Any]] = _json_line(out, "received")
        return received


def run(
    hosts: list[Host],
    config: HubConfig,
    access: SiteAccess,
    say: Callable[[str], None] = print,
) -> list[Case]:
    netns = access.netns
    world, operators = _outside_addresses(netns)
    outside = ["operators"] + (["world"] if world else [])
    probes = plan(hosts, config, world, outside)
    say(f"flows: {len(probes)} probes between {len(hosts)} hosts and the outside")
    tcp, udp = ",".join(map(str, tcp_ports(config))), ",".join(map(str, udp_ports()))
    listeners: dict[str, Listener] = {}
    stop_file = f"/run/hubflow-{secrets.token_hex(6)}"
    seconds = str(LISTEN_SECONDS)
    try:
        for host in hosts:
            touch = " ".join(shlex.quote(a) for a in ("sudo", "-n", "touch", stop_file))
            listeners[host.name] = Listener(
                _remote(access, host.address, "listen", tcp, udp, seconds, "0.0.0.0", stop_file),
                access.ssh(host.address, touch),
            )
        if world:
            local_stop = f"{stop_file}-world"
            listeners["world"] = Listener(
                _local(netns, "listen", "443,80,8080", "", seconds, world, local_stop),
                ["touch", local_stop],
            )
        sent = _send(probes, hosts, access, netns, world, operators)
    finally:
        received = {name: listener.stop() for name, listener in listeners.items()}
    tokens = {str(r[3]) for found in received.values() for r in found}
    by_name = {h.name: h for h in hosts}
    cases = []
    for probe in probes:
        listener = listeners.get(probe.target)
        busy = listener.busy.get(probe.kind, []) if listener else []
        observed = probe.token in tokens or (
            sent.get(probe.token, False)
            and (probe.kind == "ntp" or probe.port in busy or probe.target == "package proxy")
        )
        source_tier = by_name[probe.source].tier.value if probe.source in by_name else probe.source
        target_tier = by_name[probe.target].tier.value if probe.target in by_name else probe.target
        ok = observed == probe.expected
        message = ""
        if not ok:
            message = (
                "declared, but nothing received it"
                if probe.expected
                else "not declared, but received"
            )
        cases.append(
            Case(
                suite=f"flows {source_tier} -> {target_tier}",
                name=probe.name(),
                passed=ok,
                message=message,
                properties={
                    "expected": "allowed" if probe.expected else "dropped",
                    "observed": "received" if observed else "not received",
                },
            )
        )
    return cases


def _outside_addresses(netns: str | None) -> tuple[str | None, str | None]:
    """(world, operators) source addresses of the local cloud's operators' namespace."""
    if netns is None:
        return None, None
    out = subprocess.run(
        ["ip", "-n", netns, "-4", "-o", "addr", "show", "dev", "eth0"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    addresses = [
        field.split("/")[0] for field in out.split() if field.count(".") == 3 and "/" in field
    ]
    world = next((a for a in addresses if a.startswith("198.51.100.")), None)
    operators = next((a for a in addresses if a.startswith("10.255.")), None)
    return world, operators


def _send(
    probes: list[Probe],
    hosts: list[Host],
    access: SiteAccess,
    netns: str | None,
    world: str | None,
    operators: str | None,
) -> dict[str, bool]:
    """Run every source's probes at once; {token: handshake completed or NTP answered}."""
    by_source: dict[str, list[Probe]] = {}
    for probe in probes:
        by_source.setdefault(probe.source, []).append(probe)
    results: dict[str, bool] = {}
    lock = threading.Lock()
    addresses = {h.name: h.address for h in hosts}

    def go(source: str, batch: list[Probe]) -> None:
        items = json.dumps([[p.address, p.kind, p.port, p.token] for p in batch])
        if source in addresses:
            argv = _remote(access, addresses[source], "probe", items)
        else:
            bind = operators if source == "operators" else world
            argv = _local(netns, "probe", items, *([bind] if bind else []))
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
        sent = _json_line(done.stdout, "sent") if done.returncode == 0 else []
        with lock:
            for item in sent:
                results[str(item[3])] = bool(item[4])

    threads = [threading.Thread(target=go, args=item) for item in by_source.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
