"""`hubctl drill` refuses unsafe requests with exit 2 before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubcore.paths import REPO_ROOT
from hubctl.cli import app
from hubctl.drill import journal
from hubctl.drill.context import Drill
from hubctl.drill.journal import Journal
from hubctl.drill.model import Scenario
from hubctl.drill.plan import DrillRefused, prepare
from hubctl.drill.start import rebuild_backend

cli = CliRunner()


def test_a_production_target_exits_2_with_the_reason() -> None:
    result = cli.invoke(app, ["drill", "--site", "local", "--to", "prod"])
    assert result.exit_code == 2
    assert "production" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_an_unknown_scenario_is_a_usage_error() -> None:
    result = cli.invoke(app, ["drill", "--site", "local", "--to", "local-dr", "--scenario", "x"])
    assert result.exit_code == 2


def test_a_site_without_a_replica_region_has_nothing_to_replicate() -> None:
    result = cli.invoke(app, ["replicate", "--site", "local-dr"])
    assert result.exit_code == 2
    assert "replicaRegion" in result.output


@pytest.fixture
def drill_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(journal, "DRILL_STATE", tmp_path)
    return tmp_path


def _run(scenario: Scenario, environ: dict[str, str] | None = None) -> Drill:
    plan = prepare("local", "local-dr", scenario)
    return Drill(plan=plan, report_dir=Path("unused"), environ=environ or {})


def test_state_loss_rebuilds_into_a_fresh_empty_backend(drill_state: Path) -> None:
    stale = drill_state / "local-dr-fresh-backend"
    stale.mkdir()
    (stale / "leftover").write_text("x")
    url, resumed = rebuild_backend(_run(Scenario.STATE_LOSS), Journal.of("local-dr"))
    assert url == f"file://{stale}"
    assert list(stale.iterdir()) == []
    assert not resumed


def test_region_loss_rebuilds_into_the_dr_sites_own_backend(drill_state: Path) -> None:
    # local-dr's hub:stateBackend in stacks/sites.yaml, relative to the repository
    url, resumed = rebuild_backend(_run(Scenario.REGION_LOSS), Journal.of("local-dr"))
    assert url == f"file://{REPO_ROOT}/.state/backend"
    assert not resumed


def test_region_loss_rebuilds_where_hub_state_backend_moves_the_dr_site(drill_state: Path) -> None:
    drill = _run(Scenario.REGION_LOSS, {"HUB_STATE_BACKEND": "file:///srv/dr-state"})
    assert rebuild_backend(drill, Journal.of("local-dr")) == ("file:///srv/dr-state", False)


def test_region_loss_with_a_conflicting_pulumi_backend_url_is_refused(drill_state: Path) -> None:
    with pytest.raises(DrillRefused, match="never splits a site's stacks"):
        rebuild_backend(
            _run(Scenario.REGION_LOSS, {"PULUMI_BACKEND_URL": "file:///elsewhere"}),
            Journal.of("local-dr"),
        )


def test_the_drill_command_refuses_a_conflicting_pulumi_backend_url_before_anything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PULUMI_BACKEND_URL", "file:///elsewhere")
    monkeypatch.delenv("HUB_STATE_BACKEND", raising=False)
    result = cli.invoke(app, ["drill", "--site", "local", "--to", "local-dr"])
    assert result.exit_code == 2
    assert f"file://{REPO_ROOT}/.state/backend" in result.output


def test_an_interrupted_drill_is_resumed_in_its_own_backend(drill_state: Path) -> None:
    Journal.of("local-dr").save(scenario="state-loss", status="interrupted", backend="file:///b")
    url, resumed = rebuild_backend(_run(Scenario.STATE_LOSS), Journal.of("local-dr"))
    assert (url, resumed) == ("file:///b", True)


def test_stacks_left_by_another_scenario_are_never_duplicated(drill_state: Path) -> None:
    Journal.of("local-dr").save(scenario="region-loss", status="kept", backend="file:///b")
    with pytest.raises(DrillRefused, match="region-loss drill of local-dr left its stacks"):
        rebuild_backend(_run(Scenario.STATE_LOSS), Journal.of("local-dr"))


def test_a_cleaned_up_drill_leaves_no_journal(drill_state: Path) -> None:
    journal = Journal.of("local-dr")
    journal.save(status="running", backend="file:///b")
    assert json.loads((drill_state / "local-dr.journal.json").read_text())["status"] == "running"
    journal.forget()
    assert not (drill_state / "local-dr.journal.json").exists()
