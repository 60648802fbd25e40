"""A second data-plane cloud on the machine: it leaves the first one's routers plugged, and
`scripts/local-cloud stop` of it leaves no namespace, bridge, tap or qemu process behind.

The shared cloud serves the user's site and is never stopped: this starts a private data-plane
cloud in a network namespace of its own (its state under .cache/, so later runs start warm),
boots a server on it (a qemu guest, its taps and bridges, a router's and a network's
namespaces), stops and starts it (the guest comes back through hubctl's wait for a host's boot),
then stops it. Before it starts, a router with an interface is made on the tier's
own cloud (the user's, after `make up`): Neutron's L3 agent unplugs at start every router
namespace it does not know, and it must not know the other cloud's.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hubcore import procfs
from hubcore.paths import REPO_ROOT
from hubctl.cloud import connect_from_env
from localcloud import netns
from localcloud.layout import default_layout

pytestmark = pytest.mark.dataplane

SCRIPT = str(REPO_ROOT / "scripts" / "local-cloud")
STATE = REPO_ROOT / ".cache" / "local-cloud-stop-test"
CONTROL = f"hubtest-stop-{netns.cloud_id(STATE)}"

# Runs inside the private cloud's control namespace, as its hub user.
BOOT = textwrap.dedent(
    """
    import base64, openstack, sys, time
    conn = openstack.connect(cloud="local")
    # An earlier run's server (the cloud's state is kept under .cache/): one server by the name.
    for old in list(conn.compute.servers(name="^stop-test$")):
        conn.compute.delete_server(old)
        conn.compute.wait_for_delete(old, wait=600)
    net = conn.network.create_network(name="stop-test")
    subnet = conn.network.create_subnet(network_id=net.id, cidr="10.60.1.0/24", ip_version=4)
    ext = conn.network.find_network("Ext-Net")
    router = conn.network.create_router(
        name="stop-test", external_gateway_info={"network_id": ext.id}
    )
    conn.network.add_interface_to_router(router, subnet=subnet.id)
    server = conn.compute.create_server(
        name="stop-test", flavor_id=conn.compute.find_flavor("d2-2").id,
        networks=[{"uuid": net.id}], config_drive=True,
        # As the hub's hosts: no locale generated at boot (the image has none but C.UTF-8),
        # so that cloud-init reports no failed module and its boot reads as finished.
        user_data=base64.b64encode(b"#cloud-config\\nlocale: C.UTF-8\\n").decode(),
        block_device_mapping=[{
            "uuid": conn.image.find_image("Debian 12").id, "source_type": "image",
            "destination_type": "volume", "volume_size": 3, "boot_index": 0,
            "delete_on_termination": True,
        }],
    )
    server = conn.compute.wait_for_server(server, wait=1500)
    print(server.status)
    """
)

# Runs inside the private cloud's control namespace: hubctl's wait for a host's boot.
WAIT = textwrap.dedent(
    """
    import json, openstack, sys
    from hubctl.cloud import hosts_of
    from hubctl.hosts import boot
    conn = openstack.connect(cloud="local")
    said = []
    [read] = boot.wait(hosts_of(conn), {"app": ["stop-test"]}, timeout_s=1500, say=said.append)
    print(json.dumps({
        "state": read.state, "started": read.started, "said": said[:-1],
    }))
    print(read.line(), file=sys.stderr)
    """
)


def in_control(*argv: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCAL_CLOUD_DIR": str(STATE), "LOCAL_CLOUD_DATA_PLANE": "1"}
    return subprocess.run(
        ["nsenter", f"--net={netns.NETNS_DIR / CONTROL}", *argv],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def links(namespace: Path | None = None) -> set[str]:
    """The links of the machine's namespace, or of `namespace`."""
    out = netns.ip("-o", "link", netns=namespace)
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}


def qemu_of(state: Path) -> list[int]:
    """qemu processes whose disks or console live under this cloud's state folder."""
    found = []
    for pid in procfs.pids():
        try:
            cmdline = (procfs.PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "qemu-system" in cmdline and str(state) in cmdline:
            found.append(pid)
    return found


def agent_namespaces(agents: Path, within_s: float) -> list[str]:
    """The routers' and networks' namespaces under `agents`, once there is one, or [] when
    none came within `within_s` seconds."""
    deadline = time.monotonic() + within_s
    while True:
        found = [n for n in netns.names(agents) if n.startswith(("qrouter-", "qdhcp-"))]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(2)


@dataclass
class Neighbour:
    """A router of the tier's own cloud, with an interface: its L3 namespace and devices."""

    namespace: Path
    devices: set[str]


@pytest.fixture(scope="module")
def neighbour(data_plane: dict[str, str]) -> Iterator[Neighbour]:
    conn: Any = connect_from_env(data_plane)
    net = conn.network.create_network(name="stop-test-neighbour")
    router = None
    try:
        subnet = conn.network.create_subnet(
            network_id=net.id, cidr="10.61.1.0/24", ip_version=4, enable_dhcp=False
        )
        router = conn.network.create_router(name="stop-test-neighbour")
        conn.network.add_interface_to_router(router, subnet=subnet.id)
        namespace = netns.agents_folder(default_layout().state) / f"qrouter-{router.id}"
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            found = links(namespace) if netns.exists(namespace) else set()
            if any(name.startswith("qr-") for name in found):
                break
            time.sleep(2)
        assert any(n.startswith("qr-") for n in found), f"{namespace}: {sorted(found)}"
        yield Neighbour(namespace, found)
    finally:
        if router is not None:
            for port in conn.network.ports(device_id=router.id):
                conn.network.remove_interface_from_router(router, port=port.id)
            conn.network.delete_router(router)
        conn.network.delete_network(net)


@dataclass
class SecondCloud:
    """The private data-plane cloud, booted, and what the machine had before it started."""

    links: set[str]
    namespaces: set[str]
    clouds: str = ""  # its clouds.yaml


@pytest.fixture(scope="module")
def second_cloud(neighbour: Neighbour) -> Iterator[SecondCloud]:
    before = SecondCloud(links(), set(netns.names()))
    netns.add(CONTROL)
    try:
        started = in_control(SCRIPT, "start")
        assert started.returncode == 0, started.stderr[-3000:]
        env = in_control(SCRIPT, "env")
        exports = dict(
            line.removeprefix("export ").split("=", 1)
            for line in env.stdout.splitlines()
            if line.startswith("export ")
        )
        clouds = exports["OS_CLIENT_CONFIG_FILE"].strip("'")
        booted = subprocess.run(
            ["nsenter", f"--net={netns.NETNS_DIR / CONTROL}", str(REPO_ROOT / ".venv/bin/python"),
             "-c", BOOT],
            env={**os.environ, "OS_CLIENT_CONFIG_FILE": clouds},
            capture_output=True, text=True, timeout=1800, check=False,
        )  # fmt: skip
        assert booted.returncode == 0 and "ACTIVE" in booted.stdout, booted.stderr[-3000:]
        before.clouds = clouds
        yield before
    finally:
        in_control(SCRIPT, "stop", timeout=600)
        netns.delete(CONTROL)


def test_a_second_cloud_leaves_the_first_ones_routers_plugged(
    neighbour: Neighbour, second_cloud: SecondCloud
) -> None:
    # The second cloud's L3 agent has synced: its own router's namespace is there.
    agents = netns.agents_folder(STATE)
    assert [n for n in netns.names(agents) if n.startswith("qrouter-")]
    assert netns.exists(neighbour.namespace)
    assert links(neighbour.namespace) == neighbour.devices


def test_a_host_the_clouds_restart_stopped_boots_again_through_hubctls_wait(
    second_cloud: SecondCloud,
) -> None:
    """After a stop and start (a machine's reboot), Nova first says ACTIVE of a guest that no
    longer runs, then SHUTOFF: `hubctl up`'s wait starts it and reads its new boot."""
    stopped = in_control(SCRIPT, "stop", timeout=600)
    assert stopped.returncode == 0, stopped.stderr[-3000:]
    assert qemu_of(STATE) == []
    started = in_control(SCRIPT, "start")
    assert started.returncode == 0, started.stderr[-3000:]
    waited = subprocess.run(
        ["nsenter", f"--net={netns.NETNS_DIR / CONTROL}", str(REPO_ROOT / ".venv/bin/python"),
         "-c", WAIT],
        cwd=REPO_ROOT, env={**os.environ, "OS_CLIENT_CONFIG_FILE": second_cloud.clouds},
        capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    assert waited.returncode == 0, waited.stderr[-3000:]
    assert json.loads(waited.stdout.splitlines()[-1]) == {
        "state": "finished",
        "started": True,
        "said": ["stop-test (app): was SHUTOFF, started it"],
    }, waited.stderr[-2000:]
    assert qemu_of(STATE)


def test_stop_leaves_no_namespace_link_or_guest(second_cloud: SecondCloud) -> None:
    ours = [n for n in netns.names() if n.startswith(netns.cloud_id(STATE))]
    assert netns.dataplane(STATE) in ours and qemu_of(STATE)
    agents = netns.agents_folder(STATE)
    # The agents rebuild their namespaces after the restart of the test before, in their own
    # time (their full sync): the stop below must find some to remove.
    assert agent_namespaces(agents, within_s=600)
    stopped = in_control(SCRIPT, "stop", timeout=600)
    assert stopped.returncode == 0, stopped.stderr[-3000:]
    assert set(netns.names()) - second_cloud.namespaces == {CONTROL}
    assert netns.names(agents) == [] and not netns.mounted(agents)
    assert qemu_of(STATE) == []
    assert links() == second_cloud.links
