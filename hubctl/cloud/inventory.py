"""What a read-only inventory of one project says, and what it could not read: the records an
inventory of any cloud fills (OpenStack's is hubctl.cloud.openstack.inventory).

Every read goes through `Reader`, which turns what the cloud answers into facts instead of
tracebacks: a 403 is a *forbidden* service (a finding of its own), an unreachable service, a
timeout or a server error make the inventory *partial*, a resource that disappears between its
listing and its details is *vanished*, one still being created (or left in error) is
*half-created*, and a project beyond the limit is *truncated*.

The raw objects are kept as the cloud's client returned them, by kind; turning them into the
pack's resource model is hubctl.audit.builders' job, by hubctl.audit.mapping's table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from hubctl.cloud.api import Fault


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
    """One connection's reads, with every fault recorded as a Gap: `fault_of` is the cloud's
    own reading of its client's exceptions (hubctl.cloud.fault_of)."""

    fault_of: Callable[[BaseException], tuple[Fault, str]]
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
            kind, detail = gap_of(*self.fault_of(error))
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
            kind, detail = gap_of(*self.fault_of(error))
            if kind is GapKind.ERROR and detail == NOT_FOUND:
                kind, detail = GapKind.VANISHED, "deleted while the audit read it"
            if kind in (GapKind.UNREACHABLE, GapKind.TIMEOUT):
                self.failed_services.add(service)
            self.gap(kind, service, what, detail)
            return None


def gap_of(fault: Fault, detail: str) -> tuple[GapKind, str]:
    """What kind of gap a failed read is, from what kind of failure the cloud says it was."""
    if fault is Fault.NOT_FOUND:
        return GapKind.ERROR, NOT_FOUND
    if fault is Fault.ERROR:
        return GapKind.ERROR, detail
    return GapKind(fault.value), detail


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


class Inventory(Protocol):
    """One project of a site in one region, read for the audit: read-only, and every fault a
    `Gap` instead of an exception."""

    # The services the inventory reads, each with the kinds of object it lists there (the keys
    # of RawProject.objects), in reading order.
    kinds_by_service: Mapping[str, tuple[str, ...]]

    def endpoints(self) -> dict[str, str]:
        """Each service's endpoint in the connection's region ('' when the region has none or
        the catalogue does not answer): two regions with one endpoint are one service."""
        ...

    def read(self, region: str, limit: int, skip_services: Iterable[str] = ()) -> RawProject:
        """Every kind of object of the project, then the details the audit's mapping needs;
        at most `limit` objects (then a TRUNCATED gap); `skip_services` are not read (another
        region's read already covered their endpoint)."""
        ...
