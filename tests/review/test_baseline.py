"""`hubctl check --baseline` / `--write-baseline`: old findings listed, new ones fail, fixed
ones listed, one fingerprint for SARIF, Code Quality and the baseline, bad files refused."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubcore.values import Location
from hubctl.cli import app
from policies.evaluate import Violation
from policies.fingerprint import fingerprint
from policies.registry import Enforcement, Severity

runner = CliRunner()
UK = ("--stack", "staging-network", "-c", "openstack:region=UK1")
OPEN_ADMIN = ("-c", 'hub:adminCidrs=["0.0.0.0/0"]')


def check(*args: str):
    return runner.invoke(app, ["check", *args])


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    path = tmp_path / "baseline.json"
    result = check(*UK, "--write-baseline", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_writing_a_baseline_records_every_finding_and_exits_0(recorded: Path):
    findings = json.loads(recorded.read_text())["findings"]
    # UK1 on staging: the EU rule (mandatory) and the SecNumCloud advisory, both on the provider.
    assert sorted(f["policy"] for f in findings) == [
        "qualification-secnumcloud-advisory",
        "region-eu-only",
    ]


def test_findings_the_baseline_knows_do_not_fail_but_are_listed(recorded: Path):
    result = check(*UK, "--baseline", str(recorded))
    assert result.exit_code == 0, result.output
    assert "known: region-eu-only on urn:pulumi:staging-network" in result.stderr
    assert "known to the baseline" in result.stdout  # the text report lists them as suppressed


def test_a_new_mandatory_finding_fails_and_is_named(recorded: Path):
    result = check(*UK, *OPEN_ADMIN, "--baseline", str(recorded), "--format", "json")
    assert result.exit_code == 1, result.output
    # SSH open to the world: the world-ingress rule and the administration-port rule both see it,
    # and an operators' range of 0.0.0.0/0 is not private address space.
    new = {"exposure-world-ingress", "exposure-admin-port-ssh", "stack-site-ranges-private"}
    assert {v["policy"] for v in json.loads(result.stdout)["violations"]} == new
    for policy in new:
        assert f"new: {policy}" in result.stderr


def test_findings_fixed_since_the_baseline_are_listed(recorded: Path):
    result = check("--stack", "staging-network", "--baseline", str(recorded))
    assert result.exit_code == 0, result.output
    assert "fixed: region-eu-only on urn:pulumi:staging-network" in result.stderr


def test_a_baseline_of_another_stack_reports_nothing_fixed_here(recorded: Path):
    result = check("--stack", "staging-kms", "--baseline", str(recorded))
    assert result.exit_code == 0, result.output
    assert "0 fixed since" in result.stderr


def test_sarif_gitlab_and_the_baseline_carry_the_same_fingerprint(recorded: Path):
    sarif = json.loads(check(*UK, "--format", "sarif").stdout)["runs"][0]["results"]
    gitlab = json.loads(check(*UK, "--format", "gitlab").stdout)
    baseline = json.loads(recorded.read_text())["findings"]
    from_sarif = {r["partialFingerprints"]["hubctlFinding/v1"] for r in sarif}
    assert from_sarif == {i["fingerprint"] for i in gitlab} == {f["fingerprint"] for f in baseline}


def _violation(message: str, line: int) -> Violation:
    return Violation(
        policy="region-eu-only",
        enforcement=Enforcement.MANDATORY,
        severity=Severity.CRITICAL,
        urn="urn:pulumi:prod-network::hub::pulumi:providers:openstack::openstack",
        message=message,
        location=Location("stacks/sites.yaml", line),
        description="",
    )


def test_the_fingerprint_does_not_move_with_lines():
    before = _violation("region set at stacks/sites.yaml:12 is not EU", 12)
    after = _violation("region set at stacks/sites.yaml:40 is not EU", 40)
    assert fingerprint(before) == fingerprint(after)


def test_the_fingerprint_tells_rules_resources_and_findings_apart():
    one = _violation("port 22 open", 3)
    assert fingerprint(one) != fingerprint(dataclasses.replace(one, message="port 3389 open"))
    assert fingerprint(one) != fingerprint(dataclasses.replace(one, urn=one.urn + "-2"))
    assert fingerprint(one) != fingerprint(dataclasses.replace(one, policy="other"))


def test_the_fingerprint_is_sha256_of_rule_urn_and_message():
    import hashlib

    one = _violation("port 22 open", 3)
    text = f"v1\0region-eu-only\0{one.urn}\0port 22 open"
    assert fingerprint(one) == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("not json", "not valid JSON"),
        ("[]", "the document"),
        ('{"version": 2}', "version"),
        (
            '{"version": 1, "tool": "hubctl-check", "created": "2026-01-01T00:00:00Z",'
            ' "targets": [], "findings": [{"fingerprint": "12"}]}',
            "findings[0].fingerprint",
        ),
        (
            '{"version": 1, "tool": "hubctl-check", "created": "2026-01-01T00:00:00Z",'
            ' "targets": [], "findings": [], "extra": 1}',
            "extra",
        ),
    ],
)
def test_a_bad_baseline_exits_2_naming_the_file_and_the_fault(tmp_path: Path, content, says):
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = check(*UK, "--baseline", str(path))
    assert result.exit_code == 2, result.output
    assert str(path) in result.stderr and says in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_baseline_exits_2(tmp_path: Path):
    result = check(*UK, "--baseline", str(tmp_path / "none.json"))
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_a_baseline_that_is_not_utf8_exits_2(tmp_path: Path):
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff\xfe{}")
    result = check(*UK, "--baseline", str(path))
    assert result.exit_code == 2 and "UTF-8" in result.stderr


def test_baseline_and_write_baseline_together_are_a_usage_error(tmp_path: Path):
    path = tmp_path / "b.json"
    result = check(*UK, "--baseline", str(path), "--write-baseline", str(path))
    assert result.exit_code == 2 and not path.exists()
