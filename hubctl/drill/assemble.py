"""The drill's report from its records: each layer's record, the judgement of the rebuild and
its checks, the restore, RTO and RPO, and the targets judged. Writing it is report.py's.
"""

from __future__ import annotations

from dataclasses import replace

from hubcore.paths import REPO_ROOT
from hubctl.deploy import LAYERS, LayerRun, stack_name
from hubctl.drill import replication
from hubctl.drill.cloud import separation
from hubctl.drill.context import Drill, Ending, Records
from hubctl.drill.journal import describe_backend
from hubctl.drill.loss import Loss
from hubctl.drill.measures import layer_report, not_restorable, rpo_report, rto_report
from hubctl.drill.model import (
    Check,
    Cleanup,
    DrillReport,
    LayerReport,
    NotRestored,
    Outcome,
    RestoreReport,
    Scenario,
)
from hubctl.drill.report import duration
from hubctl.drill.start import Start
from hubctl.drill.targets import judge_targets
from hubctl.drill.timing import EventRecorder
from hubctl.gitcommit import head_of


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
