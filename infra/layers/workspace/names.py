"""What every part of a workspace is named and labelled from: its facts, the names of the
airlock's containers and of the routes it shares, and the metadata every resource
carries.
"""

from __future__ import annotations

from dataclasses import dataclass

from hubcore.resource_types import ROUTER_ROUTE, SUBNET_ROUTE
from infra.config import HubConfig, WorkspaceSpec

DECISIONS = "decisions"

# The resources a workspace shares with others: its routes to its own range, on the site's admin
# subnet (read by admin hosts when they first boot) and on the site's edge router (the admin
# hosts' gateway: how hosts that were already running reach it, since a host never reads its
# subnet's routes again). Neutron updates a subnet's or a router's routes as a whole and the
# provider locks per process only, so hubctl deploys and removes them one workspace at a time
# (hubctl.workspaces.opening, closing).
SHARED_ROUTE = "admin-route"
EDGE_ROUTE = "edge-route"
SHARED_ROUTES: dict[str, str] = {SHARED_ROUTE: SUBNET_ROUTE, EDGE_ROUTE: ROUTER_ROUTE}


def shared_route_urns(stack: str, site: str, workspace: str) -> list[str]:
    """The URNs of the workspace's shared routes, in SHARED_ROUTES' order."""
    return [
        f"urn:pulumi:{stack}::hub::hub:layers:Workspace${type_token}::hub-{site}-ws-{workspace}-{route}"
        for route, type_token in SHARED_ROUTES.items()
    ]


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
