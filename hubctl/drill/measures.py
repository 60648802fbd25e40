"""The drill's measures: pure functions of the run's records (no cloud, no engine).

RTO per layer and in total, RPO from what the primary held before the simulated loss, and what
no drill can restore, from the design of the layers.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from hubctl.deploy import LayerRun
from hubctl.drill import replication
from hubctl.drill.model import (
    LayerReport,
    NotRestored,
    PhaseSpan,
    RestoreReport,
    RpoReport,
    RtoReport,
)
from hubctl.drill.timing import cloud_wait
from infra.config import HubConfig
from infra.kinds import LAYER_DEPENDENCIES

# The span of the rebuilt hosts' first boot; the others are their verifications.
BOOT_SPAN = "hosts' first boot"


def layer_report(
    run: LayerRun,
    t0: float,
    steps: list[Any],
    events_log: Path | None,
    base: Path,
    engine_changes: dict[str, int] | None = None,
    engine_seconds: int | None = None,
) -> LayerReport:
    """A layer's record; a failed update's change counts come from the engine's summary."""
    start = None if run.started is None else run.started - t0
    end = None if run.finished is None else run.finished - t0
    seconds = run.seconds
    waited = cloud_wait(steps)
    return LayerReport(
        stack=run.stack,
        layer=run.layer.value,
        status=run.status,
        waited_for=[d.value for d in LAYER_DEPENDENCIES[run.layer]],
        start=start,
        end=end,
        seconds=seconds,
        engine_seconds=engine_seconds,
        changes=dict(run.changes or engine_changes or {}),
        cloud_wait_seconds=waited,
        tool_seconds=max((seconds or 0.0) - waited, 0.0),
        steps=steps,
        log=_relative(run.log, base),
        events_log=_relative(events_log, base) if events_log and events_log.exists() else None,
        error=run.error,
    )


def _relative(path: Path | None, base: Path) -> str | None:
    if path is None:
        return None
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def rto_report(
    layers: list[LayerReport], restore: RestoreReport, spans: list[PhaseSpan] | None = None
) -> RtoReport:
    """Rebuild ends when the last layer ends; the RTO ends when the restore, the hosts' first
    boot and their verification have ended, whichever is last."""
    rebuild = max((layer.end for layer in layers if layer.end is not None), default=0.0)
    restore_seconds = (
        restore.end - restore.start
        if restore.start is not None and restore.end is not None
        else 0.0
    )
    spans = spans or []
    total = max(rebuild, restore.end or 0.0, *(span.end for span in spans))
    boot = [s.seconds for s in spans if s.name == BOOT_SPAN]
    checks = [s.seconds for s in spans if s.name != BOOT_SPAN]
    return RtoReport(
        total_seconds=total,
        rebuild_seconds=rebuild,
        restore_seconds=restore_seconds,
        boot_seconds=sum(boot) if boot else None,
        verification_seconds=sum(checks) if checks else None,
        per_layer_seconds={layer.layer: layer.seconds for layer in layers},
        cloud_wait_seconds=sum(layer.cloud_wait_seconds for layer in layers),
        tool_seconds=sum(layer.tool_seconds for layer in layers),
    )


def rpo_report(
    observation: replication.PrimaryObservation | None,
    pairs: list[replication.ReplicaPair],
    t0: datetime,
    synced: datetime | None,
    unobserved_because: str = "",
    unescrowed_keys: set[str] | None = None,
) -> RpoReport:
    """`unescrowed_keys`: when the site escrows its keys, the names of those the DR region
    lacks (only they count for the RPO); None: no key is recoverable, every key counts."""
    since = (t0 - synced).total_seconds() if synced is not None else None
    if observation is None:
        return RpoReport(
            objects_seconds=since,
            keys_seconds=None,
            overall_seconds=since,
            newest_unreplicated_object=None,
            newest_unreplicated_key=None,
            unreplicated_objects=0,
            last_sync=synced,
            since_last_sync_seconds=since,
            method=(
                "the primary was not read ("
                + (unobserved_because or "unreachable")
                + "): the RPO is bounded by the time since the last replication pass, "
                "as it would be in a real disaster"
            ),
        )
    missing = replication.unreplicated(observation, pairs)
    newest = max(missing, key=lambda item: item[1].modified, default=None)
    objects_seconds = (t0 - newest[1].modified).total_seconds() if newest else 0.0
    counted = {
        name: created
        for name, created in observation.keys.items()
        if unescrowed_keys is None or name in unescrowed_keys
    }
    key = max(counted.items(), key=lambda item: item[1], default=None)
    keys_seconds = (t0 - key[1]).total_seconds() if key else None
    values = [v for v in (objects_seconds, keys_seconds) if v is not None]
    return RpoReport(
        objects_seconds=objects_seconds,
        keys_seconds=keys_seconds,
        overall_seconds=max(values) if values else None,
        newest_unreplicated_object=f"{newest[0]}/{newest[1].name}" if newest else None,
        newest_unreplicated_key=key[0] if key else None,
        unreplicated_objects=len(missing),
        last_sync=synced,
        since_last_sync_seconds=since,
        method=(
            "just before the simulated loss the drill listed, read-only, the primary's "
            "replicated containers and their replicas (by name and ETag) and the primary's "
            "dataset keys; ages are measured at that moment (t0). In a real disaster only the "
            "time since the last replication pass is known."
        ),
    )


def not_restorable(source: HubConfig, target: HubConfig, missing_objects: int) -> list[NotRestored]:
    """What no drill can bring back, from the design of the layers (not from this run)."""
    ways = [
        way
        for way, on in (
            (f"escrow under a KEK of {source.replica_region}'s Barbican", source.key_escrow),
            ("shares held by custodians", source.key_custodians is not None),
        )
        if on
    ]
    keys = NotRestored(
        item="dataset keys (as Barbican secrets)",
        reason=(
            f"each is a Barbican order in {source.region_name}; the drill recovers its material "
            f"in the DR region from {' and '.join(ways)} to decrypt the replicas, then re-seals "
            f"every object under the DR site's own new keys in {target.region_name}"
            if ways
            else f"each is a Barbican order in {source.region_name} whose material never leaves "
            "that region's Barbican, and the site declares neither hub:keyEscrow nor "
            "hub:keyCustodians: data encrypted under these keys cannot be decrypted in the DR "
            "region"
        ),
    )
    items = [
        keys,
        NotRestored(
            item="internal CA, service certificates, admin SSH key",
            reason=(
                "re-issued, not restored: their private keys live in the primary region's "
                "Barbican and the primary's Pulumi state, both lost in the scenario. Clients "
                "must trust the DR site's CA (its certificate is a kms stack output)."
            ),
        ),
        NotRestored(
            item="block volumes (boot and data)",
            reason=(
                "rebuilt empty: volumes are not replicated by the code; a data host's content "
                "comes back only from what was written to the backups container."
            ),
        ),
        NotRestored(
            item="Pulumi state of the primary",
            reason=(
                "not replicated on purpose (the storage layer leaves it out): the DR site is "
                "rebuilt from code, into its own stacks."
            ),
        ),
    ]
    if missing_objects:
        items.append(
            NotRestored(
                item=f"{missing_objects} object(s) written after the last replication pass",
                reason="they were never copied to the DR region (see RPO)",
            )
        )
    return items
