"""The two data planes the local cloud could use, measured side by side on this machine.

    python3 benchmarks/datapath_bench.py [--seconds 5] [--connections 400] [--idle 20]

Both routes carry packets between two "guests" (network namespaces, as Neutron's own fullstack
tests use) through a "hypervisor" namespace, filtered the way their agents filter a port:

- linuxbridge: a kernel bridge, the Linux bridge agent's iptables firewall (physdev match,
  conntrack: established or the one allowed port, everything else dropped) and its ebtables
  MAC anti-spoofing (`--among-src`).
- ovs-userspace: Open vSwitch 3.1 with `datapath_type=netdev` (no kernel module here), the same
  policy as OpenFlow conntrack flows in the userspace conntrack, as OVN compiles its ACLs.
  Measured twice: with the guests' checksum offload on (as a guest comes up), and with it off
  (`ethtool -K eth0 tx off` in each guest, the workaround of Launchpad 1904871).

It prints, per route: TCP bulk throughput guest to guest, the rate and median time of new TCP
connections through the firewall (each one a new conntrack entry, as the flow probes and apt
make), a denied port really dropped, the CPU the route's daemons use while idle, their memory,
and for the OVN route the idle cost of its control daemons (NB/SB databases, ovn-northd,
ovn-controller) when ovn-central and ovn-host are installed. Needs root, iproute2, iptables,
ebtables and openvswitch-switch (`apt-get install openvswitch-switch ovn-central ovn-host`,
started by nothing but this script). Everything it creates is removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PREFIX = f"dpb{os.getpid()}"
HOST, VM1, VM2 = f"{PREFIX}-host", f"{PREFIX}-vm1", f"{PREFIX}-vm2"
ADDR1, ADDR2 = "10.99.0.1", "10.99.0.2"
MAC1, MAC2 = "fa:16:3e:00:00:01", "fa:16:3e:00:00:02"
ALLOWED, DENIED = 5001, 5002
PY = sys.executable

# Runs in a guest: serve `port` (sink every connection; answer one byte per request).
SERVER = """
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(128)
def serve(c):
    with c:
        while True:
            data = c.recv(1 << 16)
            if not data: return
            if data == b"?": c.sendall(b"!")
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
"""

# Runs in the other guest: bulk send for N seconds, then N new connections with one round trip.
CLIENT = """
import json, socket, sys, time
host, port, seconds, count = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
out = {}
s = socket.create_connection((host, port), timeout=5)
chunk = b"x" * (1 << 16); sent = 0; began = time.monotonic()
while time.monotonic() - began < seconds:
    s.sendall(chunk); sent += len(chunk)
s.close()
out["bulk_mbit_s"] = round(sent * 8 / (time.monotonic() - began) / 1e6, 1)
times = []
began = time.monotonic()
for _ in range(count):
    t = time.monotonic()
    c = socket.create_connection((host, port), timeout=5); c.sendall(b"?"); c.recv(1); c.close()
    times.append(time.monotonic() - t)
out["connections_per_s"] = round(count / (time.monotonic() - began), 1)
out["connection_ms_median"] = round(sorted(times)[len(times) // 2] * 1000, 3)
try:
    socket.create_connection((host, int(sys.argv[5])), timeout=2).close()
    out["denied_port"] = "open"
except OSError as e:
    out["denied_port"] = "dropped" if isinstance(e, (TimeoutError, socket.timeout)) else str(e)
print(json.dumps(out))
"""


def run(*argv: str, ns: str | None = None, check: bool = True) -> str:
    command = ["ip", "netns", "exec", ns, *argv] if ns else list(argv)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip()}")
    return done.stdout


@contextlib.contextmanager
def guests() -> Iterator[None]:
    """A hypervisor namespace and two guests, each behind a veth whose host end is its tap."""
    try:
        for ns in (HOST, VM1, VM2):
            run("ip", "netns", "add", ns)
            run("ip", "link", "set", "lo", "up", ns=ns)
        for index, (vm, addr, mac) in enumerate(((VM1, ADDR1, MAC1), (VM2, ADDR2, MAC2)), 1):
            tap = f"tap{index}"
            run(
                "ip",
                "link",
                "add",
                tap,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                vm,
                ns=HOST,
            )
            run("ip", "link", "set", "eth0", "address", mac, ns=vm)
            run("ip", "addr", "add", f"{addr}/24", "dev", "eth0", ns=vm)
            run("ip", "link", "set", "eth0", "up", ns=vm)
            run("ip", "link", "set", tap, "up", ns=HOST)
        yield
    finally:
        for ns in (HOST, VM1, VM2):
            run("ip", "netns", "delete", ns, check=False)


def linux_bridge() -> list[int]:
    run("ip", "link", "add", "br0", "type", "bridge", ns=HOST)
    for tap in ("tap1", "tap2"):
        run("ip", "link", "set", tap, "master", "br0", ns=HOST)
    run("ip", "link", "set", "br0", "up", ns=HOST)
    run("sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1", ns=HOST)
    rules = [
        ["-N", "sg-in-tap2"],
        ["-A", "sg-in-tap2", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "RETURN"],
        ["-A", "sg-in-tap2", "-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP"],
        ["-A", "sg-in-tap2", "-p", "tcp", "-s", ADDR1, "--dport", str(ALLOWED), "-j", "RETURN"],
        ["-A", "sg-in-tap2", "-j", "DROP"],
        [
            "-A",
            "FORWARD",
            "-m",
            "physdev",
            "--physdev-out",
            "tap2",
            "--physdev-is-bridged",
            "-j",
            "sg-in-tap2",
        ],
        [
            "-A",
            "FORWARD",
            "-m",
            "physdev",
            "--physdev-out",
            "tap1",
            "--physdev-is-bridged",
            "-m",
            "conntrack",
            "--ctstate",
            "RELATED,ESTABLISHED",
            "-j",
            "ACCEPT",
        ],
        [
            "-A",
            "FORWARD",
            "-m",
            "physdev",
            "--physdev-out",
            "tap1",
            "--physdev-is-bridged",
            "-j",
            "DROP",
        ],
    ]
    for rule in rules:
        run("iptables", *rule, ns=HOST)
    for tap, mac in (("tap1", MAC1), ("tap2", MAC2)):
        chain = f"neutronMAC-{tap}"
        run("ebtables", "-t", "nat", "-N", chain, ns=HOST)
        run("ebtables", "-t", "nat", "-A", chain, "-j", "DROP", ns=HOST)
        run(
            "ebtables",
            "-t",
            "nat",
            "-I",
            chain,
            "-i",
            tap,
            "--among-src",
            mac,
            "-j",
            "RETURN",
            ns=HOST,
        )
        run("ebtables", "-t", "nat", "-I", "PREROUTING", "-i", tap, "-j", chain, ns=HOST)
    return []  # the kernel forwards: no daemon


def start_daemon(argv: list[str], env: dict[str, str], ns: str = HOST) -> int:
    proc = subprocess.Popen(
        ["ip", "netns", "exec", ns, *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return proc.pid


def wait_for(path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} did not appear")
        time.sleep(0.1)


def ovs_userspace(work: Path) -> tuple[list[int], dict[str, str]]:
    env = {**os.environ, "OVS_RUNDIR": str(work), "OVS_LOGDIR": str(work), "OVS_DBDIR": str(work)}
    db, sock = work / "conf.db", work / "db.sock"
    subprocess.run(
        ["ovsdb-tool", "create", str(db), "/usr/share/openvswitch/vswitch.ovsschema"], check=True
    )
    pids = [
        start_daemon(
            [
                "ovsdb-server",
                str(db),
                f"--remote=punix:{sock}",
                f"--pidfile={work}/ovsdb.pid",
                f"--unixctl={work}/ovsdb.ctl",
                f"--log-file={work}/ovsdb.log",
            ],
            env,
        )
    ]
    wait_for(sock)
    vsctl = ["ovs-vsctl", f"--db=unix:{sock}"]
    run(*vsctl, "--no-wait", "init", ns=HOST)
    pids.append(
        start_daemon(
            [
                "ovs-vswitchd",
                f"unix:{sock}",
                f"--pidfile={work}/vswitchd.pid",
                f"--unixctl={work}/vswitchd.ctl",
                f"--log-file={work}/vswitchd.log",
            ],
            env,
        )
    )
    wait_for(work / "vswitchd.ctl")
    run(*vsctl, "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev", ns=HOST)
    for index, tap in enumerate(("tap1", "tap2"), 1):
        run(
            *vsctl,
            "add-port",
            "br0",
            tap,
            "--",
            "set",
            "interface",
            tap,
            f"ofport_request={index}",
            ns=HOST,
        )
    mgmt = f"unix:{work}/br0.mgmt"
    flows = [
        # MAC anti-spoofing per port, then every IP packet through the userspace conntrack.
        f"table=0,priority=100,in_port=1,dl_src={MAC1},actions=resubmit(,1)",
        f"table=0,priority=100,in_port=2,dl_src={MAC2},actions=resubmit(,1)",
        "table=0,priority=0,actions=drop",
        "table=1,priority=100,arp,actions=NORMAL",
        "table=1,priority=90,ip,ct_state=-trk,actions=ct(table=2,zone=1)",
        "table=2,priority=100,ct_state=+trk+est,ip,actions=NORMAL",
        "table=2,priority=100,ct_state=+trk+rel,ip,actions=NORMAL",
        "table=2,priority=90,ct_state=+trk+inv,ip,actions=drop",
        f"table=2,priority=80,ct_state=+trk+new,tcp,nw_src={ADDR1},nw_dst={ADDR2},"
        f"tp_dst={ALLOWED},actions=ct(commit,zone=1),NORMAL",
        "table=2,priority=0,actions=drop",
    ]
    run("ovs-ofctl", "del-flows", mgmt, ns=HOST)
    for flow in flows:
        run("ovs-ofctl", "add-flow", mgmt, flow, ns=HOST)
    return pids, env


def ovn_control(work: Path) -> list[int]:
    """OVN's control daemons, idle on empty databases (what the route adds beyond OVS)."""
    env = {**os.environ, "OVS_RUNDIR": str(work), "OVS_LOGDIR": str(work)}
    pids = []
    for name in ("nb", "sb"):
        db = work / f"ovn{name}.db"
        subprocess.run(
            ["ovsdb-tool", "create", str(db), f"/usr/share/ovn/ovn-{name}.ovsschema"], check=True
        )
        pids.append(
            start_daemon(
                [
                    "ovsdb-server",
                    str(db),
                    f"--remote=punix:{work}/ovn{name}.sock",
                    f"--pidfile={work}/ovn{name}.pid",
                    f"--unixctl={work}/ovn{name}.ctl",
                    f"--log-file={work}/ovn{name}.log",
                ],
                env,
            )
        )
        wait_for(work / f"ovn{name}.sock")
    pids.append(
        start_daemon(
            [
                "ovn-northd",
                f"--ovnnb-db=unix:{work}/ovnnb.sock",
                f"--ovnsb-db=unix:{work}/ovnsb.sock",
                f"--pidfile={work}/northd.pid",
                f"--unixctl={work}/northd.ctl",
                f"--log-file={work}/northd.log",
            ],
            env,
        )
    )
    run(
        "ovs-vsctl",
        f"--db=unix:{work}/db.sock",
        "set",
        "open",
        ".",
        f"external_ids:ovn-remote=unix:{work}/ovnsb.sock",
        "external_ids:ovn-encap-type=geneve",
        "external_ids:ovn-encap-ip=127.0.0.1",
        "external_ids:system-id=bench",
        ns=HOST,
    )
    pids.append(
        start_daemon(
            [
                "ovn-controller",
                f"unix:{work}/db.sock",
                f"--pidfile={work}/controller.pid",
                f"--unixctl={work}/controller.ctl",
                f"--log-file={work}/controller.log",
            ],
            env,
        )
    )
    return pids


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
    return total / ticks


def daemons(pids: list[int]) -> list[int]:
    """The daemons themselves (ip netns exec execs them, so the pid is theirs)."""
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


def rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return round(total / 1024, 1)


def traffic(seconds: float, connections: int) -> dict[str, object]:
    server = subprocess.Popen(
        ["ip", "netns", "exec", VM2, PY, "-c", SERVER, str(ALLOWED)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        done = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                VM1,
                PY,
                "-c",
                CLIENT,
                ADDR2,
                str(ALLOWED),
                str(seconds),
                str(connections),
                str(DENIED),
            ],
            capture_output=True,
            text=True,
            timeout=seconds + connections * 5 + 30,
            check=False,
        )
        if done.returncode != 0:
            return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
        result: dict[str, object] = json.loads(done.stdout)
        return result
    finally:
        server.kill()
        server.wait()


def measure(route: str, args: argparse.Namespace) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix=f"{PREFIX}-"))
    pids: list[int] = []
    control: list[int] = []
    try:
        with guests():
            if route == "linuxbridge":
                pids = linux_bridge()
            else:
                pids, _ = ovs_userspace(work)
            if route.endswith("tx-off"):
                for vm in (VM1, VM2):
                    run("ethtool", "-K", "eth0", "tx", "off", ns=vm)
            result: dict[str, object] = {"route": route, **traffic(args.seconds, args.connections)}
            live = daemons(pids)
            before = cpu_seconds(live)
            time.sleep(args.idle)
            result["idle_cpu_percent"] = round((cpu_seconds(live) - before) / args.idle * 100, 2)
            result["daemons_rss_mib"] = rss_mib(live)
            if route == "ovs-userspace-tx-off" and shutil.which("ovn-northd"):
                control = ovn_control(work)
                time.sleep(3)
                live_control = daemons(control)
                before = cpu_seconds(live_control)
                time.sleep(args.idle)
                result["ovn_control_idle_cpu_percent"] = round(
                    (cpu_seconds(live_control) - before) / args.idle * 100, 2
                )
                result["ovn_control_rss_mib"] = rss_mib(live_control)
            return result
    finally:
        for pid in pids + control:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
        time.sleep(0.5)
        for pid in pids + control:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="bulk transfer time")
    parser.add_argument("--connections", type=int, default=400, help="new connections timed")
    parser.add_argument("--idle", type=float, default=20.0, help="idle CPU sampling time")
    args = parser.parse_args()
    if os.geteuid() != 0 or not shutil.which("ovs-vswitchd"):
        print("needs root and openvswitch-switch (see the docstring)", file=sys.stderr)
        return 2
    for route in ("linuxbridge", "ovs-userspace", "ovs-userspace-tx-off"):
        print(json.dumps(measure(route, args)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
