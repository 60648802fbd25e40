"""Workspace family: a research project's workspace is bounded in time, data and reach.

The CNIL authorises access to health data for one project, for its duration and to the data its
decision (or reference methodology, e.g. MR-004) names. The facts come from the workspace's own
resources, which say what they belong to (metadata and tags: `workspace`, `authorisation`,
`authorisation-ends`, `workspace-starts`, `workspace-expires`, and on the extract container
`workspace-datasets` and `data-key-ref`), and from the site's config (hub:datasets,
hub:networkCidr, hub:workspacePool, hub:aptProxy). So a state export judges a workspace as
its resources stand, even after its stack file is gone: a lingering expired workspace fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any
from urllib.parse import urlsplit

from hubcore.resource_types import (
    CONTAINER,
    INSTANCE,
    NETWORK,
    ORDER,
    PORT,
    PROJECT,
    ROLE_ASSIGNMENT,
    ROUTER,
    SECRET,
    SECURITY_GROUP,
    SECURITY_GROUP_RULE,
    STACK_REFERENCE,
    SUBNET,
    USER,
    VOLUME,
)
from hubcore.stacks import Layer, StackName
from policies.model import (
    Context,
    Outcome,
    ResourceView,
    failed,
    is_known,
    not_applicable,
    passed,
)
from policies.neutron import Rule as NeutronRule
from policies.registry import RuleSettings, Scope, Severity, rule
from policies.rules.common import describe
from policies.rules.topology import FLOATING_IP_TYPES, read_rule

# Resources that say which workspace they belong to (tags or metadata).
LABELLED = (
    PROJECT,
    CONTAINER,
    NETWORK,
    SUBNET,
    ROUTER,
    PORT,
    SECURITY_GROUP,
    INSTANCE,
    VOLUME,
)
WORKSPACE_TIER = "workspace"
NTP_PORT = 123
TCP, UDP = 6, 17  # IANA protocol numbers, as Neutron stores them
MAX_DAYS = 1096  # three years: the longest a reference methodology's project usually runs


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not is_known(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def is_workspace_stack(context: Context) -> bool:
    name = StackName.try_parse(context.site.stack or "")
    return name is not None and name.layer is Layer.WORKSPACE


def is_extract(resource: ResourceView) -> bool:
    tags = resource.tags
    return "workspace" in tags and tags.get("purpose") == "extract"


class ExpirySettings(RuleSettings):
    """workspace-expiry-valid: the longest a workspace may last, in days."""

    max_duration_days: int = MAX_DAYS


class AsOfSettings(RuleSettings):
    """workspace-not-expired: the day to judge on ("": today, UTC)."""

    as_of: str = ""


def as_of(context: Context) -> date:
    configured = _date(context.settings(AsOfSettings).as_of)
    return configured or datetime.now(UTC).date()


@rule(
    "workspace-expiry-valid",
    description="A workspace expires after its start, within its authorisation and the longest "
    "duration.",
    remediation="Set `expires` in the project's manifest before the authorisation ends "
    "(hubctl workspace extend refuses dates beyond it).",
    severity=Severity.HIGH,
    requirements=("CNIL-AUTH", "GDPR-5-1-E"),
    enforces=(
        "a workspace's extract says when it starts and expires: after its start, not after its "
        "authorisation ends, at most `maxDurationDays` (1096) long"
    ),
    applies_to=(CONTAINER,),
    settings=ExpirySettings(),
)
def workspace_expiry_valid(resource: ResourceView, context: Context) -> Outcome:
    """Passes: the extract says workspace-starts < workspace-expires <= authorisation-ends, and
    the workspace lasts at most maxDurationDays. Fails: a date missing or unreadable, or any of
    those comparisons false. Not applicable: containers that are not a workspace's extract."""
    if not is_extract(resource):
        return not_applicable("not a workspace extract")
    tags = resource.tags
    starts, expires = _date(tags.get("workspace-starts")), _date(tags.get("workspace-expires"))
    ends = _date(tags.get("authorisation-ends"))
    what = f"{describe(resource)} (workspace {tags['workspace']})"
    if expires is None:
        return failed(f"{what} carries no readable expiry: every workspace expires.")
    if starts is None or ends is None:
        return failed(f"{what} carries no readable start or authorisation end.")
    if expires <= starts:
        return failed(f"{what} expires on {expires}, not after it starts on {starts}.")
    if expires > ends:
        return failed(
            f"{what} expires on {expires}, after its authorisation "
            f"{tags.get('authorisation', '?')} ends on {ends}: access outlives the authorisation."
        )
    limit = context.settings(ExpirySettings).max_duration_days
    days = (expires - starts).days
    if days > limit:
        return failed(f"{what} lasts {days} days; at most {limit} are allowed (maxDurationDays).")
    return passed()


@rule(
    "workspace-not-expired",
    description="No resource of an expired workspace is still deployed.",
    remediation="Close the workspace: hubctl workspace close (or expire, the nightly job).",
    severity=Severity.CRITICAL,
    requirements=("CNIL-AUTH", "GDPR-5-1-E"),
    enforces=(
        "no resource of a workspace past its `workspace-expires` is deployed (setting `asOf`, "
        "default today UTC): `hubctl check --state` of a lingering workspace fails"
    ),
    applies_to=LABELLED,
    settings=AsOfSettings(),
)
def workspace_not_expired(resource: ResourceView, context: Context) -> Outcome:
    """Passes: the resource's workspace-expires is today (UTC, or the asOf setting) or later.
    Fails: it is earlier, or unreadable. Not applicable: resources of no workspace."""
    tags = resource.tags
    if "workspace" not in tags:
        return not_applicable("not a workspace resource")
    expires = _date(tags.get("workspace-expires"))
    today = as_of(context)
    if expires is not None and expires >= today:
        return passed()
    shown = expires.isoformat() if expires else "an unreadable date"
    return failed(
        f"{describe(resource)} belongs to workspace {tags['workspace']}, which expired on "
        f"{shown} (as of {today}); it must be closed, its key destroyed and its data gone.",
    )


@rule(
    "workspace-datasets-authorised",
    description="A workspace holds only datasets its site holds (those its authorisation names).",
    remediation="List in the manifest's `datasets` only datasets of the site's hub:datasets.",
    severity=Severity.HIGH,
    requirements=("CNIL-AUTH", "GDPR-5-1-C"),
    enforces="an extract's `workspace-datasets` are among the site's `hub:datasets`",
    applies_to=(CONTAINER,),
)
def workspace_datasets_authorised(resource: ResourceView, context: Context) -> Outcome:
    """Passes: every dataset of the extract's workspace-datasets is one of hub:datasets.
    Fails: another one, or none listed. Not applicable: not an extract, or no site facts."""
    if not is_extract(resource):
        return not_applicable("not a workspace extract")
    site = context.site.value("hub:datasets")
    if not isinstance(site, list):
        return not_applicable("the site's datasets are not known")
    listed = [d for d in str(resource.tags.get("workspace-datasets") or "").split(",") if d]
    if not listed:
        return failed(f"{describe(resource)} names no dataset: the extract's origin is unknown.")
    extra = [d for d in listed if d not in site]
    if extra:
        return failed(
            f"{describe(resource)} holds {', '.join(extra)}, not among the site's datasets "
            f"({', '.join(map(str, site))}).",
            config_keys=("hub:datasets",),
        )
    return passed()


def _workspace_group(resource: ResourceView, context: Context) -> ResourceView | None:
    group = context.referenced(resource, "securityGroupId", SECURITY_GROUP)
    return group if group is not None and group.tags.get("tier") == WORKSPACE_TIER else None


def _site_network(context: Context) -> IPv4Network | IPv6Network | None:
    text = context.site.text("hub:networkCidr")
    return ip_network(text, strict=False) if text else None


def _proxy(context: Context) -> tuple[str, int] | None:
    text = context.site.text("hub:aptProxy")
    if not text:
        return None
    url = urlsplit(text)
    return (url.hostname or "", url.port or 0) if url.hostname and url.port else None


@rule(
    "workspace-no-egress",
    description="A workspace sends nothing out but NTP inside the site and package-proxy requests.",
    remediation="Remove the egress rule: only NTP inside the site and hub:aptProxy.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "GDPR-32"),
    enforces=(
        "a workspace group's egress is UDP 123 into `hub:networkCidr` or TCP to `hub:aptProxy`, "
        "nothing else"
    ),
    scope=Scope.RESOURCES,
    applies_to=(SECURITY_GROUP_RULE,),
)
def workspace_no_egress(resource: ResourceView, context: Context) -> Outcome:
    """Passes: an egress rule of a workspace group that is UDP 123 into hub:networkCidr, or TCP
    to the package proxy's address and port only. Fails: any other egress of a workspace group
    (to another group, a wider range, another port). Not applicable: other rules; ingress."""
    in_ws_stack = is_workspace_stack(context)
    group = _workspace_group(resource, context)
    if group is None and not in_ws_stack:
        return not_applicable("not a workspace group's rule")
    read = read_rule(resource, context)
    if not isinstance(read, NeutronRule):
        return read  # computed by the stack (N/A), or refused or unreadable (fails)
    if read.direction != "egress":
        return not_applicable("ingress rule")
    network = read.remote
    site = _site_network(context)
    if (
        read.only(UDP, NTP_PORT)
        and network is not None
        and site is not None
        and network.version == site.version
        and network.subnet_of(site)  # type: ignore[arg-type]
    ):
        return passed()
    proxy = _proxy(context)
    if (
        proxy is not None
        and read.only(TCP, proxy[1])
        and network is not None
        and network == ip_network(f"{proxy[0]}/32", strict=False)
    ):
        return passed()
    target = str(network) if network is not None else "another security group"
    return failed(
        f"{describe(resource)} lets a workspace send {read.describe(resource.get('protocol'))} "
        f"to {target}; a workspace's only egress is NTP inside the site and the site's package "
        "proxy.",
    )


@rule(
    "workspace-no-floating-ip",
    description="No floating IP in a workspace stack, nor on a workspace's port.",
    remediation="Reach workspace hosts through the site's bastion; remove the floating IP.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "GDPR-32"),
    enforces="no floating IP in a workspace stack or on a workspace port",
    scope=Scope.RESOURCES,
    applies_to=FLOATING_IP_TYPES,
)
def workspace_no_floating_ip(resource: ResourceView, context: Context) -> Outcome:
    """Fails: any floating IP declared by a workspace stack, or attached to a port of the
    workspace tier. Not applicable: other floating IPs."""
    target = context.referenced(resource, "portId", PORT)
    on_workspace = target is not None and target.tags.get("tier") == WORKSPACE_TIER
    if not is_workspace_stack(context) and not on_workspace:
        return not_applicable("not a workspace's")
    return failed(
        f"{describe(resource)} would give a research workspace a public address; workspaces "
        "are reached from the site's bastion only."
    )


@rule(
    "workspace-no-external-gateway",
    description="A workspace's router has no external gateway.",
    remediation="Remove external_network_id / external_gateway from the workspace's router.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "GDPR-32"),
    enforces="a workspace router has no external gateway",
    applies_to=(ROUTER,),
)
def workspace_no_external_gateway(resource: ResourceView, context: Context) -> Outcome:
    """Passes: a workspace router without external network. Fails: with one (by id, or an
    external gateway block). Not applicable: routers of no workspace."""
    if "workspace" not in resource.tags and not is_workspace_stack(context):
        return not_applicable("not a workspace router")
    gateway = resource.get("externalNetworkId") or resource.get("externalGateway")
    if gateway in (None, "", [], {}):
        return passed()
    return failed(
        f"{describe(resource)} has an external gateway: a workspace has no route out of the site."
    )


@rule(
    "workspace-no-flow-from-other-workspace",
    description="A workspace accepts flows only from the site's admin tier, never from "
    "another workspace.",
    remediation="Open workspace ingress from the site's admin subnet (or its own range) only.",
    severity=Severity.CRITICAL,
    requirements=("SNC-13", "HDS-ISO27001-A8", "GDPR-32"),
    enforces=(
        "workspace ingress only from the site's range or its own subnet, never from "
        "`hub:workspacePool` or another stack's group"
    ),
    scope=Scope.RESOURCES,
    applies_to=(SECURITY_GROUP_RULE,),
)
def workspace_no_flow_from_other_workspace(resource: ResourceView, context: Context) -> Outcome:
    """Passes: ingress into a workspace group from inside hub:networkCidr, or from the
    workspace's own subnet. Fails: from the workspace pool outside its own range (another
    workspace), from a security group of another stack, or from anywhere else."""
    group = _workspace_group(resource, context)
    if group is None and not is_workspace_stack(context):
        return not_applicable("not a workspace group's rule")
    read = read_rule(resource, context)
    if not isinstance(read, NeutronRule):
        return read  # computed by the stack (N/A), or refused or unreadable (fails)
    if read.direction != "ingress":
        return not_applicable("egress rule")
    if read.remote_group is not None:
        if context.referenced(resource, "remoteGroupId", SECURITY_GROUP) is not None:
            return passed()
        return failed(
            f"{describe(resource)} admits a security group this workspace does not own: "
            "another stack's hosts (another workspace's) could reach it."
        )
    network = read.remote
    if network is None:
        return not_applicable("remote prefix not known before the update")
    own = [
        ip_network(str(s.get("cidr")), strict=False)
        for s in context.resources
        if s.type == SUBNET and is_known(s.get("cidr"))
    ]
    if any(network.version == o.version and network.subnet_of(o) for o in own):  # type: ignore[arg-type]
        return passed()
    site = _site_network(context)
    pool_text = context.site.text("hub:workspacePool")
    pool = ip_network(pool_text, strict=False) if pool_text else None
    if pool is not None and network.version == pool.version and network.overlaps(pool):
        return failed(
            f"{describe(resource)} admits {network}, inside the workspace pool {pool}: another "
            "workspace could reach this one.",
            config_keys=("hub:workspacePool",),
        )
    if site is not None and network.version == site.version and network.subnet_of(site):  # type: ignore[arg-type]
        return passed()
    return failed(
        f"{describe(resource)} admits {network}, outside the site ({site}); a workspace is "
        "reached from the site's admin tier only."
    )


def _dataset_keys(context: Context) -> set[str]:
    """The site's dataset key references, as the kms stack reference reads them."""
    keys: set[str] = set()
    for view in context.resources:
        if view.type != STACK_REFERENCE:
            continue
        outputs = view.get("outputs")
        refs = outputs.get("dataset_key_refs") if isinstance(outputs, dict) else None
        if isinstance(refs, dict):
            keys.update(str(v) for v in refs.values() if is_known(v))
    return keys


@rule(
    "workspace-key-distinct",
    description="A workspace's extract has its own Barbican-generated key, no dataset key.",
    remediation="Order the workspace key from Barbican (OrderV1) in the workspace stack; never "
    "reuse a dataset key or pass key material through Pulumi.",
    severity=Severity.CRITICAL,
    requirements=("SNC-10", "GDPR-32"),
    enforces=(
        "the extract's `data-key-ref` is no dataset key; the stack orders its key from Barbican "
        "and stores no key material"
    ),
    scope=Scope.RESOURCES,
    applies_to=(CONTAINER,),
)
def workspace_key_distinct(resource: ResourceView, context: Context) -> Outcome:
    """Passes: the extract names a data-key-ref that is no dataset key of the site, the stack
    orders a key from Barbican and stores no key material itself. Fails: no key named, a
    dataset key, no order, or a secret with a payload in the stack (crypto-shredding needs a
    key only Barbican held). Not applicable: not an extract."""
    if not is_extract(resource):
        return not_applicable("not a workspace extract")
    ref = resource.tags.get("data-key-ref")
    if not ref:
        return failed(f"{describe(resource)} names no key (data-key-ref): it cannot be shredded.")
    if ref in _dataset_keys(context):
        return failed(
            f"{describe(resource)} is wrapped by a dataset key ({ref}): deleting it would "
            "destroy the dataset, keeping it keeps the extract readable."
        )
    orders = [r for r in context.resources if r.type == ORDER and r.get("type") == "key"]
    if not orders:
        return failed(f"{describe(resource)}: the stack orders no key from Barbican.")
    stored = [r for r in context.resources if r.type == SECRET and r.get("payload") is not None]
    if stored:
        return failed(
            f"{describe(resource)}: the stack stores key material itself "
            f"({describe(stored[0])}); the workspace key must be generated by Barbican."
        )
    return passed()


def _own_projects(context: Context) -> Iterable[ResourceView]:
    return (r for r in context.resources if r.type == PROJECT)


@rule(
    "workspace-access-via-project",
    description="Members get access only through the workspace's own Keystone project.",
    remediation="Grant roles on the workspace project only, never a domain or another project.",
    severity=Severity.HIGH,
    requirements=("CNIL-AUTH", "GDPR-32"),
    enforces=(
        "role assignments and users of a workspace stack are on its own Keystone project, never a "
        "domain"
    ),
    scope=Scope.RESOURCES,
    applies_to=(ROLE_ASSIGNMENT, USER),
)
def workspace_access_via_project(resource: ResourceView, context: Context) -> Outcome:
    """Passes: in a workspace stack, a role assignment on (or a user whose default project is)
    the stack's own project. Fails: a domain-wide grant, another project, or one that cannot
    be traced to the stack's project. Not applicable: other stacks."""
    if not is_workspace_stack(context):
        return not_applicable("not a workspace stack")
    if resource.type == ROLE_ASSIGNMENT and resource.get("domainId") not in (None, ""):
        return failed(f"{describe(resource)} grants a role on a whole domain.")
    prop = "projectId" if resource.type == ROLE_ASSIGNMENT else "defaultProjectId"
    project = context.referenced(resource, prop, PROJECT)
    if project is not None and any(p.urn == project.urn for p in _own_projects(context)):
        return passed()
    return failed(
        f"{describe(resource)} reaches a project that is not this workspace's "
        f"({resource.get(prop) or 'none'}): members' access goes through the workspace's project."
    )
