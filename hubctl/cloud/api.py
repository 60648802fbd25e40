"""What hubctl needs from the cloud a site runs on: the seam every implementation fills.

hubctl's cloud-neutral logic (the orphan census, the pending-operation reconciler, the layers'
after-destroy hooks and summaries) asks a `Project` (one project of the site in one region)
and never an SDK. OpenStack's implementation is hubctl.cloud.openstack; docs/extending.md
says what another cloud's would need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol


class Connection(Protocol):
    """A session with one project of a cloud in one region, as the cloud's SDK opens it (an
    openstacksdk connection, today). Cloud-neutral code only carries it to hubctl.cloud's
    factories: it has nothing to call, so the type checker refuses a call on it outside the
    implementation."""


def reference_id(ref: object) -> str:
    """The id in a key manager's reference: a secret, a bundle or an order is named by a URL
    whose last path segment is the id the provider, the states and hubctl's records use. An id
    is its own reference; no reference gives ""."""
    return str(ref or "").rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class CloudObject:
    """A cloud object the hub made, as the census lists it."""

    token: str  # the Pulumi type token of the resource that makes it (hubcore.resource_types)
    id: str  # the id the provider gives it, the one a state holds
    name: str

    def line(self) -> str:
        return f"{self.token.rsplit(':', 1)[-1]} {self.name or '?'} ({self.id})"


@dataclass(frozen=True)
class CloudReason:
    """One resource of the site in error, and what the cloud says about it."""

    kind: str
    name: str
    id: str
    reason: str

    def line(self) -> str:
        return f"{self.kind} {self.name} ({self.id}): {self.reason}"


@dataclass(frozen=True)
class Caller:
    """The identity a connection acts as, as the cloud's APIs see it (never a password)."""

    user_id: str
    project_id: str


class Project(Protocol):
    """One project of a site, in one region, with the caller's credentials."""

    # The types this implementation can list, find and delete: every marked type of
    # hubcore.resource_types (tests/unit/test_resource_types.py), in the order they are listed.
    searched: tuple[str, ...]
    # The same types in the order they are deleted: what is attached before what it is attached to.
    deletion_order: tuple[str, ...]

    def hub_objects(self, site: str) -> list[CloudObject]:
        """Every object of the site this project holds, recognised by the hub's marks."""
        ...

    def find_created(
        self, token: str, inputs: Mapping[str, Any], urn: str, owned: set[str]
    ) -> str | None:
        """The id of what an interrupted create of `urn` made, if the cloud has it and no
        state owns it yet; None otherwise."""
        ...

    def delete(self, item: CloudObject) -> None:
        """Delete one object (and wait until it is gone where the cloud deletes slowly)."""
        ...

    def delete_generated_keys(self, site: str, exact: str | None = None) -> int:
        """Delete the secrets the site's key orders generated (the site's dataset keys, or the
        one named exactly `exact`); how many there were."""
        ...

    def host_addresses(self, names: list[str]) -> dict[str, str]:
        """The fixed address of each named host of the project ('' when it has none)."""
        ...

    def volume_id(self, name: str) -> str | None:
        """The id of the project's volume of that name; None when it has none."""
        ...

    def edge_router_id(self, site: str) -> str | None:
        """The id of the site's edge router in this project (None when it has none): another
        project that holds the same site names its router alike."""
        ...

    def router_routes(self, router_id: str) -> list[str] | None:
        """The destinations of the static routes the router holds now; None when it cannot be
        read (absent, or refused)."""
        ...

    def subnet_routes(self, subnet_id: str) -> list[str] | None:
        """The destinations of the host routes the subnet hands out now; None when it cannot be
        read."""
        ...

    def caller(self) -> Caller:
        """Who the connection is: the ids the cloud gave its user and project."""
        ...

    def reasons_in_error(self, name_prefix: str) -> list[CloudReason]:
        """The project's volumes and servers named `name_prefix...` that are in error, with what
        the cloud tells the project about each (hubctl.diagnosis)."""
        ...


@dataclass(frozen=True)
class StoredObject:
    """One object of a container, as a listing gives it."""

    name: str
    etag: str
    size: int
    modified: str  # the store's own stamp, parsed by whoever compares it


class ObjectStore(Protocol):
    """A project's object store, read with the caller's credentials. What is absent (a
    container, an object) is None, never an SDK's exception: the datasets, their escrow and the
    drill's replication tell an absent container from a failing store this way."""

    def read(self, container: str, name: str) -> bytes | None:
        """The object's content; None when the container or the object does not exist."""
        ...

    def listing(self, container: str, prefix: str = "") -> list[StoredObject] | None:
        """The container's objects (those whose name starts with `prefix`); None when the
        container does not exist."""
        ...

    def container_metadata(self, container: str) -> dict[str, str] | None:
        """The container's metadata, keys lower-cased; None when it does not exist."""
        ...

    def endpoint(self) -> str:
        """The store's URL in the connection's region; '' when the region has no object store
        (or its catalogue does not answer): then nothing of it can be read this way."""
        ...

    def write(self, container: str, name: str, data: bytes) -> None:
        """Store `data` as the object (replacing it); the client's error when the store refuses."""
        ...

    def set_metadata(self, container: str, values: Mapping[str, str]) -> None:
        """Set these metadata keys on the container, leaving its other keys as they are."""
        ...

    def put_with_metadata(
        self,
        container: str,
        name: str,
        body: bytes,
        metadata: Mapping[str, str],
        *,
        only_if_absent: bool = False,
    ) -> int:
        """Store the object with metadata of its own (a sealed object's wrapped key travels
        there); the store's HTTP status, whatever it is: 201 stored, 412 when `only_if_absent`
        and the name is taken."""
        ...

    def get_with_metadata(self, container: str, name: str) -> tuple[bytes, dict[str, str]]:
        """The object's body and its own metadata (keys lower-cased); HttpStatusError with the
        store's status when it does not give them."""
        ...

    def s3_credentials(self) -> tuple[str, str]:
        """The caller's S3 access and secret keys for its own project's store (the identity
        service keeps them), made the first time they are asked for."""
        ...

    def versions(self, container: str, prefix: str = "") -> list[ObjectVersion]:
        """Every version the store keeps of the container's objects whose name starts with
        `prefix`, the current ones included; none when the container does not exist."""
        ...

    def delete_version(self, container: str, version: ObjectVersion) -> None:
        """Delete that one version of an object (the object itself when it has no version id)."""
        ...


@dataclass(frozen=True)
class ObjectVersion:
    name: str
    version_id: str  # '' when the store keeps no versions of the container


@dataclass(frozen=True)
class StoredSecret:
    """A key manager's secret as its listing gives it: never its payload."""

    id: str
    ref: str  # the full reference an order or a stack's output gives
    name: str
    status: str  # ACTIVE when usable
    created: str  # the key manager's own stamp, parsed by whoever compares it


class KeyManager(Protocol):
    """A project's key manager, with the caller's credentials. A secret's bytes are fetched for
    one operation and never kept. Deletions and checks answer the service's HTTP status (404:
    gone), so that a record can say what the key manager said."""

    def payload(self, secret_id: str) -> bytes:
        """The secret's bytes; HttpStatusError with the status when the key manager does not
        give them (the secret was deleted, or these credentials may not use it)."""
        ...

    def secret(self, secret_id: str) -> StoredSecret:
        """One secret's record; the client's exception when it is absent or refused."""
        ...

    def secrets(self, name: str | None = None) -> list[StoredSecret]:
        """The project's secrets (those of exactly that name, when given)."""
        ...

    def generating_orders(self, secret_ids: set[str]) -> list[str]:
        """The ids of the orders that generated one of these secrets: an order keeps its
        secret's record alive after the secret's deletion. Those listed before the key manager
        stopped answering, when it does."""
        ...

    def delete_secret(self, secret_id: str) -> int: ...

    def delete_order(self, order_id: str) -> int: ...

    def secret_status(self, secret_id: str) -> int:
        """The status of a read of the secret's record: 404 once it is gone."""
        ...

    def order_status(self, order_id: str) -> int: ...


@dataclass(frozen=True)
class TokenHolder:
    """Who a token is, as the identity service says: not a name the caller typed."""

    user_id: str
    user: str
    project_id: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class StoreAnswer:
    """The object store's answer to one request: its HTTP status, and the body of a read."""

    status: int
    body: bytes = b""


class AccountStore(Protocol):
    """The object store as one token reaches it: its own project's containers and, where
    another project's container ACLs let it, that project's (`account`: the project's id).
    Every answer is the store's status: what the token may not do the store refuses (403), and
    that refusal is the rule, not hubctl's check of it."""

    def holder(self) -> TokenHolder: ...

    def put(
        self,
        container: str,
        name: str,
        data: bytes,
        *,
        account: str | None = None,
        only_if_absent: bool = False,
        content_type: str = "application/octet-stream",
    ) -> StoreAnswer:
        """Upload the object, which the store verifies against the data's checksum (a
        mismatch is refused); with `only_if_absent` a taken name is refused (412)."""
        ...

    def get(self, container: str, name: str, *, account: str | None = None) -> StoreAnswer: ...

    def delete(self, container: str, name: str, *, account: str | None = None) -> StoreAnswer: ...

    def names_after(
        self, container: str, prefix: str, after: str, *, account: str | None = None
    ) -> tuple[StoreAnswer, list[str]]:
        """One page of the names in the container that start with `prefix` and sort after
        `after` ('' from the first): the answer, and the page (empty once all were listed)."""
        ...


# What a check that something is gone observed: the HTTP status the cloud answered (for a
# listing, how many it listed), or why no answer came. Only a 404 (a listing: 0) says gone; 401,
# 403, 500 or a timeout say nothing of it.
Observed = int | str


class Remnants(Protocol):
    """What still answers of a closed workspace, asked with a scope that could see it (the
    workspace's own, before its project goes; the operator's for the site's project and the
    identities). Each answer is an `Observed`, never the client's exception."""

    def container(self, name: str) -> Observed: ...

    def server(self, server_id: str) -> Observed: ...

    def servers_listed(self) -> Observed:
        """How many servers the project lists, or why it listed none."""
        ...

    def volume(self, volume_id: str) -> Observed: ...

    def network(self, network_id: str) -> Observed: ...

    def secret(self, secret_id: str) -> Observed: ...

    def secret_payload(self, secret_id: str) -> Observed: ...

    def identities_listed(self, collection: str, name: str) -> Observed:
        """How many `collection` entries ("projects", "users") the identity service lists
        under `name` (a listing reads the database: a lookup by id may be answered from a
        cache for a while after a deletion), or why it listed none ("HTTP 403"...)."""
        ...


@dataclass(frozen=True)
class Host:
    """A server of the site, as the wait for the hosts' first boot sees it."""

    id: str
    name: str
    # The cloud's status word. The host wait speaks Nova's (ACTIVE, BUILD, SHUTOFF, ERROR,
    # SUSPENDED, PAUSED, SHELVED, SHELVED_OFFLOADED, SOFT_DELETED): another cloud's
    # implementation gives the nearest of them.
    status: str
    fault: str = ""  # what the cloud says of a host in ERROR


class Hosts(Protocol):
    """A project's servers, read and started with the caller's credentials."""

    def find(self, name: str) -> Host | None:
        """The server of that exact name; None when the project has none."""
        ...

    def start(self, host: Host) -> None:
        """Start a stopped server (the call returns before it runs)."""
        ...

    def console(self, host: Host) -> str | None:
        """The server's console log; None when the cloud has none for it (its guest does not
        run), never the client's exception."""
        ...


@dataclass(frozen=True)
class ReadBack:
    """A resource a drill reads back by its id: its name and the cloud's status word (a
    network's or a secret's: ACTIVE when usable)."""

    name: str
    status: str


@dataclass(frozen=True)
class SubnetReadBack:
    name: str
    cidr: str


@dataclass(frozen=True)
class GroupReadBack:
    name: str
    rules: int


@dataclass(frozen=True)
class BundleReadBack:
    """A key manager's bundle of secrets (a TLS container): the names of its members."""

    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class VolumeReadBack:
    name: str
    volume_type: str
    encrypted: bool


class RebuiltSite(Protocol):
    """What a drill reads of a rebuilt site to check it, with the DR site's own credentials.
    A resource the cloud does not have, or refuses, raises the client's exception: the check
    records it as failed, with the error."""

    def network(self, network_id: str) -> ReadBack: ...

    def subnet(self, subnet_id: str) -> SubnetReadBack: ...

    def security_group(self, group_id: str) -> GroupReadBack: ...

    def secret(self, ref: str) -> ReadBack:
        """A key manager's secret, by the reference a stack's output gives."""
        ...

    def secret_bundle(self, ref: str) -> BundleReadBack:
        """A bundle of secrets, by the reference a stack's output gives."""
        ...

    def container_acls(self, name: str) -> list[str]:
        """The object container's read and write ACLs that are set (none for a private one)."""
        ...

    def server_statuses(self) -> dict[str, str]:
        """Every server of the project, by name: the cloud's status word (ACTIVE: running)."""
        ...

    def volumes(self, name_prefix: str) -> list[VolumeReadBack]:
        """The project's volumes whose name starts with `name_prefix`."""
        ...

    def encrypted_volume_types(self) -> set[str]:
        """The names of the volume types whose volumes are encrypted."""
        ...


class Fault(StrEnum):
    """What kind of failure a call to the cloud met (hubctl.cloud.fault_of tells them apart):
    the audit records each as a gap of its own kind."""

    ABSENT = "absent"  # the cloud's catalogue has no endpoint for the service
    TIMEOUT = "timeout"  # no answer in time
    UNREACHABLE = "unreachable"  # no connection, or the endpoint did not answer
    FORBIDDEN = "forbidden"  # HTTP 403
    NOT_FOUND = "not found"  # HTTP 404
    ERROR = "error"  # any other answer in error


class CloudAuthError(Exception):
    """The credentials named could not be used: a configuration the cloud's client refuses,
    or a token it could not get."""


class HttpStatusError(Exception):
    """A raw request the cloud answered in error, with the answer's HTTP status."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code
