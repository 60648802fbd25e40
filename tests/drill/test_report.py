"""Report figures come from the run's records, and the three renderings agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hubcore.stacks import Layer
from hubctl.deploy import LayerRun
from hubctl.drill import replication
from hubctl.drill.measures import layer_report, not_restorable, rpo_report, rto_report
from hubctl.drill.model import (
    Check,
    Cleanup,
    DrillReport,
    Outcome,
    ResourceStep,
    RestoredContainer,
    RestoreReport,
    Scenario,
)
from hubctl.drill.plan import prepare
from hubctl.drill.replication import ObjectInfo, PrimaryObservation, ReplicaPair
from hubctl.drill.report import load_report, render_markdown, write_report
from tests.conftest import Synth

T0 = datetime(2026, 11, 29, 2, 0, 0, tzinfo=UTC)
PAIR = ReplicaPair("dataset-x", "hub-local-dataset-x", "hub-local-dataset-x-replica")


def obj(name: str, etag: str, seconds_before_t0: float) -> ObjectInfo:
    return ObjectInfo(name, etag, 10, T0 - timedelta(seconds=seconds_before_t0))


def observation(primary: list[ObjectInfo], replica: list[ObjectInfo]) -> PrimaryObservation:
    return PrimaryObservation(
        objects={PAIR.primary: {o.name: o for o in primary}},
        replicas={PAIR.replica: {o.name: o for o in replica}},
        keys={"hub-local-key-x": T0 - timedelta(seconds=900)},
    )


def test_rpo_objects_is_the_age_of_the_newest_object_not_in_the_replica() -> None:
    seen = observation(
        [obj("old", "1", 600), obj("late", "2", 30), obj("later", "3", 20)],
        [obj("old", "1", 600)],
    )
    rpo = rpo_report(seen, [PAIR], T0, T0 - timedelta(seconds=300))
    assert rpo.objects_seconds == pytest.approx(20)
    assert rpo.newest_unreplicated_object == "hub-local-dataset-x/later"
    assert rpo.unreplicated_objects == 2


def test_an_object_changed_since_replication_counts_as_not_replicated() -> None:
    seen = observation([obj("a", "new-etag", 45)], [obj("a", "old-etag", 500)])
    assert rpo_report(seen, [PAIR], T0, None).objects_seconds == pytest.approx(45)


def test_a_fully_replicated_site_loses_no_object() -> None:
    seen = observation([obj("a", "1", 100)], [obj("a", "1", 100)])
    rpo = rpo_report(seen, [PAIR], T0, T0 - timedelta(seconds=60))
    assert rpo.objects_seconds == 0
    assert rpo.unreplicated_objects == 0


def test_dataset_keys_are_never_replicated_so_the_newest_sets_the_keys_rpo() -> None:
    seen = observation([obj("a", "1", 100)], [obj("a", "1", 100)])
    rpo = rpo_report(seen, [PAIR], T0, None)
    assert rpo.keys_seconds == pytest.approx(900)
    assert rpo.overall_seconds == pytest.approx(900)


def test_without_the_primary_the_rpo_is_bounded_by_the_last_replication() -> None:
    rpo = rpo_report(None, [PAIR], T0, T0 - timedelta(seconds=240), "production")
    assert rpo.overall_seconds == pytest.approx(240)
    assert "production" in rpo.method


def run_at(layer: Layer, start: float, end: float, status: str = "done") -> LayerRun:
    run = LayerRun(f"local-dr-{layer.value}", layer, status)  # type: ignore[arg-type]
    run.started, run.finished = 1000.0 + start, 1000.0 + end
    run.changes = {"create": 5}
    return run


def step(start: float, end: float, cloud: bool = True) -> ResourceStep:
    return ResourceStep(urn=f"u{start}", type="t", op="create", start=start, end=end, cloud=cloud)


@pytest.fixture
def report(tmp_path: Path) -> DrillReport:
    plan = prepare("local", "local-dr", Scenario.REGION_LOSS)
    layers = [
        layer_report(run_at(Layer.NETWORK, 0, 10), 1000.0, [step(2, 8)], None, tmp_path),
        layer_report(run_at(Layer.KMS, 0, 6), 1000.0, [step(1, 3), step(2, 4)], None, tmp_path),
        layer_report(run_at(Layer.STORAGE, 6, 9), 1000.0, [], None, tmp_path),
        layer_report(run_at(Layer.COMPUTE, 10, 40), 1000.0, [step(12, 38)], None, tmp_path),
    ]
    restored = RestoredContainer(
        purpose="dataset-synthetic-cohorts",
        source="hub-local-dataset-synthetic-cohorts-replica",
        target="hub-local-dr-dataset-synthetic-cohorts",
        objects=3,
        bytes=30,
        verified=3,
        start=9.0,
        end=12.5,
    )
    restore = RestoreReport(
        containers=[restored],
        not_restored=not_restorable(plan.site, plan.target, 1),
        start=9.0,
        end=12.5,
    )
    seen = observation([obj("a", "1", 100), obj("b", "2", 30)], [obj("a", "1", 100)])
    return DrillReport(
        drill_id="local-dr-test",
        site="local",
        target="local-dr",
        scenario=Scenario.REGION_LOSS,
        source_region="LOCAL1",
        target_region="LOCAL2",
        separation="project hub-dr",
        backend="DIY file backend /tmp/x",
        mode="parallel",
        started_at=T0,
        finished_at=T0 + timedelta(seconds=50),
        commit="abc1234",
        outcome=Outcome.PASSED,
        rto=rto_report(layers, restore),
        rpo=rpo_report(seen, [PAIR], T0, T0 - timedelta(seconds=60)),
        layers=layers,
        restore=restore,
        checks=[Check(layer="compute", name="instance x ACTIVE", passed=True, detail="ACTIVE")],
        not_verified=[],
        cleanup=Cleanup(kept=False, destroyed=True, seconds=20.0, detail="Destroyed."),
    )


def test_a_layer_is_timed_from_its_run_on_the_drill_clock(report: DrillReport) -> None:
    compute = report.layers[3]
    assert (compute.start, compute.end, compute.seconds) == (10.0, 40.0, 30.0)
    assert compute.waited_for == ["network", "kms"]


def test_tool_time_is_the_layer_time_not_spent_waiting_on_the_cloud(report: DrillReport) -> None:
    kms = report.layers[1]
    assert kms.cloud_wait_seconds == pytest.approx(3.0)
    assert kms.tool_seconds == pytest.approx(3.0)


def test_the_rto_ends_with_the_last_layer_or_the_restore_whichever_is_later(
    report: DrillReport,
) -> None:
    assert report.rto.rebuild_seconds == 40.0
    assert report.rto.total_seconds == 40.0
    assert report.rto.restore_seconds == pytest.approx(3.5)


def test_a_restore_finishing_after_the_rebuild_extends_the_rto() -> None:
    restore = RestoreReport(containers=[], not_restored=[], start=40.0, end=55.0)
    assert rto_report([], restore).total_seconds == 55.0


def test_the_markdown_states_site_scenario_and_the_measured_figures(report: DrillReport) -> None:
    text = render_markdown(report)
    assert "local → local-dr (region-loss)" in text
    assert "**RTO** | **40.0 s**" in text
    assert "| compute | `local-dr-compute` | network, kms | 10.0 | 40.0 | 30.0 s |" in text
    assert "PASSED" in text


def test_the_markdown_says_what_could_not_be_restored_and_why(report: DrillReport) -> None:
    text = render_markdown(report)
    assert "**dataset keys (as Barbican secrets)**" in text
    assert "recovers its material in the DR region from escrow" in text
    assert "1 object(s) written after the last replication pass" in text


def test_the_report_directory_holds_json_markdown_and_a_png_chart(
    report: DrillReport, tmp_path: Path
) -> None:
    paths = write_report(report, tmp_path / "out")
    assert paths["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert load_report(tmp_path / "out") == report
    assert paths["markdown"].read_text() == render_markdown(report)


def test_a_failed_drill_says_so_first(report: DrillReport) -> None:
    failed = report.model_copy(update={"outcome": Outcome.FAILED, "failure": "checks failed: x"})
    assert "**Result: FAILED: checks failed: x**" in render_markdown(failed)


def test_replica_pairs_are_the_containers_the_storage_layer_replicates(synth: Synth) -> None:
    result = synth("local-storage")
    declared = {
        r.inputs["name"]
        for r in result.resources
        if r.type.endswith("Container") and r.inputs.get("name", "").endswith("-replica")
    }
    plan = prepare("local", "local-dr", Scenario.REGION_LOSS)
    assert {p.replica for p in replication.replica_pairs(plan.site)} == declared


def test_an_interrupted_drill_says_what_exists_and_how_to_converge(report: DrillReport) -> None:
    stopped = report.model_copy(
        update={
            "outcome": Outcome.INTERRUPTED,
            "failure": "stopped by Ctrl-C",
            "cleanup": Cleanup(
                kept=True,
                destroyed=False,
                seconds=None,
                detail="Interrupted: nothing was destroyed. What exists: local-dr-network (47 "
                "resources). Run the same command again: it converges these stacks.",
            ),
        }
    )
    text = render_markdown(stopped)
    assert "**Result: INTERRUPTED" in text
    assert "What exists: local-dr-network (47 resources)" in text
