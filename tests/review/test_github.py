"""GitHub: hubctl's SARIF passes Microsoft's SARIF multitool with GitHub's ingestion rules
(`validate --rule-kind "Gh;Sarif"`) with zero errors, and the workflow template is a valid
workflow."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubcore.paths import REPO_ROOT
from hubctl.cli import app

TOOLS = REPO_ROOT / "ci" / "node_modules"
# The platform binary itself: the npm wrapper passes its arguments through a shell, which cuts
# "Gh;Sarif" at the semicolon and silently drops the SARIF rules.
MULTITOOL = TOOLS / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
ERROR = re.compile(r": error (?P<rule>[A-Z]+\d+)")

CASES = {
    "non-eu-region-by-option": ["--stack", "staging-network", "-c", "openstack:region=UK1"],
    "open-admin-ports": ["--stack", "staging-network", "-c", 'hub:adminCidrs=["0.0.0.0/0"]'],
    "unknown-region-and-sovereign-state": [
        "--stack", "dr-storage", "-c", "openstack:region=us-east-1", "-c", "hub:stateBackend=s3://x",
    ],
    "clean-production-site": ["--stack", "prod-network", "--stack", "prod-kms"],
}  # fmt: skip


def validate(path: Path) -> tuple[list[str], dict]:
    log = path.with_suffix(".validation.sarif")
    result = subprocess.run(
        [str(MULTITOOL), "validate", str(path), "--rule-kind", "Gh;Sarif", "-o", str(log)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [m["rule"] for m in ERROR.finditer(result.stdout)], json.loads(log.read_text())


@pytest.mark.parametrize("case", CASES)
def test_the_sarif_multitool_finds_no_error_with_githubs_rules(tmp_path: Path, case: str):
    path = tmp_path / f"{case}.sarif"
    result = CliRunner().invoke(app, ["check", *CASES[case], "--format", "sarif", "-o", str(path)])
    assert result.exit_code in (0, 1), result.output
    errors, log = validate(path)
    assert errors == []
    levels = [r.get("level", "warning") for r in log["runs"][0]["results"]]
    assert "error" not in levels


def test_the_multitool_does_report_githubs_rules(tmp_path: Path):
    # The control: without $schema, GitHub's rule GH1013 fires, so a clean run means something.
    path = tmp_path / "findings.sarif"
    CliRunner().invoke(app, ["check", *CASES["open-admin-ports"], "-f", "sarif", "-o", str(path)])
    document = json.loads(path.read_text())
    del document["$schema"]
    path.write_text(json.dumps(document))
    assert validate(path)[0] == ["GH1013"]


VALIDATOR = TOOLS / ".bin" / "action-validator"
TEMPLATE = REPO_ROOT / "ci" / "github" / "hub-check.yml"


def test_the_github_template_is_a_valid_workflow():
    result = subprocess.run([str(VALIDATOR), str(TEMPLATE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_refuses_a_broken_workflow(tmp_path: Path):
    broken = tmp_path / "broken.yml"
    broken.write_text(TEMPLATE.read_text().replace("runs-on:", "runs_on:"))
    result = subprocess.run([str(VALIDATOR), str(broken)], capture_output=True, text=True)
    assert result.returncode != 0


def test_the_github_template_uploads_sarif_and_lists_stacks_with_hubctl():
    text = TEMPLATE.read_text()
    assert "github/codeql-action/upload-sarif" in text and "security-events: write" in text
    assert "hubctl pipeline stacks --site" in text and "--format sarif" in text


AUDIT_TEMPLATE = REPO_ROOT / "ci" / "github" / "hub-audit.yml"


def test_the_scheduled_audit_workflow_is_a_valid_workflow():
    result = subprocess.run([str(VALIDATOR), str(AUDIT_TEMPLATE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_audit_workflow_runs_on_a_schedule_and_uploads_sarif_and_artifacts():
    import yaml

    workflow = yaml.safe_load(AUDIT_TEMPLATE.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    steps = workflow["jobs"]["audit"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif") for u in uses)
    assert any(u.startswith("actions/upload-artifact") for u in uses)
    assert any("hubctl audit --site" in step.get("run", "") for step in steps)


def test_an_audits_sarif_passes_githubs_rules(tmp_path: Path):
    """Drift filed at a program line, an unmanaged resource filed nowhere in particular, a
    partial inventory: every result still lands on a repository file and line."""
    import dataclasses

    from hubcore.values import Location
    from hubctl.targets import target_of_synth
    from policies.config import PackConfig
    from policies.evaluate import evaluate
    from policies.formats import Format, render
    from policies.model import AuditFacts, AuditFinding, AuditKind
    from synth.synthesis import synthesize

    target = target_of_synth(synthesize("staging-network", {}))
    live = "urn:pulumi:staging-live::hub::openstack:blockstorage/volume:Volume::by-hand~1234"
    drift_line = Location("infra/layers/network.py", 66)
    findings = (
        AuditFinding(AuditKind.DRIFT, target.resources[1].urn, "drifted: tags", drift_line),
        AuditFinding(AuditKind.UNMANAGED, live, "in no state"),
        AuditFinding(AuditKind.INCOMPLETE, live, "partial: block-storage unreachable"),
    )
    site = dataclasses.replace(target.site, audit=AuditFacts(findings))
    report = evaluate(dataclasses.replace(target, site=site), PackConfig())
    path = tmp_path / "audit.sarif"
    path.write_text(render(report, Format.SARIF))
    errors, _ = validate(path)
    assert errors == []
    assert {r["ruleId"] for r in json.loads(path.read_text())["runs"][0]["results"]} >= {
        "audit-drift", "audit-unmanaged", "audit-incomplete"
    }  # fmt: skip
