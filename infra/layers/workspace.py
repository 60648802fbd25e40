"""Workspace layer: one research project's time-limited, isolated environment.

One stack per approved project (`<site>-ws-<id>`), opened and closed by `hubctl workspace`. It
reads the site's network, kms and storage stacks and declares, all inside the workspace's own
Keystone project:
  - its network and subnet (a range allocated once from the site's pool, carried in its stack
    file), and a router with no external gateway whose only other leg is a port on the site's
    admin subnet, so the bastion reaches the workspace and nothing reaches another workspace;
  - one security group: SSH and the analysis front-end from the admin tier only; egress to the
    site's NTP servers and package proxy only;
  - analysis hosts with the `workspace` hardening role, booting from and working on LUKS volumes;
  - a per-project key ordered from Barbican (generated there, never in Pulumi's state), distinct
    from the dataset keys; extract objects are encrypted client-side under data keys it wraps
    (hubctl.envelope), so deleting it makes the extract unreadable wherever copies are;
  - a private extract container and the airlock (hubctl.airlock): an outbox that members
    write and only data officers read, a ledger of requests, one decision container per data
    officer that only that officer may write (so each approval's author is attested by the
    cloud, not by hubctl), and, in the site's own project and so outside the workspace, the
    project's release area, which data officers read and only the site's operator writes: no
    single officer can release anything, and no member can read what was released;
  - where the site's tenancy is `create`: the Keystone project, one user per member with a role
    that sees the workspace's containers and hosts and may create no network object (the local
    cloud's Neutron policy, localcloud/templates/neutron-policy.yaml), and the data officers'
    grants. Where it is `existing` (OVH Public Cloud), the project is the manifest's and access
    goes through the provider's IAM.
Every resource carries the project id, the authorisation reference and the expiry.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any, ClassVar

import pulumi
import pulumi_openstack as openstack
from pydantic import Field

from hubcore.stacks import Layer
from hubcore.values import SECRET_PLACEHOLDER, ConfigError
from hubcore.workspaceroles import DATA_OFFICER_ROLE, KEY_READER_ROLE, MEMBER_ROLE
from infra.config import HubConfig, Tenancy, WorkspaceSpec
from infra.hardening import AdminUser, HardeningSettings, render_user_data
from infra.layers.base import LayerContext, LayerExports, Upstream
from infra.layers.kms import KmsExports
from infra.layers.network import NetworkExports
from infra.layers.storage import StorageExports
from infra.providers import make_provider
from infra.tiers import FLOWS, HostRole, Tier

OPERATOR_ROLE = "admin"
NTP = 123
DECISIONS = "decisions"
# The one resource a workspace shares with others: its route on the site's admin subnet. Neutron
# updates a subnet's routes as a whole and the provider locks per process only, so hubctl
# deploys and removes it one workspace at a time (hubctl.workspaces.lifecycle).
SHARED_ROUTE = "admin-route"


def shared_route_urn(stack: str, site: str, workspace: str) -> str:
    return (
        f"urn:pulumi:{stack}::hub::hub:layers:Workspace$openstack:networking/subnetRoute:"
        f"SubnetRoute::hub-{site}-ws-{workspace}-{SHARED_ROUTE}"
    )


class WorkspaceExports(LayerExports):
    layer: ClassVar[Layer] = Layer.WORKSPACE

    workspace: str
    project_id: str
    project_name: str
    tenancy: str
    network_id: str
    subnet_id: str
    cidr: str
    router_id: str
    security_group_id: str
    instances: list[str]
    instance_ids: list[str]
    volume_ids: list[str]
    extract_container: str
    outbox_container: str
    key_ref: str
    members: dict[str, str]
    member_user_ids: dict[str, str]
    authorisation: str
    expires: str
    # The airlock (hubctl.airlock). Defaults keep workspaces opened before it readable.
    airlock_container: str | None = None
    decision_containers: dict[str, str] = Field(default_factory=dict)
    officer_user_ids: dict[str, str] = Field(default_factory=dict)
    release_container: str | None = None
    release_project_id: str | None = None

    @classmethod
    def placeholder(cls, config: HubConfig) -> dict[str, Any]:
        spec = config.workspace
        assert spec is not None
        prefix = f"hub-{config.site}-ws-{spec.id}"
        return {
            "workspace": spec.id,
            "project_id": f"{prefix}-project-id",
            "project_name": spec.project or prefix,
            "tenancy": config.workspace_tenancy.value,
            "network_id": f"{prefix}-net-id",
            "subnet_id": f"{prefix}-subnet-id",
            "cidr": str(spec.cidr),
            "router_id": f"{prefix}-router-id",
            "security_group_id": f"{prefix}-sg-id",
            "instances": [f"{prefix}-{i}" for i in range(spec.size.count)],
            "instance_ids": [f"{prefix}-{i}-id" for i in range(spec.size.count)],
            "volume_ids": [],
            "extract_container": f"{prefix}-extract",
            "outbox_container": f"{prefix}-outbox",
            "key_ref": f"https://barbican.{config.site}.invalid/v1/secrets/{prefix}-key",
            "members": {m.id: f"{prefix}-{m.id}" for m in spec.members},
            "member_user_ids": {m.id: f"{prefix}-{m.id}-id" for m in spec.members},
            "authorisation": spec.authorisation.reference,
            "expires": spec.expires.isoformat(),
            "airlock_container": f"{prefix}-airlock",
            "decision_containers": {o: f"{prefix}-{DECISIONS}-{o}" for o in config.data_officers},
            "officer_user_ids": {o: f"{o}-id" for o in config.data_officers},
            "release_container": release_container_name(config.site, spec.id),
            "release_project_id": f"hub-{config.site}-project-id",
        }


def release_container_name(site: str, workspace: str) -> str:
    """The project's release area: in the site's own project, outside the workspace's."""
    return f"hub-{site}-release-{workspace}"


@dataclass(frozen=True)
class AirlockNames:
    """The airlock's containers, named from facts every party has (the site, the workspace,
    the site's data officers), so that officers and members find them without the stack's
    state, which only the operator reads."""

    outbox: str
    ledger: str
    decisions: dict[str, str]
    release: str

    @classmethod
    def of(cls, site: str, workspace: str, officers: list[str]) -> AirlockNames:
        prefix = f"hub-{site}-ws-{workspace}"
        return cls(
            outbox=f"{prefix}-outbox",
            ledger=f"{prefix}-airlock",
            decisions={o: f"{prefix}-{DECISIONS}-{o}" for o in officers},
            release=release_container_name(site, workspace),
        )


def workspace_metadata(config: HubConfig, spec: WorkspaceSpec) -> dict[str, str]:
    """What every resource of the workspace says about itself (the pack reads it back)."""
    return {
        "site": config.site,
        "classification": spec.classification.value,
        "owner": config.owner,
        "managed-by": "pulumi",
        "workspace": spec.id,
        "authorisation": spec.authorisation.reference,
        "authorisation-ends": spec.authorisation.ends.isoformat(),
        "workspace-starts": spec.starts.isoformat(),
        "workspace-expires": spec.expires.isoformat(),
    }


def member_passwords(config: HubConfig, spec: WorkspaceSpec) -> dict[str, str]:
    """Each member's initial Keystone password, from the stack's secret `hub:memberPasswords`.

    `hubctl workspace open` generates them and stores them as a Pulumi secret; offline (synth)
    the value is only a placeholder, which stands for every member's password.
    """
    passwords = config.member_passwords
    if passwords is None:
        raise ConfigError(
            f"stack {config.stack!r} has no hub:memberPasswords: open workspaces with "
            "`hubctl workspace open`, which generates them as Pulumi secrets",
            key="hub:memberPasswords",
        )
    if passwords == SECRET_PLACEHOLDER:
        return {member.id: passwords for member in spec.members}
    if not isinstance(passwords, dict) or not all(m.id in passwords for m in spec.members):
        raise ConfigError(
            f"stack {config.stack!r}: hub:memberPasswords must map every member id to a "
            "password; `hubctl workspace open` rewrites it",
            key="hub:memberPasswords",
        )
    return {str(k): str(v) for k, v in passwords.items()}


def egress_prefixes(config: HubConfig) -> list[tuple[int, str, str]]:
    """(port, protocol, prefix) of each egress a workspace host has: the site's NTP servers
    (an address inside the site's range as itself, anything else as the site's range, where the
    site's relays live) and its package proxy."""
    site = config.network_cidr
    prefixes: list[tuple[int, str, str]] = []
    for server in config.ntp_servers:
        try:
            address = IPv4Address(server)
        except ValueError:
            address = None
        prefix = f"{address}/32" if address is not None and address in site else str(site)
        if (NTP, "udp", prefix) not in prefixes:
            prefixes.append((NTP, "udp", prefix))
    proxy = config.apt_proxy_endpoint
    if proxy is not None:
        prefixes.append((proxy[1], "tcp", f"{proxy[0]}/32"))
    return prefixes


class WorkspaceLayer(pulumi.ComponentResource):
    """A research workspace: each of its parts is declared by its own function, in this order,
    which is the order the engine registers their resources in."""

    def __init__(
        self,
        context: LayerContext,
        upstream: Upstream,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        config = context.config
        spec = config.workspace
        if spec is None:
            raise ConfigError(f"stack {config.stack!r} has no hub:workspace", key="hub:workspace")
        network = upstream.of(NetworkExports)
        kms = upstream.of(KmsExports)
        storage = upstream.of(StorageExports)
        facts = WorkspaceFacts.of(config, spec, context.name("ws", spec.id))
        super().__init__("hub:layers:Workspace", facts.prefix, None, opts)
        self.spec = spec

        identity = declare_identity(self, context, facts)
        if identity.project is not None:  # only where the site's tenancy is `create`
            self.project = identity.project
        self.users = identity.users
        ws = workspace_context(context, identity)
        self.provider = ws.provider
        net = declare_network(self, ws, facts, network)
        self.network, self.subnet, self.router = net.network, net.subnet, net.router
        self.admin_leg = net.admin_leg
        self.security_group = declare_security_group(self, ws, facts, network)
        self.key = declare_key(self, ws, facts)
        self.extract = declare_extract(self, ws, facts, self.key, storage)
        airlock = declare_airlock(self, context, ws, facts, identity)
        self.outbox, self.ledger = airlock.outbox, airlock.ledger
        self.decisions, self.release_area = airlock.decisions, airlock.release_area
        # The pack checks the key is not a dataset key: say which keys those are.
        self.dataset_keys = kms.apply(lambda k: sorted(k.dataset_key_refs.values()))
        hosts = declare_hosts(self, ws, facts, net, self.security_group)
        self.instances = hosts.instances

        self.exports = workspace_exports(
            facts, identity, net, self.security_group, self.key, self.extract, airlock, hosts
        )
        self.register_outputs({"exports": self.exports, "dataset_key_refs": self.dataset_keys})


@dataclass(frozen=True)
class WorkspaceFacts:
    """What every part of a workspace is declared from: the stack's config, the workspace's
    spec, the prefix of its resources' names and what each of them says about itself."""

    config: HubConfig
    spec: WorkspaceSpec
    prefix: str
    metadata: dict[str, str]
    tags: list[str]

    @classmethod
    def of(cls, config: HubConfig, spec: WorkspaceSpec, prefix: str) -> WorkspaceFacts:
        metadata = workspace_metadata(config, spec)
        tags = [f"{k}={v}" for k, v in metadata.items() if k != "authorisation-ends"]
        return cls(config=config, spec=spec, prefix=prefix, metadata=metadata, tags=tags)

    def name(self, *parts: str) -> str:
        return "-".join((self.prefix, *parts))


# ---- identity: the project and who may use it ----------------------------------------------


@dataclass(frozen=True)
class Identity:
    """The workspace's project and who may use it. `project` is None where the site's tenancy
    is `existing` (the manifest's project, access through the provider's IAM)."""

    project: openstack.identity.Project | None
    project_id: pulumi.Output[str]
    project_name: pulumi.Output[str]
    # What the workspace-scoped provider waits for: the operator may then use the project.
    grants: list[pulumi.Resource]
    users: dict[str, openstack.identity.User]
    # Who the decision containers and the release area admit: each data officer by id
    # (where hubctl creates the tenancy), else by name in the provider's own IAM.
    officer_ids: dict[str, pulumi.Input[str]]
    # Who the site provider's credentials are: the operator, in the site's project.
    operator_scope: pulumi.Output[openstack.identity.GetAuthScopeResult]


def declare_identity(
    owner: pulumi.ComponentResource, context: LayerContext, facts: WorkspaceFacts
) -> Identity:
    """Where the tenancy is `create`: the Keystone project, the operator's grant on it, one
    user per member with the member and key-reader roles, and the data officers' grants."""
    config, spec, name = facts.config, facts.spec, facts.name
    grants: list[pulumi.Resource] = []
    users: dict[str, openstack.identity.User] = {}
    officer_ids: dict[str, pulumi.Input[str]] = dict.fromkeys(config.data_officers, "")
    operator_scope = openstack.identity.get_auth_scope_output(
        name="operator", opts=pulumi.InvokeOptions(provider=context.provider)
    )
    if config.workspace_tenancy is not Tenancy.CREATE:
        assert spec.project is not None  # checked by HubConfig
        return Identity(
            project=None,
            project_id=pulumi.Output.from_input(spec.project),
            project_name=pulumi.Output.from_input(spec.project),
            grants=grants,
            users=users,
            officer_ids={officer: officer for officer in config.data_officers},
            operator_scope=operator_scope,
        )
    project = openstack.identity.Project(
        name("project"),
        name=facts.prefix,
        description=f"Research workspace {spec.id}: {spec.title}"[:255],
        enabled=True,
        tags=facts.tags,
        opts=context.opts(owner),
    )
    project_id: pulumi.Output[str] = project.id
    role = functools.partial(_role, context)
    grants.append(
        openstack.identity.RoleAssignment(
            name("operator"),
            project_id=project_id,
            user_id=operator_scope.user_id,
            role_id=role(OPERATOR_ROLE),
            opts=context.opts(owner),
        )
    )
    passwords = member_passwords(config, spec)
    for member in spec.members:
        user = openstack.identity.User(
            name("member", member.id),
            name=name(member.id),
            description=f"{member.role.value} of workspace {spec.id}",
            default_project_id=project_id,
            password=pulumi.Output.secret(passwords[member.id]),
            enabled=True,
            extra={**facts.metadata, "email": member.email, "member-role": member.role.value},
            opts=context.opts(owner),
        )
        users[member.id] = user
        for role_name in (MEMBER_ROLE, KEY_READER_ROLE):
            grants.append(
                openstack.identity.RoleAssignment(
                    name("member", member.id, role_name),
                    project_id=project_id,
                    user_id=user.id,
                    role_id=role(role_name),
                    opts=context.opts(owner),
                )
            )
    for officer in config.data_officers:
        found = openstack.identity.get_user_output(
            name=officer, opts=pulumi.InvokeOptions(provider=context.provider)
        )
        officer_ids[officer] = found.id
        grants.append(
            openstack.identity.RoleAssignment(
                name("officer", officer),
                project_id=project_id,
                user_id=found.id,
                role_id=role(DATA_OFFICER_ROLE),
                opts=context.opts(owner),
            )
        )
    return Identity(
        project=project,
        project_id=project_id,
        project_name=project.name,
        grants=grants,
        users=users,
        officer_ids=officer_ids,
        operator_scope=operator_scope,
    )


def _role(context: LayerContext, role: str) -> pulumi.Output[str]:
    found = openstack.identity.get_role_output(
        name=role, opts=pulumi.InvokeOptions(provider=context.provider)
    )
    return found.id


def workspace_context(context: LayerContext, identity: Identity) -> LayerContext:
    """Everything else lives in the workspace's project: a provider scoped to it, created
    once the operator may use the project (a child of the stack, as the site's provider)."""
    config = context.config
    provider = make_provider(
        config,
        "openstack-workspace",
        config.region_name,
        tenant_name=identity.project_name,
        opts=pulumi.ResourceOptions(depends_on=identity.grants),
    )
    return LayerContext(config=config, provider=provider, tls_provider=context.tls_provider)


# ---- network: own range, no gateway, one leg on the site's admin subnet ---------------------


@dataclass(frozen=True)
class WorkspaceNetwork:
    network: openstack.networking.Network
    subnet: openstack.networking.Subnet
    router: openstack.networking.Router
    admin_leg: openstack.networking.Port


def declare_network(
    owner: pulumi.ComponentResource,
    ws: LayerContext,
    facts: WorkspaceFacts,
    site: pulumi.Output[NetworkExports],
) -> WorkspaceNetwork:
    """The workspace's network and subnet, its router's two legs (the subnet, a port on the
    site's admin subnet) and the admin subnet's route to the workspace."""
    spec, name, tags = facts.spec, facts.name, facts.tags
    cidr = spec.cidr
    network = openstack.networking.Network(
        name("net"),
        name=name("net"),
        admin_state_up=True,
        port_security_enabled=True,
        description=f"Network of research workspace {spec.id}",
        tags=tags,
        opts=ws.opts(owner),
    )
    subnet = openstack.networking.Subnet(
        name("subnet"),
        name=name("subnet"),
        network_id=network.id,
        cidr=str(cidr),
        ip_version=4,
        gateway_ip=str(cidr[1]),
        enable_dhcp=True,
        dns_nameservers=[],
        tags=[*tags, f"tier={Tier.WORKSPACE.value}"],
        opts=ws.opts(owner),
    )
    router = openstack.networking.Router(
        name("router"),
        name=name("router"),
        description="Workspace router: no external gateway; its other leg is the admin tier",
        admin_state_up=True,
        tags=tags,
        opts=ws.opts(owner),
    )
    openstack.networking.RouterInterface(
        name("router", "workspace"),
        router_id=router.id,
        subnet_id=subnet.id,
        opts=ws.opts(owner),
    )
    admin_leg = openstack.networking.Port(
        name("admin-leg"),
        name=name("admin-leg"),
        network_id=site.apply(lambda n: n.network_id),
        fixed_ips=[
            openstack.networking.PortFixedIpArgs(
                subnet_id=site.apply(lambda n: n.subnet_ids[Tier.ADMIN.value])
            )
        ],
        admin_state_up=True,
        tags=[*tags, f"tier={Tier.ADMIN.value}"],
        opts=ws.opts(owner),
    )
    openstack.networking.RouterInterface(
        name("router", "admin"),
        router_id=router.id,
        port_id=admin_leg.id,
        opts=ws.opts(owner),
    )
    # The admin tier's hosts reach this workspace (and only it) through its router.
    openstack.networking.SubnetRoute(
        name(SHARED_ROUTE),
        subnet_id=site.apply(lambda n: n.subnet_ids[Tier.ADMIN.value]),
        destination_cidr=str(cidr),
        next_hop=admin_leg.all_fixed_ips.apply(lambda ips: ips[0]),
        opts=ws.opts(owner),
    )
    return WorkspaceNetwork(network=network, subnet=subnet, router=router, admin_leg=admin_leg)


# ---- one security group: in from the admin tier, out to NTP and the proxy only --------------


def declare_security_group(
    owner: pulumi.ComponentResource,
    ws: LayerContext,
    facts: WorkspaceFacts,
    site: pulumi.Output[NetworkExports],
) -> openstack.networking.SecGroup:
    """The hosts' one security group: the workspace tier's flows in from the site's admin
    subnet, and out only to the site's NTP servers and package proxy (egress_prefixes)."""
    spec, name = facts.spec, facts.name
    security_group = openstack.networking.SecGroup(
        name("sg"),
        name=name("sg"),
        description=f"Research workspace {spec.id}: bastion in, NTP and package proxy out",
        delete_default_rules=True,
        tags=[*facts.tags, f"tier={Tier.WORKSPACE.value}"],
        opts=ws.opts(owner),
    )
    admin_cidr = site.apply(lambda n: n.subnet_cidrs[Tier.ADMIN.value])
    for flow in FLOWS:
        if flow.tier is not Tier.WORKSPACE:
            continue
        openstack.networking.SecGroupRule(
            name("sg", f"in-{flow.port}-from-{flow.source}"),
            security_group_id=security_group.id,
            direction="ingress",
            ethertype="IPv4",
            protocol="tcp",
            port_range_min=flow.port,
            port_range_max=flow.port,
            remote_ip_prefix=admin_cidr,
            description=flow.purpose,
            opts=ws.opts(owner),
        )
    for out_port, protocol, remote in egress_prefixes(facts.config):
        openstack.networking.SecGroupRule(
            name("sg", f"out-{out_port}-{IPv4Network(remote).network_address}"),
            security_group_id=security_group.id,
            direction="egress",
            ethertype="IPv4",
            protocol=protocol,
            port_range_min=out_port,
            port_range_max=out_port,
            remote_ip_prefix=remote,
            description="NTP inside the site" if out_port == NTP else "the site's proxy",
            opts=ws.opts(owner),
        )
    return security_group


# ---- the per-project key and the extract ----------------------------------------------------


def declare_key(
    owner: pulumi.ComponentResource, ws: LayerContext, facts: WorkspaceFacts
) -> openstack.keymanager.OrderV1:
    """The per-project key: generated by Barbican, never in the state; protected."""
    return openstack.keymanager.OrderV1(
        facts.name("key"),
        type="key",
        meta={
            "algorithm": "aes",
            "bit_length": 256,
            "mode": "gcm",
            "name": facts.name("key"),
        },
        opts=ws.opts(owner, protect=facts.config.protect),
    )


def declare_extract(
    owner: pulumi.ComponentResource,
    ws: LayerContext,
    facts: WorkspaceFacts,
    key: openstack.keymanager.OrderV1,
    storage: pulumi.Output[StorageExports],
) -> openstack.objectstorage.Container:
    """The private extract container: its objects encrypted client-side under data keys the
    per-project key wraps, and its metadata naming the datasets' containers; protected."""
    spec = facts.spec
    container_meta: dict[str, pulumi.Input[str]] = {
        **facts.metadata,
        "workspace-datasets": ",".join(spec.datasets),
        "data-key-ref": key.secret_ref,
        "encryption": "client-side: AES-256-GCM data keys wrapped (AES-KW) by data-key-ref",
        "sources": storage.apply(
            lambda s: ",".join(s.containers.get(f"dataset-{d}", d) for d in spec.datasets)
        ),
    }
    return openstack.objectstorage.Container(
        facts.name("extract"),
        name=facts.name("extract"),
        container_read=MEMBER_ROLE,
        metadata={**container_meta, "purpose": "extract"},
        force_destroy=True,
        opts=ws.opts(owner, protect=facts.config.protect),
    )


# ---- the airlock: outbox, ledger, one decision container per officer, release area ----------


@dataclass(frozen=True)
class Airlock:
    outbox: openstack.objectstorage.Container
    ledger: openstack.objectstorage.Container
    decisions: dict[str, openstack.objectstorage.Container]
    release_area: openstack.objectstorage.Container


def declare_airlock(
    owner: pulumi.ComponentResource,
    context: LayerContext,
    ws: LayerContext,
    facts: WorkspaceFacts,
    identity: Identity,
) -> Airlock:
    """The airlock's containers (hubctl.airlock), all protected: the outbox, the ledger and
    the officers' decision containers in the workspace's project (`ws`), the release area in
    the site's own (`context`)."""
    config, spec, name, metadata = facts.config, facts.spec, facts.name, facts.metadata
    guarded = functools.partial(ws.opts, owner, protect=config.protect)
    airlock_meta = {**metadata, "purpose": "airlock"}
    names = AirlockNames.of(config.site, spec.id, config.data_officers)
    outbox = openstack.objectstorage.Container(
        name("outbox"),
        name=names.outbox,
        # Members put results and never read them back; data officers read them, and
        # delete the files of the requests they reject (hubctl.airlock).
        container_write=f"{MEMBER_ROLE},{DATA_OFFICER_ROLE}",
        container_read=DATA_OFFICER_ROLE,
        metadata={**metadata, "purpose": "outbox", "released-by": DATA_OFFICER_ROLE},
        force_destroy=True,
        opts=guarded(),
    )
    # One record per request (its files' hashes, findings and transitions): members
    # submit and cancel, officers review. What a record says is never proof of a
    # decision: approvals are read from the officers' own containers below.
    ledger = openstack.objectstorage.Container(
        name("airlock"),
        name=names.ledger,
        container_read=f"{MEMBER_ROLE},{DATA_OFFICER_ROLE}",
        container_write=f"{MEMBER_ROLE},{DATA_OFFICER_ROLE}",
        metadata={**airlock_meta, "airlock": "requests"},
        force_destroy=True,
        opts=guarded(),
    )
    project_id, officer_ids = identity.project_id, identity.officer_ids
    decisions: dict[str, openstack.objectstorage.Container] = {}
    for officer, officer_id in officer_ids.items():
        # Only this officer writes here: Swift, not hubctl, attests who approved.
        decisions[officer] = openstack.objectstorage.Container(
            name(DECISIONS, officer),
            name=names.decisions[officer],
            container_read=f"{MEMBER_ROLE},{DATA_OFFICER_ROLE}",
            container_write=pulumi.Output.all(project_id, officer_id).apply(
                lambda ids: f"{ids[0]}:{ids[1]}"
            ),
            metadata={**airlock_meta, "airlock": "decisions", "officer": officer},
            force_destroy=True,
            opts=guarded(),
        )
    # The release area lives in the site's project: members hold no role there, officers
    # read it through their workspace-scoped tokens, and only the operator (the project's
    # owner) writes it, so a release needs the operator and two officers' approvals.
    release_area = openstack.objectstorage.Container(
        context.name("release", spec.id),
        name=names.release,
        container_read=pulumi.Output.all(project_id, *officer_ids.values()).apply(
            lambda ids: ",".join(f"{ids[0]}:{officer}" for officer in ids[1:])
        ),
        metadata={**airlock_meta, "airlock": "release"},
        force_destroy=True,
        opts=context.opts(owner, protect=config.protect),
    )
    return Airlock(outbox=outbox, ledger=ledger, decisions=decisions, release_area=release_area)


# ---- analysis hosts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Hosts:
    instances: list[openstack.compute.Instance]
    # Each host's boot and data volumes, in host order.
    volume_ids: list[pulumi.Output[str]]


def declare_hosts(
    owner: pulumi.ComponentResource,
    ws: LayerContext,
    facts: WorkspaceFacts,
    net: WorkspaceNetwork,
    security_group: openstack.networking.SecGroup,
) -> Hosts:
    """The analysis hosts (`workspace` hardening role): each boots from its own volume and
    works on a protected data volume, both LUKS, behind one port in the security group."""
    config, spec, name, metadata = facts.config, facts.spec, facts.name, facts.metadata
    instances: list[openstack.compute.Instance] = []
    volume_ids: list[pulumi.Output[str]] = []
    image = openstack.images.get_image_output(
        name=config.image,
        most_recent=True,
        opts=pulumi.InvokeOptions(provider=ws.provider),
    )
    role_tags = [*facts.tags, f"tier={Tier.WORKSPACE.value}", f"role={HostRole.WORKSPACE.value}"]
    for index in range(spec.size.count):
        host = name(str(index))
        boot = openstack.blockstorage.Volume(
            f"{host}-boot",
            name=f"{host}-boot",
            size=spec.size.boot_volume_gb,
            volume_type=config.volume_type,
            image_id=image.id,
            metadata={**metadata, "role": HostRole.WORKSPACE.value},
            opts=ws.opts(owner),
        )
        data = openstack.blockstorage.Volume(
            f"{host}-data",
            name=f"{host}-data",
            size=spec.size.volume_gb,
            volume_type=config.volume_type,
            description=f"Analysis volume of workspace {spec.id} (LUKS, keys in Barbican)",
            metadata={**metadata, "role": HostRole.WORKSPACE.value, "data": "true"},
            opts=ws.opts(owner, protect=config.protect),
        )
        volume_ids += [boot.id, data.id]
        host_port = openstack.networking.Port(
            host,
            name=host,
            network_id=net.network.id,
            fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=net.subnet.id)],
            security_group_ids=[security_group.id],
            admin_state_up=True,
            tags=role_tags,
            opts=ws.opts(owner),
        )
        instance = openstack.compute.Instance(
            host,
            name=host,
            flavor_name=spec.size.flavor,
            networks=[openstack.compute.InstanceNetworkArgs(port=host_port.id)],
            block_devices=[
                openstack.compute.InstanceBlockDeviceArgs(
                    uuid=boot.id,
                    source_type="volume",
                    destination_type="volume",
                    boot_index=0,
                    delete_on_termination=False,
                ),
                openstack.compute.InstanceBlockDeviceArgs(
                    uuid=data.id,
                    source_type="volume",
                    destination_type="volume",
                    boot_index=-1,
                    delete_on_termination=False,
                ),
            ],
            user_data=data.id.apply(functools.partial(_user_data, config, spec)),
            config_drive=True,
            metadata={**metadata, "tier": Tier.WORKSPACE.value},
            tags=role_tags,
            opts=ws.opts(owner),
        )
        instances.append(instance)
    return Hosts(instances=instances, volume_ids=volume_ids)


# ---- the stack's outputs --------------------------------------------------------------------


def workspace_exports(
    facts: WorkspaceFacts,
    identity: Identity,
    net: WorkspaceNetwork,
    security_group: openstack.networking.SecGroup,
    key: openstack.keymanager.OrderV1,
    extract: openstack.objectstorage.Container,
    airlock: Airlock,
    hosts: Hosts,
) -> pulumi.Output[dict[str, Any]]:
    """The layer's outputs, as WorkspaceExports reads them."""
    config, spec = facts.config, facts.spec
    users = identity.users
    return pulumi.Output.all(
        project_id=identity.project_id,
        project_name=identity.project_name,
        network_id=net.network.id,
        subnet_id=net.subnet.id,
        router_id=net.router.id,
        security_group_id=security_group.id,
        instances=[i.name for i in hosts.instances],
        instance_ids=[i.id for i in hosts.instances],
        volume_ids=hosts.volume_ids,
        extract_container=extract.name,
        outbox_container=airlock.outbox.name,
        key_ref=key.secret_ref,
        members={m: u.name for m, u in users.items()},
        member_user_ids={m: u.id for m, u in users.items()},
        airlock_container=airlock.ledger.name,
        decision_containers={o: c.name for o, c in airlock.decisions.items()},
        officer_user_ids=identity.officer_ids,
        release_container=airlock.release_area.name,
        release_project_id=identity.operator_scope.project_id,
    ).apply(
        lambda values: {
            **values,
            "workspace": spec.id,
            "tenancy": config.workspace_tenancy.value,
            "cidr": str(spec.cidr),
            "authorisation": spec.authorisation.reference,
            "expires": spec.expires.isoformat(),
        }
    )


def _user_data(config: HubConfig, spec: WorkspaceSpec, data_volume_id: str) -> str:
    settings = HardeningSettings(
        ntp_servers=config.ntp_servers,
        analyst_users=[
            AdminUser(name=member.id, ssh_public_key=member.ssh_public_key)
            for member in spec.members
        ],
        apt_proxy=config.apt_proxy,
        data_volume_device=f"/dev/disk/by-id/virtio-{data_volume_id[:20]}",
        data_mount_point="/srv/workspace",
    )
    return render_user_data(HostRole.WORKSPACE, settings)
