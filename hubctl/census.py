"""The orphan census: what the site's project holds that no stack's state owns, and back.

A hub resource is recognised in the cloud by the hub's marks: the URN tag or metadata
(hubcore.urns) together with the site's own tag or metadata, for the kinds that take them; the
program's deterministic names (`hub-<site>-...`) for those that take none (key pairs, server
groups, Barbican secrets, containers and orders); and, for the parts of other resources (rules
of the hub's security groups, interfaces of its routers, routes of its subnets), the resource
they belong to. Only the connection's own project is read.

An *orphan* is such a resource whose id no stack of the site holds; a *missing* one is in a
state but not in the cloud. After a converged run both lists are empty.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hubcore.urns import URN_KEY, hash_of_tag
from hubctl.reconcile import subnet_route_id


@dataclass(frozen=True)
class CloudObject:
    token: str  # the Pulumi type token of the resource that makes it
    id: str
    name: str

    def line(self) -> str:
        return f"{self.token.rsplit(':', 1)[-1]} {self.name or '?'} ({self.id})"


@dataclass
class Census:
    site: str
    cloud: list[CloudObject]
    state: dict[str, set[str]]  # token -> ids in the site's states
    orphans: list[CloudObject] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.orphans = [o for o in self.cloud if o.id not in self.state.get(o.token, set())]
        seen: dict[str, set[str]] = {}
        for item in self.cloud:
            seen.setdefault(item.token, set()).add(item.id)
        self.missing = sorted(
            (token, rid)
            for token, ids in self.state.items()
            if token in LISTED
            for rid in ids - seen.get(token, set())
        )


def _site_tagged(item: Any, site: str) -> bool:
    tags = item.tags or []
    return f"site={site}" in tags and any(hash_of_tag(t) for t in tags)


def _site_metadata(item: Any, site: str) -> bool:
    metadata = item.metadata or {}
    return metadata.get("site") == site and URN_KEY in metadata


def _ref_id(ref: str | None) -> str:
    return (ref or "").rstrip("/").rsplit("/", 1)[-1]


TOKENS = {
    "networks": "openstack:networking/network:Network",
    "subnets": "openstack:networking/subnet:Subnet",
    "routers": "openstack:networking/router:Router",
    "ports": "openstack:networking/port:Port",
    "security_groups": "openstack:networking/secGroup:SecGroup",
    "rules": "openstack:networking/secGroupRule:SecGroupRule",
    "interfaces": "openstack:networking/routerInterface:RouterInterface",
    "routes": "openstack:networking/subnetRoute:SubnetRoute",
    "servers": "openstack:compute/instance:Instance",
    "keypairs": "openstack:compute/keypair:Keypair",
    "server_groups": "openstack:compute/serverGroup:ServerGroup",
    "volumes": "openstack:blockstorage/volume:Volume",
    "secrets": "openstack:keymanager/secretV1:SecretV1",
    "key_containers": "openstack:keymanager/containerV1:ContainerV1",
    "orders": "openstack:keymanager/orderV1:OrderV1",
    "containers": "openstack:objectstorage/container:Container",
}
LISTED = frozenset(TOKENS.values())


def cloud_objects(conn: Any, site: str) -> list[CloudObject]:
    """Every resource of the site the project holds, by the hub's marks."""
    project = conn.current_project_id
    prefix = f"hub-{site}-"
    found: list[CloudObject] = []

    def add(kind: str, items: Iterable[tuple[str, str]]) -> None:
        found.extend(CloudObject(TOKENS[kind], str(i), str(n)) for i, n in items)

    neutron: dict[str, list[Any]] = {}
    for kind in ("networks", "subnets", "routers", "ports", "security_groups"):
        listing = getattr(conn.network, kind)(project_id=project)
        # Untagged but of the program's names: killed between the provider's create and its
        # tagging call.
        neutron[kind] = [
            item
            for item in listing
            if _site_tagged(item, site) or (_named(item, prefix) and not item.tags)
        ]
        add(kind, ((i.id, i.name) for i in neutron[kind]))
    for group in neutron["security_groups"]:
        rules = conn.network.security_group_rules(security_group_id=group.id)
        add("rules", ((r.id, f"{group.name} {r.direction} {r.port_range_min}") for r in rules))
    for router in neutron["routers"]:
        for port in conn.network.ports(device_id=router.id):
            if str(port.device_owner).startswith("network:router_interface"):
                add("interfaces", [(port.id, f"{router.name} {port.name or port.id}")])
    for subnet in neutron["subnets"]:
        add(
            "routes",
            (
                (subnet_route_id(subnet.id, r["destination"], r["nexthop"]), subnet.name)
                for r in subnet.host_routes or []
            ),
        )
    servers = [s for s in conn.compute.servers(details=True) if _site_metadata(s, site)]
    add("servers", ((s.id, s.name) for s in servers))
    add("keypairs", ((k.name, k.name) for k in conn.compute.keypairs() if _named(k, prefix)))
    groups = [g for g in conn.compute.server_groups() if _named(g, prefix)]
    add("server_groups", ((g.id, g.name) for g in groups))
    volumes = [v for v in conn.block_storage.volumes(details=True) if _site_metadata(v, site)]
    add("volumes", ((v.id, v.name) for v in volumes))
    add(
        "secrets",
        ((_ref_id(s.secret_ref), s.name) for s in conn.key_manager.secrets() if _named(s, prefix)),
    )
    add(
        "key_containers",
        (
            (_ref_id(c.container_ref), c.name)
            for c in conn.key_manager.containers()
            if _named(c, prefix)
        ),
    )
    add(
        "orders",
        (
            (_ref_id(o.order_ref), (o.meta or {}).get("name", ""))
            for o in conn.key_manager.orders()
            if str((o.meta or {}).get("name", "")).startswith(prefix)
        ),
    )
    for container in conn.object_store.containers():
        if not _named(container, prefix):
            continue
        metadata = conn.object_store.get_container_metadata(container.name).metadata or {}
        lowered = {str(k).lower(): v for k, v in metadata.items()}
        if lowered.get("site") == site and URN_KEY in lowered:
            add("containers", [(container.name, container.name)])
    return found


def _named(item: Any, prefix: str) -> bool:
    return str(item.name or "").startswith(prefix)


def state_ids(deployments: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Ids by type token in the site's states. A Barbican order's generated key is owned by
    the order (its `secretRef` output), so it counts as a state secret too."""
    ids: dict[str, set[str]] = {}
    for deployment in deployments:
        for resource in deployment.get("resources") or []:
            if resource.get("id") and not resource.get("delete"):
                ids.setdefault(resource["type"], set()).add(str(resource["id"]))
            ref = (resource.get("outputs") or {}).get("secretRef")
            if resource.get("type") == TOKENS["orders"] and isinstance(ref, str):
                ids.setdefault(TOKENS["secrets"], set()).add(_ref_id(ref))
    return ids


def take(conn: Any, site: str, deployments: Iterable[Mapping[str, Any]]) -> Census:
    return Census(site, cloud_objects(conn, site), state_ids(deployments))


# -------------------------------------------------------------------------- deleting orphans

Deleter = Callable[[Any, CloudObject], None]


def _wait_gone(get: Callable[[], Any], timeout: float = 120) -> None:
    import openstack.exceptions

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if get() is None:
                return
        except openstack.exceptions.NotFoundException:
            return
        time.sleep(1)


def _delete_server(conn: Any, item: CloudObject) -> None:
    conn.compute.delete_server(item.id, ignore_missing=True)
    _wait_gone(lambda: conn.compute.find_server(item.id))


def _delete_volume(conn: Any, item: CloudObject) -> None:
    conn.block_storage.delete_volume(item.id, ignore_missing=True, force=True)
    _wait_gone(lambda: conn.block_storage.find_volume(item.id))


def _delete_interface(conn: Any, item: CloudObject) -> None:
    port = conn.network.get_port(item.id)
    conn.network.remove_interface_from_router(port.device_id, port_id=item.id)


def _delete_route(conn: Any, item: CloudObject) -> None:
    subnet_id, _, rest = item.id.partition("-route-")
    destination, _, hop = rest.rpartition("-")
    subnet = conn.network.get_subnet(subnet_id)
    routes = [
        r
        for r in subnet.host_routes or []
        if (r["destination"], r["nexthop"]) != (destination, hop)
    ]
    conn.network.update_subnet(subnet_id, host_routes=routes)


def _delete_container(conn: Any, item: CloudObject) -> None:
    for obj in conn.object_store.objects(item.id):
        conn.object_store.delete_object(obj, container=item.id, ignore_missing=True)
    conn.object_store.delete_container(item.id, ignore_missing=True)


# In dependency order: what is attached goes before what it is attached to.
DELETERS: tuple[tuple[str, Deleter], ...] = (
    (TOKENS["servers"], _delete_server),
    (TOKENS["volumes"], _delete_volume),
    (TOKENS["interfaces"], _delete_interface),
    (TOKENS["routes"], _delete_route),
    (TOKENS["ports"], lambda c, i: c.network.delete_port(i.id, ignore_missing=True)),
    (TOKENS["routers"], lambda c, i: c.network.delete_router(i.id, ignore_missing=True)),
    (TOKENS["subnets"], lambda c, i: c.network.delete_subnet(i.id, ignore_missing=True)),
    (TOKENS["networks"], lambda c, i: c.network.delete_network(i.id, ignore_missing=True)),
    (
        TOKENS["rules"],
        lambda c, i: c.network.delete_security_group_rule(i.id, ignore_missing=True),
    ),
    (
        TOKENS["security_groups"],
        lambda c, i: c.network.delete_security_group(i.id, ignore_missing=True),
    ),
    (TOKENS["keypairs"], lambda c, i: c.compute.delete_keypair(i.id, ignore_missing=True)),
    (
        TOKENS["server_groups"],
        lambda c, i: c.compute.delete_server_group(i.id, ignore_missing=True),
    ),
    (
        TOKENS["key_containers"],
        lambda c, i: c.key_manager.delete_container(i.id, ignore_missing=True),
    ),
    (TOKENS["secrets"], lambda c, i: c.key_manager.delete_secret(i.id, ignore_missing=True)),
    (TOKENS["orders"], lambda c, i: c.key_manager.delete_order(i.id, ignore_missing=True)),
    (TOKENS["containers"], _delete_container),
)


def delete_orphans(
    conn: Any, orphans: list[CloudObject], say: Callable[[str], None]
) -> list[tuple[CloudObject, str]]:
    """Delete the orphans, attached things first; the failures, with why."""
    failed = []
    for token, deleter in DELETERS:
        for item in (o for o in orphans if o.token == token):
            try:
                deleter(conn, item)
                say(f"deleted orphan {item.line()}")
            except Exception as error:  # one refusal must not stop the others
                failed.append((item, f"{type(error).__name__}: {error}"))
    return failed
