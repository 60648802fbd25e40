"""The drill: refuse what is unsafe, rebuild the DR site from empty, restore, verify, measure,
report, clean up.

Safety, in the order it is enforced:
  - plan.prepare refuses a production target, a target that is not the site's declared DR site,
    and a target in the site's own region, before anything runs;
  - every write goes to the target site: its stacks (`<target>-<layer>`), its project and region
    (cloud.site_cloud), its containers. The primary is only ever *read*, and only to measure the
    RPO just before the simulated loss, and never when it is a production site;
  - state-loss rebuilds into a fresh backend the drill creates and checks is empty;
  - unless --keep, everything the drill built is destroyed at the end, pass or fail;
  - Ctrl-C stops the engine (it finishes the resource operations in flight), the report lists
    what exists, and the journal lets the next run converge the same stacks instead of
    duplicating them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from pulumi import automation as auto

from hubcore.stackfiles import REPO_ROOT
from hubcore.stacks import Layer
from hubctl.backend import OVERRIDE as BACKEND_OVERRIDE
from hubctl.backend import BackendError, choose_backend
from hubctl.datasets.recovery import CustodianKey, Method
from hubctl.deploy import (
    LAYERS,
    POLICY_PACK,
    LayerRun,
    SiteDeployer,
    delete_order_secrets,
    select_stack,
    stack_name,
)
from hubctl.drill import replication, verify
from hubctl.drill.cloud import (
    SiteCloud,
    empty_container,
    output_containers,
    shared_endpoints,
    site_cloud,
)
from hubctl.drill.datasets import dataset_of, recover_datasets
from hubctl.drill.journal import RESUMABLE, Journal, describe_backend, state_dir
from hubctl.drill.measures import (
    BOOT_SPAN,
    layer_report,
    not_restorable,
    rpo_report,
    rto_report,
)
from hubctl.drill.model import (
    Check,
    Cleanup,
    DatasetRecovery,
    DrillReport,
    LayerReport,
    NotRestored,
    Outcome,
    PhaseSpan,
    RestoredContainer,
    RestoreReport,
    Scenario,
)
from hubctl.drill.plan import DrillPlan, DrillRefused
from hubctl.drill.report import duration, write_report
from hubctl.drill.targets import judge_targets, primary_refused
from hubctl.drill.timing import EventRecorder
from hubctl.gitcommit import head_of
from hubctl.hosts import site as site_hosts
from hubctl.layers import HUB_LAYERS, Rebuilt
from hubctl.verify import site as host_checks
from infra.config import HubConfig

# Set by the local cloud's fence (scripts/local-cloud isolate REGION --at-loss): the file the
# drill writes the lost region's name to at t0.
REGION_LOSS_VAR = "HUB_REGION_LOSS"


# ---- what the phases share -----------------------------------------------------------------


class Progress(Protocol):
    def layer(self, run: LayerRun) -> None: ...

    def phase(self, name: str, status: str, detail: str = "") -> None: ...


class _Silent:
    def layer(self, run: LayerRun) -> None:
        return None

    def phase(self, name: str, status: str, detail: str = "") -> None:
        return None


@dataclass
class Drill:
    """A drill as asked: its plan, where it reports, its options, what it tells its progress to
    and the clock it measures with."""

    plan: DrillPlan
    report_dir: Path
    keep: bool = False
    progress: Progress = field(default_factory=_Silent)
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Callable[[], float] = time.monotonic
    # How dataset keys come back in the DR region, and the custodians who present their keys.
    key_method: Method = "escrow"
    custodian_keys: tuple[CustodianKey, ...] = ()
    # Targets for this run (None: the protected site's hub:rtoTarget / hub:rpoTarget).
    rto_target: float | None = None
    rpo_target: float | None = None
    # Wait for the rebuilt hosts' first boot, then run the host suite and the flow probes on
    # them (each a span of the RTO); off on a cloud whose compute runs no guest.
    hosts: bool = True
    boot_timeout_s: float = 1800.0

    @property
    def source(self) -> HubConfig:
        return self.plan.site

    @property
    def target(self) -> HubConfig:
        return self.plan.target


@dataclass
class Records:
    """What the drill has done, filled as it goes (the restore from its own thread), so an
    interruption can still report everything known."""

    runs: dict[Layer, LayerRun] = field(default_factory=dict)
    restored: list[RestoredContainer] = field(default_factory=list)
    restore_span: list[float] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    not_verified: list[NotRestored] = field(default_factory=list)
    spans: list[PhaseSpan] = field(default_factory=list)
    restore_error: str | None = None
    verified: bool = False
    datasets: list[DatasetRecovery] = field(default_factory=list)


@dataclass(frozen=True)
class Ending:
    """How the rebuild and its checks ended: passed, or why not, and when."""

    outcome: Outcome
    failure: str | None
    finished_at: datetime


# ---- set-up ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """Where the drill rebuilds, decided before anything is built: the journal that says it is
    running, the backend, the three clouds, the engine's environment, the replicated pairs."""

    journal: Journal
    drill_id: str
    backend: str
    resumed: bool
    source_cloud: SiteCloud
    target_cloud: SiteCloud
    replica_cloud: SiteCloud
    env: dict[str, str]
    pairs: list[replication.ReplicaPair]


def begin(drill: Drill) -> Start:
    """The backend and clouds of the rebuild; refuses a target whose stacks hold resources no
    drill journal accounts for, then journals the drill as running."""
    journal = Journal.of(drill.target.site)
    backend, resumed = rebuild_backend(drill, journal)
    drill_id = f"{drill.target.site}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    source_cloud = site_cloud(drill.source.site, drill.source.region_name, drill.environ)
    target_cloud = site_cloud(drill.target.site, drill.target.region_name, drill.environ)
    replica_region = drill.source.replica_region or drill.target.region_name
    replica_cloud = source_cloud.in_region(replica_region)
    env = engine_env(target_cloud, backend)
    pairs = replication.replica_pairs(drill.source)
    existing = existing_resources(drill, env)
    if existing and not resumed:
        # Not made by a drill (no journal says so): perhaps a real failover. A drill would
        # converge it and then destroy it, so it never starts.
        raise DrillRefused(
            f"the stacks of {drill.target.site} in {describe_backend(backend)} already hold "
            f"{existing} resources that no drill journal accounts for (a real failover?); "
            "a drill only rebuilds a DR site from empty. If they are left-overs, remove "
            f"them with `hubctl down --site {drill.target.site}` first"
        )
    journal.save(
        drill_id=drill_id,
        site=drill.source.site,
        scenario=drill.plan.scenario.value,
        backend=backend,
        status="running",
        report_dir=str(drill.report_dir),
    )
    return Start(
        journal=journal,
        drill_id=drill_id,
        backend=backend,
        resumed=resumed,
        source_cloud=source_cloud,
        target_cloud=target_cloud,
        replica_cloud=replica_cloud,
        env=env,
        pairs=pairs,
    )


def rebuild_backend(drill: Drill, journal: Journal) -> tuple[str, bool]:
    """The backend URL to rebuild into, and whether a previous drill's stacks are reused."""
    resumable = journal.data.get("status") in RESUMABLE
    if resumable and journal.data.get("scenario") == drill.plan.scenario.value:
        return str(journal.data["backend"]), True
    if resumable:
        left = describe_backend(str(journal.data["backend"]))
        raise DrillRefused(
            f"a {journal.data.get('scenario')} drill of {drill.target.site} left its stacks "
            f"({journal.data.get('status')}) in {left}: run that scenario again to converge "
            "and clean them up, or remove them with "
            f"`HUB_STATE_BACKEND={journal.data['backend']} hubctl down --site "
            f"{drill.target.site}` and delete {journal.path}"
        )
    if drill.plan.scenario is Scenario.STATE_LOSS:
        fresh = state_dir() / f"{drill.target.site}-fresh-backend"
        if fresh.exists():
            shutil.rmtree(fresh)
        fresh.mkdir(parents=True)
        return f"file://{fresh}", False
    # The DR site's own backend (its hub:stateBackend, in its own region), as every
    # command of that site decides it.
    try:
        return choose_backend(drill.target.site, drill.environ).url, False
    except BackendError as error:
        raise DrillRefused(str(error)) from error


def engine_env(cloud: SiteCloud, backend: str) -> dict[str, str]:
    env = {key: "" for key in ("OS_CLOUD", "OS_PROJECT_ID", "OS_TENANT_ID", "OS_TENANT_NAME")}
    env.update(cloud.env())
    # Every stack of the DR site in that one backend, the state-loss drill's fresh one too.
    env[BACKEND_OVERRIDE] = backend
    env["PULUMI_BACKEND_URL"] = backend
    return env


def existing_resources(drill: Drill, env: dict[str, str]) -> int:
    """Resources the target's stacks already hold in the backend (0 for a fresh one)."""
    workspace = auto.LocalWorkspace(work_dir=str(REPO_ROOT), env_vars={**drill.environ, **env})
    wanted = {stack_name(drill.target.site, layer) for layer in LAYERS}
    return sum(
        s.resource_count or 0 for s in workspace.list_stacks() if s.name.split("/")[-1] in wanted
    )


def separation(source: SiteCloud, target: SiteCloud) -> str:
    shared = shared_endpoints(target, source.region)
    regions = (
        f"{target.region} and {source.region} share the same service endpoints (a nominal "
        "second region)"
        if shared
        else f"{target.region} and {source.region} have their own service endpoints"
    )
    if source.project != target.project:
        return (
            f"DR site in project {target.project}, primary in project {source.project}; "
            f"{regions}"
            + (
                ", so the second project is what keeps the drill apart from the primary"
                if shared
                else ""
            )
        )
    return f"same project {target.project}; {regions}"


# ---- the drill -------------------------------------------------------------------------------


class DrillRun(Drill):
    """A drill, run: its phases in order, each a function of what the ones before it made."""

    def run(self) -> DrillReport:
        start = begin(self)
        primary = observe_primary(self, start)
        loss = lose_primary(self, start, primary)
        records = Records()
        recorder = EventRecorder(loss.t0, self.report_dir / "events")
        ending = rebuild_and_check(self, start, loss, records, recorder)
        layers = layer_reports(self, loss.t0, records, recorder)
        ending = judge(ending, layers, records)
        report = assemble_report(self, start, loss, records, layers, ending)
        return finish(self, start, records, report, ending.outcome)


def rebuild_and_check(
    drill: Drill, start: Start, loss: Loss, records: Records, recorder: EventRecorder
) -> Ending:
    """Rebuild (the restore alongside), boot and check the hosts, verify, check the state:
    stopped by the first thing that breaks or by Ctrl-C, which the ending says."""
    outcome = Outcome.PASSED
    failure: str | None = None
    try:
        rebuild(drill, start, loss, records, recorder)
        boot_and_check_hosts(drill, start.target_cloud, loss.t0, records)
        check_layers(drill, start.target_cloud, start.env, records)
        check_state(drill, start.env, records)
    except KeyboardInterrupt:
        outcome, failure = Outcome.INTERRUPTED, "stopped by Ctrl-C"
    except Exception as error:  # the report is written whatever broke, then clean-up runs
        outcome, failure = Outcome.FAILED, f"{type(error).__name__}: {error}"
    finally:
        recorder.close()
    return Ending(outcome=outcome, failure=failure, finished_at=datetime.now(UTC))


# ---- the loss --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrimaryRead:
    """What the primary held just before the loss (None: not read, `unobserved` says why), and
    the replicas' last sync."""

    observation: replication.PrimaryObservation | None
    unobserved: str
    synced: datetime | None


@dataclass(frozen=True)
class Loss:
    """The simulated loss: t0 of every measure, what was known of the primary then, the region
    fence's answer, and whether the primary's endpoints refused the DR site afterwards."""

    observation: replication.PrimaryObservation | None
    unobserved: str
    synced: datetime | None
    fence: str | None
    t0: float
    started_at: datetime
    refused: tuple[bool, str] | None


def observe_primary(drill: Drill, start: Start) -> PrimaryRead:
    source, replica, pairs = start.source_cloud, start.replica_cloud, start.pairs
    drill.progress.phase("observe primary", "running", "read-only, before the simulated loss")
    synced: datetime | None = None
    try:
        synced = replication.last_sync(replica.connect(), pairs)
    except Exception as error:  # no replica reachable: RPO unknown, the drill goes on
        drill.progress.phase("observe primary", "running", f"replicas unreadable: {error}")
    if drill.source.production:
        drill.progress.phase("observe primary", "skipped", "production: never read")
        return PrimaryRead(
            None, "the protected site is production and a drill never touches it", synced
        )
    try:
        observation = replication.observe(source.connect(), replica.connect(), drill.source)
    except Exception as error:  # an unreachable primary is what the scenario is about
        drill.progress.phase("observe primary", "skipped", str(error))
        return PrimaryRead(None, f"unreachable: {type(error).__name__}", synced)
    drill.progress.phase("observe primary", "done", f"{len(observation.objects)} containers")
    return PrimaryRead(observation, "", synced)


def lose_primary(drill: Drill, start: Start, primary: PrimaryRead) -> Loss:
    """The loss (the region fence's, when one is set), t0, then whether the primary's
    endpoints now refuse the DR site (region loss)."""
    fence = _fence(drill)
    t0 = drill.clock()
    started_at = datetime.now(UTC)
    refused = (
        primary_refused(start.target_cloud, drill.source.region_name)
        if drill.plan.scenario is Scenario.REGION_LOSS
        else None
    )
    return Loss(
        observation=primary.observation,
        unobserved=primary.unobserved,
        synced=primary.synced,
        fence=fence,
        t0=t0,
        started_at=started_at,
        refused=refused,
    )


def _fence(drill: Drill) -> str | None:
    """Region loss under a fence (scripts/local-cloud isolate REGION --at-loss): ask it to
    refuse the primary region's endpoints from now on, and wait until it has."""
    trigger = drill.environ.get(REGION_LOSS_VAR)
    if not trigger or drill.plan.scenario is not Scenario.REGION_LOSS:
        return None
    done = Path(f"{trigger}.done")
    Path(trigger).write_text(drill.source.region_name + "\n")
    deadline = drill.clock() + 30
    while not done.exists():
        if drill.clock() > deadline:
            raise DrillRefused(
                f"the region fence ({REGION_LOSS_VAR}={trigger}) did not answer in 30 s"
            )
        time.sleep(0.1)
    answer = done.read_text().strip()
    drill.progress.phase("lose primary", "done", answer)
    return answer


# ---- the rebuild -----------------------------------------------------------------------------


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


# ---- the checks of the rebuilt site ----------------------------------------------------------


def boot_and_check_hosts(drill: Drill, target: SiteCloud, t0: float, records: Records) -> None:
    """The rebuilt hosts' first boot, then the host suite and the flows, each a span."""
    compute = records.runs.get(Layer.COMPUTE)
    if not drill.hosts or compute is None or compute.status != "done":
        return
    conn = target.connect()

    def note(phase: str) -> Callable[[str], None]:
        return lambda line: drill.progress.phase(phase, "running", line)

    drill.progress.phase(BOOT_SPAN, "running")
    start = drill.clock()
    prepared = site_hosts.prepare(
        drill.target.site,
        conn,
        compute.outputs,
        wait=True,
        timeout_s=drill.boot_timeout_s,
        say=note(BOOT_SPAN),
    )
    failed = prepared.failed
    records.spans.append(
        PhaseSpan(
            name=BOOT_SPAN,
            start=start - t0,
            end=drill.clock() - t0,
            passed=not failed,
            detail=f"{len(prepared.boots) - len(failed)}/{len(prepared.boots)} hosts booted",
        )
    )
    drill.progress.phase(BOOT_SPAN, "failed" if failed else "done")
    records.checks += [
        Check(layer="compute", name=f"first boot of {b.name}", passed=b.ok, detail=b.line())
        for b in prepared.boots
    ]
    if failed or prepared.access is None:
        return
    verification = host_checks.from_hosts(conn, drill.target, prepared)
    for name, layer, method in (
        ("host suite", "compute", verification.check_hosts),
        ("flows", "network", verification.check_flows),
    ):
        drill.progress.phase(name, "running")
        start = drill.clock()
        cases = method(note(name))
        bad = [c for c in cases if not c.passed]
        records.spans.append(
            PhaseSpan(
                name=name,
                start=start - t0,
                end=drill.clock() - t0,
                passed=not bad and bool(cases),
                detail=f"{len(cases) - len(bad)}/{len(cases)} as expected",
            )
        )
        drill.progress.phase(name, "failed" if bad else "done")
        records.checks += host_checks.as_checks(layer, cases)


def check_layers(drill: Drill, target: SiteCloud, env: dict[str, str], records: Records) -> None:
    """The rebuilt layers through the cloud's APIs, the policy pack's verdicts from the rebuild's
    logs, and each rebuilt stack's state judged offline."""
    drill.progress.phase("verify", "running")
    conn = target.connect()
    outputs = {layer: run.outputs for layer, run in records.runs.items() if run.status == "done"}
    for layer in LAYERS:
        if layer not in outputs:
            status = records.runs[layer].status if layer in records.runs else "not started"
            records.not_verified.append(
                NotRestored(
                    item=f"{layer.value} layer checks",
                    reason=f"the layer was not rebuilt ({status}), so nothing of it to check",
                )
            )
    rebuilt = Rebuilt(drill.target.site, records.restored)
    for entry in HUB_LAYERS:
        if entry.layer not in outputs:
            continue
        if entry.verify is not None:
            records.checks += entry.verify(conn, outputs[entry.layer], rebuilt)
        if entry.hosts is not None and not drill.hosts:
            records.not_verified.append(
                NotRestored(
                    item="hosts (first boot, host suite, flows)",
                    reason="the drill ran with --no-hosts (a cloud whose compute runs no "
                    "guest): nothing booted to check",
                )
            )
    logs = {
        run.stack: run.log.read_text(encoding="utf-8", errors="replace")
        for run in records.runs.values()
        if run.log is not None and run.log.exists() and run.status == "done"
    }
    policy, missing = verify.policy_checks(logs)
    records.checks += policy
    records.not_verified += missing
    records.checks += _state_policy_checks(drill, env, records)
    records.verified = True
    failed = sum(not c.passed for c in records.checks)
    drill.progress.phase(
        "verify",
        "done" if not failed else "failed",
        f"{len(records.checks)} checks, {failed} failed",
    )


def _state_policy_checks(drill: Drill, env: dict[str, str], records: Records) -> list[Check]:
    """Export each rebuilt stack and judge it offline; the exports never reach the report
    (they carry the stacks' encrypted secrets)."""
    with tempfile.TemporaryDirectory(prefix="drill-state-") as scratch:
        exports: dict[str, Path] = {}
        for layer, run in records.runs.items():
            if run.status != "done":
                continue
            deployment = select_stack(drill.target.site, layer, env).export_stack()
            path = Path(scratch) / f"{run.stack}.json"
            path.write_text(
                json.dumps({"version": deployment.version, "deployment": deployment.deployment})
            )
            exports[run.stack] = path
        return verify.state_policy_checks(exports)


def check_state(drill: Drill, env: dict[str, str], records: Records) -> None:
    """The rebuilt stacks' state against the cloud: a refresh preview must change nothing
    (the DR region's state, or the state-loss rebuild from nothing, says what is there)."""
    drill.progress.phase("state check", "running", "refresh preview of every layer")
    for layer, run in records.runs.items():
        if run.status != "done":
            continue
        name = f"state of {run.stack} matches the cloud"
        try:
            result = select_stack(drill.target.site, layer, env).preview_refresh(color="never")
            changes = {
                str(getattr(op, "value", op)): n
                for op, n in (result.change_summary or {}).items()
                if str(getattr(op, "value", op)) != "same" and n
            }
            records.checks.append(
                Check(
                    layer="state",
                    name=name,
                    passed=not changes,
                    detail="refresh preview: no changes"
                    if not changes
                    else "refresh preview would change: "
                    + ", ".join(f"{op} {n}" for op, n in sorted(changes.items())),
                )
            )
        except Exception as error:  # a refresh that cannot run is a failed check
            records.checks.append(
                Check(
                    layer="state",
                    name=name,
                    passed=False,
                    detail=f"{type(error).__name__}: {error}",
                )
            )
    drill.progress.phase("state check", "done")


# ---- the report ------------------------------------------------------------------------------


def layer_reports(
    drill: Drill, t0: float, records: Records, recorder: EventRecorder
) -> list[LayerReport]:
    """Each layer's record, in the deploy order; a layer that never ran is skipped."""
    return [
        layer_report(
            records.runs.get(layer)
            or LayerRun(stack_name(drill.target.site, layer), layer, "skipped"),
            t0,
            recorder.layer_steps(stack_name(drill.target.site, layer)),
            recorder.path(stack_name(drill.target.site, layer)),
            drill.report_dir,
            recorder.layer_summary(stack_name(drill.target.site, layer)),
            recorder.engine_seconds(stack_name(drill.target.site, layer)),
        )
        for layer in LAYERS
    ]


def judge(ending: Ending, layers: list[LayerReport], records: Records) -> Ending:
    """The records get what did not run and a failed restore; a drill that ran through fails
    when a layer was not rebuilt or a check failed (the targets are judged on the report)."""
    outcome, failure = ending.outcome, ending.failure
    if outcome is not Outcome.PASSED and not records.verified:
        records.not_verified.append(
            NotRestored(
                item="the rebuilt site",
                reason=f"verification did not run: {failure}",
            )
        )
    if records.restore_error:
        records.checks.append(
            Check(layer="storage", name="restore", passed=False, detail=records.restore_error)
        )
    if outcome is Outcome.PASSED:
        bad_layers = [layer.stack for layer in layers if layer.status != "done"]
        bad_checks = [c.name for c in records.checks if not c.passed]
        if bad_layers or bad_checks:
            outcome = Outcome.FAILED
            failure = "; ".join(
                part
                for part in (
                    f"layers not rebuilt: {', '.join(bad_layers)}" if bad_layers else "",
                    f"checks failed: {', '.join(bad_checks)}" if bad_checks else "",
                )
                if part
            )
    return replace(ending, outcome=outcome, failure=failure)


def assemble_report(
    drill: Drill,
    start: Start,
    loss: Loss,
    records: Records,
    layers: list[LayerReport],
    ending: Ending,
) -> DrillReport:
    """The report from the drill's records: each layer, the restore, the outcome and why,
    RTO and RPO, the targets judged. Its clean-up is not done yet."""
    t0, observation, pairs = loss.t0, loss.observation, start.pairs
    outcome, failure = ending.outcome, ending.failure
    restore = RestoreReport(
        containers=records.restored,
        not_restored=not_restorable(
            drill.source,
            drill.target,
            len(replication.unreplicated(observation, pairs)) if observation else 0,
        ),
        start=records.restore_span[0] - t0 if records.restore_span else None,
        end=records.restore_span[1] - t0 if len(records.restore_span) > 1 else None,
    )
    refused = loss.refused
    report = DrillReport(
        drill_id=start.drill_id,
        site=drill.source.site,
        target=drill.target.site,
        scenario=drill.plan.scenario,
        source_region=drill.source.region_name,
        target_region=drill.target.region_name,
        separation=separation(start.source_cloud, start.target_cloud),
        backend=(
            "fresh, empty backend created by the drill: " + describe_backend(start.backend)
            if drill.plan.scenario is Scenario.STATE_LOSS
            else "the DR site's own backend: " + describe_backend(start.backend)
        ),
        mode="parallel" if drill.plan.parallel else "sequential",
        started_at=loss.started_at,
        finished_at=ending.finished_at,
        commit=_commit(),
        outcome=outcome,
        failure=failure,
        rto=rto_report(layers, restore, records.spans),
        rpo=rpo_report(
            observation,
            pairs,
            loss.started_at,
            loss.synced,
            loss.unobserved,
            {k for d in records.datasets for k in d.unescrowed_keys}
            if records.datasets and (drill.source.key_escrow or drill.source.key_custodians)
            else None,
        ),
        layers=layers,
        restore=restore,
        checks=records.checks,
        not_verified=records.not_verified,
        spans=records.spans,
        cleanup=Cleanup(kept=True, destroyed=False, seconds=None, detail="not done yet"),
        resumed=start.resumed,
        datasets=records.datasets,
        primary_refused=refused[0] if refused else None,
    )
    if refused is not None and not refused[0]:
        report.not_verified.append(
            NotRestored(item=f"loss of {drill.source.region_name}", reason=refused[1])
        )
    if refused is not None:
        report.separation += f"; after the loss: {refused[1]}" + (
            f" ({loss.fence})" if loss.fence else ""
        )
    report.targets = judge_targets(report, drill.source, drill.rto_target, drill.rpo_target)
    missed = [t for t in report.targets if not t.met]
    if missed and report.outcome is Outcome.PASSED:
        report.outcome = Outcome.FAILED
    if missed:
        over = "; ".join(
            f"{t.name} {duration(t.measured_seconds)} is over the target "
            f"{duration(t.target_seconds)} by {duration(t.over_by_seconds)}"
            for t in missed
        )
        report.failure = "; ".join(p for p in (report.failure, over) if p)
    return report


def _commit() -> str | None:
    head = head_of(REPO_ROOT)
    return head.short if head else None


# ---- after -----------------------------------------------------------------------------------


def finish(
    drill: Drill, start: Start, records: Records, report: DrillReport, outcome: Outcome
) -> DrillReport:
    """The report written, then the clean-up (or why nothing was destroyed) and the report
    written again with it; an interrupted drill leaves everything standing."""
    journal, env = start.journal, start.env
    if outcome is Outcome.INTERRUPTED:
        report.cleanup = left_standing(
            drill,
            env,
            "Interrupted: nothing was destroyed",
            "Run the same command again: it converges these stacks, then cleans up.",
        )
        journal.save(status="interrupted")
        write_report(report, drill.report_dir)
        return report
    write_report(report, drill.report_dir)
    try:
        report.cleanup = clean_up(drill, start, records, outcome)
    except KeyboardInterrupt:
        journal.save(status="interrupted")
        report.cleanup = left_standing(
            drill,
            env,
            "Clean-up interrupted",
            "Run the same command again: it converges, then cleans up.",
        )
    except Exception as error:  # the journal keeps the stacks for the next run
        journal.save(status="cleanup-failed")
        report.cleanup = left_standing(
            drill, env, f"Clean-up failed ({type(error).__name__}: {error})"
        )
    write_report(report, drill.report_dir)
    return report


def left_standing(drill: Drill, env: dict[str, str], why: str, then: str = "") -> Cleanup:
    """Nothing destroyed: the report says why and what exists, for the next run to take over."""
    detail = f"{why}. What exists: {inventory(drill, env)}" + (f". {then}" if then else "")
    return Cleanup(kept=True, destroyed=False, seconds=None, detail=detail)


def inventory(drill: Drill, env: dict[str, str]) -> str:
    try:
        workspace = auto.LocalWorkspace(work_dir=str(REPO_ROOT), env_vars={**drill.environ, **env})
        wanted = {stack_name(drill.target.site, layer) for layer in LAYERS}
        found = [
            f"{s.name.split('/')[-1]} ({s.resource_count or 0} resources)"
            for s in workspace.list_stacks()
            if s.name.split("/")[-1] in wanted
        ]
    except Exception as error:  # the report must still be written
        return f"stacks unknown ({type(error).__name__})"
    return ", ".join(found) or "no stack"


def clean_up(drill: Drill, start: Start, records: Records, outcome: Outcome) -> Cleanup:
    """Unless --keep: the restored containers emptied, every stack destroyed and removed, the
    state-loss backend deleted, the journal forgotten; a failed destroy keeps the journal."""
    env, target, backend, journal = start.env, start.target_cloud, start.backend, start.journal
    if drill.keep:
        journal.save(status="kept")
        return Cleanup(
            kept=True,
            destroyed=False,
            seconds=None,
            detail="Kept (--keep): the DR site stays up. `hubctl down --site "
            f"{drill.target.site}` removes it; the next drill converges it instead.",
        )
    drill.progress.phase("clean up", "running")
    begun = drill.clock()
    emptied = 0
    try:
        conn = target.connect()
        storage = records.runs.get(Layer.STORAGE)
        for name in output_containers(storage).values():
            emptied += empty_container(conn, name)
    except Exception as error:  # destroy will say what is left
        drill.progress.phase("clean up", "running", f"emptying containers: {error}")
    # Everything in these stacks was made by drills (the journal and the empty-target
    # check guarantee it), so protected resources may go too.
    destroyer = SiteDeployer(
        site=drill.target.site,
        log_dir=drill.report_dir / "logs",
        parallel=drill.plan.parallel,
        policy_pack=None,
        env=env,
        unprotect=True,
    )
    destroyed = destroyer.run("destroy")
    ok = all(run.status == "done" for run in destroyed)
    orphans = 0
    if ok:
        orphans = delete_order_secrets(target.connect(), drill.target.site)
        for layer in LAYERS:
            stack = select_stack(drill.target.site, layer, env)
            stack.workspace.remove_stack(stack.name, preserve_config=True)
        if drill.plan.scenario is Scenario.STATE_LOSS and backend.startswith("file://"):
            shutil.rmtree(urlparse(backend).path, ignore_errors=True)
        journal.forget()
    else:
        journal.save(status="failed" if outcome is Outcome.FAILED else "cleanup-failed")
    seconds = drill.clock() - begun
    drill.progress.phase("clean up", "done" if ok else "failed")
    detail = (
        f"Destroyed every stack of {drill.target.site} ({emptied} restored object version(s) "
        f"deleted first), deleted the {orphans} dataset key secret(s) its Barbican orders "
        "had generated (destroying an order leaves its secret), and removed the stacks "
        "from the backend."
        if ok
        else "Destroy failed for "
        + ", ".join(r.stack for r in destroyed if r.status != "done")
        + f": see logs/*.destroy.log; `hubctl down --site {drill.target.site}` retries."
    )
    return Cleanup(kept=False, destroyed=ok, seconds=seconds, detail=detail)
