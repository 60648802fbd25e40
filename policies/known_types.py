"""The closed world: every provider package and resource type the pack understands. One place,
data only; tests/policies/test_closed_world.py checks it both ways (every type listed here is
judged by a rule that names it; every type a shipped stack declares is listed), and
policies/properties.py classifies every input property of every type listed here.

Anything else is outside the pack's world and refused by `inventory-known-type`: a rule that
knows nothing about a resource cannot say it is safe. Two ways to admit a type: a rule family
that judges it (listed here), or an allowance with a reason in the pack config.

Providers of other clouds (aws, azure-native, gcp...) are not understood resource by resource,
but they are judged: `FOREIGN_CLOUDS` says where each package keeps its region, location and
endpoints, which operator it reaches by default, and which catalogue API family its regions
belong to, so `region-foreign-cloud` can judge them against the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

PROVIDER_PREFIX = "pulumi:providers:"


@dataclass(frozen=True)
class KnownType:
    """A resource type token (or a prefix ending in `*`) the pack understands.

    What it judges of each type, property by property, is policies/properties.py's table.
    """

    token: str
    # Components and the stack itself have no provider; custom resources must name one.
    component: bool = False

    def matches(self, type_token: str) -> bool:
        if self.token.endswith("*"):
            return type_token.startswith(self.token[:-1])
        return type_token == self.token


_OS = "openstack:"
KNOWN_TYPES: tuple[KnownType, ...] = (
    # Pulumi's own types and the hub's components.
    KnownType("pulumi:pulumi:Stack", component=True),
    KnownType("pulumi:pulumi:StackReference", component=True),
    KnownType("hub:layers:*", component=True),
    # Providers of the packages the pack understands (other clouds: FOREIGN_CLOUDS).
    KnownType("pulumi:providers:openstack"),
    KnownType("pulumi:providers:tls"),
    KnownType("pulumi:providers:pulumi"),
    # OpenStack: every type below is judged at least for its region (region-eu-only). Not
    # admitted: blockstorage/volumeAttach (it hands a volume to a host outside Nova by its
    # connector data: where the data goes cannot be judged) and every type of the provider
    # not listed here.
    *(
        KnownType(_OS + token)
        for token in (
            "blockstorage/volume:Volume",
            "compute/instance:Instance",
            "compute/keypair:Keypair",
            "compute/serverGroup:ServerGroup",
            "compute/volumeAttach:VolumeAttach",
            "compute/interfaceAttach:InterfaceAttach",
            "networking/network:Network",
            "networking/subnet:Subnet",
            "networking/subnetRoute:SubnetRoute",
            "networking/router:Router",
            "networking/routerInterface:RouterInterface",
            "networking/routerRoute:RouterRoute",
            "networking/port:Port",
            "networking/portSecGroupAssociate:PortSecGroupAssociate",
            "networking/secGroup:SecGroup",
            "networking/secGroupRule:SecGroupRule",
            "networking/floatingIp:FloatingIp",
            "networking/floatingIpAssociate:FloatingIpAssociate",
            "objectstorage/container:Container",
            "keymanager/secretV1:SecretV1",
            "keymanager/containerV1:ContainerV1",
            "keymanager/orderV1:OrderV1",
            "loadbalancer/loadBalancer:LoadBalancer",
            "loadbalancer/listener:Listener",
            "loadbalancer/pool:Pool",
            "loadbalancer/member:Member",
            "loadbalancer/monitor:Monitor",
            # Keystone: a research workspace's own project, its members and their grants
            # (workspace family: access only through the workspace's project).
            "identity/project:Project",
            "identity/user:User",
            "identity/roleAssignment:RoleAssignment",
        )
    ),
    # TLS: keys and certificates (crypto family), and their private material (secrets).
    KnownType("tls:index/privateKey:PrivateKey"),
    KnownType("tls:index/certRequest:CertRequest"),
    KnownType("tls:index/selfSignedCert:SelfSignedCert"),
    KnownType("tls:index/locallySignedCert:LocallySignedCert"),
)

UNDERSTOOD_PACKAGES = frozenset({"openstack", "tls", "pulumi"})


@dataclass(frozen=True)
class ForeignCloud:
    """Where a package of another cloud keeps the facts that say where it runs.

    `api`: the catalogue API family its regions belong to. `operator`: the catalogue provider it
    reaches when no endpoint says otherwise. `provider_locations` and `resource_locations`: the
    inputs holding a region, zone or location. `endpoint_inputs`: inputs holding endpoint URLs
    or a universe domain, which decide the operator when set.
    """

    api: str
    operator: str
    provider_locations: tuple[str, ...]
    resource_locations: tuple[str, ...]
    endpoint_inputs: tuple[str, ...] = ()
    # Inputs naming a universe domain (a host suffix every API endpoint ends with).
    universe_inputs: tuple[str, ...] = ()


FOREIGN_CLOUDS: dict[str, ForeignCloud] = {
    "aws": ForeignCloud("aws", "aws", ("region",), ("region",), ("endpoints",)),
    "aws-native": ForeignCloud("aws", "aws", ("region",), ("region",)),
    "azure-native": ForeignCloud("azure", "microsoft", ("location",), ("location",)),
    "azure": ForeignCloud("azure", "microsoft", ("location",), ("location",)),
    "gcp": ForeignCloud(
        "gcp",
        "google",
        ("region", "zone"),
        ("region", "zone", "location"),
        universe_inputs=("universeDomain",),
    ),
    "google-native": ForeignCloud(
        "gcp",
        "google",
        ("region", "zone"),
        ("region", "zone", "location"),
        universe_inputs=("universeDomain",),
    ),
    "alicloud": ForeignCloud("alicloud", "alibaba", ("region",), ("region",)),
    "oci": ForeignCloud("oci", "oracle", ("region",), ("region",)),
    "digitalocean": ForeignCloud("digitalocean", "digitalocean", ("region",), ("region",)),
    "outscale": ForeignCloud("outscale", "outscale", ("region",), ("region",), ("endpoints",)),
}


def package_of(type_token: str) -> str:
    """The package a type belongs to; a provider's is the package it configures."""
    if type_token.startswith(PROVIDER_PREFIX):
        return type_token.removeprefix(PROVIDER_PREFIX)
    return type_token.split(":", 1)[0]


@cache
def known_type(type_token: str) -> KnownType | None:
    return next((known for known in KNOWN_TYPES if known.matches(type_token)), None)


def foreign_cloud(type_token: str) -> ForeignCloud | None:
    return FOREIGN_CLOUDS.get(package_of(type_token))


def in_inventory(type_token: str) -> bool:
    """Understood types, and the providers of other clouds (judged by where they run)."""
    if known_type(type_token) is not None:
        return True
    return type_token.startswith(PROVIDER_PREFIX) and foreign_cloud(type_token) is not None
