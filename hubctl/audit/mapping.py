"""The one table from live OpenStack objects to the pack's resource model.

Each type the pack's inventory admits (policies/known_types.py) is classified here once:

- `LIVE_TYPES`: read from the cloud. Its builder (in hubctl.audit.builders) turns openstacksdk's
  objects into the provider's own type token and property names, with values as a `pulumi stack
  export` of the bridged provider carries them, so the same rule code judges a live resource and
  a state export alike. `compared` names the properties drift compares with the state (every
  property the pack judges that the cloud shows, and those operators change by hand: rules,
  ACLs, metadata, tags, a port's groups), each with how to compare it (a normaliser of
  hubctl.audit.normalise). `unreadable` names the judged inputs the cloud never shows back,
  with why (a user data, an admin password, a payload).
- `NOT_LIVE`: no cloud object of its own (providers, components, TLS keys, associations read
  through the object they change), with why.

tests/unit/test_audit_mapping.py fails on an inventory type classified in neither or both, on a
judged input neither mapped nor said unreadable, and on a property name the provider does not
have; tests/integration/test_audit.py compares each builder with what the provider itself
recorded for the same resource.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    PROJECT,
    RESOURCE_TYPES,
    ROLE_ASSIGNMENT,
    ROUTER,
    ROUTER_INTERFACE,
    ROUTER_ROUTE,
    SECRET,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    SERVER_GROUP,
    SUBNET,
    SUBNET_ROUTE,
    USER,
    VOLUME,
)
from hubctl.audit.builders import (
    ROUTER_INTERFACE_OWNERS,
    Builder,
    Live,
    containers,
    floating_ips,
    groups,
    images,
    instances,
    key_containers,
    keypairs,
    listeners,
    load_balancers,
    members,
    monitors,
    networks,
    orders,
    pools,
    ports,
    router_interfaces,
    router_routes,
    routers,
    rules,
    secrets,
    server_groups,
    subnet_routes,
    subnets,
    volumes,
)
from hubctl.audit.normalise import (
    Compared,
    acl,
    c,
    container_metadata,
    items,
    order_meta,
    string_map,
    text_set,
    truth,
)
from hubctl.cloud.inventory import Gap, GapKind, RawProject


@dataclass(frozen=True)
class LiveType:
    token: str
    build: Builder
    compared: tuple[Compared, ...] = ()
    unreadable: Mapping[str, str] = field(default_factory=dict)
    # An association the provider keeps as a resource of its own, read through the object it
    # changes: built only to match a state resource (never reported unmanaged by itself).
    association: bool = False


TAGS = c("tags", text_set, "allTags")
# Octavia's types have no `allTags` in the provider: their tags are only what was set.
LB_TAGS = c("tags", text_set)
METADATA = c("metadata", string_map, "allMetadata")
NAME = c("name")
NEVER_SHOWN = "the API never shows it back"

LIVE_TYPES: dict[str, LiveType] = {
    t.token: t
    for t in (
        LiveType(NETWORK, networks, (NAME, c("external", truth),
                 c("portSecurityEnabled", truth), c("shared", truth), TAGS)),
        LiveType(SUBNET, subnets, (NAME, c("cidr"), c("gatewayIp"), c("enableDhcp", truth),
                 c("dnsNameservers", text_set), TAGS)),
        LiveType(SUBNET_ROUTE, subnet_routes, (c("destinationCidr"), c("nextHop"))),
        LiveType(ROUTER, routers, (NAME, c("externalNetworkId"), c("enableSnat", truth), TAGS)),
        LiveType(ROUTER_INTERFACE, router_interfaces, (c("routerId"), c("subnetId"))),
        LiveType(ROUTER_ROUTE, router_routes, (c("destinationCidr"), c("nextHop"))),
        LiveType(PORT, ports, (NAME, c("networkId"), c("securityGroupIds", text_set,
                 "allSecurityGroupIds"), c("portSecurityEnabled", truth),
                 c("fixedIps", items("subnetId")),
                 c("allowedAddressPairs", items("ipAddress")), TAGS),
                 {"noSecurityGroups": "a create-time switch: the port's groups show the result"}),
        LiveType(SECURITY_GROUP, groups, (NAME, c("deleteDefaultRules", truth), TAGS)),
        LiveType(SECURITY_GROUP_RULE, rules, (c("direction"), c("ethertype"), c("protocol"),
                 c("portRangeMin"), c("portRangeMax"), c("remoteIpPrefix"),
                 c("remoteGroupId"), c("remoteAddressGroupId"), c("securityGroupId"))),
        LiveType(FLOATING_IP, floating_ips, (c("portId"), c("fixedIp"), TAGS)),
        LiveType(FLOATING_IP_ASSOCIATE, floating_ips, (c("portId"),), association=True),
        LiveType(INSTANCE, instances, (NAME, c("flavorName"), c("keyPair"), METADATA, TAGS,
                 c("imageId"), c("securityGroups", text_set),
                 c("blockDevices", items("sourceType", "uuid")),
                 c("networks", items("port"))),
                 {"userData": "Nova shows a server's user data to administrators only",
                  "adminPass": NEVER_SHOWN,
                  "imageName": "Nova shows the image's id only (imageId)"}),
        LiveType(KEYPAIR, keypairs, (c("publicKey"),), {"privateKey": NEVER_SHOWN}),
        LiveType(SERVER_GROUP, server_groups, (NAME, c("policies", text_set))),
        LiveType(VOLUME, volumes, (NAME, c("volumeType"), c("size"),
                 c("metadata", string_map))),
        LiveType(CONTAINER, containers, (c("containerRead"), c("containerWrite"),
                 c("metadata", container_metadata), c("versioning", truth))),
        LiveType(SECRET, secrets, (NAME, c("secretType"), c("metadata", string_map),
                 c("acl", acl)),
                 {"payload": "the audit never reads secret material (Barbican shows it to "
                  "its creator and administrators only)"}),
        LiveType(KEY_CONTAINER, key_containers, (NAME, c("type"), c("acl", acl))),
        LiveType(ORDER, orders, (c("type"), c("meta", order_meta))),
        LiveType(LOAD_BALANCER, load_balancers, (NAME, c("vipSubnetId"), c("vipNetworkId"),
                 c("vipPortId"), LB_TAGS)),
        LiveType(LISTENER, listeners, (c("protocol"), c("protocolPort"), c("loadbalancerId"),
                 c("allowedCidrs", text_set), LB_TAGS)),
        LiveType(POOL, pools, (NAME, LB_TAGS)),
        LiveType(MEMBER, members, (c("address"), c("protocolPort"), c("monitorAddress"),
                 LB_TAGS)),
        LiveType(MONITOR, monitors, (c("type"),)),
        LiveType(IMAGE, images),
    )
}  # fmt: skip

# Inventory types the audit does not list, and why: those with no cloud object of their own
# (hubcore.resource_types says why), and a workspace's Keystone objects.
NOT_LIVE: dict[str, str] = {
    **{
        known.token: known.not_a_cloud_object
        for known in RESOURCE_TYPES
        if known.not_a_cloud_object
    },
    # Its project is read by id (hubctl.audit.run); users and grants belong to the domain's
    # administrators, whom the reader role cannot list.
    PROJECT: "read by id from the states (a workspace's project), not listed",
    USER: "Keystone users are listed by domain administrators only",
    ROLE_ASSIGNMENT: "Keystone grants are listed by domain administrators only",
}


SERVICES = {"networking": "network", "compute": "compute", "blockstorage": "block-storage",
            "objectstorage": "object-store", "keymanager": "key-manager",
            "loadbalancer": "load-balancer", "images": "image", "identity": "identity"}  # fmt: skip


def service_of(token: str) -> str:
    """The OpenStack service that holds resources of a provider type token."""
    module = token.split(":", 2)[1].split("/", 1)[0] if token.count(":") >= 2 else ""
    return SERVICES.get(module, "")


def build_all(raw: RawProject) -> list[Live]:
    """Every live resource of a project read, each once. A builder that fails on what the
    cloud returned makes the audit partial (a gap), never a traceback or a silent pass."""
    found: list[Live] = []
    seen: set[tuple[str, str]] = set()
    for live_type in LIVE_TYPES.values():
        try:
            built = [item for item in live_type.build(raw) if item.token == live_type.token]
        except Exception as error:  # an object of a shape the mapping does not expect
            raw.gaps.append(
                Gap(
                    GapKind.ERROR,
                    service_of(live_type.token),
                    live_type.token,
                    f"could not be mapped ({type(error).__name__}: {error})",
                    raw.project,
                    raw.region,
                )
            )
            continue
        for item in built:
            if (item.token, item.id) in seen:
                continue
            seen.add((item.token, item.id))
            item.region = raw.region
            found.append(item)
    return found


# --------------------------------------------------------------------------- the pack's view

# Inputs the cloud fills in itself when a deployer leaves them unset: live, each shows a value
# that a state export would not have. Each is given to the pack only when it differs from what
# the cloud would have put there on its own, and is then judged as if a deployer had set it.


def _own_project(item: Live, raw: RawProject) -> bool:
    return str(item.inputs.get("tenantId") or "") in ("", raw.project)


def _attached_by_the_cloud(item: Live, raw: RawProject) -> bool:
    """Nova sets a port's device when a server of the project attaches it, Neutron when a
    router of the project gets an interface on it."""
    owner = str(item.inputs.get("deviceOwner") or "")
    device = str(item.inputs.get("deviceId") or "")
    if owner.startswith("compute:"):
        return device in {str(s.id) for s in raw.of("servers")}
    if owner in ROUTER_INTERFACE_OWNERS:
        return device in {str(r.id) for r in raw.of("routers")}
    return owner == "" and device == ""


def _default_storage_policy(item: Live, raw: RawProject) -> bool:
    policy = str(item.inputs.get("storagePolicy") or "")
    info = raw.details.get(("swift-info", ""))
    swift = (getattr(info, "swift", None) or {}) if info is not None else {}
    defaults = {str(p.get("name")) for p in swift.get("policies") or [] if p.get("default")}
    return policy == "" or policy in defaults


FILLED_BY_THE_CLOUD: dict[str, Callable[[Live, RawProject], bool]] = {
    "tenantId": _own_project,
    "deviceId": _attached_by_the_cloud,
    "deviceOwner": _attached_by_the_cloud,
    "storagePolicy": _default_storage_policy,
}


def declared_inputs(item: Live, raw: RawProject) -> dict[str, Any]:
    """What a deployer would have had to declare for the cloud to show `item` as it is: the
    provider's inputs only (attachments, fingerprints and members are what the cloud reports,
    compared for drift, never declared), without the values the cloud fills in by itself."""
    from policies.schema import resource_schema

    schema = resource_schema(item.token) or {}
    return {
        key: value
        for key, value in item.inputs.items()
        if key in schema
        and not (key in FILLED_BY_THE_CLOUD and FILLED_BY_THE_CLOUD[key](item, raw))
    }
