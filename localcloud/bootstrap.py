"""One-time setup of the local cloud: configs, databases, schema, Keystone catalog, seed data.

Every step is idempotent: one-time steps leave a mark under .local-cloud/done/, API objects are
looked up before they are created, so `start` after `stop` skips straight to the processes.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path

from localcloud.layout import (
    ADMIN_PROJECT,
    ADMIN_USER,
    DR_PROJECT,
    DR_REGION,
    HUB_PROJECT,
    HUB_USER,
    REGION,
    SERVICE_USER,
    Layout,
    render,
    template_values,
)
from localcloud.regions import endpoint_url
from localcloud.rest import ApiError, Session
from localcloud.services import (
    LIBVIRT_FOLDERS,
    base_env,
    compute_hosts,
    libvirt_dir,
    mariadb_query,
)

DATABASES = (
    "keystone",
    "glance",
    "placement",
    "nova_api",
    "nova",
    "nova_cell0",
    "neutron",
    "cinder",
    "barbican",
)

# (service name, type, URL path after http://127.0.0.1:PORT)
CATALOG = (
    ("keystone", "identity", "http://127.0.0.1:5000/v3"),
    ("nova", "compute", "http://127.0.0.1:8774/v2.1"),
    ("neutron", "network", "http://127.0.0.1:9696"),
    ("placement", "placement", "http://127.0.0.1:8778"),
    ("glance", "image", "http://127.0.0.1:9292"),
    ("cinderv3", "volumev3", "http://127.0.0.1:8776/v3/%(project_id)s"),
    ("swift", "object-store", "http://127.0.0.1:8080/v1/AUTH_%(project_id)s"),
    ("barbican", "key-manager", "http://127.0.0.1:9311"),
)

# What the hub program expects of an OVH region.
FLAVORS = (("d2-2", 1, 2048, 25), ("b3-8", 2, 8192, 50), ("r3-16", 2, 16384, 50))
IMAGE_NAME = "Debian 12"
VOLUME_TYPES = ("classic", "high-speed")
LUKS_SPEC = {
    "provider": "luks",
    "cipher": "aes-xts-plain64",
    "key_size": 256,
    "control_location": "front-end",
}
EXT_NET = "Ext-Net"
EXT_CIDR = "203.0.113.0/24"  # TEST-NET-3 (RFC 5737): an API object only, nothing routes there.
NOVA_QUOTA = {
    "instances": 20,
    "cores": 64,
    "ram": 327680,
    "server_groups": 20,
    "server_group_members": 20,
    "key_pairs": 50,
}
CINDER_QUOTA = {
    "volumes": 40,
    "snapshots": 40,
    "gigabytes": 4000,
    "backups": 20,
    "backup_gigabytes": 4000,
}
NEUTRON_QUOTA = {
    "network": 20,
    "subnet": 40,
    "port": 300,
    "router": 10,
    "floatingip": 30,
    "security_group": 30,
    "security_group_rule": 300,
}


class SetupError(RuntimeError):
    pass


def run(
    layout: Layout,
    argv: list[str],
    log_name: str,
    env: dict[str, str] | None = None,
    timeout: float = 900,
) -> None:
    """Run one setup command, output appended to log/setup-<log_name>.log; raise on failure."""
    full_env = base_env(layout)
    full_env.update(env or {})
    log = layout.log / f"setup-{log_name}.log"
    with open(log, "ab") as out:
        out.write(f"\n==== {' '.join(argv)}\n".encode())
        out.flush()
        result = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=layout.state,
            timeout=timeout,
            check=False,
        )
    if result.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-25:]
        raise SetupError(f"{argv[0]} failed ({result.returncode}), see {log}:\n" + "\n".join(tail))


# ---------------------------------------------------------------------------- configs


def write_configs(layout: Layout, secret: dict[str, str]) -> None:
    values = template_values(layout, secret)
    etc, state = layout.etc, layout.state
    render("mariadb.cnf", etc / "mariadb.cnf", values)
    render("rabbitmq.conf", etc / "rabbitmq.conf", values)
    rabbit_home = state / "rabbitmq"
    rabbit_home.mkdir(parents=True, exist_ok=True)
    plugins = rabbit_home / "enabled_plugins"
    if not plugins.exists():
        plugins.write_text("[].\n")
    render("keystone.conf", etc / "keystone" / "keystone.conf", values)
    render("glance-api.conf", etc / "glance" / "glance-api.conf", values)
    render("placement.conf", etc / "placement" / "placement.conf", values)
    render("neutron.conf", etc / "neutron" / "neutron.conf", values)
    plane = "dataplane/" if layout.data_plane else ""
    render(f"{plane}ml2_conf.ini", etc / "neutron" / "ml2_conf.ini", values)
    render("neutron-policy.yaml", etc / "neutron" / "policy.yaml", values)
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
        write_dataplane_configs(layout, values)
    render("cinder.conf", etc / "cinder" / "cinder.conf", values)
    render("barbican.conf", state / "barbican" / "home" / ".barbican" / "barbican.conf", values)
    for kind in ("account", "container", "object", "proxy"):
        render(f"swift-{kind}.conf", etc / "swift" / f"{kind}-server.conf", values)
    for folder in (
        "glance/images",
        "glance/staging",
        "glance/tasks",
        "glance/cache",
        "swift/devices/d1",
        "swift/etc",
        "nova/instances",
        "cinder/volumes",
        "neutron",
        "keystone",
        "lock/glance",
        "lock/neutron",
        "lock/nova",
        "lock/cinder",
        "mariadb",
    ):
        (state / folder).mkdir(parents=True, exist_ok=True)


def write_dataplane_configs(layout: Layout, values: dict[str, str]) -> None:
    """Configs of the hypervisor namespace's services (localcloud/templates/dataplane)."""
    etc = layout.etc
    for name in (
        "neutron-dataplane.conf",
        "linuxbridge_agent.ini",
        "dhcp_agent.ini",
        "dnsmasq.conf",
        "l3_agent.ini",
    ):
        render(f"dataplane/{name}", etc / "neutron" / name, values)
    (layout.log / "dnsmasq").mkdir(parents=True, exist_ok=True)
    render("dataplane/nova-compute.conf", etc / "nova" / "nova-compute-libvirt.conf", values)
    render("dataplane/chrony.conf", etc / "chrony.conf", values)
    folder = libvirt_dir(layout)
    for name, _ in LIBVIRT_FOLDERS:
        (folder / name).mkdir(parents=True, exist_ok=True)
    render("dataplane/libvirtd.conf", folder / "etc" / "libvirtd.conf", values)
    render("dataplane/qemu.conf", folder / "etc" / "qemu.conf", values)
    (layout.state / "chrony").mkdir(parents=True, exist_ok=True)


def build_swift_rings(layout: Layout) -> None:
    """One replica, one device (a directory) per ring: enough for the API to be real."""
    if layout.done("swift-rings"):
        return
    ring_dir = layout.state / "swift" / "etc"
    for kind, port in (("account", 6202), ("container", 6201), ("object", 6200)):
        builder = str(ring_dir / f"{kind}.builder")
        Path(builder).unlink(missing_ok=True)
        run(layout, ["swift-ring-builder", builder, "create", "6", "1", "1"], "swift")
        run(
            layout,
            ["swift-ring-builder", builder, "add", f"r1z1-127.0.0.1:{port}/d1", "100"],
            "swift",
        )
        run(layout, ["swift-ring-builder", builder, "rebalance"], "swift")
    layout.mark("swift-rings")


def init_mariadb(layout: Layout) -> None:
    if layout.done("mariadb-init"):
        return
    data = layout.state / "mariadb" / "data"
    shutil.rmtree(data, ignore_errors=True)
    run(
        layout,
        [
            "/usr/bin/mariadb-install-db",
            f"--defaults-file={layout.etc / 'mariadb.cnf'}",
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
        ],
        "mariadb",
    )
    layout.mark("mariadb-init")


def create_databases(layout: Layout, secret: dict[str, str]) -> None:
    if layout.done("databases"):
        return
    password = secret["db_password"]
    sql = [f"CREATE USER IF NOT EXISTS 'openstack'@'127.0.0.1' IDENTIFIED BY '{password}';"]
    for name in DATABASES:
        sql.append(f"CREATE DATABASE IF NOT EXISTS {name} CHARACTER SET utf8mb3;")
        sql.append(f"GRANT ALL PRIVILEGES ON {name}.* TO 'openstack'@'127.0.0.1';")
    sql.append("FLUSH PRIVILEGES;")
    sql_file = layout.run / "create-databases.sql"
    sql_file.write_text("\n".join(sql) + "\n")
    run(
        layout,
        [
            "/usr/bin/mariadb",
            f"--defaults-file={layout.etc / 'mariadb.cnf'}",
            "-uroot",
            "-e",
            f"source {sql_file}",
        ],
        "mariadb",
    )
    sql_file.unlink()
    layout.mark("databases")


# ---------------------------------------------------------------------------- schemas


def nova_conf(layout: Layout) -> list[str]:
    """Config arguments of nova-manage: the shared nova.conf plus the database part."""
    folder = layout.etc / "nova"
    return [
        "--config-file",
        str(folder / "nova.conf"),
        "--config-file",
        str(folder / "nova-db.conf"),
    ]


def write_fernet_repository(folder: Path) -> None:
    """A Fernet key repository as keystone-manage creates it: key 0 staged, key 1 primary."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    for index in ("0", "1"):
        key = folder / index
        if not key.exists():
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())


def _keystone_schema(layout: Layout, secret: dict[str, str]) -> None:
    conf = ["--config-file", str(layout.etc / "keystone" / "keystone.conf")]
    run(layout, ["keystone-manage", *conf, "db_sync"], "keystone")
    # What fernet_setup and credential_setup would do, without two more keystone-manage
    # start-ups (10 to 30 s each on a busy machine) on the critical path of a cold start.
    for folder in ("fernet-keys", "credential-keys"):
        write_fernet_repository(layout.state / "keystone" / folder)
    run(
        layout,
        [
            "keystone-manage",
            *conf,
            "bootstrap",
            "--bootstrap-password",
            secret["admin_password"],
            "--bootstrap-username",
            ADMIN_USER,
            "--bootstrap-project-name",
            ADMIN_PROJECT,
            "--bootstrap-role-name",
            "admin",
            "--bootstrap-service-name",
            "keystone",
            "--bootstrap-region-id",
            REGION,
            "--bootstrap-admin-url",
            "http://127.0.0.1:5000/v3",
            "--bootstrap-internal-url",
            "http://127.0.0.1:5000/v3",
            "--bootstrap-public-url",
            "http://127.0.0.1:5000/v3",
        ],
        "keystone",
    )


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
    """Each service's schema migration, keyed by the mark it leaves when done."""
    etc = layout.etc
    barbican_env = {"HOME": str(layout.state / "barbican" / "home")}
    barbican_db = f"mysql+pymysql://openstack:{secret['db_password']}@127.0.0.1:3306/barbican"
    return {
        "schema-keystone": lambda: _keystone_schema(layout, secret),
        "schema-glance": lambda: run(
            layout,
            ["glance-manage", "--config-file", str(etc / "glance" / "glance-api.conf"), "db_sync"],
            "glance",
        ),
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
        "schema-neutron": lambda: run(
            layout,
            [
                "neutron-db-manage",
                "--config-file",
                str(etc / "neutron" / "neutron.conf"),
                "--config-file",
                str(etc / "neutron" / "ml2_conf.ini"),
                "upgrade",
                "heads",
            ],
            "neutron",
        ),
        "schema-cinder": lambda: run(
            layout,
            ["cinder-manage", "--config-file", str(etc / "cinder" / "cinder.conf"), "db", "sync"],
            "cinder",
        ),
        "schema-barbican": lambda: run(
            layout,
            ["barbican-manage", "db", "upgrade", "--db-url", barbican_db],
            "barbican",
            env=barbican_env,
        ),
    }


def start_schemas(
    layout: Layout, secret: dict[str, str], pool: ThreadPoolExecutor
) -> dict[str, Future[None]]:
    """Launch every schema migration not done yet, concurrently (they wait on the database
    more than on the CPU)."""
    futures: dict[str, Future[None]] = {}
    for mark, step in schema_steps(layout, secret).items():
        if layout.done(mark):
            continue

        def job(mark: str = mark, step: Callable[[], None] = step) -> None:
            began = time.monotonic()
            step()
            layout.mark(mark)
            print(
                f"local-cloud:   {mark} done in {time.monotonic() - began:.0f} s",
                file=sys.stderr,
                flush=True,
            )

        futures[mark] = pool.submit(job)
    return futures


# ---------------------------------------------------------------------------- Keystone


def register_identity(layout: Layout, secret: dict[str, str]) -> None:
    """Regions, service user, catalog, hub projects and user: everything Keystone must know."""
    if layout.done("identity"):
        return
    admin = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)
    ks = "http://127.0.0.1:5000/v3"

    regions = {r["id"] for r in admin.get(f"{ks}/regions")["regions"]}
    for region, text in (
        (REGION, "local cloud, primary region"),
        (DR_REGION, "local cloud, DR region (LOCAL1's services behind endpoints of its own)"),
    ):
        if region not in regions:
            admin.post(f"{ks}/regions", {"region": {"id": region, "description": text}})

    roles = {r["name"]: r["id"] for r in admin.get(f"{ks}/roles")["roles"]}
    for role in ("service", "member", "reader", "creator", "ResellerAdmin", "swiftoperator"):
        if role not in roles:
            roles[role] = admin.post(f"{ks}/roles", {"role": {"name": role}})["role"]["id"]

    projects = admin.get(f"{ks}/projects")["projects"]
    project_ids: dict[str, str] = {p["name"]: p["id"] for p in projects}
    for name, text in (
        ("service", "OpenStack service users"),
        (HUB_PROJECT, "Sovereign Hub, local site"),
        (DR_PROJECT, "Sovereign Hub, disaster-recovery drill"),
    ):
        if name not in project_ids:
            project_ids[name] = admin.post(
                f"{ks}/projects",
                {"project": {"name": name, "domain_id": "default", "description": text}},
            )["project"]["id"]

    users = {u["name"]: u["id"] for u in admin.get(f"{ks}/users")["users"]}
    for name, password, project in (
        (SERVICE_USER, secret["service_password"], "service"),
        (HUB_USER, secret["hub_admin_password"], HUB_PROJECT),
    ):
        if name not in users:
            users[name] = admin.post(
                f"{ks}/users",
                {
                    "user": {
                        "name": name,
                        "domain_id": "default",
                        "password": password,
                        "default_project_id": project_ids[project],
                    }
                },
            )["user"]["id"]
    grants = [("service", SERVICE_USER, "admin"), ("service", SERVICE_USER, "service")]
    for project in (HUB_PROJECT, DR_PROJECT):
        grants += [
            (project, HUB_USER, "admin"),
            (project, HUB_USER, "member"),
            (project, HUB_USER, "creator"),
        ]
    # Grants and endpoints go out four at a time: one by one, the ~60 calls took over a minute
    # of a cold start while the schema migrations kept both cores busy.
    calls: list[Callable[[], object]] = [
        partial(admin.put, f"{ks}/projects/{project_ids[p]}/users/{users[u]}/roles/{roles[r]}")
        for p, u, r in grants
    ]

    services = {s["type"]: s["id"] for s in admin.get(f"{ks}/services")["services"]}
    endpoints = admin.get(f"{ks}/endpoints")["endpoints"]
    have = {(e["service_id"], e["region_id"], e["interface"]) for e in endpoints}
    for name, kind, url in CATALOG:
        if kind not in services:
            services[kind] = admin.post(
                f"{ks}/services", {"service": {"name": name, "type": kind, "enabled": True}}
            )["service"]["id"]
        for region in (REGION, DR_REGION):
            for interface in ("public", "internal", "admin"):
                if (services[kind], region, interface) in have:
                    continue
                body = {
                    "endpoint": {
                        "service_id": services[kind],
                        "region_id": region,
                        "interface": interface,
                        "url": endpoint_url(region, url),
                        "enabled": True,
                    }
                }
                calls.append(partial(admin.post, f"{ks}/endpoints", body))
    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(call) for call in calls]:
            future.result()
    layout.mark("identity")


def register_region_endpoints(layout: Layout, secret: dict[str, str]) -> None:
    """LOCAL2's endpoints through the region gateway: a cloud registered before LOCAL2 had
    ports of its own gets its endpoints moved on its next start (idempotent)."""
    admin = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)
    ks = "http://127.0.0.1:5000/v3"
    for endpoint in admin.get(f"{ks}/endpoints?region_id={DR_REGION}")["endpoints"]:
        wanted = endpoint_url(DR_REGION, endpoint["url"])
        if wanted != endpoint["url"]:
            admin.call("PATCH", f"{ks}/endpoints/{endpoint['id']}", {"endpoint": {"url": wanted}})


# Roles a research workspace grants (hubcore/workspaceroles.py) and the site's data officers.
WORKSPACE_ROLES = ("hub-ws-member", "hub-data-officer", "observer")
OFFICER_USER = "hub-data-officer"
# The airlock's two-person rule needs two distinct officers (the local site's hub:dataOfficers):
# user name -> its key in secrets.json. `env officer` is the first, `env officer 2` the second.
OFFICERS = {OFFICER_USER: "officer_password", f"{OFFICER_USER}-2": "officer2_password"}


def register_workspace_identity(layout: Layout, secret: dict[str, str]) -> None:
    """The roles workspaces grant and the local site's data officers (hub:dataOfficers).

    A step of its own, so that a cloud set up before workspaces existed gets them on its next
    start; its mark names the second officer, whom a cloud set up before the airlock lacks.
    """
    if layout.done("airlock-identity"):
        return
    admin = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)
    ks = "http://127.0.0.1:5000/v3"
    roles = {r["name"] for r in admin.get(f"{ks}/roles")["roles"]}
    for role in WORKSPACE_ROLES:
        if role not in roles:
            admin.post(f"{ks}/roles", {"role": {"name": role}})
    users = {u["name"] for u in admin.get(f"{ks}/users")["users"]}
    for number, (name, key) in enumerate(OFFICERS.items(), start=1):
        if name in users:
            continue
        admin.post(
            f"{ks}/users",
            {
                "user": {
                    "name": name,
                    "domain_id": "default",
                    "password": secret[key],
                    "description": f"the local site's data officer {number}: reviews airlock "
                    "requests and reads outboxes and release areas",
                }
            },
        )
    layout.mark("workspace-identity")
    layout.mark("airlock-identity")


def purge_deleted_secrets(layout: Layout, secret: dict[str, str]) -> None:
    """`barbican-manage db clean`: Barbican deletes secrets softly; this removes their rows."""
    barbican_db = f"mysql+pymysql://openstack:{secret['db_password']}@127.0.0.1:3306/barbican"
    run(
        layout,
        ["barbican-manage", "db", "clean", "--db-url", barbican_db, "--min-days", "0", "--verbose"],
        "barbican-purge",
        env={"HOME": str(layout.state / "barbican" / "home")},
    )


def secret_rows(layout: Layout, ids: list[str]) -> dict[str, int]:
    """How many rows (deleted or not) Barbican's database still holds for each secret id."""
    counts: dict[str, int] = {}
    for secret_id in ids:
        if not all(c in "0123456789abcdef-" for c in secret_id):
            raise SetupError(f"not a secret id: {secret_id!r}")
        query = f"SELECT COUNT(*) FROM barbican.secrets WHERE id = '{secret_id}'"
        out = mariadb_query(layout, query, check=True).stdout.strip()
        counts[secret_id] = int(out or "0")
    return counts


# ---------------------------------------------------------------------------- Nova cells


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


def wait_agents(session: Session, layout: Layout, timeout: float = 180) -> None:
    """Wait until every compute host is up and a volume can be scheduled (and, with the data
    plane, Neutron's Linux bridge, DHCP and L3 agents are alive).

    A cinder-volume reported `up` is not enough: until the volume scheduler has received that
    backend's capabilities, every volume created goes straight to `error` (no valid backend).
    The scheduler's pool list is what it will place volumes on.
    """
    nova = session.endpoint("compute")
    cinder = session.endpoint("volumev3")
    neutron = session.endpoint("network")
    hosts = compute_hosts(layout)
    wanted_agents = {"Linux bridge agent", "DHCP agent", "L3 agent"} if layout.data_plane else set()
    deadline = time.monotonic() + timeout
    while True:
        computes = session.get(f"{nova}/os-services?binary=nova-compute", retries=3)["services"]
        up = {s["host"] for s in computes if s["state"] == "up" and s["status"] == "enabled"}
        volumes = session.get(f"{cinder}/os-services", retries=3)["services"]
        volume_up = any(s["binary"] == "cinder-volume" and s["state"] == "up" for s in volumes)
        pools = session.get(f"{cinder}/scheduler-stats/get_pools", retries=3)["pools"]
        hypervisors = session.get(f"{nova}/os-hypervisors", retries=3)["hypervisors"]
        agents = session.get(f"{neutron}/v2.0/agents", retries=3)["agents"] if wanted_agents else []
        alive = {a["agent_type"] for a in agents if a["alive"]}
        if (
            set(hosts) <= up
            and volume_up
            and pools
            and len(hypervisors) >= len(hosts)
            and wanted_agents <= alive
        ):
            return
        if time.monotonic() > deadline:
            raise SetupError(
                f"agents not up after {timeout:.0f} s: computes up {sorted(up)}, "
                f"cinder-volume up {volume_up}, volume pools known to the scheduler "
                f"{[p['name'] for p in pools]}, network agents alive {sorted(alive)}"
            )
        time.sleep(1)


# ---------------------------------------------------------------------------- seed data


def tiny_qcow2(virtual_size: int = 1 << 30) -> bytes:
    """A valid, empty qcow2 (version 3) image: header, refcount table and block, L1 table.

    Glance inspects uploaded images against their declared format, so the bytes must really be
    qcow2; four 64 KiB clusters are enough and need no qemu-img.
    """
    cluster_bits = 16
    cluster = 1 << cluster_bits
    l1_entries = -(-virtual_size // (cluster * (cluster // 8)))
    header = struct.pack(
        ">4sIQIIQIIQQIIQQQQII",
        b"QFI\xfb",
        3,
        0,
        0,
        cluster_bits,
        virtual_size,
        0,
        l1_entries,
        3 * cluster,  # L1 table offset
        1 * cluster,  # refcount table offset
        1,
        0,
        0,  # refcount table clusters, snapshots, snapshots offset
        0,
        0,
        0,  # incompatible, compatible, autoclear features
        4,
        104,  # refcount order (16-bit refcounts), header length
    )
    header += b"\0" * 8  # end of header extensions
    refcount_table = struct.pack(">Q", 2 * cluster)
    refcount_block = struct.pack(">4H", 1, 1, 1, 1)
    image = bytearray(4 * cluster)
    image[0 : len(header)] = header
    image[cluster : cluster + 8] = refcount_table
    image[2 * cluster : 2 * cluster + 8] = refcount_block
    return bytes(image)


def volume_backend(layout: Layout) -> str:
    """The Cinder backend the volume types are bound to (cinder.conf's enabled backend)."""
    return "localfiles" if layout.data_plane else "fake"


def seed(layout: Layout, secret: dict[str, str]) -> None:
    """Flavors, image, volume types, external network and quotas, as an OVH region has them."""
    if layout.done("seed"):
        return
    admin = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)
    ks = "http://127.0.0.1:5000/v3"
    projects = {p["name"]: p["id"] for p in admin.get(f"{ks}/projects")["projects"]}
    nova = admin.endpoint("compute")
    glance = admin.endpoint("image")
    cinder = admin.endpoint("volumev3")
    neutron = admin.endpoint("network")

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

    images = admin.get(f"{glance}/v2/images?name={IMAGE_NAME.replace(' ', '%20')}")["images"]
    if not [i for i in images if i["status"] == "active"]:
        for stale in images:
            admin.call("DELETE", f"{glance}/v2/images/{stale['id']}")
        image = admin.post(
            f"{glance}/v2/images",
            {
                "name": IMAGE_NAME,
                "disk_format": "qcow2",
                "container_format": "bare",
                "visibility": "public",
                "os_distro": "debian",
                "os_version": "12",
                "min_disk": 1,
                "min_ram": 256,
            },
        )
        admin.put(
            f"{glance}/v2/images/{image['id']}/file",
            tiny_qcow2(),
            headers={"Content-Type": "application/octet-stream"},
        )

    types = {t["name"]: t["id"] for t in admin.get(f"{cinder}/types")["volume_types"]}
    for base in VOLUME_TYPES:
        for name, encrypted in ((base, False), (f"{base}-luks", True)):
            what = f"LUKS-encrypted {base}" if encrypted else base
            if name not in types:
                types[name] = admin.post(
                    f"{cinder}/types",
                    {
                        "volume_type": {
                            "name": name,
                            "os-volume-type-access:is_public": True,
                            "description": f"{what} volumes",
                            "extra_specs": {"volume_backend_name": volume_backend(layout)},
                        }
                    },
                )["volume_type"]["id"]
            if encrypted:
                existing = admin.get(f"{cinder}/types/{types[name]}/encryption")
                if not existing or not existing.get("provider"):
                    admin.post(
                        f"{cinder}/types/{types[name]}/encryption", {"encryption": LUKS_SPEC}
                    )

    nets = admin.get(f"{neutron}/v2.0/networks?name={EXT_NET}")["networks"]
    if nets:
        net_id = nets[0]["id"]
    else:
        net_id = admin.post(
            f"{neutron}/v2.0/networks",
            {
                "network": {
                    "name": EXT_NET,
                    "router:external": True,
                    "shared": False,
                    "provider:network_type": "flat",
                    "provider:physical_network": "public",
                    "description": "external network (API object only: nothing routes here)",
                }
            },
        )["network"]["id"]
    if not admin.get(f"{neutron}/v2.0/subnets?network_id={net_id}")["subnets"]:
        admin.post(
            f"{neutron}/v2.0/subnets",
            {
                "subnet": {
                    "name": f"{EXT_NET}-subnet",
                    "network_id": net_id,
                    "ip_version": 4,
                    "cidr": EXT_CIDR,
                    "gateway_ip": "203.0.113.1",
                    "enable_dhcp": False,
                    "allocation_pools": [{"start": "203.0.113.10", "end": "203.0.113.250"}],
                }
            },
        )

    for project in (HUB_PROJECT, DR_PROJECT):
        pid = projects[project]
        admin.put(f"{nova}/os-quota-sets/{pid}", {"quota_set": NOVA_QUOTA})
        admin.put(f"{cinder}/os-quota-sets/{pid}", {"quota_set": CINDER_QUOTA})
        admin.put(f"{neutron}/v2.0/quotas/{pid}", {"quota": NEUTRON_QUOTA})
    layout.mark("seed")


def check_api(session: Session) -> None:
    """A cheap authenticated call on every service, so `start` only returns once they serve."""
    for kind, path in (
        ("compute", "/flavors"),
        ("network", "/v2.0/networks"),
        ("image", "/v2/images"),
        ("volumev3", "/types"),
        ("placement", "/resource_providers"),
        ("key-manager", "/v1/secrets"),
        ("object-store", ""),
    ):
        try:
            session.get(
                session.endpoint(kind) + path,
                retries=20,
                headers={"OpenStack-API-Version": "placement 1.0"} if kind == "placement" else None,
            )
        except ApiError as err:
            raise SetupError(f"{kind} API not serving: {err}") from err
