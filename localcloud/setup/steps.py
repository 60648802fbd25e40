"""The bootstrap's steps across services: each walks the service modules of localcloud/setup/.

`scripts/local-cloud start` (commands/start.py) runs the steps in this order, a contract, starting
processes in between: write_configs, swift.build_swift_rings, infrastructure.init_mariadb,
(MariaDB and RabbitMQ), create_databases, start_schemas (Keystone's awaited first), (Keystone),
keystone.register_identity with CATALOG, keystone.register_workspace_identity, (every schema
awaited, then the other services), keystone.register_region_endpoints, nova.discover_hosts,
wait_agents with check_api, seed. Where an order below differs from SERVICES' it is spelt out:
it is the order the services were set up in before each had a module.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import ModuleType

from localcloud.layout import (
    ADMIN_PROJECT,
    ADMIN_USER,
    DR_PROJECT,
    HUB_PROJECT,
    Layout,
    template_values,
)
from localcloud.rest import ApiError, Session
from localcloud.services import compute_hosts
from localcloud.setup import (
    barbican,
    cinder,
    glance,
    infrastructure,
    keystone,
    neutron,
    nova,
    swift,
)
from localcloud.setup.common import SetupError

# Databases, configs and schema migrations walk the services in this order (configs after
# MariaDB's and RabbitMQ's, infrastructure.configure).
SERVICES: tuple[ModuleType, ...] = (keystone, glance, nova, neutron, cinder, swift, barbican)

# Keystone's catalog, in the order it is registered: (service name, type, URL).
CATALOG = (
    keystone.IDENTITY,
    nova.COMPUTE,
    neutron.NETWORK,
    nova.PLACEMENT,
    glance.IMAGE,
    cinder.VOLUME,
    swift.OBJECT_STORE,
    barbican.KEY_MANAGER,
)
# What the seed step creates, in order: flavors, image, volume types, external network; then
# each project's quotas, service by service.
SEEDS: tuple[Callable[[Session, Layout], None], ...] = (
    nova.seed,
    glance.seed,
    cinder.seed,
    neutron.seed,
)
QUOTAS: tuple[Callable[[Session, str], None], ...] = (nova.quota, cinder.quota, neutron.quota)


def write_configs(layout: Layout, secret: dict[str, str]) -> None:
    """Every service's configs and folders (rewritten only when their content changes)."""
    values = template_values(layout, secret)
    infrastructure.configure(layout, values)
    for service in SERVICES:
        service.configure(layout, values)


def databases() -> list[str]:
    """Every service's databases, in the order they are created."""
    return [name for service in SERVICES for name in getattr(service, "DATABASES", ())]


def create_databases(layout: Layout, secret: dict[str, str]) -> None:
    infrastructure.create_databases(layout, secret, databases())


def schema_steps(layout: Layout, secret: dict[str, str]) -> dict[str, Callable[[], None]]:
    """Each service's schema migration, keyed by the mark it leaves when done."""
    steps: dict[str, Callable[[], None]] = {}
    for service in SERVICES:
        if hasattr(service, "schema_steps"):
            steps.update(service.schema_steps(layout, secret))
    return steps


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


def seed(layout: Layout, secret: dict[str, str]) -> None:
    """Flavors, image, volume types, external network and quotas, as an OVH region has them."""
    if layout.done("seed"):
        return
    admin = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)
    ks = "http://127.0.0.1:5000/v3"
    projects = {p["name"]: p["id"] for p in admin.get(f"{ks}/projects")["projects"]}
    for seed_service in SEEDS:
        seed_service(admin, layout)
    for project in (HUB_PROJECT, DR_PROJECT):
        pid = projects[project]
        for quota in QUOTAS:
            quota(admin, pid)
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
