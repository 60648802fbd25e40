"""The drill's dataset phase: keys back from the DR region, every replicated object decrypted
and checked against its manifest, then re-sealed under the rebuilt site's own dataset key.

Runs with the primary project's credentials in the replica region (where the replicas, the
escrow container and the escrow KEK live) and the DR site's credentials in its own region; the
primary region is never reached. Each dataset gets three timed spans (key recovery, decryption
and verification, re-sealing) and a list of what could not be brought back, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from hubctl.datasets.escrow import EscrowError, read_record
from hubctl.datasets.manifest import RESERVED_PREFIX
from hubctl.datasets.recovery import CustodianKey, Method, escrowed_key_ids, recover_key
from hubctl.datasets.store import DatasetError, DatasetStore, KeyRing
from hubctl.drill import replication
from hubctl.drill.model import DatasetRecovery, LostObject, Span
from hubctl.envelope import EnvelopeError
from infra.config import HubConfig
from infra.layers.storage import container_names, escrow_container_name

FAULTS = (DatasetError, EnvelopeError, EscrowError, ValueError)


def dataset_of(purpose: str) -> str | None:
    return purpose.removeprefix("dataset-") if purpose.startswith("dataset-") else None


def recover_datasets(
    replica: Any,
    target: Any,
    source: HubConfig,
    target_site: str,
    target_containers: dict[str, str],
    *,
    method: Method,
    custodian_keys: tuple[CustodianKey, ...],
    clock: Callable[[], float],
    t0: float,
    started_at: datetime,
    observation: replication.PrimaryObservation | None,
) -> list[DatasetRecovery]:
    return [
        _recover(
            replica,
            target,
            source,
            target_site,
            dataset,
            target_containers.get(f"dataset-{dataset}"),
            method,
            custodian_keys,
            clock,
            t0,
            started_at,
            observation,
        )
        for dataset in source.datasets
    ]


def _recover(
    replica: Any,
    target: Any,
    source: HubConfig,
    target_site: str,
    dataset: str,
    destination: str | None,
    method: Method,
    custodian_keys: tuple[CustodianKey, ...],
    clock: Callable[[], float],
    t0: float,
    started_at: datetime,
    observation: replication.PrimaryObservation | None,
) -> DatasetRecovery:
    primary_container = container_names(source)[f"dataset-{dataset}"]
    replica_container = f"{primary_container}-replica"
    escrow = escrow_container_name(source)

    # ---- key recovery
    start = clock()
    ring = KeyRing(None)
    problems: list[str] = []
    names: dict[str, str] = {}
    try:
        idents = escrowed_key_ids(replica, escrow, dataset)
    except Exception as error:  # no escrow container reachable: every key is lost
        idents = []
        problems.append(f"{escrow}: escrow not readable ({type(error).__name__}: {error})")
    for ident in idents:
        try:
            record = read_record(replica, escrow, dataset, ident)
            names[ident] = (record.key_name if record else None) or ident
            ring.keys[ident] = recover_key(
                replica, escrow, source.site, dataset, ident, method, custodian_keys
            )
        except FAULTS as error:
            problems.append(str(error))
    recovery = Span(start=start - t0, end=clock() - t0)

    # ---- decryption and verification
    start = clock()
    store = DatasetStore(replica, source.site, dataset, replica_container, ring)
    lost: list[LostObject] = []
    verified: dict[str, bytes] = {}
    data_names = [n for n in _names(store, lost) if not n.startswith(RESERVED_PREFIX)]
    manifest = None
    try:
        manifest = store.manifest()
    except FAULTS as error:
        lost.append(LostObject(name=f"{replica_container}/.hub/manifests", reason=str(error)))
    decrypted = 0
    for name in data_names:
        if manifest is None:
            lost.append(LostObject(name=name, reason="no readable manifest to verify it against"))
            continue
        if name not in manifest.objects:
            lost.append(
                LostObject(
                    name=name,
                    reason=f"not in the newest replicated manifest v{manifest.version}: "
                    "it cannot be verified",
                )
            )
            continue
        try:
            data = store.open_object(name)
        except FAULTS as error:
            lost.append(LostObject(name=name, reason=str(error)))
            continue
        decrypted += 1
        try:
            store.check(name, data, manifest)
        except FAULTS as error:
            lost.append(LostObject(name=name, reason=str(error)))
            continue
        verified[name] = data
    if manifest is not None:
        for name in sorted(set(manifest.objects) - set(data_names)):
            lost.append(
                LostObject(
                    name=name,
                    reason=f"listed in manifest v{manifest.version} but never replicated",
                    unreplicated=True,
                )
            )
    decrypt_verify = Span(start=start - t0, end=clock() - t0)

    # ---- re-sealing under the rebuilt site's key
    start = clock()
    restored = 0
    if destination is None:
        problems.append(f"the DR site {target_site} declares no container for {dataset}")
    elif verified:
        try:
            target_store = DatasetStore(target, target_site, dataset, destination, KeyRing(target))
            target_store.load(sorted(verified.items()))
            restored = len(verified)
        except FAULTS as error:
            problems.append(f"{destination}: re-sealing failed: {error}")
    reseal = Span(start=start - t0, end=clock() - t0)

    rpo, newest, unescrowed = _rpo(
        source, dataset, primary_container, names, started_at, observation
    )
    if observation is None:
        rpo = _since_last_sync(replica, replica_container, started_at)
    return DatasetRecovery(
        dataset=dataset,
        source=replica_container,
        target=destination,
        key_method=method,
        keys_recovered=sorted(ring.keys),
        key_problems=problems,
        manifest_version=manifest.version if manifest else None,
        objects=len(data_names),
        decrypted=decrypted,
        verified=len(verified),
        restored=restored,
        bytes=sum(len(d) for d in verified.values()),
        lost=lost,
        rpo_seconds=rpo,
        newest_unreplicated_object=newest,
        unescrowed_keys=unescrowed,
        recovery=recovery,
        decrypt_verify=decrypt_verify,
        reseal=reseal,
    )


def _since_last_sync(replica: Any, container: str, started_at: datetime) -> float | None:
    """Without a look at the primary (it was already lost), the dataset's RPO is bounded by
    the age of its replica's last replication pass, as in a real disaster."""
    try:
        synced = replication.last_sync(
            replica, [replication.ReplicaPair("dataset", container, container)]
        )
    except Exception:  # an unreadable stamp: the RPO is unknown
        return None
    return None if synced is None else (started_at - synced).total_seconds()


def _names(store: DatasetStore, lost: list[LostObject]) -> list[str]:
    try:
        return store.names()
    except FAULTS as error:
        lost.append(LostObject(name=store.container, reason=str(error)))
        return []


def _rpo(
    source: HubConfig,
    dataset: str,
    primary_container: str,
    escrowed_names: dict[str, str],
    started_at: datetime,
    observation: replication.PrimaryObservation | None,
) -> tuple[float | None, str | None, list[str]]:
    """From the read-only look at the primary just before the loss: the oldest object of the
    dataset not in its replica and the dataset's keys with no escrow record. None without it."""
    if observation is None:
        return None, None, []
    pair = replication.ReplicaPair(
        f"dataset-{dataset}", primary_container, f"{primary_container}-replica"
    )
    missing = [
        obj
        for _, obj in replication.unreplicated(observation, [pair])
        if not obj.name.startswith(RESERVED_PREFIX)
    ]
    base = f"hub-{source.site}-key-{dataset}"
    escrowed = set(escrowed_names.values())
    unescrowed = {
        name: created
        for name, created in observation.keys.items()
        if (name == base or name.startswith(f"{base}-g")) and name not in escrowed
    }
    moments = [obj.modified for obj in missing] + list(unescrowed.values())
    oldest = min(moments, default=None)
    newest = max(missing, key=lambda obj: obj.modified, default=None)
    return (
        (started_at - oldest).total_seconds() if oldest else 0.0,
        newest.name if newest else None,
        sorted(unescrowed),
    )
