"""The audit's inventory of an OpenStack project through openstacksdk, read-only: only GET and
HEAD requests are ever sent, so the audit never changes the cloud.

The raw objects are kept as openstacksdk returned them, by kind (`RAW_KINDS`); every fault is a
gap (hubctl.cloud.inventory.Reader).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from hubctl.cloud.api import HttpStatusError, reference_id
from hubctl.cloud.inventory import GapKind, RawProject, Reader, Truncated
from hubctl.cloud.openstack.credentials import service_endpoint
from hubctl.cloud.openstack.faults import fault_of

# ---------------------------------------------------------------------------- raw kinds


@dataclass(frozen=True)
class RawKind:
    """One listing call: a kind of object, the service that holds it, how to list it."""

    kind: str
    service: str
    list: Callable[[Any, str], Iterable[Any]]
    # A cloud may lack the service (Octavia): then the kind is absent, not a fault.
    optional: bool = False


RAW_KINDS: tuple[RawKind, ...] = (
    RawKind("networks", "network", lambda c, p: c.network.networks(project_id=p)),
    RawKind("subnets", "network", lambda c, p: c.network.subnets(project_id=p)),
    RawKind("routers", "network", lambda c, p: c.network.routers(project_id=p)),
    RawKind("ports", "network", lambda c, p: c.network.ports(project_id=p)),
    RawKind("security_groups", "network", lambda c, p: c.network.security_groups(project_id=p)),
    RawKind("rules", "network", lambda c, p: c.network.security_group_rules(project_id=p)),
    RawKind("floating_ips", "network", lambda c, p: c.network.ips(project_id=p)),
    RawKind("servers", "compute", lambda c, p: c.compute.servers(details=True)),
    RawKind("server_groups", "compute", lambda c, p: c.compute.server_groups()),
    RawKind("keypairs", "compute", lambda c, p: c.compute.keypairs()),
    RawKind("volumes", "block-storage", lambda c, p: c.block_storage.volumes(details=True)),
    RawKind("images", "image", lambda c, p: c.image.images(owner=p)),
    RawKind("containers", "object-store", lambda c, p: c.object_store.containers()),
    RawKind("secrets", "key-manager", lambda c, p: c.key_manager.secrets()),
    RawKind("key_containers", "key-manager", lambda c, p: c.key_manager.containers()),
    RawKind("orders", "key-manager", lambda c, p: c.key_manager.orders()),
    RawKind(
        "load_balancers",
        "load-balancer",
        lambda c, p: c.load_balancer.load_balancers(project_id=p),
        optional=True,
    ),
    RawKind(
        "listeners",
        "load-balancer",
        lambda c, p: c.load_balancer.listeners(project_id=p),
        optional=True,
    ),
    RawKind(
        "pools", "load-balancer", lambda c, p: c.load_balancer.pools(project_id=p), optional=True
    ),
    RawKind(
        "monitors",
        "load-balancer",
        lambda c, p: c.load_balancer.health_monitors(project_id=p),
        optional=True,
    ),
)
SERVICES = tuple(dict.fromkeys(kind.service for kind in RAW_KINDS))


def _container_headers(conn: Any, name: str) -> dict[str, str]:
    response = conn.object_store.head(name)
    if getattr(response, "status_code", 200) == 404:
        raise HttpStatusError(f"container {name} not found", 404)
    return {str(k).lower(): str(v) for k, v in response.headers.items()}


def _barbican(conn: Any, path: str) -> Any:
    response = conn.key_manager.get(path)
    status = getattr(response, "status_code", 200)
    if status >= 400:
        raise HttpStatusError(f"HTTP {status} on {path}", status)
    return response.json()


def read_project(
    conn: Any,
    region: str,
    limit: int,
    skip_services: Iterable[str] = (),
) -> RawProject:
    """Every kind of RAW_KINDS in the connection's project, then the details the mapping needs.

    `skip_services`: services already read through another region with the same endpoint (the
    local cloud's LOCAL2 is LOCAL1's services): not read twice.
    """
    project = str(conn.current_project_id)
    name = str(getattr(conn, "auth", {}).get("project_name", "") or project)
    raw = RawProject(project, name, region)
    reader = Reader(fault_of, name, region, limit)
    skipped = set(skip_services)
    failed_before: set[str] = set()
    try:
        for kind in RAW_KINDS:
            if kind.service in skipped:
                continue
            before = len(reader.gaps)
            raw.objects[kind.kind] = reader.listing(
                kind.service, kind.kind, partial(kind.list, conn, project)
            )
            new = reader.gaps[before:]
            if kind.optional and any(g.kind is GapKind.ABSENT for g in new):
                continue
            if new:
                failed_before.add(kind.service)
        _read_details(conn, raw, reader)
    except Truncated:
        reader.gap(
            GapKind.TRUNCATED,
            "all",
            "inventory",
            f"more than {limit} resources: the rest was not read (raise --max-resources)",
        )
        failed_before |= set(SERVICES)
    raw.complete_services = {s for s in SERVICES if s not in failed_before and s not in skipped}
    raw.complete_services -= {g.service for g in reader.gaps if g.kind.partial}
    raw.shared_services = skipped
    raw.gaps = reader.gaps
    raw.listed = reader.count
    return raw


def _read_details(conn: Any, raw: RawProject, reader: Reader) -> None:
    """The details listings do not carry: Swift's headers (ACLs, metadata, versioning),
    Barbican's ACLs and secret metadata, the external networks floating IPs come from, the
    members of each load-balancer pool."""

    def read(service: str, what: str, key: tuple[str, str], call: Callable[[], Any]) -> None:
        found = reader.detail(service, what, call)
        if found is not None:
            raw.details[key] = found

    if raw.of("containers"):
        # Swift reports a storage policy on every container, its default one when none was
        # chosen: the default is what "unset" looks like live.
        read("object-store", "the service's capabilities", ("swift-info", ""),
             partial(conn.object_store.get_info))  # fmt: skip
    for container in raw.of("containers"):
        name = str(container.name)
        read("object-store", f"container {name}", ("containers", name),
             partial(_container_headers, conn, name))  # fmt: skip
    for kind, ref_attr, path in (
        ("secrets", "secret_ref", "secrets"),
        ("key_containers", "container_ref", "containers"),
    ):
        for item in raw.of(kind):
            ident = reference_id(getattr(item, ref_attr, None))
            read("key-manager", f"{path} {ident} acl", (f"{kind}-acl", ident),
                 partial(_barbican, conn, f"/{path}/{ident}/acl"))  # fmt: skip
    for item in raw.of("secrets"):
        ident = reference_id(item.secret_ref)
        read("key-manager", f"secret {ident} metadata", ("secrets-metadata", ident),
             partial(_barbican, conn, f"/secrets/{ident}/metadata"))  # fmt: skip
    networks = {str(ip.floating_network_id) for ip in raw.of("floating_ips")}
    for network_id in sorted(networks - {"", "None"}):
        read("network", f"network {network_id}", ("external-network", network_id),
             partial(conn.network.get_network, network_id))  # fmt: skip
    for pool in raw.of("pools"):
        members = reader.listing(
            "load-balancer",
            f"members of pool {pool.id}",
            partial(conn.load_balancer.members, pool.id),
        )
        raw.objects.setdefault("members", []).extend(members)


class OpenStackInventory:
    """hubctl.cloud.inventory.Inventory through one openstacksdk connection."""

    kinds_by_service: Mapping[str, tuple[str, ...]] = {
        service: tuple(kind.kind for kind in RAW_KINDS if kind.service == service)
        for service in SERVICES
    }

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def endpoints(self) -> dict[str, str]:
        # An absent or silent service is read (and reported) when it is listed.
        return {service: service_endpoint(self.conn, service) for service in SERVICES}

    def read(self, region: str, limit: int, skip_services: Iterable[str] = ()) -> RawProject:
        return read_project(self.conn, region, limit, skip_services)
