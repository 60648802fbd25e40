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

The package: one module per part (identity, network, security_group, storage, airlock,
hosts), the names and facts they share (names), the component that declares them in order
(component) and the layer's outputs (exports).
"""

from infra.layers.workspace.component import WorkspaceLayer
from infra.layers.workspace.exports import WorkspaceExports
from infra.layers.workspace.identity import OPERATOR_ROLE, member_passwords
from infra.layers.workspace.names import (
    DECISIONS,
    EDGE_ROUTE,
    SHARED_ROUTE,
    SHARED_ROUTES,
    AirlockNames,
    release_container_name,
    shared_route_urns,
    workspace_metadata,
)
from infra.layers.workspace.security_group import NTP, egress_prefixes

__all__ = [
    "DECISIONS",
    "EDGE_ROUTE",
    "NTP",
    "OPERATOR_ROLE",
    "SHARED_ROUTE",
    "SHARED_ROUTES",
    "AirlockNames",
    "WorkspaceExports",
    "WorkspaceLayer",
    "egress_prefixes",
    "member_passwords",
    "release_container_name",
    "shared_route_urns",
    "workspace_metadata",
]
