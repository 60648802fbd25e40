"""Every resource type the hub knows, declared once: its type token, whether the policy pack
admits it, what the cloud holds for it, and how hubctl recognises what the hub made of it.

The pack's closed world (policies/known_types.py) admits exactly the types declared here as
admitted; hubctl's orphan census and pending-operation reconciler look for exactly the types
declared here with a mark (`found_by`), through the cloud's implementation (one finder, lister
and deleter per marked type: hubctl/cloud/openstack/types.py); the live audit reads what it
lists and says why for the rest (`not_a_cloud_object`, `unsearched`). The type names other
modules use (`NETWORK`, `VOLUME`...) are the constants below, never a token written again.

tests/unit/test_resource_types.py closes it: every type a shipped stack declares is declared
here, every admitted type is classified property by property by the pack, and every cloud
object the hub makes is either marked or says why hubctl does not look for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

PROVIDER_PREFIX = "pulumi:providers:"
_OS = "openstack:"

# Pulumi's own types, and the hub's components (one type per layer: `hub:layers:<Layer>`).
STACK = "pulumi:pulumi:Stack"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
HUB_COMPONENTS = "hub:layers:*"
OPENSTACK_PROVIDER = PROVIDER_PREFIX + "openstack"
TLS_PROVIDER = PROVIDER_PREFIX + "tls"
PULUMI_PROVIDER = PROVIDER_PREFIX + "pulumi"

# OpenStack: Neutron.
NETWORK = _OS + "networking/network:Network"
SUBNET = _OS + "networking/subnet:Subnet"
SUBNET_ROUTE = _OS + "networking/subnetRoute:SubnetRoute"
ROUTER = _OS + "networking/router:Router"
ROUTER_INTERFACE = _OS + "networking/routerInterface:RouterInterface"
ROUTER_ROUTE = _OS + "networking/routerRoute:RouterRoute"
PORT = _OS + "networking/port:Port"
PORT_SECURITY_GROUPS = _OS + "networking/portSecGroupAssociate:PortSecGroupAssociate"
SECURITY_GROUP = _OS + "networking/secGroup:SecGroup"
SECURITY_GROUP_RULE = _OS + "networking/secGroupRule:SecGroupRule"
FLOATING_IP = _OS + "networking/floatingIp:FloatingIp"
FLOATING_IP_ASSOCIATE = _OS + "networking/floatingIpAssociate:FloatingIpAssociate"
# Nova.
INSTANCE = _OS + "compute/instance:Instance"
KEYPAIR = _OS + "compute/keypair:Keypair"
SERVER_GROUP = _OS + "compute/serverGroup:ServerGroup"
VOLUME_ATTACH = _OS + "compute/volumeAttach:VolumeAttach"
INTERFACE_ATTACH = _OS + "compute/interfaceAttach:InterfaceAttach"
# Cinder, Swift, Barbican, Glance.
VOLUME = _OS + "blockstorage/volume:Volume"
CONTAINER = _OS + "objectstorage/container:Container"
SECRET = _OS + "keymanager/secretV1:SecretV1"
KEY_CONTAINER = _OS + "keymanager/containerV1:ContainerV1"
ORDER = _OS + "keymanager/orderV1:OrderV1"
IMAGE = _OS + "images/image:Image"
# Octavia.
LOAD_BALANCER = _OS + "loadbalancer/loadBalancer:LoadBalancer"
LISTENER = _OS + "loadbalancer/listener:Listener"
POOL = _OS + "loadbalancer/pool:Pool"
MEMBER = _OS + "loadbalancer/member:Member"
MONITOR = _OS + "loadbalancer/monitor:Monitor"
# Keystone: a research workspace's own project, its members and their grants.
PROJECT = _OS + "identity/project:Project"
USER = _OS + "identity/user:User"
ROLE_ASSIGNMENT = _OS + "identity/roleAssignment:RoleAssignment"
# pulumi-tls: keys and certificates computed by the provider, held in the state only.
TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
TLS_CERT_REQUEST = "tls:index/certRequest:CertRequest"
TLS_SELF_SIGNED_CERT = "tls:index/selfSignedCert:SelfSignedCert"
TLS_LOCALLY_SIGNED_CERT = "tls:index/locallySignedCert:LocallySignedCert"


class Mark(StrEnum):
    """How hubctl recognises, in the site's project, a cloud object the hub made."""

    # Neutron and Nova tags: `hub-urn=<hash of the URN>` (hubcore.urns) and `site=<site>`.
    URN_TAG = "urn-tag"
    # Key/value metadata (Nova, Cinder, Swift): `hub-urn` and `site`.
    URN_METADATA = "urn-metadata"
    # The program's deterministic name, `hub-<site>-...` (kinds that take no tag).
    NAME = "name"
    # What it is part of: a hub security group's rules, a hub router's interfaces and routes, a
    # hub subnet's routes.
    OWNER = "owner"


@dataclass(frozen=True)
class ResourceType:
    token: str  # the provider's type token (a trailing `*` declares a family of them)
    # In the policy pack's closed world (inventory-known-type admits it).
    admitted: bool = True
    # Components and the stack have no provider; every custom resource names one.
    component: bool = False
    # Why the cloud holds no object of its own for it; empty when it does.
    not_a_cloud_object: str = ""
    # How hubctl finds what the hub made of it (census, reconciler); None: it does not look.
    found_by: Mark | None = None
    # Why hubctl does not look for a cloud object of this type (found_by is None).
    unsearched: str = ""

    @property
    def package(self) -> str:
        """The package it belongs to; a provider's is the package it configures."""
        return package_of(self.token)

    def matches(self, type_token: str) -> bool:
        if self.token.endswith("*"):
            return type_token.startswith(self.token[:-1])
        return type_token == self.token


NOT_MADE = "the hub's program declares none; the pack judges it in other programs and audits"
_IN_STATE = "in the state only: no cloud object"

RESOURCE_TYPES: tuple[ResourceType, ...] = (
    ResourceType(STACK, component=True, not_a_cloud_object="the stack itself"),
    ResourceType(
        STACK_REFERENCE, component=True, not_a_cloud_object="a read of another stack's outputs"
    ),
    ResourceType(
        HUB_COMPONENTS,
        component=True,
        not_a_cloud_object="a component: its children are the cloud objects",
    ),
    ResourceType(OPENSTACK_PROVIDER, not_a_cloud_object="the audit's own connection stands for it"),
    ResourceType(TLS_PROVIDER, not_a_cloud_object="a provider of local computations"),
    ResourceType(PULUMI_PROVIDER, not_a_cloud_object="Pulumi's built-in provider"),
    ResourceType(NETWORK, found_by=Mark.URN_TAG),
    ResourceType(SUBNET, found_by=Mark.URN_TAG),
    ResourceType(SUBNET_ROUTE, found_by=Mark.OWNER),
    ResourceType(ROUTER, found_by=Mark.URN_TAG),
    ResourceType(ROUTER_INTERFACE, found_by=Mark.OWNER),
    ResourceType(ROUTER_ROUTE, found_by=Mark.OWNER),
    ResourceType(PORT, found_by=Mark.URN_TAG),
    ResourceType(PORT_SECURITY_GROUPS, not_a_cloud_object="the port's `securityGroupIds`"),
    ResourceType(SECURITY_GROUP, found_by=Mark.URN_TAG),
    ResourceType(SECURITY_GROUP_RULE, found_by=Mark.OWNER),
    ResourceType(FLOATING_IP, unsearched=NOT_MADE),
    ResourceType(FLOATING_IP_ASSOCIATE, unsearched=NOT_MADE),
    ResourceType(INSTANCE, found_by=Mark.URN_METADATA),
    ResourceType(KEYPAIR, found_by=Mark.NAME),
    ResourceType(SERVER_GROUP, found_by=Mark.NAME),
    ResourceType(VOLUME_ATTACH, not_a_cloud_object="an attachment: the instance's `blockDevices`"),
    ResourceType(INTERFACE_ATTACH, not_a_cloud_object="a port with the instance as its device"),
    ResourceType(VOLUME, found_by=Mark.URN_METADATA),
    ResourceType(CONTAINER, found_by=Mark.URN_METADATA),
    ResourceType(SECRET, found_by=Mark.NAME),
    ResourceType(KEY_CONTAINER, found_by=Mark.NAME),
    ResourceType(ORDER, found_by=Mark.NAME),
    # Not admitted: the project's own images are read by the live audit and refused there.
    ResourceType(IMAGE, admitted=False, unsearched=NOT_MADE),
    ResourceType(LOAD_BALANCER, unsearched=NOT_MADE),
    ResourceType(LISTENER, unsearched=NOT_MADE),
    ResourceType(POOL, unsearched=NOT_MADE),
    ResourceType(MEMBER, unsearched=NOT_MADE),
    ResourceType(MONITOR, unsearched=NOT_MADE),
    # A workspace's Keystone objects live outside the site's project: closing a workspace
    # checks they are gone (hubctl.workspaces), with the workspace's own credentials.
    ResourceType(PROJECT, unsearched="a workspace's own project, outside the site's project"),
    ResourceType(USER, unsearched="a workspace member, in the domain, not the site's project"),
    ResourceType(ROLE_ASSIGNMENT, unsearched="a workspace grant, in the domain"),
    ResourceType(TLS_PRIVATE_KEY, not_a_cloud_object="a key in the state only: no cloud object"),
    ResourceType(TLS_CERT_REQUEST, not_a_cloud_object=_IN_STATE),
    ResourceType(TLS_SELF_SIGNED_CERT, not_a_cloud_object=_IN_STATE),
    ResourceType(TLS_LOCALLY_SIGNED_CERT, not_a_cloud_object=_IN_STATE),
)
# Not declared, so neither admitted nor looked for: blockstorage/volumeAttach (it hands a volume
# to a host outside Nova by its connector data: where the data goes cannot be judged), and every
# other type of the providers.

# The types hubctl looks for in the site's project, in the order the census lists them.
MARKED: tuple[ResourceType, ...] = tuple(t for t in RESOURCE_TYPES if t.found_by is not None)


def package_of(type_token: str) -> str:
    """The package a type belongs to; a provider's is the package it configures."""
    if type_token.startswith(PROVIDER_PREFIX):
        return type_token.removeprefix(PROVIDER_PREFIX)
    return type_token.split(":", 1)[0]


@cache
def resource_type(type_token: str) -> ResourceType | None:
    """The declaration of a type token, or None when the hub does not know it."""
    return next((known for known in RESOURCE_TYPES if known.matches(type_token)), None)
