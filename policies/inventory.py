"""The closed world: every provider package and resource type the pack understands, with the
inputs it judges. One place, data only; tests/policies/test_inventory.py checks it both ways
(every type listed here is judged by a rule that names it; every type a shipped stack declares
is listed; every input listed is read by a rule).

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
    """A resource type token (or a prefix ending in `*`) and the inputs the pack judges."""

    token: str
    judged: tuple[str, ...] = ()
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
    KnownType(
        "pulumi:providers:openstack",
        (
            "region",
            "authUrl",
            "cloud",
            "insecure",
            "endpointOverrides",
            "password",
            "token",
            "applicationCredentialSecret",
        ),
    ),
    KnownType("pulumi:providers:tls"),
    KnownType("pulumi:providers:pulumi"),
    # OpenStack: every type below is judged at least for its region (region-eu-only).
    KnownType(_OS + "blockstorage/volume:Volume", ("region", "volumeType", "metadata")),
    KnownType(_OS + "blockstorage/volumeAttach:VolumeAttach", ("region",)),
    KnownType(
        _OS + "compute/instance:Instance",
        (
            "region",
            "blockDevices",
            "imageId",
            "imageName",
            "networks",
            "securityGroups",
            "userData",
            "metadata",
            "tags",
            "adminPass",
        ),
    ),
    KnownType(_OS + "compute/keypair:Keypair", ("region", "privateKey")),
    KnownType(_OS + "compute/serverGroup:ServerGroup", ("region",)),
    KnownType(_OS + "compute/volumeAttach:VolumeAttach", ("region",)),
    KnownType(_OS + "compute/floatingIpAssociate:FloatingIpAssociate", ("region", "instanceId")),
    KnownType(
        _OS + "compute/interfaceAttach:InterfaceAttach",
        ("region", "instanceId", "networkId", "portId"),
    ),
    KnownType(_OS + "networking/network:Network", ("region", "external", "portSecurityEnabled")),
    KnownType(_OS + "networking/subnet:Subnet", ("region", "tags")),
    KnownType(_OS + "networking/subnetRoute:SubnetRoute", ("region",)),
    KnownType(_OS + "networking/router:Router", ("region", "externalNetworkId")),
    KnownType(_OS + "networking/routerInterface:RouterInterface", ("region",)),
    KnownType(_OS + "networking/routerRoute:RouterRoute", ("region",)),
    KnownType(
        _OS + "networking/port:Port",
        (
            "region",
            "networkId",
            "securityGroupIds",
            "noSecurityGroups",
            "portSecurityEnabled",
            "tags",
            "fixedIps",
        ),
    ),
    KnownType(
        _OS + "networking/portSecGroupAssociate:PortSecGroupAssociate",
        ("region", "portId", "securityGroupIds"),
    ),
    KnownType(_OS + "networking/secGroup:SecGroup", ("region", "deleteDefaultRules", "tags")),
    KnownType(
        _OS + "networking/secGroupRule:SecGroupRule",
        (
            "region",
            "direction",
            "ethertype",
            "protocol",
            "portRangeMin",
            "portRangeMax",
            "remoteIpPrefix",
            "remoteGroupId",
            "securityGroupId",
        ),
    ),
    KnownType(_OS + "networking/floatingIp:FloatingIp", ("region", "portId")),
    KnownType(_OS + "networking/floatingIpAssociate:FloatingIpAssociate", ("region", "portId")),
    KnownType(
        _OS + "objectstorage/container:Container",
        ("region", "containerRead", "containerWrite", "metadata"),
    ),
    KnownType(_OS + "keymanager/secretV1:SecretV1", ("region", "payload", "secretType")),
    KnownType(_OS + "keymanager/containerV1:ContainerV1", ("region",)),
    KnownType(_OS + "keymanager/orderV1:OrderV1", ("region", "type", "meta")),
    KnownType(
        _OS + "loadbalancer/loadBalancer:LoadBalancer",
        ("region", "vipNetworkId", "vipSubnetId", "vipPortId"),
    ),
    KnownType(
        _OS + "loadbalancer/listener:Listener",
        ("region", "protocol", "protocolPort", "allowedCidrs", "loadbalancerId"),
    ),
    KnownType(_OS + "loadbalancer/pool:Pool", ("region",)),
    KnownType(_OS + "loadbalancer/member:Member", ("region",)),
    KnownType(_OS + "loadbalancer/monitor:Monitor", ("region",)),
    # Keystone: a research workspace's own project, its members and their grants (workspace
    # family: access only through the workspace's project).
    KnownType(_OS + "identity/project:Project", ("region",)),
    KnownType(_OS + "identity/user:User", ("region", "defaultProjectId", "password")),
    KnownType(_OS + "identity/roleAssignment:RoleAssignment", ("region", "projectId", "domainId")),
    # TLS: keys and certificates (crypto family), and their private material (secrets).
    KnownType("tls:index/privateKey:PrivateKey", ("algorithm", "rsaBits", "ecdsaCurve")),
    KnownType("tls:index/certRequest:CertRequest", ("privateKeyPem",)),
    KnownType(
        "tls:index/selfSignedCert:SelfSignedCert",
        ("isCaCertificate", "validityPeriodHours", "privateKeyPem"),
    ),
    KnownType(
        "tls:index/locallySignedCert:LocallySignedCert",
        ("isCaCertificate", "validityPeriodHours", "caPrivateKeyPem"),
    ),
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
