"""`scripts/local-cloud start`: every service up, in order, then the seed."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

from localcloud import dataplane, netns
from localcloud.commands.common import elsewhere, say
from localcloud.commands.env import write_clouds_yaml
from localcloud.layout import ADMIN_PROJECT, ADMIN_USER, Layout, load_secrets, record_machine_cloud
from localcloud.processes import healthy, is_running, launch, terminate, wait_healthy
from localcloud.rest import Session
from localcloud.services import (
    Service,
    all_services,
    dataplane_agents,
    dataplane_base,
    infrastructure,
    keystone,
    openstack,
    regional,
)
from localcloud.setup import infrastructure as infrastructure_setup
from localcloud.setup import keystone as keystone_setup
from localcloud.setup import nova, steps, swift


def ensure_running(
    services: list[Service], layout: Layout, timeout: float, verbose: bool = False
) -> None:
    """Start the services of the list that are not running, then wait until all answer."""
    for service in services:
        if not is_running(service, layout):
            # Leftovers of a crashed run (workers of a dead parent) would hold its port.
            terminate(service, layout, timeout=10)
            launch(service, layout)
    wait_healthy(services, layout, timeout, verbose)


def _wait_all(futures: dict[str, Future[None]]) -> None:
    for future in futures.values():
        future.result()


def cmd_start(layout: Layout) -> int:
    started = time.monotonic()
    layout.make_dirs()
    try:
        mode = layout.choose_mode()
    except ValueError as refused:
        say(f"REFUSED: {refused}")
        return 2
    if layout.data_plane:
        dataplane.manifest()  # the image must be built before anything starts
    secret = load_secrets(layout)
    services = all_services(layout)
    if (
        all(is_running(s, layout) for s in services)
        and all(healthy(s) for s in services)
        and layout.done("seed")
        and (not layout.data_plane or dataplane.image_seeded(layout))
    ):
        keystone_setup.register_workspace_identity(layout, secret)
        keystone_setup.register_region_endpoints(layout, secret)
        write_clouds_yaml(layout, secret)
        record_machine_cloud(layout)
        say(f"already running ({time.monotonic() - started:.1f} s){elsewhere(layout)}")
        return 0

    steps.write_configs(layout, secret)
    swift.build_swift_rings(layout)
    infrastructure_setup.init_mariadb(layout)
    infra = infrastructure(layout)
    for service in infra:
        if not is_running(service, layout):
            terminate(service, layout, timeout=10)
            launch(service, layout)
    wait_healthy(infra[:1], layout, 120)  # MariaDB
    steps.create_databases(layout, secret)

    with ThreadPoolExecutor(max_workers=7) as pool:
        futures = steps.start_schemas(layout, secret, pool)
        if "schema-keystone" in futures:
            futures.pop("schema-keystone").result()
        ensure_running([keystone(layout)], layout, 120)
        say(f"  keystone up ({time.monotonic() - started:.0f} s)")
        keystone_setup.register_identity(layout, secret, steps.CATALOG)
        keystone_setup.register_workspace_identity(layout, secret)
        say(f"  catalog, projects and users registered ({time.monotonic() - started:.0f} s)")
        wait_healthy(infra, layout, 180)  # RabbitMQ is up by now, usually
        _wait_all(futures)
    say(f"databases and identity ready ({time.monotonic() - started:.0f} s)")

    hypervisor: list[Service] = []
    if layout.data_plane:
        netns.build_dataplane(layout.state)
        ensure_running(dataplane_base(layout), layout, 60)
        dataplane.wait_libvirt(layout)
        hypervisor = dataplane_agents(layout)
        elapsed = time.monotonic() - started
        say(f"  hypervisor namespace {netns.dataplane(layout.state)} ready ({elapsed:.0f} s)")
    ensure_running([*openstack(layout), *regional(layout), *hypervisor], layout, 300, verbose=True)
    keystone_setup.register_region_endpoints(layout, secret)
    say(f"APIs answer ({time.monotonic() - started:.0f} s)")
    nova.discover_hosts(layout)
    admin = Session(ADMIN_USER, secret["admin_password"], ADMIN_PROJECT)
    # The agents report in while the APIs serve their first authenticated calls: wait for both
    # at once.
    with ThreadPoolExecutor(max_workers=2) as pool:
        agents = pool.submit(steps.wait_agents, admin, layout)
        apis = pool.submit(steps.check_api, admin)
        agents.result()
        apis.result()
    say(f"compute hosts, volume service and APIs serve ({time.monotonic() - started:.0f} s)")
    steps.seed(layout, secret)
    if layout.data_plane:
        record = dataplane.seed_image(admin, layout)
        say(f"signed image {record['image']} in Glance ({time.monotonic() - started:.0f} s)")
    write_clouds_yaml(layout, secret)
    record_machine_cloud(layout)
    say(
        f"{mode} cloud started in {time.monotonic() - started:.0f} s; "
        f"clouds.yaml: {layout.clouds_yaml} (clouds local, local-dr, local-admin)"
    )
    return 0
