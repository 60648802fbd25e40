"""The builders: one function per live type, turning the openstacksdk objects of a project
read (hubctl.cloud.openstack.inventory) into `Live` resources in the provider's model, with the
provider's type token and property names and values as a `pulumi stack export` of the bridged
provider carries them. hubctl.audit.mapping.LIVE_TYPES names each type's builder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hubcore.resource_types import (
    CONTAINER,
    FLOATING_IP,
    FLOATING_IP_ASSOCIATE,
    IMAGE,
    INSTANCE,
    KEY_CONTAINER,
    KEYPAIR,
    LISTENER,
    LOAD_BALANCER,
    MEMBER,
    MONITOR,
    NETWORK,
    ORDER,
    POOL,
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
from hubctl.audit.normalise import truth
from hubctl.cloud.api import reference_id
from hubctl.cloud.inventory import RawProject
from hubctl.cloud.openstack.types import route_id

# Live objects of a type the pack does not admit: judged (and refused) by inventory-known-type.

# Neutron's own ports: a router's gateway, a floating IP's, DHCP's. Part of the resource that
# made them, never deployed by anyone.
NEUTRON_OWNED_PORTS = ("network:router_gateway", "network:floatingip", "network:dhcp",
                       "network:router_ha_interface", "network:distributed")  # fmt: skip
ROUTER_INTERFACE_OWNERS = ("network:router_interface", "network:ha_router_replicated_interface",
                           "network:router_interface_distributed")  # fmt: skip
# Statuses in which a resource is still being made, or was left broken: not final.
HALF_CREATED = {
    VOLUME: {"creating", "error", "downloading", "restoring-backup", "error_restoring"},
    INSTANCE: {"BUILD", "ERROR"},
    ORDER: {"PENDING", "ERROR"},
    LOAD_BALANCER: {"PENDING_CREATE", "ERROR"},
}


@dataclass
class Live:
    """One resource read from the cloud, in the pack's model (inputs as a state export has them)."""

    token: str
    id: str
    name: str
    inputs: dict[str, Any]
    service: str
    status: str = ""
    # Ids of state resources that made this one (a LUKS volume's key, an order's secret, the
    # interface that made a router port): managed when they are.
    owners: tuple[str, ...] = ()
    # The cloud's own (Neutron's default group and rules): listed, never judged or unmanaged.
    built_in: str | None = None
    # Several regions' endpoints may be one service (the local cloud's LOCAL2): read once.
    region: str = ""

    @property
    def half_created(self) -> bool:
        return self.status in HALF_CREATED.get(self.token, set())


Builder = Callable[[RawProject], Iterable[Live]]


def _tags(item: Any) -> list[str]:
    return [str(t) for t in getattr(item, "tags", None) or []]


def networks(raw: RawProject) -> Iterable[Live]:
    for n in raw.of("networks"):
        yield Live(NETWORK, n.id, n.name or "", {
            "name": n.name, "description": n.description or "",
            "adminStateUp": n.is_admin_state_up, "external": bool(n.is_router_external),
            "shared": bool(n.is_shared), "portSecurityEnabled": n.is_port_security_enabled,
            "mtu": n.mtu, "tags": _tags(n), "tenantId": n.project_id,
        }, "network", str(n.status or ""))  # fmt: skip


def subnets(raw: RawProject) -> Iterable[Live]:
    for s in raw.of("subnets"):
        pools = [{"start": p.get("start"), "end": p.get("end")} for p in s.allocation_pools or []]
        yield Live(SUBNET, s.id, s.name or "", {
            "name": s.name, "description": s.description or "", "networkId": s.network_id,
            "cidr": s.cidr, "ipVersion": s.ip_version, "gatewayIp": s.gateway_ip or "",
            "enableDhcp": bool(s.is_dhcp_enabled), "dnsNameservers": list(s.dns_nameservers or []),
            "allocationPools": pools, "tags": _tags(s), "tenantId": s.project_id,
            "serviceTypes": list(s.service_types or []),
        }, "network")  # fmt: skip


def subnet_routes(raw: RawProject) -> Iterable[Live]:
    for s in raw.of("subnets"):
        for route in s.host_routes or []:
            destination, hop = str(route.get("destination")), str(route.get("nexthop"))
            yield Live(SUBNET_ROUTE, route_id(s.id, destination, hop),
                       f"{s.name} {destination}", {"subnetId": s.id,
                       "destinationCidr": destination, "nextHop": hop}, "network")  # fmt: skip


def routers(raw: RawProject) -> Iterable[Live]:
    for r in raw.of("routers"):
        gateway = r.external_gateway_info or {}
        fixed = [
            {"subnetId": ip.get("subnet_id"), "ipAddress": ip.get("ip_address")}
            for ip in gateway.get("external_fixed_ips") or []
        ]
        yield Live(ROUTER, r.id, r.name or "", {
            "name": r.name, "description": r.description or "",
            "adminStateUp": r.is_admin_state_up,
            "externalNetworkId": gateway.get("network_id") or "",
            "enableSnat": gateway.get("enable_snat") if gateway else None,
            "externalFixedIps": fixed, "tags": _tags(r), "tenantId": r.project_id,
        }, "network", str(r.status or ""))  # fmt: skip


def router_routes(raw: RawProject) -> Iterable[Live]:
    for r in raw.of("routers"):
        for route in r.routes or []:
            destination, hop = str(route.get("destination")), str(route.get("nexthop"))
            yield Live(ROUTER_ROUTE, route_id(r.id, destination, hop),
                       f"{r.name} {destination}",
                       {"routerId": r.id, "destinationCidr": destination, "nextHop": hop},
                       "network")  # fmt: skip


def _fixed_ips(port: Any) -> list[dict[str, Any]]:
    return [
        {"subnetId": ip.get("subnet_id"), "ipAddress": ip.get("ip_address")}
        for ip in port.fixed_ips or []
    ]


def ports(raw: RawProject) -> Iterable[Live]:
    for p in raw.of("ports"):
        owner = str(p.device_owner or "")
        if owner.startswith(NEUTRON_OWNED_PORTS):
            continue  # part of the router, floating IP or DHCP that made it
        pairs = [
            {"ipAddress": a.get("ip_address"), "macAddress": a.get("mac_address")}
            for a in p.allowed_address_pairs or []
        ]
        yield Live(PORT, p.id, p.name or "", {
            "name": p.name, "description": p.description or "", "networkId": p.network_id,
            "adminStateUp": p.is_admin_state_up, "macAddress": p.mac_address,
            "fixedIps": _fixed_ips(p), "securityGroupIds": list(p.security_group_ids or []),
            "portSecurityEnabled": p.is_port_security_enabled, "tags": _tags(p),
            "deviceId": p.device_id or "", "deviceOwner": owner,
            "allowedAddressPairs": pairs, "dnsName": p.dns_name or "", "tenantId": p.project_id,
            "qosPolicyId": p.qos_policy_id or "",
        }, "network", owners=_interface_owner(p))  # fmt: skip


def _interface_owner(port: Any) -> tuple[str, ...]:
    """A router interface's port belongs to the interface (whose id is the port's)."""
    return (port.id,) if str(port.device_owner or "").startswith(ROUTER_INTERFACE_OWNERS) else ()


def router_interfaces(raw: RawProject) -> Iterable[Live]:
    for p in raw.of("ports"):
        if str(p.device_owner or "").startswith(ROUTER_INTERFACE_OWNERS):
            subnet = (p.fixed_ips or [{}])[0].get("subnet_id", "")
            yield Live(ROUTER_INTERFACE, p.id, p.name or p.id, {
                "routerId": p.device_id, "portId": p.id, "subnetId": subnet,
            }, "network")  # fmt: skip


DEFAULT_GROUP = "default"


def _default_rule(rule: Any, group: Any) -> bool:
    """One of the rules Neutron gives every new group (egress anywhere; in the project's
    `default` group, also ingress from the group itself)."""
    bare = not rule.protocol and rule.port_range_min is None and rule.port_range_max is None
    if not bare or rule.remote_ip_prefix:
        return False
    if rule.direction == "egress":
        return rule.remote_group_id is None
    return bool(group.name == DEFAULT_GROUP and rule.remote_group_id == group.id)


def groups(raw: RawProject) -> Iterable[Live]:
    rules: dict[str, list[Any]] = {}
    for rule in raw.of("rules"):
        rules.setdefault(rule.security_group_id, []).append(rule)
    for g in raw.of("security_groups"):
        keeps_defaults = any(
            _default_rule(r, g) and r.direction == "egress" for r in rules.get(g.id, [])
        )
        yield Live(SECURITY_GROUP, g.id, g.name or "", {
            "name": g.name, "description": g.description or "",
            "deleteDefaultRules": not keeps_defaults, "stateful": g.stateful,
            "tags": _tags(g), "tenantId": g.project_id,
        }, "network", built_in="Neutron's own group of every project" if g.name == DEFAULT_GROUP
            else None)  # fmt: skip


def rules(raw: RawProject) -> Iterable[Live]:
    groups = {g.id: g for g in raw.of("security_groups")}
    for r in raw.of("rules"):
        group = groups.get(r.security_group_id)
        built_in = (
            "one of Neutron's default rules of the project's `default` group"
            if group is not None and group.name == DEFAULT_GROUP and _default_rule(r, group)
            else None
        )
        yield Live(SECURITY_GROUP_RULE, r.id, f"{group.name if group else '?'} {r.direction}", {
            "direction": r.direction, "ethertype": r.ether_type,
            "protocol": r.protocol or "", "portRangeMin": r.port_range_min or 0,
            "portRangeMax": r.port_range_max or 0, "remoteIpPrefix": r.remote_ip_prefix or "",
            "remoteGroupId": r.remote_group_id or "",
            "remoteAddressGroupId": getattr(r, "remote_address_group_id", None) or "",
            "securityGroupId": r.security_group_id, "description": r.description or "",
            "tenantId": r.project_id,
        }, "network", built_in=built_in)  # fmt: skip


def floating_ips(raw: RawProject) -> Iterable[Live]:
    for ip in raw.of("floating_ips"):
        network = raw.details.get(("external-network", str(ip.floating_network_id)))
        yield Live(FLOATING_IP, ip.id, ip.floating_ip_address or ip.id, {
            "address": ip.floating_ip_address, "pool": getattr(network, "name", "") or "",
            "portId": ip.port_id or "", "fixedIp": ip.fixed_ip_address or "",
            "description": ip.description or "", "tags": _tags(ip), "tenantId": ip.project_id,
        }, "network", str(ip.status or ""))  # fmt: skip
        if ip.port_id:
            yield Live(FLOATING_IP_ASSOCIATE, ip.id, ip.floating_ip_address or ip.id, {
                "floatingIp": ip.floating_ip_address, "portId": ip.port_id,
                "fixedIp": ip.fixed_ip_address or "",
            }, "network")  # fmt: skip


def _block_devices(server: Any, volumes: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The server's disks as the provider's block_device list: an image on the hypervisor's
    local disk when it was booted from one, and every attached volume."""
    devices: list[dict[str, Any]] = []
    image = (server.image or {}).get("id") if isinstance(server.image, Mapping) else None
    if image:
        devices.append({"sourceType": "image", "destinationType": "local", "uuid": image,
                        "bootIndex": 0})  # fmt: skip
    root = server.root_device_name
    for attached in server.attached_volumes or []:
        volume_id = str(attached.get("id"))
        volume = volumes.get(volume_id)
        device = next(
            (
                a.get("device")
                for a in (getattr(volume, "attachments", None) or [])
                if a.get("server_id") == server.id
            ),
            None,
        )
        devices.append({
            "sourceType": "volume", "destinationType": "volume", "uuid": volume_id,
            "bootIndex": 0 if (not image and device and device == root) else -1,
            "deleteOnTermination": bool(attached.get("delete_on_termination")),
        })  # fmt: skip
    return devices


# What the provider records as the image of a server booted from a volume.
BOOT_FROM_VOLUME = "Attempt to boot from volume - no image supplied"


def _image_id(server: Any) -> str:
    image = server.image.get("id") if isinstance(server.image, Mapping) else None
    return str(image) if image else BOOT_FROM_VOLUME


def instances(raw: RawProject) -> Iterable[Live]:
    volumes = {v.id: v for v in raw.of("volumes")}
    ports: dict[str, list[Any]] = {}
    for port in raw.of("ports"):
        if port.device_id:
            ports.setdefault(port.device_id, []).append(port)
    networks = {n.id: n.name for n in raw.of("networks")}
    for s in raw.of("servers"):
        flavor = s.flavor or {}
        nics = [
            {"uuid": p.network_id, "name": networks.get(p.network_id, ""), "port": p.id,
             "fixedIpV4": next((ip.get("ip_address") for ip in p.fixed_ips or []
                                if ":" not in str(ip.get("ip_address"))), ""),
             "mac": p.mac_address}
            for p in ports.get(s.id, [])
        ]  # fmt: skip
        yield Live(INSTANCE, s.id, s.name or "", {
            "name": s.name, "flavorName": flavor.get("original_name") or flavor.get("name") or "",
            "flavorId": flavor.get("id") or "",
            "imageId": _image_id(s),
            "keyPair": s.key_name or "", "metadata": dict(s.metadata or {}),
            "tags": _tags(s),
            "securityGroups": sorted({str(g.get("name")) for g in s.security_groups or []}),
            "networks": nics, "blockDevices": _block_devices(s, volumes),
            "configDrive": truth(s.has_config_drive), "availabilityZone": s.availability_zone,
            "powerState": "active" if s.status == "ACTIVE" else str(s.status or "").lower(),
        }, "compute", str(s.status or ""))  # fmt: skip


def keypairs(raw: RawProject) -> Iterable[Live]:
    for k in raw.of("keypairs"):
        yield Live(KEYPAIR, k.name, k.name, {
            "name": k.name, "publicKey": k.public_key, "fingerprint": k.fingerprint,
        }, "compute")  # fmt: skip


def server_groups(raw: RawProject) -> Iterable[Live]:
    for g in raw.of("server_groups"):
        policies = list(g.policies or ([g.policy] if g.policy else []))
        yield Live(SERVER_GROUP, g.id, g.name or "", {
            "name": g.name, "policies": policies, "members": list(g.member_ids or []),
        }, "compute")  # fmt: skip


def volumes(raw: RawProject) -> Iterable[Live]:
    for v in raw.of("volumes"):
        image = (v.volume_image_metadata or {}).get("image_id", "")
        attachments = [
            {"instanceId": a.get("server_id"), "device": a.get("device"), "id": a.get("id")}
            for a in v.attachments or []
        ]
        yield Live(VOLUME, v.id, v.name or "", {
            "name": v.name, "description": v.description or "", "size": v.size,
            "volumeType": v.volume_type, "availabilityZone": v.availability_zone,
            "metadata": dict(v.metadata or {}), "imageId": image,
            "snapshotId": v.snapshot_id or "", "sourceVolId": v.source_volume_id or "",
            "attachments": attachments,
        }, "block-storage", str(v.status or ""))  # fmt: skip


def containers(raw: RawProject) -> Iterable[Live]:
    for c in raw.of("containers"):
        headers = raw.details.get(("containers", c.name))
        if headers is None:
            continue  # vanished or unreadable: a gap says so
        prefix = "x-container-meta-"
        metadata = {k[len(prefix) :]: v for k, v in headers.items() if k.startswith(prefix)}
        yield Live(CONTAINER, c.name, c.name, {
            "name": c.name, "containerRead": headers.get("x-container-read", ""),
            "containerWrite": headers.get("x-container-write", ""), "metadata": metadata,
            "versioning": truth(headers.get("x-versions-enabled", "")),
            "storagePolicy": headers.get("x-storage-policy", ""),
            "containerSyncTo": headers.get("x-container-sync-to", ""),
        }, "object-store")  # fmt: skip


def _volume_keys(raw: RawProject) -> dict[str, str]:
    """Barbican secret id -> the LUKS volume whose key it is (Cinder made it)."""
    return {
        str(v.encryption_key_id): v.id
        for v in raw.of("volumes")
        if getattr(v, "encryption_key_id", None)
    }


def secrets(raw: RawProject) -> Iterable[Live]:
    keys = _volume_keys(raw)
    for s in raw.of("secrets"):
        ident = reference_id(s.secret_ref)
        content = s.content_types or {}
        metadata = (raw.details.get(("secrets-metadata", ident)) or {}).get("metadata") or {}
        owners = tuple(o for o in (keys.get(ident),) if o)
        yield Live(SECRET, ident, s.name or "", {
            "name": s.name or "", "secretType": s.secret_type, "algorithm": s.algorithm or "",
            "bitLength": s.bit_length or 0, "mode": s.mode or "",
            "expiration": s.expires_at or "", "payloadContentType": content.get("default", ""),
            "secretRef": s.secret_ref, "metadata": dict(metadata),
            "acl": _acl(raw.details.get(("secrets-acl", ident))),
        }, "key-manager", str(s.status or ""), owners=owners)  # fmt: skip


def _acl(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not isinstance(value.get("read"), Mapping):
        return {}
    read = value["read"]
    return {"read": {"projectAccess": bool(read.get("project-access", True)),
                     "users": list(read.get("users") or [])}}  # fmt: skip


def key_containers(raw: RawProject) -> Iterable[Live]:
    for c in raw.of("key_containers"):
        ident = reference_id(c.container_ref)
        refs = [
            {"name": r.get("name"), "secretRef": r.get("secret_ref")} for r in c.secret_refs or []
        ]
        yield Live(KEY_CONTAINER, ident, c.name or "", {
            "name": c.name or "", "type": c.type, "secretRefs": refs,
            "containerRef": c.container_ref,
            "acl": _acl(raw.details.get(("key_containers-acl", ident))),
        }, "key-manager", str(c.status or ""))  # fmt: skip


SPENT_ORDER = (
    "an order whose key is deleted (Cinder keeps the order of a deleted volume's key, a "
    "destroyed order's key may be deleted after it): a record of Barbican that holds no key"
)


def orders(raw: RawProject) -> Iterable[Live]:
    keys = _volume_keys(raw)
    # Only a complete listing of the secrets can say that an order's key is gone.
    listed = (
        {reference_id(s.secret_ref) for s in raw.of("secrets")}
        if "key-manager" in raw.complete_services
        else None
    )
    for o in raw.of("orders"):
        meta = dict(o.meta or {})
        owner = keys.get(reference_id(o.secret_ref))
        spent = (
            listed is not None
            and owner is None
            and str(o.status or "") == "ACTIVE"
            and bool(o.secret_ref)
            and reference_id(o.secret_ref) not in listed
        )
        yield Live(ORDER, reference_id(o.order_ref), str(meta.get("name") or ""), {
            "type": o.type, "status": o.status, "secretRef": o.secret_ref or "",
            "containerRef": getattr(o, "container_ref", None) or "",
            "meta": {"algorithm": meta.get("algorithm"), "bitLength": meta.get("bit_length"),
                     "mode": meta.get("mode"), "name": meta.get("name"),
                     "payloadContentType": meta.get("payload_content_type"),
                     "expiration": meta.get("expiration")},
        }, "key-manager", str(o.status or ""), owners=(owner,) if owner else (),
            built_in=SPENT_ORDER if spent else None)  # fmt: skip


def images(raw: RawProject) -> Iterable[Live]:
    for i in raw.of("images"):
        yield Live(IMAGE, i.id, i.name or "", {
            "name": i.name, "visibility": i.visibility, "tags": list(i.tags or []),
        }, "image", str(i.status or ""))  # fmt: skip


def load_balancers(raw: RawProject) -> Iterable[Live]:
    for lb in raw.of("load_balancers"):
        yield Live(LOAD_BALANCER, lb.id, lb.name or "", {
            "name": lb.name, "description": lb.description or "",
            "vipAddress": lb.vip_address, "vipNetworkId": lb.vip_network_id or "",
            "vipSubnetId": lb.vip_subnet_id or "", "vipPortId": lb.vip_port_id or "",
            "adminStateUp": lb.is_admin_state_up, "tags": _tags(lb),
            "loadbalancerProvider": lb.provider, "tenantId": lb.project_id,
        }, "load-balancer", str(lb.provisioning_status or ""))  # fmt: skip


def listeners(raw: RawProject) -> Iterable[Live]:
    for li in raw.of("listeners"):
        balancers = li.load_balancers or []
        yield Live(LISTENER, li.id, li.name or "", {
            "name": li.name, "protocol": li.protocol, "protocolPort": li.protocol_port,
            "allowedCidrs": list(li.allowed_cidrs or []),
            "loadbalancerId": balancers[0].get("id") if balancers else "",
            "defaultPoolId": li.default_pool_id or "",
            "defaultTlsContainerRef": li.default_tls_container_ref or "",
            "sniContainerRefs": list(li.sni_container_refs or []),
            "adminStateUp": li.is_admin_state_up, "tags": _tags(li),
        }, "load-balancer")  # fmt: skip


def pools(raw: RawProject) -> Iterable[Live]:
    for p in raw.of("pools"):
        yield Live(POOL, p.id, p.name or "", {
            "name": p.name, "protocol": p.protocol, "lbMethod": p.lb_algorithm,
            "tags": _tags(p),
        }, "load-balancer")  # fmt: skip


def members(raw: RawProject) -> Iterable[Live]:
    for m in raw.of("members"):
        yield Live(MEMBER, m.id, m.name or "", {
            "name": m.name, "address": m.address, "protocolPort": m.protocol_port,
            "subnetId": m.subnet_id or "", "monitorAddress": m.monitor_address or "",
            "tags": _tags(m),
        }, "load-balancer")  # fmt: skip


def monitors(raw: RawProject) -> Iterable[Live]:
    for m in raw.of("monitors"):
        yield Live(MONITOR, m.id, m.name or "", {
            "name": m.name, "type": m.type, "delay": m.delay, "timeout": m.timeout,
        }, "load-balancer")  # fmt: skip
