"""Every input property of every type the pack admits, classified: the closed world's data.

The properties come from the providers' own schema (policies/schema.py, snapshot in
policies/schema.json), nested objects to the leaf: `blockDevices[].volumeType` is a leaf of an
instance's list of objects, `binding.vnicType` of a port's object, `metadata` a map. Each leaf
is exactly one of:

- Judged: named rules decide what the value may be, and fail closed when they cannot read it.
- Inert: it places no data, opens no flow, weakens no key and reaches no other party; the reason
  says why (a name, a description, a size, a zone inside a judged region).
- Refused: allowed only at its default (unset, or the value the provider would use anyway);
  anything else is a violation of `inventory-property-judged`, with the reason.
- PassThrough: a map the provider forwards as written and the cloud interprets (`valueSpecs`
  goes to Neutron's API body, Swift acts on some container metadata): only the keys listed here
  are admitted, each with its reason; the values are also judged by the rules named.

tests/policies/test_properties.py fails when a property of the schema is not classified, when a
classification names a property the schema lacks, or a rule that does not exist or does not
apply to the type; a provider upgrade that adds a property therefore fails a test until someone
classifies it. At check time `inventory-property-judged` reports every set input that is neither
judged nor inert (policies/rules/inventory/). policies/README.md's closed-world section is
generated from this table by `python -m policies.readme --write`, which writes every generated
section (`--write-readme` here still rewrites this one alone).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubcore.metadata import WRITTEN_BY_HUBCTL
from hubcore.resource_types import (
    CONTAINER,
    FLOATING_IP,
    FLOATING_IP_ASSOCIATE,
    INSTANCE,
    INTERFACE_ATTACH,
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
    PORT_SECURITY_GROUPS,
    PROJECT,
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
    TLS_CERT_REQUEST,
    TLS_LOCALLY_SIGNED_CERT,
    TLS_PRIVATE_KEY,
    TLS_SELF_SIGNED_CERT,
    USER,
    VOLUME,
    VOLUME_ATTACH,
)
from policies.schema import resource_schema


@dataclass(frozen=True)
class Judged:
    rules: tuple[str, ...]


@dataclass(frozen=True)
class Inert:
    reason: str


@dataclass(frozen=True)
class Refused:
    reason: str
    # The value the provider uses when the property is unset; a value equal to it (as the
    # provider parses it) is no change. None: only unset (or empty) is allowed.
    default: Any = None


@dataclass(frozen=True)
class PassThrough:
    reason: str
    keys: Mapping[str, str] = field(default_factory=dict)
    rules: tuple[str, ...] = ()


Verdict = Judged | Inert | Refused | PassThrough


def judged(*rules: str) -> Judged:
    return Judged(tuple(rules))


# --- reasons shared by many types ---------------------------------------------------------------

NAME = Inert("a name the cloud shows; it places no data and opens no flow")
DESCRIPTION = Inert("free text the cloud shows; it configures nothing")
REGION = judged("region-eu-only")
ZONE = Inert("a zone inside the resource's region, which region-eu-only judges")
ADMIN_STATE = Inert("administratively up or down: switching a resource off opens nothing")
SIZE = Inert("a size or a count: it places no data and opens no flow")
TIMING = Inert("a timeout, delay or retry count")
TAGS = judged("secrets-embedded-credentials")


def tier_tags(*rules: str) -> Judged:
    """`tags` that carry the resource's tier (`tier=app`), read by the rules named."""
    return judged("secrets-embedded-credentials", *rules)


TENANT = Refused(
    "creates the resource in another project (an administrator's option): its owner, quotas "
    "and everything judged about the site's project would not hold"
)
VALUE_SPECS = PassThrough(
    "sent to the API as written with no schema: any key could change the resource (turn port "
    "security off, attach a floating IP) behind every rule's back; no key is admitted"
)
TLS_SETTINGS = Refused(
    "TLS versions or ciphers of the listener or pool: unset, the cloud's defaults apply; a list "
    "could re-enable TLS 1.0 or weak ciphers (ANSSI RGS B1, PA-035)"
)
TLS_REFERENCE = Inert(
    "a Barbican reference to a certificate the stack stores: the certificate is judged where "
    "it is declared (crypto rules on its secret)"
)
SCOPE = Inert(
    "which identity and project the credentials act as, inside the identity service that "
    "region-identity-endpoint-eu and endpoints-catalogue-provider judge"
)
CREDENTIAL = judged("secrets-no-plaintext")
BARBICAN_ACL_USERS = Refused(
    "grants named users of other projects read access to the secret: the data would reach "
    "people outside the site's project"
)
BARBICAN_ACL_FLAG = Inert(
    "whether the project's own members may read the secret (false restricts further)"
)
BARBICAN_ACL_TIME = Inert("a timestamp Barbican keeps")
SUBJECT = Inert("a certificate subject field: names, not key material or validity")
SUBJECT_FIELDS = (
    "commonName", "country", "emailAddress", "locality", "organization",
    "organizationalUnit", "postalCode", "province", "serialNumber", "streetAddresses",
)  # fmt: skip

# Keys of the hub's own metadata (infra/layers/base.py LayerContext.metadata_for and the
# workspace layer): labels that say what a resource is, read by rules and by hubctl.
HUB_METADATA: dict[str, str] = {
    "site": "the site the resource belongs to",
    "classification": "the site's data classification",
    "owner": "the team that answers for the resource",
    "managed-by": "what manages the resource (pulumi)",
    "hub-urn": "the hash hubctl finds the resource by after an interrupted create",
    "role": "the host role (bastion, app, data, workspace)",
    "tier": "the network tier, read by the exposure rules",
    "data": "marks a data volume",
    "ca-cert-ref": "the Barbican reference of the site's CA certificate hosts trust",
    "data-key-ref": "the Barbican reference of a workspace's key (workspace-key-distinct)",
    "purpose": "what a container is for (extract, outbox, dataset, state)",
    "replica-of": "the container a replica copies",
    "workspace": "the research workspace the resource belongs to (workspace rules)",
    "authorisation": "the CNIL authorisation of the workspace",
    "authorisation-ends": "when that authorisation ends (workspace-expiry-valid)",
    "workspace-starts": "when the workspace starts (workspace-expiry-valid)",
    "workspace-expires": "when the workspace expires (workspace-not-expired)",
    "workspace-datasets": "the datasets of an extract (workspace-datasets-authorised)",
    "encryption": "how an extract is encrypted on the client side",
    "sources": "the site containers an extract was made from",
    "released-by": "the role that releases an outbox",
    "airlock": "which part of a workspace's airlock a container is (ledger, decisions, release)",
    "officer": "the data officer whose decisions a decision container holds",
    "escrow-of": "the site whose dataset keys an escrow container holds",
}
METADATA_RULES = ("secrets-embedded-credentials", "workspace-not-expired")


def hub_metadata(reason: str, rules: tuple[str, ...] = METADATA_RULES, **extra: str) -> PassThrough:
    return PassThrough(reason, {**HUB_METADATA, **extra}, rules)


# --- the table ------------------------------------------------------------------------------------

PROPERTIES: dict[str, dict[str, Verdict]] = {
    # The schema's config section: what the provider is configured with (inline or from env).
    "pulumi:providers:openstack": {
        "allowReauth": Inert("re-authenticates when a token expires: same endpoint, credentials"),
        "applicationCredentialId": SCOPE,
        "applicationCredentialName": SCOPE,
        "applicationCredentialSecret": CREDENTIAL,
        "authUrl": judged(
            "region-identity-endpoint-eu",
            "endpoints-catalogue-provider",
            "endpoints-loopback-local-only",
            "endpoints-transport-security",
        ),
        "cacertFile": Inert(
            "a CA bundle on the deploying machine: it adds trust anchors; verification itself "
            "stays on (endpoints-transport-security judges insecure)"
        ),
        "cert": Inert("a client certificate file for mutual TLS: who authenticates, not where"),
        "cloud": judged("endpoints-cloud-entry", "region-eu-only", "endpoints-transport-security"),
        "defaultDomain": SCOPE,
        "delayedAuth": Inert("authenticates on first use rather than at start"),
        "disableNoCacheHeader": Inert("an HTTP caching header"),
        "domainId": SCOPE,
        "domainName": SCOPE,
        "enableLogging": Inert("verbose HTTP logs on the deploying machine"),
        "endpointOverrides": judged(
            "endpoints-catalogue-provider",
            "endpoints-loopback-local-only",
            "endpoints-transport-security",
        ),
        "endpointType": Inert(
            "public, internal or admin endpoints of the catalogue the judged identity service "
            "returns"
        ),
        "insecure": judged("endpoints-transport-security"),
        "key": Inert("a client key file for mutual TLS: who authenticates, not where"),
        "maxRetries": TIMING,
        "password": CREDENTIAL,
        "projectDomainId": SCOPE,
        "projectDomainName": SCOPE,
        "region": judged(
            "region-eu-only",
            "qualification-secnumcloud-production",
            "qualification-secnumcloud-advisory",
        ),
        "swauth": Refused(
            "authenticates to Swift with its own v1 auth instead of Keystone, past the "
            "identity endpoint the region rules judge",
            default=False,
        ),
        "systemScope": SCOPE,
        "tenantId": SCOPE,
        "tenantName": SCOPE,
        "token": CREDENTIAL,
        "userDomainId": SCOPE,
        "userDomainName": SCOPE,
        "userId": SCOPE,
        "userName": SCOPE,
    },
    "pulumi:providers:tls": {
        "proxy.fromEnv": Refused(
            "the tls provider's proxy for fetching remote certificates: the hub fetches none, "
            "and a proxy from the environment is not reviewed",
            default=False,
        ),
        "proxy.password": Refused("credentials of a proxy the hub does not use"),
        "proxy.url": Refused("a proxy the hub does not use"),
        "proxy.username": Refused("credentials of a proxy the hub does not use"),
    },
    VOLUME: {
        "availabilityZone": ZONE,
        "backupId": Inert(
            "restores a backup of the same project: its initial content; the new volume's "
            "encryption is its volume type's (encryption-volume-luks)"
        ),
        "consistencyGroupId": Inert("groups volumes for consistent snapshots"),
        "description": DESCRIPTION,
        "enableOnlineResize": SIZE,
        "imageId": Inert(
            "the image the volume is created from: its content, not its location or its "
            "encryption (the volume type decides that)"
        ),
        "metadata": hub_metadata(
            "Cinder and its drivers act on some volume metadata keys (readonly, attached_mode)"
        ),
        "name": NAME,
        "region": REGION,
        "schedulerHints[].additionalProperties": Refused(
            "free-form scheduler hints passed to Cinder's filters as written"
        ),
        "schedulerHints[].differentHosts": Inert("placement inside the judged region"),
        "schedulerHints[].localToInstance": Inert("placement inside the judged region"),
        "schedulerHints[].query": Inert("placement inside the judged region"),
        "schedulerHints[].sameHosts": Inert("placement inside the judged region"),
        "size": SIZE,
        "snapshotId": Inert(
            "a snapshot of the same project as initial content; encryption is the volume "
            "type's (encryption-volume-luks)"
        ),
        "sourceReplica": Refused("Cinder's retired volume replication"),
        "sourceVolId": Inert(
            "a volume of the same project as initial content; encryption is the volume type's"
        ),
        "volumeRetypePolicy": Inert("whether a retype may migrate; the type itself is judged"),
        "volumeType": judged("encryption-volume-luks"),
    },
    INSTANCE: {
        "adminPass": judged("secrets-no-admin-password", "secrets-no-plaintext"),
        "availabilityZone": ZONE,
        "availabilityZoneHints": ZONE,
        "blockDevices[].bootIndex": Inert("the boot order"),
        "blockDevices[].deleteOnTermination": Inert("whether the volume outlives the host"),
        "blockDevices[].destinationType": judged("encryption-instance-block-device"),
        "blockDevices[].deviceType": Inert("disk or cdrom"),
        "blockDevices[].diskBus": Inert("the virtual bus"),
        "blockDevices[].guestFormat": Inert("the filesystem of an ephemeral disk"),
        "blockDevices[].multiattach": Inert("whether the volume may attach to several hosts"),
        "blockDevices[].sourceType": judged("encryption-instance-block-device"),
        "blockDevices[].uuid": judged("encryption-instance-block-device"),
        "blockDevices[].volumeSize": SIZE,
        "blockDevices[].volumeType": judged("encryption-instance-block-device"),
        "configDrive": Inert("metadata on a config drive instead of the metadata service"),
        "flavorId": Inert("the host's size"),
        "flavorName": Inert("the host's size"),
        "forceDelete": Inert("how the host is deleted"),
        "hypervisorHostname": Refused(
            "pins the host to one hypervisor (an administrator's option), outside the scheduler"
        ),
        "imageId": judged("encryption-instance-block-device"),
        "imageName": judged("encryption-instance-block-device"),
        "keyPair": judged("crypto-instance-key-pair"),
        "metadata": hub_metadata(
            "served to the guest by the metadata service and shown to every project member; "
            "some hypervisor drivers act on keys"
        ),
        "name": NAME,
        "networkMode": Refused(
            "`auto` lets Nova pick a network and make a port no rule sees (possibly on the "
            "external network); `none` leaves the host unattached"
        ),
        "networks[].accessNetwork": Inert("which address Terraform reports as the access one"),
        "networks[].fixedIpV4": Inert("an address inside the network, which is judged"),
        "networks[].fixedIpV6": Inert("an address inside the network, which is judged"),
        "networks[].mac": Inert("a MAC address"),
        "networks[].name": judged(
            "exposure-external-network-host", "exposure-default-security-group"
        ),
        "networks[].port": judged(
            "exposure-external-network-host", "exposure-default-security-group"
        ),
        "networks[].uuid": judged(
            "exposure-external-network-host", "exposure-default-security-group"
        ),
        "personalities[].content": Refused(
            "files injected into the host outside user data, which no rule scans"
        ),
        "personalities[].file": Refused("files injected into the host outside user data"),
        "powerState": Inert("running or shut off"),
        "region": REGION,
        "schedulerHints[].additionalProperties": Refused(
            "free-form scheduler hints passed to Nova's filters as written"
        ),
        "schedulerHints[].buildNearHostIp": Inert("placement inside the judged region"),
        "schedulerHints[].differentCells": Inert("placement inside the judged region"),
        "schedulerHints[].differentHosts": Inert("placement inside the judged region"),
        "schedulerHints[].group": Inert("the host's (anti-)affinity group"),
        "schedulerHints[].queries": Inert("placement inside the judged region"),
        "schedulerHints[].sameHosts": Inert("placement inside the judged region"),
        "schedulerHints[].targetCell": Inert("placement inside the judged region"),
        "securityGroups": judged(
            "exposure-default-security-group", "exposure-external-network-host"
        ),
        "stopBeforeDestroy": Inert("how the host is deleted"),
        "tags": tier_tags("exposure-external-network-host"),
        "userData": judged("secrets-embedded-credentials", "crypto-key-strength"),
        "vendorOptions.detachPortsBeforeDestroy": Inert("how the host is deleted"),
        "vendorOptions.ignoreResizeConfirmation": Inert("how a resize is confirmed"),
    },
    KEYPAIR: {
        "name": NAME,
        "publicKey": judged("crypto-key-strength"),
        "region": REGION,
        "userId": Refused("creates the key pair for another user (an administrator's option)"),
        "valueSpecs": VALUE_SPECS,
    },
    SERVER_GROUP: {
        "name": NAME,
        "policies": Inert("affinity or anti-affinity of the group's hosts"),
        "region": REGION,
        "rules.maxServerPerHost": SIZE,
        "valueSpecs": VALUE_SPECS,
    },
    VOLUME_ATTACH: {
        "device": Inert("the device name inside the host"),
        "instanceId": judged("encryption-volume-attachment"),
        "multiattach": Inert("whether the volume may attach to several of the stack's hosts"),
        "region": REGION,
        "tag": Inert("a device tag the guest sees"),
        "vendorOptions.ignoreVolumeConfirmation": Inert("how an attachment is confirmed"),
        "volumeId": judged("encryption-volume-attachment"),
    },
    INTERFACE_ATTACH: {
        "fixedIp": Inert("an address inside the network, which is judged"),
        "instanceId": judged("exposure-external-network-host"),
        "networkId": judged("exposure-external-network-host"),
        "portId": judged("exposure-external-network-host"),
        "region": REGION,
    },
    NETWORK: {
        "adminStateUp": ADMIN_STATE,
        "availabilityZoneHints": ZONE,
        "description": DESCRIPTION,
        "dnsDomain": Inert("the DNS domain of the network's ports"),
        "external": Refused(
            "marks the network as an external one (an administrator's option): hosts on it "
            "face the world past every router",
            default=False,
        ),
        "mtu": SIZE,
        "name": NAME,
        "portSecurityEnabled": judged("exposure-port-security-disabled"),
        "qosPolicyId": Inert("a bandwidth policy"),
        "region": REGION,
        "segments[].networkType": Refused(
            "a provider network mapping (an administrator's option): ties the network to a "
            "physical network outside the project"
        ),
        "segments[].physicalNetwork": Refused("a provider network mapping"),
        "segments[].segmentationId": Refused("a provider network mapping"),
        "shared": Refused("shares the network with every project of the cloud", default=False),
        "tags": TAGS,
        "tenantId": TENANT,
        "transparentVlan": Inert("VLAN-tagged frames stay inside the network"),
        "valueSpecs": VALUE_SPECS,
    },
    SUBNET: {
        "allocationPools[].end": Inert("addresses handed out inside the subnet"),
        "allocationPools[].start": Inert("addresses handed out inside the subnet"),
        "cidr": judged("exposure-subnet-in-site-range"),
        "description": DESCRIPTION,
        "dnsNameservers": Inert(
            "resolvers the hosts are told to query; reaching them is judged by the security "
            "groups' egress rules"
        ),
        "dnsPublishFixedIp": Inert("whether addresses are published in DNS"),
        "enableDhcp": Inert("whether Neutron serves DHCP"),
        "gatewayIp": Inert("the router's address inside the subnet"),
        "ipVersion": Inert("IPv4 or IPv6"),
        "ipv6AddressMode": Inert("how IPv6 addresses are assigned"),
        "ipv6RaMode": Inert("how IPv6 routers advertise"),
        "name": NAME,
        "networkId": Inert("the network the subnet belongs to"),
        "noGateway": Inert("no router address"),
        "prefixLength": SIZE,
        "region": REGION,
        "segmentId": Inert("a segment of the network"),
        "serviceTypes": Inert("which port kinds may take addresses from the subnet"),
        "subnetpoolId": Refused(
            "takes the range from a subnet pool: the range is then the pool's, not one the "
            "site's rules can check"
        ),
        "tags": tier_tags("exposure-subnet-in-site-range"),
        "tenantId": TENANT,
        "valueSpecs": VALUE_SPECS,
    },
    SUBNET_ROUTE: {
        "destinationCidr": Inert("a route: flows are filtered by security groups, judged"),
        "nextHop": Inert("a route's next hop: flows are filtered by security groups, judged"),
        "region": REGION,
        "subnetId": Inert("the subnet whose hosts get the route"),
    },
    ROUTER: {
        "adminStateUp": ADMIN_STATE,
        "availabilityZoneHints": ZONE,
        "description": DESCRIPTION,
        "distributed": Inert("distributed routing inside the region"),
        "enableSnat": Inert(
            "source NAT on the gateway; which hosts may leave is judged by their egress rules"
        ),
        "externalFixedIps[].ipAddress": Inert("the router's address on the external network"),
        "externalFixedIps[].subnetId": Inert("the external subnet of that address"),
        "externalNetworkId": judged(
            "exposure-external-network-host", "workspace-no-external-gateway"
        ),
        "externalQosPolicyId": Inert("a bandwidth policy"),
        "externalSubnetIds": Inert("external subnets of the gateway"),
        "name": NAME,
        "region": REGION,
        "tags": TAGS,
        "tenantId": TENANT,
        "valueSpecs": VALUE_SPECS,
        "vendorOptions.setRouterGatewayAfterCreate": Inert("the order of two API calls"),
    },
    ROUTER_INTERFACE: {
        "forceDestroy": Inert("how the interface is deleted"),
        "portId": Inert("the router's leg; its groups are judged on the port"),
        "region": REGION,
        "routerId": Inert("the router"),
        "subnetId": Inert("the subnet the router joins"),
    },
    ROUTER_ROUTE: {
        "destinationCidr": Inert("a route: flows are filtered by security groups, judged"),
        "nextHop": Inert("a route's next hop: flows are filtered by security groups, judged"),
        "region": REGION,
        "routerId": Inert("the router"),
    },
    PORT: {
        "adminStateUp": ADMIN_STATE,
        "allowedAddressPairs[].ipAddress": judged("exposure-allowed-address-pairs"),
        "allowedAddressPairs[].macAddress": Inert("a MAC address of the admitted pair"),
        "binding.hostId": Refused(
            "a port binding (an administrator's option): binds the port outside Nova"
        ),
        "binding.profile": Refused("a port binding (an administrator's option)"),
        "binding.vifDetails": Refused("a port binding (an administrator's option)"),
        "binding.vifType": Refused("a port binding (an administrator's option)"),
        "binding.vnicType": Refused(
            "`direct` or `macvtap` (SR-IOV) bypasses the security groups every exposure rule "
            "relies on",
            default="normal",
        ),
        "description": DESCRIPTION,
        "deviceId": Refused(
            "claims the port for a device the program does not create (a router, DHCP)"
        ),
        "deviceOwner": Refused(
            "`network:*` owners (router, DHCP) are ports Neutron does not filter with "
            "security groups"
        ),
        "dnsName": Inert("the port's DNS name"),
        "extraDhcpOptions[].ipVersion": Refused("DHCP options handed to the host"),
        "extraDhcpOptions[].name": Refused(
            "DHCP options handed to the host (a boot server, a router, a DNS server)"
        ),
        "extraDhcpOptions[].value": Refused("DHCP options handed to the host"),
        "fixedIps[].ipAddress": Inert("an address inside the subnet, which is judged"),
        "fixedIps[].subnetId": judged("exposure-world-ingress", "exposure-external-network-host"),
        "macAddress": Inert("a MAC address"),
        "name": NAME,
        "networkId": judged("exposure-external-network-host"),
        "noFixedIp": Inert("a port without an address"),
        "noSecurityGroups": judged("exposure-default-security-group"),
        "portSecurityEnabled": judged("exposure-port-security-disabled"),
        "qosPolicyId": Inert("a bandwidth policy"),
        "region": REGION,
        "securityGroupIds": judged(
            "exposure-world-ingress", "exposure-world-egress", "exposure-default-security-group"
        ),
        "tags": tier_tags("exposure-world-ingress"),
        "tenantId": TENANT,
        "valueSpecs": VALUE_SPECS,
    },
    PORT_SECURITY_GROUPS: {
        "enforce": Inert("replaces or adds the port's groups; the groups are judged per port"),
        "portId": Inert(
            "the port the groups join; the port is judged with them (the exposure rules read "
            "its associations)"
        ),
        "region": REGION,
        "securityGroupIds": Inert(
            "groups added to the port; the port is judged with them (the exposure rules read "
            "its associations)"
        ),
    },
    SECURITY_GROUP: {
        "deleteDefaultRules": judged("exposure-default-security-group"),
        "description": DESCRIPTION,
        "name": Inert("a name; instances name their groups by it, and the rules resolve them"),
        "region": REGION,
        "stateful": Refused(
            "a stateless group admits unsolicited packets on every port it opens, replies "
            "included; the exposure rules assume stateful groups",
            default=True,
        ),
        "tags": TAGS,  # the tier the exposure rules read when judging the group's rules
        "tenantId": TENANT,
    },
    SECURITY_GROUP_RULE: {
        **{
            prop: judged(
                "exposure-world-ingress",
                "exposure-world-egress",
                "exposure-admin-port-ssh",
                "exposure-admin-port-rdp",
                "exposure-admin-port-database",
            )
            for prop in (
                "direction",
                "ethertype",
                "portRangeMax",
                "portRangeMin",
                "protocol",
                "remoteAddressGroupId",
                "remoteGroupId",
                "remoteIpPrefix",
                "securityGroupId",
            )
        },
        "description": DESCRIPTION,
        "region": REGION,
        "tenantId": TENANT,
    },
    FLOATING_IP: {
        "address": Inert("which public address; where it points is judged"),
        "description": DESCRIPTION,
        "dnsDomain": Inert("a DNS domain"),
        "dnsName": Inert("a DNS name"),
        "fixedIp": Inert("which address of the judged port"),
        "pool": Inert("the external network the address comes from"),
        "portId": judged("exposure-floating-ip-tier", "workspace-no-floating-ip"),
        "region": REGION,
        "subnetId": Inert("the external subnet of the address"),
        "subnetIds": Inert("external subnets to take the address from"),
        "tags": TAGS,
        "tenantId": TENANT,
        "valueSpecs": VALUE_SPECS,
    },
    FLOATING_IP_ASSOCIATE: {
        "fixedIp": Inert("which address of the judged port"),
        "floatingIp": Inert("which public address; where it points is judged"),
        "portId": judged("exposure-floating-ip-tier", "workspace-no-floating-ip"),
        "region": REGION,
    },
    CONTAINER: {
        "containerRead": judged("encryption-container-private"),
        "containerSyncKey": Refused(
            "container sync copies every object to another cluster: the hub replicates with "
            "its own tooling, to regions the DR rules judge"
        ),
        "containerSyncTo": Refused(
            "container sync copies every object to another cluster, possibly a foreign one"
        ),
        "containerWrite": judged("encryption-container-private"),
        "contentType": Inert("the container's content type"),
        "forceDestroy": Inert("how the container is deleted"),
        "metadata": hub_metadata(
            "Swift acts on some container metadata (temp-url-key opens signed URLs, web-* "
            "serves listings, access-control-* opens CORS)",
            METADATA_RULES,
            **WRITTEN_BY_HUBCTL,
        ),
        "name": NAME,
        "region": REGION,
        "storageClass": Inert("the S3 storage class of the same region"),
        "storagePolicy": Refused(
            "a storage policy decides where Swift keeps the replicas (a global cluster spans "
            "regions); unset, the region's default policy applies"
        ),
        "versioning": Inert("keeps old versions in the same container"),
        "versioningLegacy.location": Inert("another container of the account for old versions"),
        "versioningLegacy.type": Inert("how old versions are kept"),
    },
    SECRET: {
        "acl.read.createdAt": BARBICAN_ACL_TIME,
        "acl.read.projectAccess": BARBICAN_ACL_FLAG,
        "acl.read.updatedAt": BARBICAN_ACL_TIME,
        "acl.read.users": BARBICAN_ACL_USERS,
        "algorithm": Inert("describes the payload; Barbican derives nothing from it"),
        "bitLength": Inert("describes the payload; Barbican derives nothing from it"),
        "expiration": Inert("when Barbican stops serving the secret"),
        "metadata": hub_metadata(
            "Barbican keeps secret metadata for every reader to see",
            ("secrets-embedded-credentials",),
        ),
        "mode": Inert("describes the payload; Barbican derives nothing from it"),
        "name": NAME,
        "payload": judged("secrets-no-plaintext", "crypto-key-strength"),
        "payloadContentEncoding": Inert("how the payload is encoded"),
        "payloadContentType": Inert("the payload's media type"),
        "region": REGION,
        "secretType": judged("secrets-no-plaintext", "crypto-key-strength"),
    },
    KEY_CONTAINER: {
        "acl.read.createdAt": BARBICAN_ACL_TIME,
        "acl.read.projectAccess": BARBICAN_ACL_FLAG,
        "acl.read.updatedAt": BARBICAN_ACL_TIME,
        "acl.read.users": BARBICAN_ACL_USERS,
        "name": NAME,
        "region": REGION,
        "secretRefs[].name": Inert("the role of a secret in the container"),
        "secretRefs[].secretRef": Inert(
            "a reference to a secret, judged where the secret is declared"
        ),
        "type": Inert("generic, rsa or certificate: how the secrets are grouped"),
    },
    ORDER: {
        "meta.algorithm": judged("crypto-symmetric-key-strength"),
        "meta.bitLength": judged("crypto-symmetric-key-strength"),
        "meta.expiration": Inert("when Barbican stops serving the key"),
        "meta.mode": judged("crypto-symmetric-key-strength"),
        "meta.name": NAME,
        "meta.payloadContentType": Inert("the key's media type"),
        "region": REGION,
        "type": judged("crypto-symmetric-key-strength"),
    },
    LOAD_BALANCER: {
        "adminStateUp": ADMIN_STATE,
        "availabilityZone": ZONE,
        "description": DESCRIPTION,
        "flavorId": Inert("the load balancer's size"),
        "loadbalancerProvider": Inert("the Octavia driver"),
        "name": NAME,
        "region": REGION,
        "securityGroupIds": Inert(
            "groups of the VIP port; every listener is judged as reachable from the world "
            "unless its allowed_cidrs say otherwise"
        ),
        "tags": TAGS,
        "tenantId": TENANT,
        "vipAddress": Inert("the VIP's address inside its subnet"),
        "vipNetworkId": Inert(
            "where the VIP lives; listeners are judged as reachable from the world"
        ),
        "vipPortId": Inert("where the VIP lives; listeners are judged as reachable from the world"),
        "vipQosPolicyId": Inert("a bandwidth policy"),
        "vipSubnetId": Inert(
            "the VIP's subnet, whose tier exposure-floating-ip-tier reads when an address is "
            "put on the VIP"
        ),
    },
    LISTENER: {
        "adminStateUp": ADMIN_STATE,
        "allowedCidrs": judged("exposure-load-balancer-listener"),
        "alpnProtocols": Inert("application protocols offered over TLS"),
        "clientAuthentication": Inert("whether clients present certificates"),
        "clientCaTlsContainerRef": TLS_REFERENCE,
        "clientCrlContainerRef": TLS_REFERENCE,
        "connectionLimit": SIZE,
        "defaultPoolId": Inert("the pool requests go to"),
        "defaultTlsContainerRef": TLS_REFERENCE,
        "description": DESCRIPTION,
        "hstsIncludeSubdomains": Inert("an HSTS header"),
        "hstsMaxAge": Inert("an HSTS header"),
        "hstsPreload": Inert("an HSTS header"),
        "insertHeaders": Inert("headers Octavia adds toward members (X-Forwarded-For...)"),
        "loadbalancerId": judged("exposure-load-balancer-listener"),
        "name": NAME,
        "protocol": judged("exposure-load-balancer-listener"),
        "protocolPort": judged("exposure-load-balancer-listener"),
        "region": REGION,
        "sniContainerRefs": TLS_REFERENCE,
        "tags": TAGS,
        "tenantId": TENANT,
        "timeoutClientData": TIMING,
        "timeoutMemberConnect": TIMING,
        "timeoutMemberData": TIMING,
        "timeoutTcpInspect": TIMING,
        "tlsCiphers": TLS_SETTINGS,
        "tlsVersions": TLS_SETTINGS,
    },
    POOL: {
        "adminStateUp": ADMIN_STATE,
        "alpnProtocols": Inert("application protocols offered over TLS"),
        "caTlsContainerRef": TLS_REFERENCE,
        "crlContainerRef": TLS_REFERENCE,
        "description": DESCRIPTION,
        "lbMethod": Inert("how requests are spread"),
        "listenerId": Inert("the listener the pool serves"),
        "loadbalancerId": Inert("the load balancer the pool belongs to"),
        "name": NAME,
        "persistence.cookieName": Inert("session persistence"),
        "persistence.type": Inert("session persistence"),
        "protocol": Inert("the protocol toward members"),
        "region": REGION,
        "tags": TAGS,
        "tenantId": TENANT,
        "tlsCiphers": TLS_SETTINGS,
        "tlsContainerRef": TLS_REFERENCE,
        "tlsEnabled": Inert("TLS toward the members"),
        "tlsVersions": TLS_SETTINGS,
    },
    MEMBER: {
        "address": judged("exposure-load-balancer-member"),
        "adminStateUp": ADMIN_STATE,
        "backup": Inert("a backup member"),
        "monitorAddress": judged("exposure-load-balancer-member"),
        "monitorPort": Inert("the port health checks use"),
        "name": NAME,
        "poolId": Inert("the pool the member belongs to"),
        "protocolPort": Inert("the member's port"),
        "region": REGION,
        "subnetId": Inert("the subnet of the member's address"),
        "tags": TAGS,
        "tenantId": TENANT,
        "weight": SIZE,
    },
    MONITOR: {
        "adminStateUp": ADMIN_STATE,
        "delay": TIMING,
        "domainName": Inert("the Host header of health checks"),
        "expectedCodes": Inert("what a healthy member answers"),
        "httpMethod": Inert("the health check's method"),
        "httpVersion": Inert("the health check's HTTP version"),
        "maxRetries": TIMING,
        "maxRetriesDown": TIMING,
        "name": NAME,
        "poolId": Inert("the pool checked"),
        "region": REGION,
        "tenantId": TENANT,
        "timeout": TIMING,
        "type": Inert("the health check's protocol"),
        "urlPath": Inert("the health check's path"),
    },
    PROJECT: {
        "description": DESCRIPTION,
        "domainId": Inert("the domain the project belongs to"),
        "enabled": Inert("whether the project may be used"),
        "isDomain": Refused("makes a domain, not a project", default=False),
        "name": NAME,
        "parentId": Inert("the project's parent"),
        "region": REGION,
        "tags": TAGS,
    },
    USER: {
        "defaultProjectId": judged("workspace-access-via-project"),
        "description": DESCRIPTION,
        "domainId": Inert("the domain the user belongs to"),
        "enabled": Inert("whether the user may log in"),
        "extra": hub_metadata(
            "Keystone keeps extra user attributes for every reader to see",
            ("secrets-embedded-credentials",),
            **{"email": "the member's address", "member-role": "investigator or analyst"},
        ),
        "ignoreChangePasswordUponFirstUse": Refused(
            "lets a member keep the initial password (ANSSI: change it at first use)",
            default=False,
        ),
        "ignoreLockoutFailureAttempts": Refused(
            "exempts the account from lockout after failed logins", default=False
        ),
        "ignorePasswordExpiry": Refused("exempts the password from expiry", default=False),
        "multiFactorAuthEnabled": Inert("multi-factor authentication (stronger)"),
        "multiFactorAuthRules[].rules": Inert("which factors are required (stronger)"),
        "name": NAME,
        "password": CREDENTIAL,
        "region": REGION,
    },
    ROLE_ASSIGNMENT: {
        "domainId": judged("workspace-access-via-project"),
        "groupId": Inert("the group granted the role"),
        "projectId": judged("workspace-access-via-project"),
        "region": REGION,
        "roleId": Inert("the role granted inside the project workspace-access-via-project judges"),
        "userId": Inert("the user granted the role"),
    },
    TLS_PRIVATE_KEY: {
        "algorithm": judged("crypto-key-strength"),
        "ecdsaCurve": judged("crypto-key-strength"),
        "rsaBits": judged("crypto-key-strength"),
    },
    TLS_CERT_REQUEST: {
        "dnsNames": SUBJECT,
        "ipAddresses": SUBJECT,
        "privateKeyPem": judged("secrets-no-plaintext", "crypto-key-strength"),
        "privateKeyPemWo": judged("crypto-key-strength"),
        "privateKeyPemWoVersion": Inert("a counter that triggers re-reading the key"),
        **{f"subject.{name}": SUBJECT for name in SUBJECT_FIELDS},
        "uris": SUBJECT,
    },
    TLS_SELF_SIGNED_CERT: {
        "allowedUses": Inert("key usages the certificate states"),
        "dnsNames": SUBJECT,
        "earlyRenewalHours": Inert("renews before the end: shortens validity"),
        "ipAddresses": SUBJECT,
        "isCaCertificate": judged("crypto-certificate-validity"),
        "maxPathLength": Inert("how deep a CA's chain may go"),
        "privateKeyPem": judged("secrets-no-plaintext", "crypto-key-strength"),
        "privateKeyPemWo": judged("crypto-key-strength"),
        "privateKeyPemWoVersion": Inert("a counter that triggers re-reading the key"),
        "setAuthorityKeyId": Inert("a certificate extension"),
        "setSubjectKeyId": Inert("a certificate extension"),
        **{f"subject.{name}": SUBJECT for name in SUBJECT_FIELDS},
        "uris": SUBJECT,
        "validityPeriodHours": judged("crypto-certificate-validity"),
    },
    TLS_LOCALLY_SIGNED_CERT: {
        "allowedUses": Inert("key usages the certificate states"),
        "caCertPem": judged("crypto-key-strength", "crypto-certificate-validity"),
        "caPrivateKeyPem": judged("secrets-no-plaintext", "crypto-key-strength"),
        "caPrivateKeyPemWo": judged("crypto-key-strength"),
        "caPrivateKeyPemWoVersion": Inert("a counter that triggers re-reading the key"),
        "certRequestPem": judged("crypto-key-strength"),
        "earlyRenewalHours": Inert("renews before the end: shortens validity"),
        "isCaCertificate": judged("crypto-certificate-validity"),
        "maxPathLength": Inert("how deep a CA's chain may go"),
        "setSubjectKeyId": Inert("a certificate extension"),
        "validityPeriodHours": judged("crypto-certificate-validity"),
    },
    # Pulumi's own types (no provider schema): a stack reference reads another stack's outputs.
    "pulumi:pulumi:StackReference": {
        "name": Inert(
            "which stack of the project's backend is read; what it exports is judged where it "
            "is declared"
        ),
        "outputs": Inert("what the referenced stack exported (read, not declared here)"),
        "secretOutputNames": Inert("which of those outputs are secrets"),
    },
    # The provider of Pulumi's own resources (stack references): no configuration.
    "pulumi:providers:pulumi": {},
}

# Types of Pulumi's own and the hub's components: no provider schema, inputs listed above (or
# none at all).
MANUAL_SCHEMAS: dict[str, dict[str, dict[str, Any]]] = {
    "pulumi:pulumi:StackReference": {
        "name": {"type": "string", "required": True},
        "outputs": {"type": "any", "required": False},
        "secretOutputNames": {"type": "array", "items": {"type": "string"}, "required": False},
    },
    "pulumi:providers:pulumi": {},
}

# Inputs the engine or the Terraform bridge add to every resource or provider, outside the
# schema: the bridge's record of defaulted inputs, the engine's plugin version.
# The Terraform bridge records which fields it defaulted under this key, at the top of the
# inputs and in every nested block (a port's `fixedIps[0].__defaults`).
BRIDGE_DEFAULTS = "__defaults"
ENGINE_INPUTS: dict[str, Verdict] = {
    BRIDGE_DEFAULTS: Inert("the Terraform bridge's record of which inputs it defaulted"),
    # Where a state export keeps a provider's engine settings (pulumi/pulumi, resource
    # plugin host: version, pluginDownloadURL, pluginChecksums, parameterization).
    "__internal": PassThrough(
        "the engine's own settings of a provider, as the state records them",
        {
            "version": "the provider plugin version the toolchain pins",
            "pluginChecksums": "checksums the engine checks the plugin against",
        },
    ),
    "version": Inert("the provider plugin version the engine records; the toolchain pins it"),
    "pluginDownloadURL": Refused(
        "where the engine would download the provider plugin from: plugins come from the "
        "project's own toolchain only"
    ),
}


def schema_of(token: str) -> dict[str, dict[str, Any]] | None:
    if token in MANUAL_SCHEMAS:
        return MANUAL_SCHEMAS[token]
    return resource_schema(token)


def leaves(properties: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, property) for every leaf: objects are walked to their fields (`a.b`), lists of
    objects to their items' fields (`a[].b`), maps of objects to their values' (`a{}.b`)."""
    for name, prop in properties.items():
        path = prefix + name
        kind = prop["type"]
        if kind == "object":
            yield from leaves(prop["properties"], path + ".")
        elif kind == "array" and prop["items"]["type"] == "object":
            yield from leaves(prop["items"]["properties"], path + "[].")
        elif kind == "map" and prop["values"]["type"] == "object":
            yield from leaves(prop["values"]["properties"], path + "{}.")
        else:
            yield path, prop


def classified(token: str) -> dict[str, Verdict] | None:
    """The classification of a type's leaves, or None for a type the table does not cover."""
    return PROPERTIES.get(token)


def judging_rules(token: str) -> set[str]:
    """Every rule the classification names for a type."""
    rules: set[str] = set()
    for verdict in (PROPERTIES.get(token) or {}).values():
        if isinstance(verdict, Judged | PassThrough):
            rules.update(verdict.rules)
    return rules


def judged_inputs(token: str) -> tuple[str, ...]:
    """Top-level inputs some rule judges (and fails closed on when it cannot read them)."""
    found = {
        path.split(".")[0].split("[")[0]
        for path, verdict in (PROPERTIES.get(token) or {}).items()
        if isinstance(verdict, Judged)
    }
    return tuple(sorted(found))


# --- the README section -----------------------------------------------------------------------

README_BEGIN = "<!-- closed-world: generated by `python -m policies.properties --readme` -->"
README_END = "<!-- end closed-world -->"


def _shown(paths: list[str]) -> str:
    return ", ".join(f"`{p}`" for p in paths) if paths else "none"


def readme_section() -> str:
    """policies/README.md's closed-world section: per type, what is judged, inert, refused."""
    lines = [
        README_BEGIN,
        "",
        "| type | judged (by named rules) | inert | refused unless default | pass-through keys |",
        "| --- | --- | --- | --- | --- |",
    ]
    for token in sorted(PROPERTIES):
        table = PROPERTIES[token]
        kinds: dict[type, list[str]] = {Judged: [], Inert: [], Refused: [], PassThrough: []}
        for path, verdict in sorted(table.items()):
            kinds[type(verdict)].append(path)
        passing = [
            f"`{path}`: {', '.join(sorted(verdict.keys)) or 'none'}"
            for path, verdict in sorted(table.items())
            if isinstance(verdict, PassThrough)
        ]
        lines.append(
            f"| `{token}` | {_shown(kinds[Judged])} | {_shown(kinds[Inert])} | "
            f"{_shown(kinds[Refused])} | {'; '.join(passing) or 'none'} |"
        )
    lines += ["", README_END]
    return "\n".join(lines)


README = Path(__file__).with_name("README.md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true", help="print the README section")
    parser.add_argument("--write-readme", action="store_true", help="rewrite it in README.md")
    options = parser.parse_args(argv)
    if options.readme:
        print(readme_section())
    if options.write_readme:
        text = README.read_text(encoding="utf-8")
        start, end = text.index(README_BEGIN), text.index(README_END) + len(README_END)
        README.write_text(text[:start] + readme_section() + text[end:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
