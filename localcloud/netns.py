"""The network namespaces of the local cloud's data plane, and how a process works across them.

A data-plane cloud keeps nothing on the network of the namespace it is started in but its
loopback API ports. Everything else lives in namespaces named after the cloud's state folder:

- `<id>-dp`, the hypervisor: libvirtd and its qemu guests, nova-compute, Neutron's Linux bridge,
  DHCP and L3 agents, their bridges and taps, the VXLAN endpoint, the bridge of `Ext-Net`
  (`br-ext`), the sites' NTP server and the provider services (localcloud.provider);
- `<id>-ext`, the outside: the far end of `Ext-Net` (its gateway address), where routers' SNAT
  traffic ends and the operators' namespaces are routed back;
- `<id>-op-<router>`, one per router with a gateway on `Ext-Net`: the operators' network of the
  site behind that router (their VPN, on a real site), from which `ssh -J` and the flow probes
  reach its hosts;
- `qrouter-*` and `qdhcp-*`, made by Neutron's agents for this cloud's routers and networks, in
  the cloud's own folder of namespaces (`agents_folder`), not in /run/netns.

Why a folder of their own: Neutron's L3 agent, at its first sync, unplugs the devices of every
`qrouter-*` namespace it does not know and deletes it (neutron.agent.l3.namespace_manager), and
it finds them by listing /run/netns. A second data-plane cloud on the machine (the stop test's,
beside the site `make up` deployed) would cut the first one's routers off. So the agents run in a
mount namespace where /run/netns is the cloud's folder; the folder is a shared mount, so the
namespaces they make there are seen, under that path, by the cloud's other processes and by
`scripts/local-cloud stop`.

A process reaches into a namespace with setns(2) on one of its threads: a socket made there
stays in that namespace, which is how one relay serves the control plane's loopback ports inside
the hypervisor namespace, and one provider process answers in every router namespace.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

from hubcore import procfs

NETNS_DIR = Path("/run/netns")
MNT_DETACH = 2
CLONE_NEWNET = 0x40000000
# The address of the hypervisor's VXLAN endpoint (a dummy interface of the dp namespace) and the
# outside's end of Ext-Net.
VTEP_IP = "192.0.2.1"
EXT_GATEWAY = "203.0.113.1"
EXT_CIDR = "203.0.113.0/24"
EXT_BRIDGE = "br-ext"
# The outside's end of Ext-Net, in the outside namespace.
EXT_UPLINK = "up0"

_libc = ctypes.CDLL(None, use_errno=True)


def cloud_id(state: Path) -> str:
    """A short id of a cloud instance, from its state folder: namespaces carry it."""
    return "lc" + hashlib.sha256(str(state.resolve()).encode()).hexdigest()[:6]


def dataplane(state: Path) -> str:
    return f"{cloud_id(state)}-dp"


def outside(state: Path) -> str:
    return f"{cloud_id(state)}-ext"


def operators(state: Path, router_id: str) -> str:
    return f"{cloud_id(state)}-op-{router_id[:8]}"


# A namespace by name (in /run/netns) or by the path of its file (in a cloud's agents' folder).
Namespace = str | Path


def path(namespace: Namespace) -> Path:
    return namespace if isinstance(namespace, Path) else NETNS_DIR / namespace


def agents_folder(state: Path) -> Path:
    """Where this cloud's Neutron agents keep their namespaces (their /run/netns)."""
    return (state / "netns").resolve()


def exists(namespace: Namespace) -> bool:
    return path(namespace).exists()


def names(folder: Path = NETNS_DIR) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def mounted(target: Path) -> bool:
    """Whether `target` is a mount point of this process's mount namespace."""
    return str(target) in procfs.mount_points()


def _detach(target: Path) -> None:
    """Unmount `target` lazily, as `ip netns delete` and `umount --lazy` do."""
    _libc.umount2(str(target).encode(), MNT_DETACH)


def share_agents_folder(state: Path) -> Path:
    """The cloud's agents' folder, made a shared mount (idempotent). What was in it before it
    was mounted is left from a machine that has since restarted: namespaces no longer."""
    folder = agents_folder(state)
    folder.mkdir(parents=True, exist_ok=True)
    if not mounted(folder):
        for stale in folder.iterdir():
            stale.unlink()
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    subprocess.run(["mount", "--make-shared", str(folder)], check=True)
    return folder


def release_agents_folder(state: Path) -> None:
    folder = agents_folder(state)
    if folder.is_dir() and mounted(folder):
        _detach(folder)


def setns(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


@contextlib.contextmanager
def entered(namespace: Namespace) -> Iterator[None]:
    """Run the block's socket calls in `namespace` (this thread only), then come back."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        setns(path(namespace))
        yield
    finally:
        try:
            if _libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back to the original namespace")
        finally:
            os.close(home)


def ip(*args: str, netns: Namespace | None = None, check: bool = True) -> str:
    if isinstance(netns, Path):  # `ip -n` takes names in /run/netns only
        argv = ["nsenter", f"--net={netns}", "ip", *args]
    else:
        argv = ["ip", *(["-n", netns] if netns else []), *args]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip()}")
    return done.stdout


def run_in(netns: str, *argv: str, check: bool = True) -> str:
    done = subprocess.run(
        ["ip", "netns", "exec", netns, *argv], capture_output=True, text=True, check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"in {netns}: {' '.join(argv)}: {done.stderr.strip()}")
    return done.stdout


def add(name: str) -> None:
    if not exists(name):
        ip("netns", "add", name)
    ip("link", "set", "lo", "up", netns=name)


def link_exists(name: str, netns: str) -> bool:
    return bool(ip("-o", "link", "show", "dev", name, netns=netns, check=False).strip())


def mac(link: str, netns: str) -> str:
    """The hardware address of `link` in namespace `netns`."""
    out = ip("-o", "link", "show", "dev", link, netns=netns)
    found = re.search(r"link/ether ((?:[0-9a-f]{2}:){5}[0-9a-f]{2})", out)
    if found is None:
        raise RuntimeError(f"{link} in {netns} has no Ethernet address")
    return found.group(1)


def inode(namespace: Namespace) -> int | None:
    with contextlib.suppress(OSError):
        return os.stat(path(namespace)).st_ino
    return None


def processes_in(namespaces: list[Namespace]) -> list[int]:
    """Every process whose network namespace is one of `namespaces`."""
    wanted = {i for i in (inode(n) for n in namespaces) if i is not None}
    found = []
    for pid in procfs.pids():
        if pid == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if os.stat(f"/proc/{pid}/ns/net").st_ino in wanted:
                found.append(pid)
    return found


def delete(namespace: Namespace) -> None:
    if not exists(namespace):
        return
    if isinstance(namespace, Path):
        # What `ip netns delete` does, for a file outside /run/netns.
        _detach(namespace)
        with contextlib.suppress(OSError):
            namespace.unlink()
    else:
        ip("netns", "delete", namespace, check=False)


def build_dataplane(state: Path) -> None:
    """The hypervisor and outside namespaces, the Ext-Net bridge between them, the VXLAN
    endpoint (idempotent: after a stop, everything is made again)."""
    dp, ext = dataplane(state), outside(state)
    add(dp)
    add(ext)
    # After the first `ip netns add`, which makes /run/netns a mount point the agents' mount
    # namespaces can detach from (services.in_dataplane).
    share_agents_folder(state)
    if not link_exists("lcvtep", dp):
        # This kernel has no dummy devices: an empty bridge holds the address as well.
        ip("link", "add", "lcvtep", "type", "bridge", netns=dp)
        ip("addr", "add", f"{VTEP_IP}/32", "dev", "lcvtep", netns=dp)
    ip("link", "set", "lcvtep", "up", netns=dp)
    if not link_exists(EXT_BRIDGE, dp):
        ip("link", "add", EXT_BRIDGE, "type", "bridge", netns=dp)
    ip("link", "set", EXT_BRIDGE, "up", netns=dp)
    if not link_exists("ext-up", dp):
        ip("link", "add", "ext-up", "netns", dp, "type", "veth", "peer", "name", EXT_UPLINK,
           "netns", ext)  # fmt: skip
        ip("link", "set", "ext-up", "master", EXT_BRIDGE, netns=dp)
        ip("addr", "add", f"{EXT_GATEWAY}/24", "dev", EXT_UPLINK, netns=ext)
    ip("link", "set", "ext-up", "up", netns=dp)
    ip("link", "set", EXT_UPLINK, "up", netns=ext)
    # The outside routes the operators' namespaces' replies back to them (localcloud.provider).
    for key, value in (
        ("net.ipv4.ip_forward", "1"),
        ("net.ipv4.conf.all.send_redirects", "0"),
        (f"net.ipv4.conf.{EXT_UPLINK}.send_redirects", "0"),
        ("net.ipv4.conf.all.rp_filter", "0"),
        (f"net.ipv4.conf.{EXT_UPLINK}.rp_filter", "0"),
    ):
        run_in(ext, "sysctl", "-qw", f"{key}={value}")
    # Neutron's iptables firewall filters bridged traffic (br_netfilter is built in here).
    for key in ("net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-ip6tables"):
        run_in(dp, "sysctl", "-qw", f"{key}=1", check=False)
    run_in(dp, "sysctl", "-qw", "net.ipv4.ip_forward=1")
