"""The workspace's component: its parts declared in order (one module each), and its outputs."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_openstack as openstack

from hubcore.values import ConfigError
from infra.layers.base import LayerContext, Upstream
from infra.layers.kms import KmsExports
from infra.layers.network import NetworkExports
from infra.layers.storage import StorageExports
from infra.layers.workspace.airlock import Airlock, declare_airlock
from infra.layers.workspace.hosts import Hosts, declare_hosts
from infra.layers.workspace.identity import Identity, declare_identity, workspace_context
from infra.layers.workspace.names import WorkspaceFacts
from infra.layers.workspace.network import WorkspaceNetwork, declare_network
from infra.layers.workspace.security_group import declare_security_group
from infra.layers.workspace.storage import declare_extract, declare_key


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
        net = declare_network(self, context, ws, facts, network)
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
