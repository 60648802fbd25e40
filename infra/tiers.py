"""The hub's network tiers and host roles: the one place that says who talks to whom on which port.

The network layer turns these flows into security-group rules, the compute layer places each
host role in its tier, and the host hardening opens exactly the same ports in each host's
firewall, so the cloud firewall and the host firewall can never disagree.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Tier(StrEnum):
    """A subnet and security group of the site's private network."""

    INGRESS = "ingress"
    APP = "app"
    DATA = "data"
    ADMIN = "admin"
    # A research project's own network (one per workspace stack, outside the site's range).
    WORKSPACE = "workspace"


class HostRole(StrEnum):
    """A kind of instance the compute layer deploys; each lives in one tier."""

    BASTION = "bastion"
    APP = "app"
    DATA = "data"
    # An analysis host of a research-project workspace (infra.layers.workspace).
    WORKSPACE = "workspace"


# The roles and tiers every site has; workspaces bring their own, one stack per project.
SITE_ROLES: tuple[HostRole, ...] = (HostRole.BASTION, HostRole.APP, HostRole.DATA)
SITE_TIERS: tuple[Tier, ...] = (Tier.INGRESS, Tier.APP, Tier.DATA, Tier.ADMIN)

ROLE_TIER: dict[HostRole, Tier] = {
    HostRole.BASTION: Tier.ADMIN,
    HostRole.APP: Tier.APP,
    HostRole.DATA: Tier.DATA,
    HostRole.WORKSPACE: Tier.WORKSPACE,
}

# Where a flow may come from: another tier's security group, the operators' CIDRs (VPN), or the
# world. Only HTTPS into the ingress tier may come from the world.
WORLD = "world"
OPERATORS = "operators"


class Flow(BaseModel):
    """One allowed inbound flow: TCP `port` into `tier` from `source` (Tier, OPERATORS or WORLD)."""

    model_config = ConfigDict(frozen=True)

    tier: Tier
    port: int
    source: str
    purpose: str


HTTPS_PORT = 443
APP_PORT = 8443
POSTGRES_PORT = 5432
SSH_PORT = 22
# The one port an analysis front-end (a notebook server behind TLS) listens on in a workspace.
ANALYSIS_PORT = 8888

FLOWS: tuple[Flow, ...] = (
    Flow(tier=Tier.INGRESS, port=HTTPS_PORT, source=WORLD, purpose="public HTTPS entry"),
    Flow(tier=Tier.APP, port=APP_PORT, source=Tier.INGRESS, purpose="ingress to application"),
    Flow(tier=Tier.DATA, port=POSTGRES_PORT, source=Tier.APP, purpose="application to database"),
    Flow(tier=Tier.ADMIN, port=SSH_PORT, source=OPERATORS, purpose="operators to bastion (VPN)"),
    Flow(tier=Tier.APP, port=SSH_PORT, source=Tier.ADMIN, purpose="administration via bastion"),
    Flow(tier=Tier.DATA, port=SSH_PORT, source=Tier.ADMIN, purpose="administration via bastion"),
    # A workspace is reached from the site's bastion only: SSH, and its analysis front-end.
    Flow(tier=Tier.WORKSPACE, port=SSH_PORT, source=Tier.ADMIN, purpose="analysts via bastion"),
    Flow(
        tier=Tier.WORKSPACE,
        port=ANALYSIS_PORT,
        source=Tier.ADMIN,
        purpose="analysis front-end via bastion",
    ),
)

# Tiers whose hosts need outbound internet (package mirrors, NTP) through the router's gateway.
# The data tier has none: its only peers are inside the site. Workspaces have none either: their
# router has no gateway, and their only egress is the site's NTP servers and package proxy.
EGRESS_TIERS: frozenset[Tier] = frozenset({Tier.INGRESS, Tier.APP, Tier.ADMIN})


def inbound_ports(tier: Tier) -> list[int]:
    """TCP ports a host in `tier` accepts, for the host firewall."""
    return sorted({flow.port for flow in FLOWS if flow.tier == tier})


def role_ports(role: HostRole) -> list[int]:
    """TCP ports a host of `role` accepts."""
    return inbound_ports(ROLE_TIER[role])
