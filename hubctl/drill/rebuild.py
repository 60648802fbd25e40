"""The rebuild: the DR site's layers up through the engine, and the restore from the replicas
(plain containers copied and checked, datasets recovered and re-sealed), overlapping compute in
the parallel plan.
"""

from __future__ import annotations

import threading

from hubcore.stacks import Layer
from hubctl.deploy import POLICY_PACK, LayerRun, SiteDeployer
from hubctl.drill import replication
from hubctl.drill.cloud import output_containers
from hubctl.drill.context import Drill, Records
from hubctl.drill.datasets import dataset_of, recover_datasets
from hubctl.drill.loss import Loss
from hubctl.drill.model import DatasetRecovery, RestoredContainer
from hubctl.drill.start import Start
from hubctl.drill.timing import EventRecorder


def rebuild(
    drill: Drill, start: Start, loss: Loss, records: Records, recorder: EventRecorder
) -> None:
    restore_thread: threading.Thread | None = None

    def listener(run: LayerRun) -> None:
        nonlocal restore_thread
        records.runs[run.layer] = run
        drill.progress.layer(run)
        # Restoring needs only the storage layer: in the parallel plan it overlaps compute.
        if (
            drill.plan.parallel
            and run.layer is Layer.STORAGE
            and run.status == "done"
            and restore_thread is None
        ):
            restore_thread = threading.Thread(
                target=restore_from_replicas, args=(drill, start, loss, records, run), daemon=True
            )
            restore_thread.start()

    deployer = SiteDeployer(
        site=drill.target.site,
        log_dir=drill.report_dir / "logs",
        parallel=drill.plan.parallel,
        policy_pack=POLICY_PACK if (POLICY_PACK / "PulumiPolicy.yaml").exists() else None,
        env=start.env,
        listener=listener,
        on_event=recorder,
    )
    drill.progress.phase("rebuild", "running")
    try:
        for run in deployer.run("up"):
            records.runs[run.layer] = run
    finally:
        if restore_thread is not None:
            restore_thread.join()
    rebuilt = all(run.status == "done" for run in records.runs.values())
    drill.progress.phase("rebuild", "done" if rebuilt else "failed")
    storage = records.runs.get(Layer.STORAGE)
    if restore_thread is None and storage is not None and storage.status == "done":
        restore_from_replicas(drill, start, loss, records, storage)


def restore_from_replicas(
    drill: Drill, start: Start, loss: Loss, records: Records, storage: LayerRun
) -> None:
    replica, target, pairs = start.replica_cloud, start.target_cloud, start.pairs
    drill.progress.phase("restore", "running", f"from {replica.describe()}")
    begun = drill.clock()
    records.restore_span[:] = [begun]
    containers = output_containers(storage)
    plain = [pair for pair in pairs if dataset_of(pair.purpose) is None]
    try:
        replica_conn, target_conn = replica.connect(), target.connect()
        records.restored = replication.restore(
            replica_conn, target_conn, plain, containers, drill.clock
        )
        drill.progress.phase("restore", "running", f"datasets: keys from {drill.key_method}")
        records.datasets = recover_datasets(
            replica_conn,
            target_conn,
            drill.source,
            drill.target.site,
            containers,
            method=drill.key_method,
            custodian_keys=drill.custodian_keys,
            clock=drill.clock,
            t0=loss.t0,
            started_at=loss.started_at,
            observation=loss.observation,
        )
        records.restored += [as_restored(item, loss.t0) for item in records.datasets]
    except Exception as error:  # runs in its own thread: record it, the drill fails
        records.restore_error = f"{type(error).__name__}: {error}"
        drill.progress.phase("restore", "failed", records.restore_error)
        return
    finally:
        records.restore_span.append(drill.clock())
    copied = sum(c.verified for c in records.restored)
    drill.progress.phase("restore", "done", f"{copied} objects verified")


def as_restored(item: DatasetRecovery, t0: float) -> RestoredContainer:
    """A dataset as a restored container: verified means decrypted, checked against the
    manifest and re-sealed under the DR site's key."""
    spans = [s for s in (item.recovery, item.decrypt_verify, item.reseal) if s is not None]
    lost = [x for x in item.lost if not x.unreplicated]
    problems = [*item.key_problems, *(f"{x.name}: {x.reason}" for x in lost)]
    return RestoredContainer(
        purpose=f"dataset-{item.dataset}",
        source=item.source,
        target=item.target,
        objects=item.objects,
        bytes=item.bytes,
        verified=item.restored,
        start=t0 + min((s.start for s in spans), default=0.0),
        end=t0 + max((s.end for s in spans), default=0.0),
        problem="; ".join(problems) or None,
    )
