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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

from pulumi import automation as auto

from hubcore.paths import REPO_ROOT
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


class Progress(Protocol):
    def layer(self, run: LayerRun) -> None: ...

    def phase(self, name: str, status: str, detail: str = "") -> None: ...


class _Silent:
    def layer(self, run: LayerRun) -> None:
        return None

    def phase(self, name: str, status: str, detail: str = "") -> None:
        return None


# --------------------------------------------------------------------------------------------


@dataclass
class DrillRun:
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

    # Filled as the drill goes, so an interruption can still report everything known.
    runs: dict[Layer, LayerRun] = field(default_factory=dict)
    restored: list[RestoredContainer] = field(default_factory=list)
    restore_span: list[float] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    not_verified: list[NotRestored] = field(default_factory=list)
    spans: list[PhaseSpan] = field(default_factory=list)
    restore_error: str | None = None
    verified: bool = False
    datasets: list[DatasetRecovery] = field(default_factory=list)
    observation: replication.PrimaryObservation | None = None
    started_at: datetime | None = None
    t0: float = 0.0

    @property
    def source(self) -> HubConfig:
        return self.plan.site

    @property
    def target(self) -> HubConfig:
        return self.plan.target

    # ---- set-up ---------------------------------------------------------------------------

    def _backend(self, journal: Journal) -> tuple[str, bool]:
        """The backend URL to rebuild into, and whether a previous drill's stacks are reused."""
        resumable = journal.data.get("status") in RESUMABLE
        if resumable and journal.data.get("scenario") == self.plan.scenario.value:
            return str(journal.data["backend"]), True
        if resumable:
            left = describe_backend(str(journal.data["backend"]))
            raise DrillRefused(
                f"a {journal.data.get('scenario')} drill of {self.target.site} left its stacks "
                f"({journal.data.get('status')}) in {left}: run that scenario again to converge "
                "and clean them up, or remove them with "
                f"`HUB_STATE_BACKEND={journal.data['backend']} hubctl down --site "
                f"{self.target.site}` and delete {journal.path}"
            )
        if self.plan.scenario is Scenario.STATE_LOSS:
            fresh = state_dir() / f"{self.target.site}-fresh-backend"
            if fresh.exists():
                shutil.rmtree(fresh)
            fresh.mkdir(parents=True)
            return f"file://{fresh}", False
        # The DR site's own backend (its hub:stateBackend, in its own region), as every
        # command of that site decides it.
        try:
            return choose_backend(self.target.site, self.environ).url, False
        except BackendError as error:
            raise DrillRefused(str(error)) from error

    def _engine_env(self, cloud: SiteCloud, backend: str) -> dict[str, str]:
        env = {key: "" for key in ("OS_CLOUD", "OS_PROJECT_ID", "OS_TENANT_ID", "OS_TENANT_NAME")}
        env.update(cloud.env())
        # Every stack of the DR site in that one backend, the state-loss drill's fresh one too.
        env[BACKEND_OVERRIDE] = backend
        env["PULUMI_BACKEND_URL"] = backend
        return env

    def _existing_resources(self, env: dict[str, str]) -> int:
        """Resources the target's stacks already hold in the backend (0 for a fresh one)."""
        workspace = auto.LocalWorkspace(work_dir=str(REPO_ROOT), env_vars={**self.environ, **env})
        wanted = {stack_name(self.target.site, layer) for layer in LAYERS}
        return sum(
            s.resource_count or 0
            for s in workspace.list_stacks()
            if s.name.split("/")[-1] in wanted
        )

    def _separation(self, source: SiteCloud, target: SiteCloud) -> str:
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

    # ---- the drill -----------------------------------------------------------------------

    def run(self) -> DrillReport:
        journal = Journal.of(self.target.site)
        backend, resumed = self._backend(journal)
        drill_id = f"{self.target.site}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        source_cloud = site_cloud(self.source.site, self.source.region_name, self.environ)
        target_cloud = site_cloud(self.target.site, self.target.region_name, self.environ)
        replica_region = self.source.replica_region or self.target.region_name
        replica_cloud = source_cloud.in_region(replica_region)
        env = self._engine_env(target_cloud, backend)
        pairs = replication.replica_pairs(self.source)
        existing = self._existing_resources(env)
        if existing and not resumed:
            # Not made by a drill (no journal says so): perhaps a real failover. A drill would
            # converge it and then destroy it, so it never starts.
            raise DrillRefused(
                f"the stacks of {self.target.site} in {describe_backend(backend)} already hold "
                f"{existing} resources that no drill journal accounts for (a real failover?); "
                "a drill only rebuilds a DR site from empty. If they are left-overs, remove "
                f"them with `hubctl down --site {self.target.site}` first"
            )
        journal.save(
            drill_id=drill_id,
            site=self.source.site,
            scenario=self.plan.scenario.value,
            backend=backend,
            status="running",
            report_dir=str(self.report_dir),
        )

        observation, unobserved, synced = self._observe(source_cloud, replica_cloud, pairs)
        loss = self._lose_primary()

        t0 = self.clock()
        started_at = datetime.now(UTC)
        self.observation, self.started_at, self.t0 = observation, started_at, t0
        refused = (
            primary_refused(target_cloud, self.source.region_name)
            if self.plan.scenario is Scenario.REGION_LOSS
            else None
        )
        recorder = EventRecorder(t0, self.report_dir / "events")
        outcome = Outcome.PASSED
        failure: str | None = None
        try:
            self._rebuild(env, recorder, replica_cloud, target_cloud, pairs, t0)
            self._boot_and_check_hosts(target_cloud, t0)
            self._verify(target_cloud, env)
            self._state_consistency(env)
        except KeyboardInterrupt:
            outcome, failure = Outcome.INTERRUPTED, "stopped by Ctrl-C"
        except Exception as error:  # the report is written whatever broke, then clean-up runs
            outcome, failure = Outcome.FAILED, f"{type(error).__name__}: {error}"
        finally:
            recorder.close()
        finished_at = datetime.now(UTC)

        layers = [
            layer_report(
                self.runs.get(layer)
                or LayerRun(stack_name(self.target.site, layer), layer, "skipped"),
                t0,
                recorder.layer_steps(stack_name(self.target.site, layer)),
                recorder.path(stack_name(self.target.site, layer)),
                self.report_dir,
                recorder.layer_summary(stack_name(self.target.site, layer)),
                recorder.engine_seconds(stack_name(self.target.site, layer)),
            )
            for layer in LAYERS
        ]
        restore = RestoreReport(
            containers=self.restored,
            not_restored=not_restorable(
                self.source,
                self.target,
                len(replication.unreplicated(observation, pairs)) if observation else 0,
            ),
            start=self.restore_span[0] - t0 if self.restore_span else None,
            end=self.restore_span[1] - t0 if len(self.restore_span) > 1 else None,
        )
        if outcome is not Outcome.PASSED and not self.verified:
            self.not_verified.append(
                NotRestored(
                    item="the rebuilt site",
                    reason=f"verification did not run: {failure}",
                )
            )
        if self.restore_error:
            self.checks.append(
                Check(layer="storage", name="restore", passed=False, detail=self.restore_error)
            )
        if outcome is Outcome.PASSED:
            bad_layers = [layer.stack for layer in layers if layer.status != "done"]
            bad_checks = [c.name for c in self.checks if not c.passed]
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
        report = DrillReport(
            drill_id=drill_id,
            site=self.source.site,
            target=self.target.site,
            scenario=self.plan.scenario,
            source_region=self.source.region_name,
            target_region=self.target.region_name,
            separation=self._separation(source_cloud, target_cloud),
            backend=(
                "fresh, empty backend created by the drill: " + describe_backend(backend)
                if self.plan.scenario is Scenario.STATE_LOSS
                else "the DR site's own backend: " + describe_backend(backend)
            ),
            mode="parallel" if self.plan.parallel else "sequential",
            started_at=started_at,
            finished_at=finished_at,
            commit=_commit(),
            outcome=outcome,
            failure=failure,
            rto=rto_report(layers, restore, self.spans),
            rpo=rpo_report(
                observation,
                pairs,
                started_at,
                synced,
                unobserved,
                {k for d in self.datasets for k in d.unescrowed_keys}
                if self.datasets and (self.source.key_escrow or self.source.key_custodians)
                else None,
            ),
            layers=layers,
            restore=restore,
            checks=self.checks,
            not_verified=self.not_verified,
            spans=self.spans,
            cleanup=Cleanup(kept=True, destroyed=False, seconds=None, detail="not done yet"),
            resumed=resumed,
            datasets=self.datasets,
            primary_refused=refused[0] if refused else None,
        )
        if refused is not None and not refused[0]:
            report.not_verified.append(
                NotRestored(item=f"loss of {self.source.region_name}", reason=refused[1])
            )
        if refused is not None:
            report.separation += f"; after the loss: {refused[1]}" + (f" ({loss})" if loss else "")
        report.targets = judge_targets(report, self.source, self.rto_target, self.rpo_target)
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
        if outcome is Outcome.INTERRUPTED:
            report.cleanup = self._left_standing(
                env,
                "Interrupted: nothing was destroyed",
                "Run the same command again: it converges these stacks, then cleans up.",
            )
            journal.save(status="interrupted")
            write_report(report, self.report_dir)
            return report
        write_report(report, self.report_dir)
        try:
            report.cleanup = self._cleanup(env, target_cloud, backend, journal, outcome)
        except KeyboardInterrupt:
            journal.save(status="interrupted")
            report.cleanup = self._left_standing(
                env,
                "Clean-up interrupted",
                "Run the same command again: it converges, then cleans up.",
            )
        except Exception as error:  # the journal keeps the stacks for the next run
            journal.save(status="cleanup-failed")
            report.cleanup = self._left_standing(
                env, f"Clean-up failed ({type(error).__name__}: {error})"
            )
        write_report(report, self.report_dir)
        return report

    def _observe(
        self, source: SiteCloud, replica: SiteCloud, pairs: list[replication.ReplicaPair]
    ) -> tuple[replication.PrimaryObservation | None, str, datetime | None]:
        self.progress.phase("observe primary", "running", "read-only, before the simulated loss")
        synced: datetime | None = None
        try:
            synced = replication.last_sync(replica.connect(), pairs)
        except Exception as error:  # no replica reachable: RPO unknown, the drill goes on
            self.progress.phase("observe primary", "running", f"replicas unreadable: {error}")
        if self.source.production:
            self.progress.phase("observe primary", "skipped", "production: never read")
            return None, "the protected site is production and a drill never touches it", synced
        try:
            observation = replication.observe(source.connect(), replica.connect(), self.source)
        except Exception as error:  # an unreachable primary is what the scenario is about
            self.progress.phase("observe primary", "skipped", str(error))
            return None, f"unreachable: {type(error).__name__}", synced
        self.progress.phase("observe primary", "done", f"{len(observation.objects)} containers")
        return observation, "", synced

    def _lose_primary(self) -> str | None:
        """Region loss under a fence (scripts/local-cloud isolate REGION --at-loss): ask it to
        refuse the primary region's endpoints from now on, and wait until it has."""
        trigger = self.environ.get(REGION_LOSS_VAR)
        if not trigger or self.plan.scenario is not Scenario.REGION_LOSS:
            return None
        done = Path(f"{trigger}.done")
        Path(trigger).write_text(self.source.region_name + "\n")
        deadline = self.clock() + 30
        while not done.exists():
            if self.clock() > deadline:
                raise DrillRefused(
                    f"the region fence ({REGION_LOSS_VAR}={trigger}) did not answer in 30 s"
                )
            time.sleep(0.1)
        answer = done.read_text().strip()
        self.progress.phase("lose primary", "done", answer)
        return answer

    def _rebuild(
        self,
        env: dict[str, str],
        recorder: EventRecorder,
        replica: SiteCloud,
        target: SiteCloud,
        pairs: list[replication.ReplicaPair],
        t0: float,
    ) -> None:
        restore_thread: threading.Thread | None = None

        def listener(run: LayerRun) -> None:
            nonlocal restore_thread
            self.runs[run.layer] = run
            self.progress.layer(run)
            # Restoring needs only the storage layer: in the parallel plan it overlaps compute.
            if (
                self.plan.parallel
                and run.layer is Layer.STORAGE
                and run.status == "done"
                and restore_thread is None
            ):
                restore_thread = threading.Thread(
                    target=self._restore, args=(run, replica, target, pairs), daemon=True
                )
                restore_thread.start()

        deployer = SiteDeployer(
            site=self.target.site,
            log_dir=self.report_dir / "logs",
            parallel=self.plan.parallel,
            policy_pack=POLICY_PACK if (POLICY_PACK / "PulumiPolicy.yaml").exists() else None,
            env=env,
            listener=listener,
            on_event=recorder,
        )
        self.progress.phase("rebuild", "running")
        try:
            for run in deployer.run("up"):
                self.runs[run.layer] = run
        finally:
            if restore_thread is not None:
                restore_thread.join()
        rebuilt = all(run.status == "done" for run in self.runs.values())
        self.progress.phase("rebuild", "done" if rebuilt else "failed")
        storage = self.runs.get(Layer.STORAGE)
        if restore_thread is None and storage is not None and storage.status == "done":
            self._restore(storage, replica, target, pairs)

    def _restore(
        self,
        storage: LayerRun,
        replica: SiteCloud,
        target: SiteCloud,
        pairs: list[replication.ReplicaPair],
    ) -> None:
        self.progress.phase("restore", "running", f"from {replica.describe()}")
        start = self.clock()
        self.restore_span[:] = [start]
        containers = output_containers(storage)
        plain = [pair for pair in pairs if dataset_of(pair.purpose) is None]
        try:
            replica_conn, target_conn = replica.connect(), target.connect()
            self.restored = replication.restore(
                replica_conn, target_conn, plain, containers, self.clock
            )
            self.progress.phase("restore", "running", f"datasets: keys from {self.key_method}")
            self.datasets = recover_datasets(
                replica_conn,
                target_conn,
                self.source,
                self.target.site,
                containers,
                method=self.key_method,
                custodian_keys=self.custodian_keys,
                clock=self.clock,
                t0=self.t0,
                started_at=self.started_at or datetime.now(UTC),
                observation=self.observation,
            )
            self.restored += [self._as_restored(item) for item in self.datasets]
        except Exception as error:  # runs in its own thread: record it, the drill fails
            self.restore_error = f"{type(error).__name__}: {error}"
            self.progress.phase("restore", "failed", self.restore_error)
            return
        finally:
            self.restore_span.append(self.clock())
        copied = sum(c.verified for c in self.restored)
        self.progress.phase("restore", "done", f"{copied} objects verified")

    def _as_restored(self, item: DatasetRecovery) -> RestoredContainer:
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
            start=self.t0 + min((s.start for s in spans), default=0.0),
            end=self.t0 + max((s.end for s in spans), default=0.0),
            problem="; ".join(problems) or None,
        )

    def _state_consistency(self, env: dict[str, str]) -> None:
        """The rebuilt stacks' state against the cloud: a refresh preview must change nothing
        (the DR region's state, or the state-loss rebuild from nothing, says what is there)."""
        self.progress.phase("state check", "running", "refresh preview of every layer")
        for layer, run in self.runs.items():
            if run.status != "done":
                continue
            name = f"state of {run.stack} matches the cloud"
            try:
                result = select_stack(self.target.site, layer, env).preview_refresh(color="never")
                changes = {
                    str(getattr(op, "value", op)): n
                    for op, n in (result.change_summary or {}).items()
                    if str(getattr(op, "value", op)) != "same" and n
                }
                self.checks.append(
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
                self.checks.append(
                    Check(
                        layer="state",
                        name=name,
                        passed=False,
                        detail=f"{type(error).__name__}: {error}",
                    )
                )
        self.progress.phase("state check", "done")

    def _boot_and_check_hosts(self, target: SiteCloud, t0: float) -> None:
        """The rebuilt hosts' first boot, then the host suite and the flows, each a span."""
        compute = self.runs.get(Layer.COMPUTE)
        if not self.hosts or compute is None or compute.status != "done":
            return
        conn = target.connect()

        def note(phase: str) -> Callable[[str], None]:
            return lambda line: self.progress.phase(phase, "running", line)

        self.progress.phase(BOOT_SPAN, "running")
        start = self.clock()
        prepared = site_hosts.prepare(
            self.target.site,
            conn,
            compute.outputs,
            wait=True,
            timeout_s=self.boot_timeout_s,
            say=note(BOOT_SPAN),
        )
        failed = prepared.failed
        self.spans.append(
            PhaseSpan(
                name=BOOT_SPAN,
                start=start - t0,
                end=self.clock() - t0,
                passed=not failed,
                detail=f"{len(prepared.boots) - len(failed)}/{len(prepared.boots)} hosts booted",
            )
        )
        self.progress.phase(BOOT_SPAN, "failed" if failed else "done")
        self.checks += [
            Check(layer="compute", name=f"first boot of {b.name}", passed=b.ok, detail=b.line())
            for b in prepared.boots
        ]
        if failed or prepared.access is None:
            return
        verification = host_checks.from_hosts(conn, self.target, prepared)
        for name, layer, method in (
            ("host suite", "compute", verification.check_hosts),
            ("flows", "network", verification.check_flows),
        ):
            self.progress.phase(name, "running")
            start = self.clock()
            cases = method(note(name))
            bad = [c for c in cases if not c.passed]
            self.spans.append(
                PhaseSpan(
                    name=name,
                    start=start - t0,
                    end=self.clock() - t0,
                    passed=not bad and bool(cases),
                    detail=f"{len(cases) - len(bad)}/{len(cases)} as expected",
                )
            )
            self.progress.phase(name, "failed" if bad else "done")
            self.checks += host_checks.as_checks(layer, cases)

    def _state_policy_checks(self, env: dict[str, str]) -> list[Check]:
        """Export each rebuilt stack and judge it offline; the exports never reach the report
        (they carry the stacks' encrypted secrets)."""
        with tempfile.TemporaryDirectory(prefix="drill-state-") as scratch:
            exports: dict[str, Path] = {}
            for layer, run in self.runs.items():
                if run.status != "done":
                    continue
                deployment = select_stack(self.target.site, layer, env).export_stack()
                path = Path(scratch) / f"{run.stack}.json"
                path.write_text(
                    json.dumps({"version": deployment.version, "deployment": deployment.deployment})
                )
                exports[run.stack] = path
            return verify.state_policy_checks(exports)

    def _verify(self, target: SiteCloud, env: dict[str, str]) -> None:
        self.progress.phase("verify", "running")
        conn = target.connect()
        outputs = {layer: run.outputs for layer, run in self.runs.items() if run.status == "done"}
        for layer in LAYERS:
            if layer not in outputs:
                status = self.runs[layer].status if layer in self.runs else "not started"
                self.not_verified.append(
                    NotRestored(
                        item=f"{layer.value} layer checks",
                        reason=f"the layer was not rebuilt ({status}), so nothing of it to check",
                    )
                )
        rebuilt = Rebuilt(self.target.site, self.restored)
        for entry in HUB_LAYERS:
            if entry.layer not in outputs:
                continue
            if entry.verify is not None:
                self.checks += entry.verify(conn, outputs[entry.layer], rebuilt)
            if entry.hosts is not None and not self.hosts:
                self.not_verified.append(
                    NotRestored(
                        item="hosts (first boot, host suite, flows)",
                        reason="the drill ran with --no-hosts (a cloud whose compute runs no "
                        "guest): nothing booted to check",
                    )
                )
        logs = {
            run.stack: run.log.read_text(encoding="utf-8", errors="replace")
            for run in self.runs.values()
            if run.log is not None and run.log.exists() and run.status == "done"
        }
        policy, missing = verify.policy_checks(logs)
        self.checks += policy
        self.not_verified += missing
        self.checks += self._state_policy_checks(env)
        self.verified = True
        failed = sum(not c.passed for c in self.checks)
        self.progress.phase(
            "verify",
            "done" if not failed else "failed",
            f"{len(self.checks)} checks, {failed} failed",
        )

    # ---- after ---------------------------------------------------------------------------

    def _left_standing(self, env: dict[str, str], why: str, then: str = "") -> Cleanup:
        """Nothing destroyed: the report says why and what exists, for the next run to take over."""
        detail = f"{why}. What exists: {self._inventory(env)}" + (f". {then}" if then else "")
        return Cleanup(kept=True, destroyed=False, seconds=None, detail=detail)

    def _inventory(self, env: dict[str, str]) -> str:
        try:
            workspace = auto.LocalWorkspace(
                work_dir=str(REPO_ROOT), env_vars={**self.environ, **env}
            )
            wanted = {stack_name(self.target.site, layer) for layer in LAYERS}
            found = [
                f"{s.name.split('/')[-1]} ({s.resource_count or 0} resources)"
                for s in workspace.list_stacks()
                if s.name.split("/")[-1] in wanted
            ]
        except Exception as error:  # the report must still be written
            return f"stacks unknown ({type(error).__name__})"
        return ", ".join(found) or "no stack"

    def _cleanup(
        self,
        env: dict[str, str],
        target: SiteCloud,
        backend: str,
        journal: Journal,
        outcome: Outcome,
    ) -> Cleanup:
        if self.keep:
            journal.save(status="kept")
            return Cleanup(
                kept=True,
                destroyed=False,
                seconds=None,
                detail="Kept (--keep): the DR site stays up. `hubctl down --site "
                f"{self.target.site}` removes it; the next drill converges it instead.",
            )
        self.progress.phase("clean up", "running")
        start = self.clock()
        emptied = 0
        try:
            conn = target.connect()
            storage = self.runs.get(Layer.STORAGE)
            for name in output_containers(storage).values():
                emptied += empty_container(conn, name)
        except Exception as error:  # destroy will say what is left
            self.progress.phase("clean up", "running", f"emptying containers: {error}")
        # Everything in these stacks was made by drills (the journal and the empty-target
        # check guarantee it), so protected resources may go too.
        destroyer = SiteDeployer(
            site=self.target.site,
            log_dir=self.report_dir / "logs",
            parallel=self.plan.parallel,
            policy_pack=None,
            env=env,
            unprotect=True,
        )
        destroyed = destroyer.run("destroy")
        ok = all(run.status == "done" for run in destroyed)
        orphans = 0
        if ok:
            orphans = delete_order_secrets(target.connect(), self.target.site)
            for layer in LAYERS:
                stack = select_stack(self.target.site, layer, env)
                stack.workspace.remove_stack(stack.name, preserve_config=True)
            if self.plan.scenario is Scenario.STATE_LOSS and backend.startswith("file://"):
                shutil.rmtree(urlparse(backend).path, ignore_errors=True)
            journal.forget()
        else:
            journal.save(status="failed" if outcome is Outcome.FAILED else "cleanup-failed")
        seconds = self.clock() - start
        self.progress.phase("clean up", "done" if ok else "failed")
        detail = (
            f"Destroyed every stack of {self.target.site} ({emptied} restored object version(s) "
            f"deleted first), deleted the {orphans} dataset key secret(s) its Barbican orders "
            "had generated (destroying an order leaves its secret), and removed the stacks "
            "from the backend."
            if ok
            else "Destroy failed for "
            + ", ".join(r.stack for r in destroyed if r.status != "done")
            + f": see logs/*.destroy.log; `hubctl down --site {self.target.site}` retries."
        )
        return Cleanup(kept=False, destroyed=ok, seconds=seconds, detail=detail)


def _commit() -> str | None:
    head = head_of(REPO_ROOT)
    return head.short if head else None
