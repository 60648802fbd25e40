"""Each marked resource type (hubcore.resource_types) as OpenStack holds it: how the census lists
the site's objects of it, how the reconciler finds what an interrupted create made, how an
orphan is deleted. One row per type, read from openstacksdk in the connection's project only.

How each is recognised follows its declared mark:

- URN_TAG (Neutron): the `hub-urn` tag with the site's own tag; a Neutron resource killed
  before the provider's second call (the one that tags it) by its name, untagged;
- URN_METADATA (Nova servers, Cinder volumes, Swift containers): `hub-urn` and `site` metadata;
- NAME (key pairs, server groups, Barbican secrets, containers and orders): the program's
  deterministic name `hub-<site>-...`;
- OWNER: a hub security group's rules (by group and match), a hub router's interfaces (by
  router and subnet or port), a hub subnet's or router's routes (by subnet or router,
  destination and next hop).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from hubcore.resource_types import (
    CONTAINER,
    INSTANCE,
    KEY_CONTAINER,
    KEYPAIR,
    NETWORK,
    ORDER,
    PORT,
    ROUTER,
    ROUTER_INTERFACE,
    ROUTER_ROUTE,
    SECRET,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    SERVER_GROUP,
    SUBNET,
    SUBNET_ROUTE,
    VOLUME,
)
from hubcore.stackfiles import known_sites
from hubcore.urns import URN_KEY, hash_of_tag, urn_hash
from hubctl.cloud.api import CloudObject, reference_id

Found = str | None
Finder = Callable[[Any, Mapping[str, Any], str, set[str]], Found]
Deleter = Callable[[Any, CloudObject], None]


def route_id(owner: str, destination: str, next_hop: str) -> str:
    # The provider's own id of a route on a subnet or a router (openstack_networking_subnet_
    # route_v2 and router_route_v2 name theirs alike, after the subnet's or router's id).
    return f"{owner}-route-{destination}-{next_hop}"


def _route_parts(ident: str) -> tuple[str, str, str]:
    """The owner's id, the destination and the next hop of a route_id."""
    owner, _, rest = ident.partition("-route-")
    destination, _, hop = rest.rpartition("-")
    return owner, destination, hop


def _held(
    routes: list[dict[str, Any]] | None, owner: str, inputs: Mapping[str, Any], owned: set[str]
) -> Found:
    """The id of the route `inputs` declares when its owner holds it and no state owns it."""
    destination, hop = inputs.get("destinationCidr"), inputs.get("nextHop")
    if any(r.get("destination") == destination and r.get("nexthop") == hop for r in routes or []):
        route = route_id(owner, str(destination), str(hop))
        return route if route not in owned else None
    return None


# -------------------------------------------------------------------------------- listing


class Listing:
    """The site's objects in the connection's project, each service read once."""

    def __init__(self, conn: Any, site: str, sites: Iterable[str] | None = None) -> None:
        self.conn = conn
        self.site = site
        self.prefix = f"hub-{site}-"
        # `hub-local-` also begins every name of the site `local-dr`: a name is this site's only
        # when no longer site's prefix claims it (both sites may share a project, and Barbican).
        others = known_sites() if sites is None else list(sites)
        self.claimed = tuple(f"hub-{o}-" for o in others if o.startswith(f"{site}-"))

    def owns_name(self, name: str) -> bool:
        return name.startswith(self.prefix) and not name.startswith(self.claimed)

    def named(self, item: Any) -> bool:
        return self.owns_name(str(item.name or ""))

    def _neutron(self, kind: str) -> list[Any]:
        listing = getattr(self.conn.network, kind)(project_id=self.conn.current_project_id)
        # Untagged but of the program's names: killed between the provider's create and its
        # tagging call.
        return [
            item
            for item in listing
            if _site_tagged(item, self.site) or (self.named(item) and not item.tags)
        ]

    @cached_property
    def networks(self) -> list[Any]:
        return self._neutron("networks")

    @cached_property
    def subnets(self) -> list[Any]:
        return self._neutron("subnets")

    @cached_property
    def routers(self) -> list[Any]:
        return self._neutron("routers")

    @cached_property
    def ports(self) -> list[Any]:
        return self._neutron("ports")

    @cached_property
    def security_groups(self) -> list[Any]:
        return self._neutron("security_groups")


def _site_tagged(item: Any, site: str) -> bool:
    tags = item.tags or []
    return f"site={site}" in tags and any(hash_of_tag(t) for t in tags)


def _site_metadata(item: Any, site: str) -> bool:
    metadata = item.metadata or {}
    return metadata.get("site") == site and URN_KEY in metadata


Objects = Iterable[tuple[str, str]]  # (id, name) of each object


def _ids_and_names(items: Iterable[Any]) -> Objects:
    return ((item.id, item.name) for item in items)


def _rules(listing: Listing) -> Objects:
    for group in listing.security_groups:
        rules = listing.conn.network.security_group_rules(security_group_id=group.id)
        yield from ((r.id, f"{group.name} {r.direction} {r.port_range_min}") for r in rules)


def _interfaces(listing: Listing) -> Objects:
    for router in listing.routers:
        for port in listing.conn.network.ports(device_id=router.id):
            if str(port.device_owner).startswith("network:router_interface"):
                yield port.id, f"{router.name} {port.name or port.id}"


def _routes(listing: Listing) -> Objects:
    for subnet in listing.subnets:
        for route in subnet.host_routes or []:
            yield route_id(subnet.id, route["destination"], route["nexthop"]), subnet.name


def _router_routes(listing: Listing) -> Objects:
    for router in listing.routers:
        for route in router.routes or []:
            yield route_id(router.id, route["destination"], route["nexthop"]), router.name


def _servers(listing: Listing) -> Objects:
    servers = listing.conn.compute.servers(details=True)
    return _ids_and_names(s for s in servers if _site_metadata(s, listing.site))


def _keypairs(listing: Listing) -> Objects:
    return ((k.name, k.name) for k in listing.conn.compute.keypairs() if listing.named(k))


def _server_groups(listing: Listing) -> Objects:
    return _ids_and_names(g for g in listing.conn.compute.server_groups() if listing.named(g))


def _volumes(listing: Listing) -> Objects:
    volumes = listing.conn.block_storage.volumes(details=True)
    return _ids_and_names(v for v in volumes if _site_metadata(v, listing.site))


def _secrets(listing: Listing) -> Objects:
    secrets = listing.conn.key_manager.secrets()
    return ((reference_id(s.secret_ref), s.name) for s in secrets if listing.named(s))


def _key_containers(listing: Listing) -> Objects:
    containers = listing.conn.key_manager.containers()
    return ((reference_id(c.container_ref), c.name) for c in containers if listing.named(c))


def _orders(listing: Listing) -> Objects:
    for order in listing.conn.key_manager.orders():
        name = (order.meta or {}).get("name", "")
        if listing.owns_name(str(name)):
            yield reference_id(order.order_ref), name


def _containers(listing: Listing) -> Objects:
    for container in listing.conn.object_store.containers():
        if not listing.named(container):
            continue
        metadata = listing.conn.object_store.get_container_metadata(container.name).metadata
        lowered = {str(k).lower(): v for k, v in (metadata or {}).items()}
        if lowered.get("site") == listing.site and URN_KEY in lowered:
            yield container.name, container.name


# -------------------------------------------------------------------------------- finding


def _first(candidates: Iterable[Any], owned: set[str], key: str = "id") -> Found:
    for candidate in candidates:
        value = str(getattr(candidate, key))
        if value not in owned:
            return value
    return None


def _tagged(items: Iterable[Any], digest: str) -> list[Any]:
    return [i for i in items if any(hash_of_tag(t) == digest for t in (i.tags or []))]


def _find_neutron(kind: str) -> Finder:
    def find(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
        listing = list(getattr(conn.network, kind)(project_id=conn.current_project_id))
        tagged = _first(_tagged(listing, urn_hash(urn)), owned)
        if tagged is not None:
            return tagged
        # The provider tags a Neutron resource in a second call after creating it: a kill in
        # between leaves it untagged, so an untagged one of the program's name is it too.
        name = inputs.get("name")
        return _first([i for i in listing if name and i.name == name and not i.tags], owned)

    return find


def _with_metadata(items: Iterable[Any], digest: str) -> list[Any]:
    return [i for i in items if (i.metadata or {}).get(URN_KEY) == digest]


def _find_server(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    return _first(_with_metadata(conn.compute.servers(details=True), urn_hash(urn)), owned)


def _find_volume(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    return _first(_with_metadata(conn.block_storage.volumes(details=True), urn_hash(urn)), owned)


def _find_keypair(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    name = str(inputs.get("name", ""))
    return _first([k for k in conn.compute.keypairs() if k.name == name], owned, "name")


def _find_server_group(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    name = str(inputs.get("name", ""))
    return _first([g for g in conn.compute.server_groups() if g.name == name], owned)


def _find_secret(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    name = str(inputs.get("name", ""))
    for secret in conn.key_manager.secrets(name=name):
        if secret.name == name and reference_id(secret.secret_ref) not in owned:
            return reference_id(secret.secret_ref)
    return None


def _find_key_container(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    name = str(inputs.get("name", ""))
    for container in conn.key_manager.containers(name=name):
        if container.name == name and reference_id(container.container_ref) not in owned:
            return reference_id(container.container_ref)
    return None


def _find_order(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    name = str((inputs.get("meta") or {}).get("name", ""))
    for order in conn.key_manager.orders():
        if (order.meta or {}).get("name") == name and reference_id(order.order_ref) not in owned:
            return reference_id(order.order_ref)
    return None


def _find_container(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    import openstack.exceptions

    name = str(inputs.get("name", ""))
    try:
        found = conn.object_store.get_container_metadata(name)
    except openstack.exceptions.NotFoundException:
        return None
    if found is None or name in owned:
        return None
    # A container's name is the project's, not the resource's: Swift takes the program's
    # metadata in the create's own request, so what this create made carries its URN's mark;
    # one of that name with another mark, or none, is someone else's.
    lowered = {str(k).lower(): v for k, v in (found.metadata or {}).items()}
    return name if lowered.get(URN_KEY) == urn_hash(urn) else None


def _find_rule(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    wanted = {
        "direction": inputs.get("direction"),
        "ether_type": inputs.get("ethertype", "IPv4"),
        "protocol": inputs.get("protocol"),
        "port_range_min": inputs.get("portRangeMin"),
        "port_range_max": inputs.get("portRangeMax"),
        "remote_ip_prefix": inputs.get("remoteIpPrefix"),
        "remote_group_id": inputs.get("remoteGroupId"),
    }
    rules = conn.network.security_group_rules(security_group_id=inputs.get("securityGroupId"))
    return _first([r for r in rules if all(getattr(r, k) == v for k, v in wanted.items())], owned)


def _find_interface(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    router = inputs.get("routerId")
    port_id, subnet = inputs.get("portId"), inputs.get("subnetId")
    for port in conn.network.ports(device_id=router):
        if port_id and port.id == port_id:
            return _first([port], owned)
        if subnet and any(ip.get("subnet_id") == subnet for ip in port.fixed_ips or []):
            return _first([port], owned)
    return None


def _find_route(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    subnet_id = str(inputs.get("subnetId", ""))
    return _held(conn.network.get_subnet(subnet_id).host_routes, subnet_id, inputs, owned)


def _find_router_route(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    router_id = str(inputs.get("routerId", ""))
    return _held(conn.network.get_router(router_id).routes, router_id, inputs, owned)


# -------------------------------------------------------------------------------- deleting


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
    subnet_id, destination, hop = _route_parts(item.id)
    subnet = conn.network.get_subnet(subnet_id)
    routes = [
        r
        for r in subnet.host_routes or []
        if (r["destination"], r["nexthop"]) != (destination, hop)
    ]
    conn.network.update_subnet(subnet_id, host_routes=routes)


def _delete_router_route(conn: Any, item: CloudObject) -> None:
    router_id, destination, hop = _route_parts(item.id)
    # Neutron's own call removes just these routes, so routes other stacks add meanwhile stay.
    conn.network.remove_extra_routes_from_router(
        router_id, {"router": {"routes": [{"destination": destination, "nexthop": hop}]}}
    )


def _delete_container(conn: Any, item: CloudObject) -> None:
    for obj in conn.object_store.objects(item.id):
        conn.object_store.delete_object(obj, container=item.id, ignore_missing=True)
    conn.object_store.delete_container(item.id, ignore_missing=True)


# -------------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class TypeOps:
    list: Callable[[Listing], Objects]
    find: Finder
    delete: Deleter


# In the order the census lists them.
OPS: dict[str, TypeOps] = {
    NETWORK: TypeOps(
        lambda listing: _ids_and_names(listing.networks),
        _find_neutron("networks"),
        lambda c, i: c.network.delete_network(i.id, ignore_missing=True),
    ),
    SUBNET: TypeOps(
        lambda listing: _ids_and_names(listing.subnets),
        _find_neutron("subnets"),
        lambda c, i: c.network.delete_subnet(i.id, ignore_missing=True),
    ),
    ROUTER: TypeOps(
        lambda listing: _ids_and_names(listing.routers),
        _find_neutron("routers"),
        lambda c, i: c.network.delete_router(i.id, ignore_missing=True),
    ),
    PORT: TypeOps(
        lambda listing: _ids_and_names(listing.ports),
        _find_neutron("ports"),
        lambda c, i: c.network.delete_port(i.id, ignore_missing=True),
    ),
    SECURITY_GROUP: TypeOps(
        lambda listing: _ids_and_names(listing.security_groups),
        _find_neutron("security_groups"),
        lambda c, i: c.network.delete_security_group(i.id, ignore_missing=True),
    ),
    SECURITY_GROUP_RULE: TypeOps(
        _rules,
        _find_rule,
        lambda c, i: c.network.delete_security_group_rule(i.id, ignore_missing=True),
    ),
    ROUTER_INTERFACE: TypeOps(_interfaces, _find_interface, _delete_interface),
    SUBNET_ROUTE: TypeOps(_routes, _find_route, _delete_route),
    ROUTER_ROUTE: TypeOps(_router_routes, _find_router_route, _delete_router_route),
    INSTANCE: TypeOps(_servers, _find_server, _delete_server),
    KEYPAIR: TypeOps(
        _keypairs,
        _find_keypair,
        lambda c, i: c.compute.delete_keypair(i.id, ignore_missing=True),
    ),
    SERVER_GROUP: TypeOps(
        _server_groups,
        _find_server_group,
        lambda c, i: c.compute.delete_server_group(i.id, ignore_missing=True),
    ),
    VOLUME: TypeOps(_volumes, _find_volume, _delete_volume),
    SECRET: TypeOps(
        _secrets,
        _find_secret,
        lambda c, i: c.key_manager.delete_secret(i.id, ignore_missing=True),
    ),
    KEY_CONTAINER: TypeOps(
        _key_containers,
        _find_key_container,
        lambda c, i: c.key_manager.delete_container(i.id, ignore_missing=True),
    ),
    ORDER: TypeOps(
        _orders,
        _find_order,
        lambda c, i: c.key_manager.delete_order(i.id, ignore_missing=True),
    ),
    CONTAINER: TypeOps(_containers, _find_container, _delete_container),
}

# What is attached goes before what it is attached to.
DELETION_ORDER: tuple[str, ...] = (
    INSTANCE,
    VOLUME,
    ROUTER_ROUTE,
    ROUTER_INTERFACE,
    SUBNET_ROUTE,
    PORT,
    ROUTER,
    SUBNET,
    NETWORK,
    SECURITY_GROUP_RULE,
    SECURITY_GROUP,
    KEYPAIR,
    SERVER_GROUP,
    KEY_CONTAINER,
    SECRET,
    ORDER,
    CONTAINER,
)
