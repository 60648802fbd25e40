"""Nova and Placement: their configs (one per fake compute host; libvirt's with the data
plane), schemas and cells, the compute hosts' mapping, the flavors and Nova's quotas."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

from localcloud.layout import Layout, render
from localcloud.rest import Session
from localcloud.services import LIBVIRT_FOLDERS, base_env, compute_hosts, libvirt_dir
from localcloud.setup.common import SetupError, run

DATABASES = ("placement", "nova_api", "nova", "nova_cell0")
COMPUTE = ("nova", "compute", "http://127.0.0.1:8774/v2.1")
PLACEMENT = ("placement", "placement", "http://127.0.0.1:8778")

# What the hub program expects of an OVH region.
FLAVORS = (("d2-2", 1, 2048, 25), ("b3-8", 2, 8192, 50), ("r3-16", 2, 16384, 50))
NOVA_QUOTA = {
    "instances": 20,
    "cores": 64,
    "ram": 327680,
    "server_groups": 20,
    "server_group_members": 20,
    "key_pairs": 50,
}


def configure(layout: Layout, values: dict[str, str]) -> None:
    etc, state = layout.etc, layout.state
    render("placement.conf", etc / "placement" / "placement.conf", values)
    render("nova.conf", etc / "nova" / "nova.conf", values)
    render("nova-db.conf", etc / "nova" / "nova-db.conf", values)
    for host in compute_hosts(layout):
        # Each fake compute host is one nova-compute process with its own host name, so that
        # anti-affinity server groups can place one member per host.
        instances = state / "nova" / "instances" / host
        instances.mkdir(parents=True, exist_ok=True)
        text = f"[DEFAULT]\nhost = {host}\ninstances_path = {instances}\n"
        target = etc / "nova" / f"{host}.conf"
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
    if layout.data_plane:
        # The hypervisor namespace's nova-compute and its libvirt (localcloud/templates/dataplane).
        render("dataplane/nova-compute.conf", etc / "nova" / "nova-compute-libvirt.conf", values)
        folder = libvirt_dir(layout)
        for name, _ in LIBVIRT_FOLDERS:
            (folder / name).mkdir(parents=True, exist_ok=True)
        render("dataplane/libvirtd.conf", folder / "etc" / "libvirtd.conf", values)
        render("dataplane/qemu.conf", folder / "etc" / "qemu.conf", values)
    for folder_name in ("nova/instances", "lock/nova"):
        (state / folder_name).mkdir(parents=True, exist_ok=True)


def nova_conf(layout: Layout) -> list[str]:
    """Config arguments of nova-manage: the shared nova.conf plus the database part."""
    folder = layout.etc / "nova"
    return [
        "--config-file",
        str(folder / "nova.conf"),
        "--config-file",
        str(folder / "nova-db.conf"),
    ]


def cell_listing(layout: Layout, command: str) -> str:
    """What `nova-manage cell_v2 <command>` prints (list_cells, list_hosts): a table to search."""
    return subprocess.run(
        ["nova-manage", *nova_conf(layout), "cell_v2", command],
        env=base_env(layout),
        capture_output=True,
        text=True,
        check=False,
    ).stdout


def _nova_schema(layout: Layout, secret: dict[str, str]) -> None:
    conf = nova_conf(layout)
    cell0 = f"mysql+pymysql://openstack:{secret['db_password']}@127.0.0.1:3306/nova_cell0"
    run(layout, ["nova-manage", *conf, "api_db", "sync"], "nova")
    run(
        layout,
        ["nova-manage", *conf, "cell_v2", "map_cell0", "--database_connection", cell0],
        "nova",
    )
    cells = cell_listing(layout, "list_cells")
    if " cell1 " not in cells:
        run(layout, ["nova-manage", *conf, "cell_v2", "create_cell", "--name", "cell1"], "nova")
    run(layout, ["nova-manage", *conf, "db", "sync"], "nova")


def schema_steps(layout: Layout, secret: dict[str, str]) -> dict[str, Callable[[], None]]:
    etc = layout.etc
    return {
        "schema-placement": lambda: run(
            layout,
            [
                "placement-manage",
                "--config-file",
                str(etc / "placement" / "placement.conf"),
                "db",
                "sync",
            ],
            "placement",
        ),
        "schema-nova": lambda: _nova_schema(layout, secret),
    }


def discover_hosts(layout: Layout, timeout: float = 180) -> None:
    """Map every fake compute host into cell1 (repeat until all have registered)."""
    if layout.done("hosts-mapped"):
        return
    conf = nova_conf(layout)
    deadline = time.monotonic() + timeout
    while True:
        run(layout, ["nova-manage", *conf, "cell_v2", "discover_hosts"], "nova")
        listing = cell_listing(layout, "list_hosts")
        if all(f" {host} " in listing for host in compute_hosts(layout)):
            layout.mark("hosts-mapped")
            return
        if time.monotonic() > deadline:
            raise SetupError(f"compute hosts not mapped after {timeout:.0f} s:\n{listing}")
        time.sleep(2)


def seed(admin: Session, layout: Layout) -> None:
    """The flavors an OVH region has."""
    nova = admin.endpoint("compute")
    flavors = {f["name"] for f in admin.get(f"{nova}/flavors?is_public=None")["flavors"]}
    for name, vcpus, ram, disk in FLAVORS:
        if name not in flavors:
            admin.post(
                f"{nova}/flavors",
                {
                    "flavor": {
                        "name": name,
                        "id": name,
                        "vcpus": vcpus,
                        "ram": ram,
                        "disk": disk,
                        "os-flavor-access:is_public": True,
                    }
                },
            )


def quota(admin: Session, project_id: str) -> None:
    admin.put(f"{admin.endpoint('compute')}/os-quota-sets/{project_id}", {"quota_set": NOVA_QUOTA})
