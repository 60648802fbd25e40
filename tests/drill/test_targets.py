"""Targets as policy: a drill over its RTO or RPO target fails and says by how much; the
evidence page flags a site whose last passing drill is older than hub:drillMaxAge."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hubctl.commands.evidence import recovery_facts
from hubctl.deploy import site_config
from hubctl.drill.model import DrillReport, Outcome
from hubctl.drill.report import write_report
from hubctl.drill.targets import judge_targets
from tests.drill.test_report import T0, report  # noqa: F401 - the report fixture


def test_an_rto_at_its_target_meets_it(report: DrillReport) -> None:  # noqa: F811
    rto = report.rto.total_seconds
    (target,) = [t for t in judge_targets(report, site_config("local"), rto) if t.name == "RTO"]
    assert target.met and target.over_by_seconds is None


def test_an_rto_one_second_over_its_target_misses_it_by_one_second(
    report: DrillReport,  # noqa: F811
) -> None:
    rto = report.rto.total_seconds
    (target,) = [t for t in judge_targets(report, site_config("local"), rto - 1) if t.name == "RTO"]
    assert not target.met and target.over_by_seconds == pytest.approx(1.0)


def test_the_site_declared_targets_apply_without_overrides(report: DrillReport) -> None:  # noqa: F811
    judged = {t.name: t.target_seconds for t in judge_targets(report, site_config("local"))}
    assert judged == {"RTO": 1800.0, "RPO": 3600.0}  # stacks/sites.yaml: 30m and 1h


def test_a_site_without_targets_is_not_judged(report: DrillReport) -> None:  # noqa: F811
    assert judge_targets(report, site_config("staging")) == []


def test_an_rpo_over_its_target_misses_it(report: DrillReport) -> None:  # noqa: F811
    rpo = report.rpo.overall_seconds
    assert rpo is not None
    (target,) = [
        t for t in judge_targets(report, site_config("local"), None, rpo / 2) if t.name == "RPO"
    ]
    assert not target.met and target.over_by_seconds == pytest.approx(rpo / 2)


def _store(report: DrillReport, folder: Path, days_old: float, outcome: Outcome) -> None:  # noqa: F811
    old = report.model_copy(
        update={"started_at": T0 - timedelta(days=days_old), "outcome": outcome}
    )
    write_report(old, folder / f"drill-{days_old}")


def test_a_passing_drill_within_the_max_age_is_fresh(report: DrillReport, tmp_path: Path) -> None:  # noqa: F811
    _store(report, tmp_path, 90, Outcome.PASSED)
    facts = recovery_facts("local", tmp_path, T0)
    assert facts["stale"] is False
    assert facts["last_drill"]["rto_seconds"] == report.rto.total_seconds


def test_a_passing_drill_a_second_past_the_max_age_is_stale(
    report: DrillReport,  # noqa: F811
    tmp_path: Path,
) -> None:
    _store(report, tmp_path, 90 + 1 / 86400, Outcome.PASSED)
    facts = recovery_facts("local", tmp_path, T0)
    assert facts["stale"] is True and "more than hub:drillMaxAge" in facts["stale_reason"]


def test_a_recent_failed_drill_does_not_make_a_site_fresh(
    report: DrillReport,  # noqa: F811
    tmp_path: Path,
) -> None:
    _store(report, tmp_path, 1, Outcome.FAILED)
    facts = recovery_facts("local", tmp_path, T0)
    assert facts["stale"] is True and facts["last_drill"]["outcome"] == "failed"
    assert facts["stale_reason"] == "no passing drill of this site in the reports"
