"""`hubctl evidence`: the auditor's page, opened in headless Chromium (Debian's chromium and
chromium-driver): it renders, its screenshot is not blank, the rows of its tables are the counts
of the JSON report beside it, and every internal link lands on an element of the page."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from hubctl.audit.record import AuditRecord, write_record
from hubctl.cli import app
from hubctl.drill.model import DrillReport
from hubctl.drill.report import write_report
from policies.references import REQUIREMENTS
from tests.policies.conftest import ending
from tests.review.browser import browser

T0 = datetime(2026, 11, 29, 2, 0, 0, tzinfo=UTC)
SUPPRESSED_URN = "urn:pulumi:local-network::hub::pulumi:providers:openstack::openstack"


def drill(drill_id: str, started: datetime, rto: float, passed: bool) -> DrillReport:
    layer = {
        "stack": "local-dr-network", "layer": "network", "status": "done", "waited_for": [],
        "start": 0.0, "end": rto, "seconds": rto, "engine_seconds": int(rto), "changes": {},
        "cloud_wait_seconds": rto / 2, "tool_seconds": rto / 2, "steps": [], "log": None,
        "events_log": None,
    }  # fmt: skip
    return DrillReport.model_validate(
        {
            "drill_id": drill_id, "site": "local", "target": "local-dr",
            "scenario": "region-loss", "source_region": "LOCAL1", "target_region": "LOCAL2",
            "separation": "project", "backend": "file", "mode": "parallel",
            "started_at": started, "finished_at": started + timedelta(seconds=rto),
            "commit": "abc", "outcome": "passed" if passed else "failed",
            "rto": {"total_seconds": rto, "rebuild_seconds": rto, "restore_seconds": 0.0,
                    "per_layer_seconds": {"network": rto}, "cloud_wait_seconds": rto / 2,
                    "tool_seconds": rto / 2},
            "rpo": {"objects_seconds": 30.0, "keys_seconds": 90.0, "overall_seconds": 90.0,
                    "newest_unreplicated_object": None, "newest_unreplicated_key": "k",
                    "unreplicated_objects": 0, "last_sync": None,
                    "since_last_sync_seconds": None, "method": "measured"},
            "layers": [layer],
            "restore": {"containers": [], "not_restored": [], "start": None, "end": None},
            "checks": [
                {"layer": "network", "name": "subnets exist", "passed": True, "detail": "4/4"},
                {"layer": "storage", "name": "objects restored", "passed": passed,
                 "detail": "3/3"},
                {"layer": "compute", "name": "instances ACTIVE", "passed": True, "detail": "3"},
            ],
            "not_verified": [],
            "cleanup": {"kept": False, "destroyed": True, "seconds": 5.0, "detail": "done"},
        }
    )  # fmt: skip


def _airlock_request(request_id: str, state: str, released: bool) -> dict[str, Any]:
    return {
        "id": request_id,
        "state": state,
        "reason": "table 2 of the paper",
        "submitter": "hub-local-ws-cohort-a-alice",
        "files": [{"name": "table2.csv", "sha256": "ab" * 32, "size": 120}],
        "findings": []
        if released
        else [
            {"check": "small-cell", "file": "table2.csv", "location": "row 3, column 2 ('n')",
             "severity": "blocking", "message": "count 7 is below the small-cell threshold 10"}
        ],
        "transitions": [],
        "decisions": {"officer-1": {"decision": "approve", "at": "2026-11-30T09:00:00Z",
                                    "reason": "ok", "user": "officer-1"},
                      "officer-2": {"decision": "approve", "at": "2026-11-30T09:10:00Z",
                                    "reason": "ok", "user": "officer-2"}}
        if released
        else {},
        "approvers": ["officer-1", "officer-2"] if released else [],
        "released": {"container": "hub-local-release-cohort-a", "project_id": "p",
                     "objects": [f"{request_id}/table2.csv"], "by": "hub-admin",
                     "at": "2026-11-30T09:20:00Z"}
        if released
        else None,
    }  # fmt: skip


AIRLOCK_RELEASED = _airlock_request("r-20261130T085000Z-aaaaaa", "released", True)
AIRLOCK_BLOCKED = _airlock_request("r-20261130T085500Z-bbbbbb", "blocked", False)


def audit(site: str, started: datetime, findings: int) -> AuditRecord:
    return AuditRecord(
        site=site, started_at=started, finished_at=started + timedelta(seconds=3), seconds=3.0,
        partial=False, exit_code=1 if findings else 0,
        identity={"user": "auditor", "roles": ["reader"], "least_privilege": True},
        backend="s3://hub-local-state", stacks=["local-network"],
        projects=[{"project": "hub-local", "id": "p", "region": "LOCAL1"}],
        counts={"live": 90, "unmanaged": findings, "drifted": 0, "missing": 0}, gaps=[],
        findings=[
            {"policy": "audit-unmanaged", "enforcement": "mandatory", "severity": "medium",
             "urn": f"urn:pulumi:local-live::hub::openstack:blockstorage/volume:Volume::v{i}",
             "message": f"Volume v{i} is in no state", "location": "Pulumi.yaml:1",
             "suppressed": None}
            for i in range(findings)
        ],
    )  # fmt: skip


AUDITED = T0 + timedelta(days=2, hours=3)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    reports = tmp_path_factory.mktemp("reports")
    write_report(drill("old", T0, 500.0, False), reports / "drill-old")
    write_report(drill("latest", T0 + timedelta(days=1), 125.0, True), reports / "drill-latest")
    (reports / "workspaces").mkdir()
    (reports / "workspaces" / "cohort-a.json").write_text(
        json.dumps(
            {
                "site": "local",
                "workspace": "cohort-a",
                "closed_at": "2026-11-30T10:00:00Z",
                "evidence": {"containers_deleted": 2, "keys_destroyed": 1},
                "airlock": [AIRLOCK_RELEASED, AIRLOCK_BLOCKED],
            }
        )
    )
    (reports / "workspaces" / "other-site.json").write_text(json.dumps({"site": "prod"}))
    (reports / "datasets").mkdir()
    (reports / "datasets" / "local-synthetic-claims-shredded-20261130T020000Z.json").write_text(
        json.dumps(
            {"site": "local", "dataset": "synthetic-claims", "keys": ["k1"],
             "escrow_versions_deleted": 4, "finished_at": "2026-11-30T02:00:00Z",
             "checks": [{"check": "key k1 is gone", "passed": True}]}
        )
    )  # fmt: skip
    write_record(audit("local", T0, 5), reports)
    write_record(audit("local", AUDITED, 2), reports)
    write_record(audit("local-dr", AUDITED + timedelta(hours=1), 7), reports)
    config = tmp_path_factory.mktemp("config") / "pack.json"
    # Turning off every rule of the state's sovereignty (the backend, the secrets provider, and
    # the configuration sources and environment that can name others) leaves STATE-SOVEREIGN
    # with no rule: it must show as such.
    config.write_text(
        json.dumps(
            {
                "stack-sovereign-backend": "disabled",
                "stack-sovereign-secrets-provider": "disabled",
                "stack-config-sources": "disabled",
                "stack-environment": "disabled",
                "region-eu-only": {
                    "suppress": [
                        {
                            "urn": SUPPRESSED_URN,
                            "reason": "audit example, no finding",
                            **ending(),
                        }
                    ]
                },
            }
        )
    )
    out = tmp_path_factory.mktemp("evidence")
    result = CliRunner().invoke(
        app,
        ["evidence", "--site", "local", "--output", str(out), "--reports", str(reports),
         "--policy-config", str(config)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "evidence.json").read_text())


@pytest.fixture(scope="module")
def page(generated) -> dict[str, Any]:
    out, _ = generated
    with browser() as chromium:
        chromium.open((out / "index.html").as_uri())
        seen = chromium.script(
            """
            const rows = {};
            for (const t of document.querySelectorAll('table[id^="table-"]'))
              rows[t.id.slice(6)] = t.querySelectorAll('tbody > tr').length;
            const links = [...document.querySelectorAll('a[href^="#"]')]
              .map(a => a.getAttribute('href'));
            const external = [...document.querySelectorAll('[src],link[href],script[src]')]
              .map(e => e.getAttribute('src') || e.getAttribute('href'))
              .filter(u => !u.startsWith('data:'));
            const img = document.getElementById('drill-timeline');
            return {title: document.title, rows, links,
                    broken: links.filter(h => !document.getElementById(h.slice(1))),
                    external, imageWidth: img ? img.naturalWidth : 0,
                    rto: document.getElementById('drill-rto').textContent,
                    text: document.body.innerText};
            """
        )
        seen["screenshot"] = chromium.screenshot()
    return seen


def test_the_page_renders_with_its_title(page):
    assert page["title"] == "Evidence: site local"
    assert "Compliance evidence" in page["text"]


def test_the_screenshot_is_not_blank(page):
    image = Image.open(io.BytesIO(page["screenshot"])).convert("RGB")
    assert image.size[0] >= 800
    colours = image.getcolors(maxcolors=1 << 20) or []
    background = max(colours)[0] if colours else 0
    assert len(colours) > 50  # text, tables, header: not one flat colour
    assert background < 0.95 * image.size[0] * image.size[1]


def test_table_rows_equal_the_json_reports_counts(page, generated):
    _, facts = generated
    counts = facts["counts"]
    assert page["rows"] == {
        "requirements": counts["requirements"],
        "unenforced": counts["unenforced"],
        "verdicts": counts["rules"],
        "findings": counts["findings"],
        "suppressions": counts["suppressions"],
        "drill-checks": counts["drill_checks"],
        "workspaces": counts["workspaces"],
        "airlock": counts["airlock_requests"],
        "recovery-targets": counts["recovery_targets"],
        "recovery-datasets": counts["recovery_datasets"],
        "shredded": counts["shredded"],
        "audit-findings": counts["audit_findings"],
        "exemptions": counts["exemptions"],
    }


def test_every_internal_link_resolves_and_nothing_is_fetched(page):
    assert page["links"] and page["broken"] == []
    assert page["external"] == []
    assert page["imageWidth"] > 100  # the timeline chart, embedded


def test_every_requirement_of_the_references_is_listed(generated):
    _, facts = generated
    assert [r["id"] for r in facts["requirements"]] == list(REQUIREMENTS)
    assert {r["framework"] for r in facts["requirements"]} >= {
        "SecNumCloud 3.2", "HDS", "ANSSI RGS B1", "ANSSI PA-079", "ANSSI BP-028",
    }  # fmt: skip


def test_a_requirement_no_enabled_rule_enforces_is_listed_as_such(generated, page):
    _, facts = generated
    assert facts["unenforced"] == ["STATE-SOVEREIGN"]
    assert "NOT ENFORCED" in page["text"]


def test_each_rule_has_a_verdict_on_every_stack(generated):
    _, facts = generated
    stacks = {s["stack"] for s in facts["stacks"]}
    assert stacks == {f"local-{layer}" for layer in ("network", "kms", "storage", "compute")}
    for rule in facts["rules"]:
        assert set(rule["verdicts"]) == stacks, rule["id"]
    by_id = {rule["id"]: rule for rule in facts["rules"]}
    assert set(by_id["stack-sovereign-backend"]["verdicts"].values()) == {"disabled"}
    assert facts["counts"]["verdicts"] == len(facts["rules"]) * len(stacks)


def test_suppressions_are_shown_with_their_reason(generated, page):
    _, facts = generated
    assert facts["suppressions"] == [
        {"rule": "region-eu-only", "urn": SUPPRESSED_URN,
         "reason": "audit example, no finding", "applied": False}
    ]  # fmt: skip
    assert "audit example, no finding" in page["text"]


def test_the_latest_drill_is_shown_with_rto_rpo_and_checks(generated, page):
    _, facts = generated
    assert facts["drill"]["drill_id"] == "latest"
    assert (facts["drill"]["rto_seconds"], facts["drill"]["rpo_seconds"]) == (125.0, 90.0)
    assert page["rto"] == "2 min 05.0 s"
    assert facts["counts"]["drill_checks"] == 3


def test_recovery_targets_are_shown_against_the_last_drill(generated, page):
    _, facts = generated
    recovery = facts["recovery"]
    assert (recovery["rto_target_seconds"], recovery["rpo_target_seconds"]) == (1800.0, 3600.0)
    assert recovery["last_drill"]["drill_id"] == "latest"
    assert "Recovery objectives: targets and last measured" in page["text"]


def test_the_staleness_flag_agrees_between_page_and_json(generated, page):
    # Whether it is stale depends on today's date (tests/drill/test_targets.py fixes the clock).
    _, facts = generated
    assert ("STALE" in page["text"]) == facts["recovery"]["stale"]


def test_shredded_datasets_are_listed(generated, page):
    _, facts = generated
    assert [s["dataset"] for s in facts["shredded"]] == ["synthetic-claims"]
    assert "Crypto-shredded datasets" in page["text"]


def test_only_the_sites_workspace_closures_are_shown(generated, page):
    _, facts = generated
    assert [w["workspace"] for w in facts["workspaces"]] == ["cohort-a"]
    assert "keys_destroyed" in page["text"]


def test_the_airlock_shows_each_release_with_both_approvers_and_the_findings(generated, page):
    _, facts = generated
    assert facts["counts"]["airlock_requests"] == 2 and facts["counts"]["airlock_releases"] == 1
    (project,) = facts["airlock"]["projects"]
    assert project["workspace"] == "cohort-a"
    assert "officer-1, officer-2" in page["text"]
    assert "count 7 is below the small-cell threshold 10" in page["text"]
    assert "ab" * 32 in page["text"]


def test_generation_time_and_commit_are_recorded(generated):
    _, facts = generated
    assert datetime.fromisoformat(facts["generated_at"]).tzinfo is not None
    assert len(facts["commit"].split()[0]) == 40


def test_a_malformed_drill_report_is_a_usage_error(tmp_path: Path):
    (tmp_path / "drill-x").mkdir()
    (tmp_path / "drill-x" / "report.json").write_text("{}")
    result = CliRunner().invoke(
        app, ["evidence", "--site", "local", "-o", str(tmp_path / "o"), "--reports", str(tmp_path)]
    )
    assert result.exit_code == 2 and "not a drill report" in result.stderr
    assert not (tmp_path / "o" / "index.html").exists()


def test_the_latest_audit_of_the_site_is_shown_with_when_and_what_it_found(generated, page):
    _, facts = generated
    assert facts["audit"]["started_at"] == AUDITED.isoformat(timespec="seconds")
    assert facts["counts"]["audit_findings"] == 2  # not the older audit's 5, nor local-dr's 7
    assert AUDITED.isoformat(timespec="seconds") in page["text"] and "Volume v1" in page["text"]


def test_the_audit_rules_are_not_judged_on_a_stack(generated):
    _, facts = generated
    verdicts = {r["id"]: set(r["verdicts"].values()) for r in facts["rules"]}
    assert verdicts["audit-drift"] == {"not applicable"}
