"""One live audit of a site: read the cloud, read the states, compare, judge with the pack.

The data flows one way: connect (read-only), read the site's states, read each project in each
region the site uses (its region and its replica region; workspaces' projects too), map every
live object into the pack's model, classify it against the states, then hand the pack one
target per project read (hubctl.audit.target makes it), with what the comparison found as the
target's audit facts. The
report is the pack's own (hubctl.commands.audit renders it in any format); `AuditResult` adds
what the report does not say: whether the inventory is partial, its gaps, the counts.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from hubcore.resource_types import PROJECT
from hubcore.stackfiles import load_layered_config
from hubcore.stacks import Layer, StackName
from hubcore.values import ConfigError, ConfigValue
from hubctl.audit.compare import Status, classify, missing
from hubctl.audit.mapping import build_all
from hubctl.audit.states import StackState, read_states
from hubctl.audit.target import ProjectRead, kind, target
from hubctl.cloud import (
    CloudAuthError,
    auth_url_of,
    cloud_entries,
    connect_like,
    connect_named,
    inventory_of,
    token_of,
)
from hubctl.cloud.api import Connection, reference_id
from hubctl.cloud.inventory import Gap, GapKind, RawProject
from policies.config import PackConfig
from policies.evaluate import Report, evaluate
from policies.facts import site_facts
from policies.model import ResourceView

LEAST_PRIVILEGE = "reader"
WRITING_ROLES = frozenset({"admin", "member", "creator", "_member_"})


class AuditError(Exception):
    """The audit could not start (bad site, no credentials, cloud unreachable): exit 2."""


@dataclass(frozen=True)
class AuditOptions:
    site: str
    cloud: str | None = None
    timeout: float = 30.0
    max_resources: int = 20_000
    passphrase: str | None = None


@dataclass
class AuditResult:
    site: str
    started_at: datetime
    finished_at: datetime
    report: Report
    backend: str
    stacks: list[str]
    identity: dict[str, Any]
    projects: list[ProjectRead] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    missing: list[tuple[str, ResourceView]] = field(default_factory=list)
    unseen: list[tuple[str, ResourceView, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def partial(self) -> bool:
        return any(gap.kind.partial for gap in self.gaps)

    def counts(self) -> dict[str, int]:
        statuses = [c.status for p in self.projects for c in p.comparison.classified]
        return {
            "listed": sum(p.raw.listed for p in self.projects),
            "live": sum(len(p.live) for p in self.projects),
            "managed": statuses.count(Status.MANAGED),
            "unmanaged": statuses.count(Status.UNMANAGED),
            "built_in": statuses.count(Status.BUILT_IN),
            "state_backend": statuses.count(Status.STATE_BACKEND),
            "added_rules": statuses.count(Status.GROUP_DRIFT),
            "missing": len(self.missing),
            "unseen": len(self.unseen),
            "drifted": sum(len(p.comparison.drift) for p in self.projects),
            "gaps": len(self.gaps),
            "mandatory": len(self.report.mandatory),
            "findings": len(self.report.violations),
        }


# --------------------------------------------------------------------------- connections


def _site_config(site: str) -> dict[str, ConfigValue]:
    stack = str(StackName(site, Layer.NETWORK))
    try:
        return dict(load_layered_config(stack))
    except ConfigError as error:
        raise AuditError(str(error)) from error


def connect(
    options: AuditOptions,
    region: str,
    project_id: str | None = None,
    base: Connection | None = None,
) -> Connection:
    """A connection to the site's project (or `project_id`) in `region`.

    Credentials: the clouds.yaml entry `--cloud` names, else the entry named after the site,
    else the OS_* variables. With `base`, the same credentials in another region or project (a
    replica region; a workspace's project). `--timeout` bounds every request.
    """
    if base is not None:
        return connect_like(base, region, options.timeout, project_id)
    entries = cloud_entries()
    name = options.cloud or (options.site if options.site in entries else None)
    if options.cloud is not None and options.cloud not in entries:
        raise AuditError(
            f"--cloud {options.cloud!r}: no such clouds.yaml entry (entries: "
            f"{', '.join(entries) or 'none'})"
        )
    try:
        return connect_named(name, region, options.timeout)
    except CloudAuthError as error:
        where = f"clouds.yaml entry {name!r}" if name else "the OS_* variables"
        raise AuditError(f"cannot use {where}: {error}") from error


def identity_of(conn: Connection) -> dict[str, Any]:
    """Who the audit runs as, in which project, with which roles (read from the token)."""
    try:
        access = token_of(conn)
    except CloudAuthError as error:
        raise AuditError(f"authentication failed: {error}") from error
    except Exception as error:  # keystoneauth: unreachable, 401, timeout
        raise AuditError(
            f"authentication failed ({type(error).__name__}): {str(error).splitlines()[0]}"
        ) from error
    roles = sorted(access.role_names or [])
    return {
        "user": access.username or access.user_id,
        "project": access.project_name or access.project_id,
        "project_id": access.project_id,
        "roles": roles,
        "auth_url": auth_url_of(conn),
        "least_privilege": LEAST_PRIVILEGE in roles and not (set(roles) & WRITING_ROLES),
    }


# --------------------------------------------------------------------------- the audit


def _regions(config: Mapping[str, ConfigValue]) -> list[str]:
    regions = [config["openstack:region"].value] if "openstack:region" in config else []
    replica = config.get("hub:replicaRegion")
    if replica is not None and replica.value and replica.value not in regions:
        regions.append(replica.value)
    if not regions:
        raise AuditError("the site's config names no openstack:region")
    return regions


def _state_bucket(backend: str) -> str | None:
    return urlparse(backend).netloc if backend.startswith("s3://") else None


def run(options: AuditOptions, config: PackConfig) -> AuditResult:
    started = datetime.now(UTC)
    clock = time.monotonic()
    site_config = _site_config(options.site)
    regions = _regions(site_config)
    conn = connect(options, regions[0])
    identity = identity_of(conn)
    from hubctl.audit.states import StatesError

    try:
        backend, states = read_states(options.site, conn, options.passphrase)
    except StatesError as error:
        raise AuditError(str(error)) from error
    views = {str(s.stack): list(s.target.resources) for s in states}

    reads: list[ProjectRead] = []
    gaps: list[Gap] = []
    read_endpoints: dict[str, set[str]] = {}
    for region in regions:
        regional = conn if region == regions[0] else connect(options, region, base=conn)
        inventory = inventory_of(regional)
        endpoints = inventory.endpoints()
        shared = {s for s, url in endpoints.items() if url and url in read_endpoints.get(s, set())}
        budget = options.max_resources - sum(r.raw.listed for r in reads)
        raw = inventory.read(region, budget, skip_services=shared)
        for service, url in endpoints.items():
            read_endpoints.setdefault(service, set()).add(url)
        if reads:
            _drop_services_already_read(raw, reads[0].raw, inventory.kinds_by_service)
        reads.append(_project_read(raw, views, backend))
        gaps += raw.gaps
    # Workspace projects the audit could not enter: reported with the site's own project.
    entry_gaps: list[Gap] = []
    for project_id, view in _workspace_projects(states):
        try:
            scoped = connect(options, regions[0], project_id, base=conn)
            identity_of(scoped)
        except AuditError as error:
            entry_gaps.append(
                Gap(
                    GapKind.FORBIDDEN,
                    "identity",
                    f"workspace project {view.name}",
                    str(error),
                    project_id,
                    regions[0],
                )
            )
            continue
        budget = options.max_resources - sum(r.raw.listed for r in reads)
        raw = inventory_of(scoped).read(regions[0], budget)
        reads.append(_project_read(raw, views, backend))
        gaps += raw.gaps

    seen = {(item.token, item.id) for read in reads for item in read.live}
    complete = set.intersection(
        *(read.raw.complete_services | read.raw.shared_services for read in reads)
    )
    gone, unseen = missing(views, seen, complete, keypair_owner_visible=False)
    report = Report()
    facts = site_facts(str(StackName(options.site, Layer.NETWORK)), site_config)
    for index, read in enumerate(reads):
        first = index == 0
        project_target = target(
            read,
            facts,
            identity,
            read.raw.gaps + (entry_gaps if first else []),
            gone if first else [],
        )
        report.extend(evaluate(project_target, config))
    gaps += entry_gaps
    return AuditResult(
        site=options.site,
        started_at=started,
        finished_at=datetime.now(UTC),
        report=report,
        backend=backend,
        stacks=sorted(views),
        identity=identity,
        projects=reads,
        gaps=gaps,
        missing=gone,
        unseen=unseen,
        seconds=time.monotonic() - clock,
    )


def _object_key(item: Any) -> str:
    for attribute in ("id", "secret_ref", "container_ref", "order_ref", "name"):
        value = getattr(item, attribute, None)
        if value:
            return reference_id(value)
    return repr(item)


def _drop_services_already_read(
    raw: RawProject, first: RawProject, kinds_by_service: Mapping[str, tuple[str, ...]]
) -> None:
    """A service of another region that lists exactly the objects the first region's listed is
    the same service behind another endpoint (the local cloud's LOCAL2 forwards to LOCAL1's):
    its objects are the first region's, judged there, never twice. Two real regions never list
    the same ids."""
    for service, kinds in kinds_by_service.items():
        mine = {(k, _object_key(o)) for k in kinds for o in raw.of(k)}
        theirs = {(k, _object_key(o)) for k in kinds for o in first.of(k)}
        if mine and mine == theirs:
            for kind in kinds:
                raw.objects[kind] = []
            raw.details = {key: v for key, v in raw.details.items() if key[0] not in kinds}
            raw.complete_services.discard(service)
            raw.shared_services.add(service)


def _workspace_projects(states: Iterable[StackState]) -> list[tuple[str, ResourceView]]:
    found = []
    for state in states:
        for view in state.target.resources:
            if view.type == PROJECT and view.id:
                found.append((view.id, view))
    return found


def _project_read(
    raw: RawProject, views: Mapping[str, list[ResourceView]], backend: str
) -> ProjectRead:
    live = build_all(raw)
    comparison = classify(live, views, state_bucket=_state_bucket(backend))
    for item in live:
        if item.half_created:
            raw.gaps.append(
                Gap(
                    GapKind.HALF_CREATED,
                    item.service,
                    f"{kind(item.token)} {item.name or item.id}",
                    f"status {item.status}: not final, judged as read",
                    raw.project,
                    raw.region,
                )
            )
    return ProjectRead(raw.project, raw.project_name, raw.region, raw, live, comparison)
