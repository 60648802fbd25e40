"""Read a project's resources through openstacksdk, read-only, and say what could not be read.

Every call goes through `Reader`, which turns what the cloud answers into facts instead of
tracebacks: a 403 is a *forbidden* service (a finding of its own), an unreachable service, a
timeout or a server error make the inventory *partial*, a resource that disappears between its
listing and its details is *vanished*, one still being created (or left in error) is
*half-created*, and a project beyond the limit is *truncated*. Only GET and HEAD requests are
ever sent: the audit never changes the cloud.

The raw objects are kept as openstacksdk returned them, by kind (`RAW_KINDS`); turning them into
the pack's resource model is hubctl.audit.builders' job, by hubctl.audit.mapping's table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any

from hubctl.cloud.api import HttpStatusError


class GapKind(StrEnum):
    FORBIDDEN = "forbidden"  # HTTP 403: the identity may not read this (a finding)
    ABSENT = "absent"  # the cloud has no such service (no Octavia): nothing to read
    UNREACHABLE = "unreachable"  # connection refused or reset, no route
    TIMEOUT = "timeout"  # no answer within the time allowed
    ERROR = "error"  # the service answered with an error (5xx, malformed)
    VANISHED = "vanished"  # listed, then gone when its details were read
    HALF_CREATED = "half-created"  # in a transitional or error status: not final
    TRUNCATED = "truncated"  # more resources than the audit reads (--max-resources)

    @property
    def partial(self) -> bool:
        """Whether a gap of this kind leaves the inventory incomplete (exit 2)."""
        return self not in (GapKind.FORBIDDEN, GapKind.ABSENT)


@dataclass(frozen=True)
class Gap:
    kind: GapKind
    service: str
    what: str
    detail: str
    project: str = ""
    region: str = ""

    def line(self) -> str:
        where = f" in {self.project}/{self.region}" if self.project else ""
        return f"{self.service}: {self.what}{where}: {self.kind.value}: {self.detail}"


NOT_FOUND = "HTTP 404"


class Truncated(Exception):
    """The project holds more resources than the audit is allowed to read."""


@dataclass
class Reader:
    """One connection's reads, with every fault recorded as a Gap."""

    conn: Any
    project: str
    region: str
    limit: int
    gaps: list[Gap] = field(default_factory=list)
    count: int = 0
    # Services already found forbidden, absent or down: not asked again for each kind.
    failed_services: set[str] = field(default_factory=set)

    def gap(self, kind: GapKind, service: str, what: str, detail: str) -> None:
        self.gaps.append(Gap(kind, service, what, detail, self.project, self.region))

    def listing(self, service: str, what: str, call: Callable[[], Iterable[Any]]) -> list[Any]:
        """Every item `call` lists (paginated by openstacksdk), or what was read before a fault."""
        if service in self.failed_services:
            return []
        items: list[Any] = []
        try:
            for item in call():
                self.count += 1
                if self.count > self.limit:
                    raise Truncated
                items.append(item)
        except Truncated:
            raise
        except Exception as error:  # every fault becomes a gap, never a traceback
            kind, detail = classify(error)
            if kind in (GapKind.FORBIDDEN, GapKind.ABSENT, GapKind.UNREACHABLE, GapKind.TIMEOUT):
                self.failed_services.add(service)
            self.gap(kind, service, what, detail)
        return items

    def detail(self, service: str, what: str, call: Callable[[], Any]) -> Any:
        """One GET of a listed resource's details; None (and a gap) when it cannot be read."""
        if service in self.failed_services:
            return None
        try:
            return call()
        except Exception as error:
            kind, detail = classify(error)
            if kind is GapKind.ERROR and detail == NOT_FOUND:
                kind, detail = GapKind.VANISHED, "deleted while the audit read it"
            if kind in (GapKind.UNREACHABLE, GapKind.TIMEOUT):
                self.failed_services.add(service)
            self.gap(kind, service, what, detail)
            return None


def classify(error: BaseException) -> tuple[GapKind, str]:
    """What kind of gap a failed read is, and a short why (the cloud seam tells the faults
    apart: hubctl.cloud.fault_of)."""
    from hubctl.cloud import Fault, fault_of

    fault, detail = fault_of(error)
    if fault is Fault.NOT_FOUND:
        return GapKind.ERROR, NOT_FOUND
    if fault is Fault.ERROR:
        return GapKind.ERROR, detail
    return GapKind(fault.value), detail


# ---------------------------------------------------------------------------- raw kinds


@dataclass(frozen=True)
class RawKind:
    """One listing call: a kind of object, the service that holds it, how to list it."""

    kind: str
    service: str
    list: Callable[[Any, str], Iterable[Any]]
    # A cloud may lack the service (Octavia): then the kind is absent, not a fault.
    optional: bool = False


RAW_KINDS: tuple[RawKind, ...] = (
    RawKind("networks", "network", lambda c, p: c.network.networks(project_id=p)),
    RawKind("subnets", "network", lambda c, p: c.network.subnets(project_id=p)),
    RawKind("routers", "network", lambda c, p: c.network.routers(project_id=p)),
    RawKind("ports", "network", lambda c, p: c.network.ports(project_id=p)),
    RawKind("security_groups", "network", lambda c, p: c.network.security_groups(project_id=p)),
    RawKind("rules", "network", lambda c, p: c.network.security_group_rules(project_id=p)),
    RawKind("floating_ips", "network", lambda c, p: c.network.ips(project_id=p)),
    RawKind("servers", "compute", lambda c, p: c.compute.servers(details=True)),
    RawKind("server_groups", "compute", lambda c, p: c.compute.server_groups()),
    RawKind("keypairs", "compute", lambda c, p: c.compute.keypairs()),
    RawKind("volumes", "block-storage", lambda c, p: c.block_storage.volumes(details=True)),
    RawKind("images", "image", lambda c, p: c.image.images(owner=p)),
    RawKind("containers", "object-store", lambda c, p: c.object_store.containers()),
    RawKind("secrets", "key-manager", lambda c, p: c.key_manager.secrets()),
    RawKind("key_containers", "key-manager", lambda c, p: c.key_manager.containers()),
    RawKind("orders", "key-manager", lambda c, p: c.key_manager.orders()),
    RawKind(
        "load_balancers",
        "load-balancer",
        lambda c, p: c.load_balancer.load_balancers(project_id=p),
        optional=True,
    ),
    RawKind(
        "listeners",
        "load-balancer",
        lambda c, p: c.load_balancer.listeners(project_id=p),
        optional=True,
    ),
    RawKind(
        "pools", "load-balancer", lambda c, p: c.load_balancer.pools(project_id=p), optional=True
    ),
    RawKind(
        "monitors",
        "load-balancer",
        lambda c, p: c.load_balancer.health_monitors(project_id=p),
        optional=True,
    ),
)
SERVICES = tuple(dict.fromkeys(kind.service for kind in RAW_KINDS))


@dataclass
class RawProject:
    """Everything read of one project in one region: raw objects by kind, details, gaps."""

    project: str
    project_name: str
    region: str
    objects: dict[str, list[Any]] = field(default_factory=dict)
    # Details read one object at a time, by kind and id (Swift headers, Barbican ACLs...).
    details: dict[tuple[str, str], Any] = field(default_factory=dict)
    # Services whose every listing answered: a state resource of theirs that is not in the
    # cloud is missing; of any other, it is only unseen.
    complete_services: set[str] = field(default_factory=set)
    # Services not read here because another region's read was of the same endpoint.
    shared_services: set[str] = field(default_factory=set)
    gaps: list[Gap] = field(default_factory=list)
    # Objects listed (what --max-resources bounds).
    listed: int = 0

    def of(self, kind: str) -> list[Any]:
        return self.objects.get(kind, [])


def _container_headers(conn: Any, name: str) -> dict[str, str]:
    response = conn.object_store.head(name)
    if getattr(response, "status_code", 200) == 404:
        raise HttpStatusError(f"container {name} not found", 404)
    return {str(k).lower(): str(v) for k, v in response.headers.items()}


def _barbican(conn: Any, path: str) -> Any:
    response = conn.key_manager.get(path)
    status = getattr(response, "status_code", 200)
    if status >= 400:
        raise HttpStatusError(f"HTTP {status} on {path}", status)
    return response.json()


def _ref_id(ref: Any) -> str:
    return str(ref or "").rstrip("/").rsplit("/", 1)[-1]


def read_project(
    conn: Any,
    region: str,
    limit: int,
    skip_services: Iterable[str] = (),
) -> RawProject:
    """Every kind of RAW_KINDS in the connection's project, then the details the mapping needs.

    `skip_services`: services already read through another region with the same endpoint (the
    local cloud's LOCAL2 is LOCAL1's services): not read twice.
    """
    project = str(conn.current_project_id)
    name = str(getattr(conn, "auth", {}).get("project_name", "") or project)
    raw = RawProject(project, name, region)
    reader = Reader(conn, name, region, limit)
    skipped = set(skip_services)
    failed_before: set[str] = set()
    try:
        for kind in RAW_KINDS:
            if kind.service in skipped:
                continue
            before = len(reader.gaps)
            raw.objects[kind.kind] = reader.listing(
                kind.service, kind.kind, partial(kind.list, conn, project)
            )
            new = reader.gaps[before:]
            if kind.optional and any(g.kind is GapKind.ABSENT for g in new):
                continue
            if new:
                failed_before.add(kind.service)
        _read_details(conn, raw, reader)
    except Truncated:
        reader.gap(
            GapKind.TRUNCATED,
            "all",
            "inventory",
            f"more than {limit} resources: the rest was not read (raise --max-resources)",
        )
        failed_before |= set(SERVICES)
    raw.complete_services = {s for s in SERVICES if s not in failed_before and s not in skipped}
    raw.complete_services -= {g.service for g in reader.gaps if g.kind.partial}
    raw.shared_services = skipped
    raw.gaps = reader.gaps
    raw.listed = reader.count
    return raw


def _read_details(conn: Any, raw: RawProject, reader: Reader) -> None:
    """The details listings do not carry: Swift's headers (ACLs, metadata, versioning),
    Barbican's ACLs and secret metadata, the external networks floating IPs come from, the
    members of each load-balancer pool."""

    def read(service: str, what: str, key: tuple[str, str], call: Callable[[], Any]) -> None:
        found = reader.detail(service, what, call)
        if found is not None:
            raw.details[key] = found

    if raw.of("containers"):
        # Swift reports a storage policy on every container, its default one when none was
        # chosen: the default is what "unset" looks like live.
        read("object-store", "the service's capabilities", ("swift-info", ""),
             partial(conn.object_store.get_info))  # fmt: skip
    for container in raw.of("containers"):
        name = str(container.name)
        read("object-store", f"container {name}", ("containers", name),
             partial(_container_headers, conn, name))  # fmt: skip
    for kind, ref_attr, path in (
        ("secrets", "secret_ref", "secrets"),
        ("key_containers", "container_ref", "containers"),
    ):
        for item in raw.of(kind):
            ident = _ref_id(getattr(item, ref_attr, None))
            read("key-manager", f"{path} {ident} acl", (f"{kind}-acl", ident),
                 partial(_barbican, conn, f"/{path}/{ident}/acl"))  # fmt: skip
    for item in raw.of("secrets"):
        ident = _ref_id(item.secret_ref)
        read("key-manager", f"secret {ident} metadata", ("secrets-metadata", ident),
             partial(_barbican, conn, f"/secrets/{ident}/metadata"))  # fmt: skip
    networks = {str(ip.floating_network_id) for ip in raw.of("floating_ips")}
    for network_id in sorted(networks - {"", "None"}):
        read("network", f"network {network_id}", ("external-network", network_id),
             partial(conn.network.get_network, network_id))  # fmt: skip
    for pool in raw.of("pools"):
        members = reader.listing(
            "load-balancer",
            f"members of pool {pool.id}",
            partial(conn.load_balancer.members, pool.id),
        )
        raw.objects.setdefault("members", []).extend(members)
