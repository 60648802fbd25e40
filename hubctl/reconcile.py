"""Before a layer runs: settle the operations an interrupted run left pending in its state.

A killed engine leaves the operations it had begun in the stack's checkpoint. The engine
refuses to go on non-interactively while creates are pending ("refresh will need to be run
interactively"), and a create it never heard back from may well exist in the cloud: rerunning
it would make a twin (or fail: key pair names and security group rules are unique). So, for
each pending create, hubctl looks for what the interrupted create made, through openstacksdk,
in the site's project only:

- resources that carry the hub's URN tag or metadata (hubcore.urns) are found by it (and a
  Neutron resource killed before the provider's second call, the one that tags it, by name);
- kinds that take no tag are found by what the program set: key pairs, server groups and
  Barbican containers and orders by their deterministic names, security group rules by their
  group and match, router interfaces by router and subnet or port, subnet routes by subnet,
  destination and next hop;
- resources with no cloud object (TLS keys and certificates, providers) are cleared: the next
  `up` makes them again.

A found resource is imported: it enters the state with its cloud id, and a refresh reads the
rest from the cloud (see `settled` for why not `--import-pending-creates`); a create that never
reached the cloud is cleared. Pending updates and deletes are settled by the same refresh, which
reads what the cloud has. Every decision is returned for the caller to print and log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hubcore.urns import URN_KEY, hash_of_tag, urn_hash

Found = str | None
Finder = Callable[[Any, Mapping[str, Any], str, set[str]], Found]


@dataclass(frozen=True)
class PendingOp:
    kind: str  # creating, updating, deleting, reading, importing
    urn: str
    type: str
    inputs: dict[str, Any]
    provider: str = ""  # the provider reference: a replica container's is the replica region's

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class Decision:
    op: PendingOp
    action: str  # import, clear, refresh
    resource_id: str | None
    why: str

    def line(self) -> str:
        target = f" as {self.resource_id}" if self.resource_id else ""
        what = f"{self.op.type.rsplit(':', 1)[-1]} {self.op.name}"
        return f"pending {self.op.kind} of {what}: {self.action}{target} ({self.why})"


def pending_operations(deployment: Mapping[str, Any]) -> list[PendingOp]:
    ops = []
    for op in deployment.get("pending_operations") or []:
        resource = op.get("resource") or {}
        ops.append(
            PendingOp(
                kind=str(op.get("type", "")),
                urn=str(resource.get("urn", "")),
                type=str(resource.get("type", "")),
                inputs=dict(resource.get("inputs") or {}),
                provider=str(resource.get("provider") or ""),
            )
        )
    return ops


def owned_ids(deployment: Mapping[str, Any]) -> set[str]:
    return {str(r["id"]) for r in deployment.get("resources") or [] if r.get("id")}


def _first(candidates: Iterable[Any], owned: set[str], key: str = "id") -> Found:
    for candidate in candidates:
        value = str(getattr(candidate, key))
        if value not in owned:
            return value
    return None


def _tagged(items: Iterable[Any], digest: str) -> list[Any]:
    return [i for i in items if any(hash_of_tag(t) == digest for t in (i.tags or []))]


def _neutron(kind: str) -> Finder:
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


def _server(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    return _first(_with_metadata(conn.compute.servers(details=True), urn_hash(urn)), owned)


def _volume(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    return _first(_with_metadata(conn.block_storage.volumes(details=True), urn_hash(urn)), owned)


def _keypair(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    name = str(inputs.get("name", ""))
    return _first([k for k in conn.compute.keypairs() if k.name == name], owned, "name")


def _server_group(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    name = str(inputs.get("name", ""))
    return _first([g for g in conn.compute.server_groups() if g.name == name], owned)


def _ref_id(ref: str | None) -> str:
    """Barbican names things by URL; the provider's id is the URL's last segment."""
    return (ref or "").rstrip("/").rsplit("/", 1)[-1]


def _secret(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    name = str(inputs.get("name", ""))
    for secret in conn.key_manager.secrets(name=name):
        if secret.name == name and _ref_id(secret.secret_ref) not in owned:
            return _ref_id(secret.secret_ref)
    return None


def _key_container(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    name = str(inputs.get("name", ""))
    for container in conn.key_manager.containers(name=name):
        if container.name == name and _ref_id(container.container_ref) not in owned:
            return _ref_id(container.container_ref)
    return None


def _order(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    name = str((inputs.get("meta") or {}).get("name", ""))
    for order in conn.key_manager.orders():
        if (order.meta or {}).get("name") == name and _ref_id(order.order_ref) not in owned:
            return _ref_id(order.order_ref)
    return None


def _swift_container(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    import openstack.exceptions

    name = str(inputs.get("name", ""))
    try:
        found = conn.object_store.get_container_metadata(name)
    except openstack.exceptions.NotFoundException:
        return None
    return name if found is not None and name not in owned else None


def _rule(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
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


def _router_interface(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    router = inputs.get("routerId")
    port_id, subnet = inputs.get("portId"), inputs.get("subnetId")
    for port in conn.network.ports(device_id=router):
        if port_id and port.id == port_id:
            return _first([port], owned)
        if subnet and any(ip.get("subnet_id") == subnet for ip in port.fixed_ips or []):
            return _first([port], owned)
    return None


def subnet_route_id(subnet: str, destination: str, next_hop: str) -> str:
    # The provider's own id of a subnet route (openstack_networking_subnet_route_v2).
    return f"{subnet}-route-{destination}-{next_hop}"


def _subnet_route(conn: Any, inputs: Mapping[str, Any], urn: str, owned: set[str]) -> Found:
    subnet_id = str(inputs.get("subnetId", ""))
    destination, hop = inputs.get("destinationCidr"), inputs.get("nextHop")
    subnet = conn.network.get_subnet(subnet_id)
    if any(
        r.get("destination") == destination and r.get("nexthop") == hop
        for r in subnet.host_routes or []
    ):
        route = subnet_route_id(subnet_id, str(destination), str(hop))
        return route if route not in owned else None
    return None


FINDERS: dict[str, Finder] = {
    "openstack:networking/network:Network": _neutron("networks"),
    "openstack:networking/subnet:Subnet": _neutron("subnets"),
    "openstack:networking/router:Router": _neutron("routers"),
    "openstack:networking/port:Port": _neutron("ports"),
    "openstack:networking/secGroup:SecGroup": _neutron("security_groups"),
    "openstack:networking/secGroupRule:SecGroupRule": _rule,
    "openstack:networking/routerInterface:RouterInterface": _router_interface,
    "openstack:networking/subnetRoute:SubnetRoute": _subnet_route,
    "openstack:compute/instance:Instance": _server,
    "openstack:compute/keypair:Keypair": _keypair,
    "openstack:compute/serverGroup:ServerGroup": _server_group,
    "openstack:blockstorage/volume:Volume": _volume,
    "openstack:keymanager/secretV1:SecretV1": _secret,
    "openstack:keymanager/containerV1:ContainerV1": _key_container,
    "openstack:keymanager/orderV1:OrderV1": _order,
    "openstack:objectstorage/container:Container": _swift_container,
}


def decide(
    ops: list[PendingOp], owned: set[str], connect: Callable[[PendingOp], Any]
) -> list[Decision]:
    """What to do with each pending operation. `connect(op)` gives the connection of the
    op's region (a replica container lives in the replica region)."""
    decisions = []
    for op in ops:
        if op.kind != "creating":
            decisions.append(Decision(op, "refresh", None, "the refresh reads what the cloud has"))
            continue
        finder = FINDERS.get(op.type)
        if finder is None:
            decisions.append(
                Decision(op, "clear", None, "no cloud object: the next run makes it again")
            )
            continue
        found = finder(connect(op), op.inputs, op.urn, owned)
        if found is None:
            decisions.append(Decision(op, "clear", None, "the create never reached the cloud"))
        else:
            owned.add(found)
            decisions.append(Decision(op, "import", found, "the interrupted create made it"))
    return decisions


def settled(deployment: Mapping[str, Any], decisions: list[Decision]) -> dict[str, Any]:
    """The deployment with the decisions carried out: each found resource becomes a state
    resource with its cloud id (the refresh that follows reads the rest from the cloud), and no
    operation is left pending.

    This is what `pulumi refresh --import-pending-creates URN ID` promises; the engine built
    here (v3.274) turns such an operation into a pending import that its refresh then leaves
    alone and the next `up` drops, creating a twin. Editing the state is the reliable way.
    """
    found = {d.op.urn: d.resource_id for d in decisions if d.action == "import"}
    edited = dict(deployment)
    resources = list(edited.get("resources") or [])
    for op in edited.get("pending_operations") or []:
        resource = dict(op.get("resource") or {})
        if op.get("type") == "creating" and found.get(str(resource.get("urn"))):
            resource["id"] = found[str(resource["urn"])]
            resource.setdefault("outputs", {})
            resources.append(resource)
    edited["resources"] = resources
    edited["pending_operations"] = []
    return edited
