"""The drill's phases as run() chains them, offline: the judgement of how the rebuild and its
checks ended, and the order of the phases with what each hands the next."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hubcore.stacks import Layer
from hubctl.deploy import LAYERS, LayerRun, Status
from hubctl.drill import runner
from hubctl.drill.assemble import judge
from hubctl.drill.context import Ending, Records
from hubctl.drill.measures import layer_report
from hubctl.drill.model import Check, LayerReport, Outcome, Scenario
from hubctl.drill.plan import prepare
from hubctl.drill.runner import DrillRun

FINISHED = datetime(2026, 1, 1, tzinfo=UTC)


def _layers(status: Status = "done", failed: Layer | None = None) -> list[LayerReport]:
    return [
        layer_report(
            LayerRun(f"local-dr-{layer.value}", layer, "failed" if layer is failed else status),
            0.0,
            [],
            None,
            Path("."),
        )
        for layer in LAYERS
    ]


def _ending(outcome: Outcome = Outcome.PASSED, failure: str | None = None) -> Ending:
    return Ending(outcome=outcome, failure=failure, finished_at=FINISHED)


def test_a_drill_that_ran_through_with_every_layer_and_check_passes() -> None:
    records = Records(verified=True, checks=[Check(layer="x", name="c", passed=True, detail="")])
    assert judge(_ending(), _layers(), records) == _ending()
    assert records.not_verified == []


def test_a_layer_not_rebuilt_and_a_failed_check_fail_a_drill_that_ran_through() -> None:
    records = Records(verified=True, checks=[Check(layer="x", name="c", passed=False, detail="")])
    ending = judge(_ending(), _layers(failed=Layer.STORAGE), records)
    assert ending.outcome is Outcome.FAILED
    assert ending.failure == "layers not rebuilt: local-dr-storage; checks failed: c"
    assert ending.finished_at == FINISHED


def test_a_failed_restore_is_a_failed_check() -> None:
    records = Records(verified=True, restore_error="OSError: gone")
    ending = judge(_ending(), _layers(), records)
    assert records.checks == [
        Check(layer="storage", name="restore", passed=False, detail="OSError: gone")
    ]
    assert (ending.outcome, ending.failure) == (Outcome.FAILED, "checks failed: restore")


def test_a_drill_stopped_before_verifying_says_so_and_keeps_its_reason() -> None:
    records = Records()
    stopped = _ending(Outcome.INTERRUPTED, "stopped by Ctrl-C")
    assert judge(stopped, _layers("waiting"), records) == stopped
    assert [(n.item, n.reason) for n in records.not_verified] == [
        ("the rebuilt site", "verification did not run: stopped by Ctrl-C")
    ]


def test_run_chains_the_phases_in_order_and_cleans_up_with_the_judged_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run() looks its phases up in runner: each gets what the one before it made, and the
    clean-up gets the judged outcome (the report's may differ: missed targets fail it too)."""
    calls: list[str] = []
    seen: dict[str, tuple[Any, ...]] = {}

    def phase(name: str, result: Any = None) -> Any:
        def call(*args: Any) -> Any:
            calls.append(name)
            seen[name] = args
            return result

        return call

    start = type("Start", (), {"target_cloud": "cloud", "env": {"E": "1"}})()
    loss = type("Loss", (), {"t0": 5.0})()
    primary, layers, report = object(), _layers(), object()
    judged = _ending(Outcome.FAILED, "checks failed: c")
    monkeypatch.setattr(runner, "begin", phase("begin", start))
    monkeypatch.setattr(runner, "observe_primary", phase("observe_primary", primary))
    monkeypatch.setattr(runner, "lose_primary", phase("lose_primary", loss))
    monkeypatch.setattr(runner, "rebuild", phase("rebuild"))
    monkeypatch.setattr(runner, "boot_and_check_hosts", phase("boot_and_check_hosts"))
    monkeypatch.setattr(runner, "check_layers", phase("check_layers"))
    monkeypatch.setattr(runner, "check_state", phase("check_state"))
    monkeypatch.setattr(runner, "layer_reports", phase("layer_reports", layers))
    monkeypatch.setattr(runner, "judge", phase("judge", judged))
    monkeypatch.setattr(runner, "assemble_report", phase("assemble_report", report))
    monkeypatch.setattr(runner, "finish", phase("finish", report))

    drill = DrillRun(plan=prepare("local", "local-dr", Scenario.STATE_LOSS), report_dir=tmp_path)
    assert drill.run() is report
    assert calls == [
        "begin",
        "observe_primary",
        "lose_primary",
        "rebuild",
        "boot_and_check_hosts",
        "check_layers",
        "check_state",
        "layer_reports",
        "judge",
        "assemble_report",
        "finish",
    ]
    assert seen["observe_primary"] == (drill, start)
    assert seen["lose_primary"] == (drill, start, primary)
    assert seen["boot_and_check_hosts"][1:3] == ("cloud", 5.0)
    assert seen["check_layers"][1:3] == ("cloud", {"E": "1"})
    ending = seen["judge"][0]
    assert (ending.outcome, ending.failure) == (Outcome.PASSED, None)
    assert seen["judge"][1] is layers
    assert seen["assemble_report"][4:] == (layers, judged)
    assert seen["finish"][3:] == (report, Outcome.FAILED)
    assert (tmp_path / "events").is_dir()
