"""Object replication to the DR region, and the drill's restore from it.

`replicate` is the job that fills the storage layer's replica containers: it copies every object
of a replicated container (datasets, audit logs, backups) that is missing or different in its
twin `<name>-replica` in the site's replica region. It stands in for Swift container-sync, which
the local cloud does not run: a scheduled `hubctl replicate` is what keeps the replicas current,
and the time of its last pass is stamped on each replica container (X-Container-Meta-Hub-Last-
Sync). Deletions are not propagated, on purpose: a replica must survive a mistaken delete.

`restore` copies the replicas into the rebuilt DR site's containers and checks every object's
ETag (MD5 of the content) against the replica's. Objects travel through memory; a site with
objects of many GB would use Swift's server-side copy or segmented uploads instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hubcore.metadata import LAST_SYNC_KEY
from hubctl.cloud import key_manager_of, object_store_of
from hubctl.cloud.api import Connection
from hubctl.drill.model import RestoredContainer
from infra.config import HubConfig
from infra.layers.storage import REPLICATED, container_names


@dataclass(frozen=True)
class ReplicaPair:
    purpose: str
    primary: str
    replica: str


@dataclass(frozen=True)
class ObjectInfo:
    name: str
    etag: str
    size: int
    modified: datetime


def replica_pairs(config: HubConfig) -> list[ReplicaPair]:
    """The containers the storage layer replicates, named exactly as it names them."""
    return [
        ReplicaPair(purpose, name, f"{name}-replica")
        for purpose, name in container_names(config).items()
        if purpose.startswith(REPLICATED)
    ]


def parse_swift_time(text: str) -> datetime:
    """Swift listings give UTC without an offset (2026-11-29T01:02:03.456789)."""
    moment = datetime.fromisoformat(text.removesuffix("Z"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def list_objects(conn: Connection, container: str) -> dict[str, ObjectInfo]:
    """Every object of a container by name; an absent container lists as empty."""
    listing = object_store_of(conn).listing(container) or []
    return {
        obj.name: ObjectInfo(
            name=obj.name,
            etag=obj.etag,
            size=obj.size,
            modified=parse_swift_time(obj.modified),
        )
        for obj in listing
    }


def missing_or_different(
    source: dict[str, ObjectInfo], copy: dict[str, ObjectInfo]
) -> list[ObjectInfo]:
    return [
        obj
        for name, obj in sorted(source.items())
        if name not in copy or copy[name].etag != obj.etag
    ]


def copy_object(source: Any, container: str, target: Any, destination: str, name: str) -> None:
    """Copy one object with its metadata: a sealed object's wrapped data key and key reference
    travel in X-Object-Meta-*, and a copy without them could never be opened."""
    from hubctl.envelope import get_sealed

    body, metadata = get_sealed(source, container, name)
    status = object_store_of(target).put_with_metadata(destination, name, body, metadata)
    if status not in (200, 201):
        raise RuntimeError(f"{destination}/{name}: copy refused (HTTP {status})")


@dataclass(frozen=True)
class ReplicationPass:
    pair: ReplicaPair
    copied: int
    up_to_date: int
    synced_at: datetime


def replicate(primary: Any, replica: Any, config: HubConfig) -> list[ReplicationPass]:
    """One replication pass primary → replica for every replicated container of the site."""
    passes = []
    for pair in replica_pairs(config):
        started = datetime.now(UTC)
        source = list_objects(primary, pair.primary)
        todo = missing_or_different(source, list_objects(replica, pair.replica))
        for obj in todo:
            copy_object(primary, pair.primary, replica, pair.replica, obj.name)
        # The stamp is the pass's start: anything written after it may not be in the replica.
        object_store_of(replica).set_metadata(pair.replica, {LAST_SYNC_KEY: started.isoformat()})
        passes.append(ReplicationPass(pair, len(todo), len(source) - len(todo), started))
    return passes


def last_sync(replica: Any, pairs: list[ReplicaPair]) -> datetime | None:
    """The oldest last-sync stamp across the replicas: the whole site is at least this fresh."""
    store = object_store_of(replica)
    stamps: list[datetime] = []
    for pair in pairs:
        meta = store.container_metadata(pair.replica)
        if meta is None:
            return None
        value = meta.get(LAST_SYNC_KEY)
        if value is None:
            return None
        stamps.append(datetime.fromisoformat(value))
    return min(stamps) if stamps else None


Clock = Callable[[], float]


def restore(
    replica: Any,
    target: Any,
    pairs: list[ReplicaPair],
    target_containers: dict[str, str],
    clock: Clock,
) -> list[RestoredContainer]:
    """Copy each replica into the rebuilt site's container of the same purpose, then verify."""
    restored = []
    for pair in pairs:
        start = clock()
        destination = target_containers.get(pair.purpose)
        source = list_objects(replica, pair.replica)
        if destination is None:
            restored.append(
                RestoredContainer(
                    purpose=pair.purpose,
                    source=pair.replica,
                    target=None,
                    objects=len(source),
                    bytes=sum(o.size for o in source.values()),
                    verified=0,
                    start=start,
                    end=clock(),
                    problem="the DR site declares no container for this purpose",
                )
            )
            continue
        todo = missing_or_different(source, list_objects(target, destination))
        for obj in todo:
            copy_object(replica, pair.replica, target, destination, obj.name)
        landed = list_objects(target, destination)
        verified = sum(
            1 for name, obj in source.items() if name in landed and landed[name].etag == obj.etag
        )
        restored.append(
            RestoredContainer(
                purpose=pair.purpose,
                source=pair.replica,
                target=destination,
                objects=len(source),
                bytes=sum(o.size for o in source.values()),
                verified=verified,
                start=start,
                end=clock(),
                problem=None
                if verified == len(source)
                else f"{len(source) - verified} object(s) differ from the replica after the copy",
            )
        )
    return restored


@dataclass(frozen=True)
class PrimaryObservation:
    """What the primary held just before the simulated loss (read-only listings)."""

    objects: dict[str, dict[str, ObjectInfo]]  # container → objects
    replicas: dict[str, dict[str, ObjectInfo]]  # replica container → objects
    keys: dict[str, datetime]  # dataset key name → created


def observe(primary: Any, replica: Any, config: HubConfig) -> PrimaryObservation:
    pairs = replica_pairs(config)
    keys: dict[str, datetime] = {}
    prefix = f"hub-{config.site}-key-"
    for secret in key_manager_of(primary).secrets():
        if secret.name.startswith(prefix) and secret.created:
            keys[secret.name] = parse_swift_time(secret.created)
    return PrimaryObservation(
        objects={p.primary: list_objects(primary, p.primary) for p in pairs},
        replicas={p.replica: list_objects(replica, p.replica) for p in pairs},
        keys=keys,
    )


def unreplicated(
    observation: PrimaryObservation, pairs: list[ReplicaPair]
) -> list[tuple[str, ObjectInfo]]:
    """(container, object) of every primary object its replica lacks or holds another version of."""
    return [
        (pair.primary, obj)
        for pair in pairs
        for obj in missing_or_different(
            observation.objects.get(pair.primary, {}), observation.replicas.get(pair.replica, {})
        )
    ]
