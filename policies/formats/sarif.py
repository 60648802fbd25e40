"""SARIF 2.1.0 for code scanning: one run, the pack's rules as reportingDescriptors, one result
per violation with its physical location (the config or program line) and the URN as a logical
location. Advisory findings are warnings, mandatory ones errors.

Every result has a physicalLocation with a repository-relative uri and a startLine: GitHub drops
results without one. A value given with -c points at the stack-file line where its key belongs,
and the option itself is kept in the result's properties (`commandLine`). Suppressed findings
(pack config, or known to a baseline) are results with a `suppressions` entry giving the reason,
so code scanning closes their alerts instead of losing track of them."""

from __future__ import annotations

import json
from typing import Any

from policies.evaluate import Report, Violation
from policies.fingerprint import fingerprint
from policies.formats.common import ordered, place
from policies.references import REQUIREMENTS, RULE_REQUIREMENTS
from policies.registry import Enforcement, Rule, Severity

TOOL = "hubctl-check"
# The final OASIS standard's schema (GitHub's ingestion rule GH1013 wants it named).
SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "hubctlFinding/v1"
# uris are relative to the repository root, which the run names as this base id.
ROOT = "%SRCROOT%"
VERSION = "0.1.0"
# GitHub ranks security alerts by this property (CVSS-like, 0-10).
SECURITY_SEVERITY = {
    Severity.LOW: "3.0",
    Severity.MEDIUM: "5.5",
    Severity.HIGH: "8.0",
    Severity.CRITICAL: "9.5",
}


def _level(enforcement: Enforcement) -> str:
    return "error" if enforcement is Enforcement.MANDATORY else "warning"


def _descriptor(rule: Rule) -> dict[str, Any]:
    references = [REQUIREMENTS[r] for r in RULE_REQUIREMENTS.get(rule.id, ())]
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.description},
        "fullDescription": {"text": rule.description},
        "help": {
            "text": f"{rule.remediation} Requirements: "
            + "; ".join(f"{r.id}: {r.citation}" for r in references)
        },
        "defaultConfiguration": {"level": _level(rule.enforcement)},
        "properties": {
            "tags": ["security", "sovereignty", rule.family, *(r.id for r in references)],
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }


def _result(violation: Violation, index: int) -> dict[str, Any]:
    where = place(violation)
    message = violation.message
    properties: dict[str, Any] = {"enforcement": violation.enforcement.value, "urn": violation.urn}
    if where.command_line is not None:
        message += f" (value given on the command line: {where.command_line})"
        properties["commandLine"] = where.command_line
    result: dict[str, Any] = {
        "ruleId": violation.policy,
        "ruleIndex": index,
        "level": _level(violation.enforcement),
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": where.uri, "uriBaseId": ROOT},
                    "region": {"startLine": where.line},
                },
                "logicalLocations": [{"fullyQualifiedName": violation.urn, "kind": "resource"}],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(violation)},
        "properties": properties,
    }
    if violation.suppressed is not None:
        result["suppressions"] = [
            {"kind": "external", "justification": violation.suppressed.reason}
        ]
    return result


def render(report: Report) -> str:
    index = {rule.id: i for i, rule in enumerate(report.rules)}
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL,
                        "version": VERSION,
                        "rules": [_descriptor(rule) for rule in report.rules],
                    }
                },
                "originalUriBaseIds": {ROOT: {"description": {"text": "the repository root"}}},
                "results": [
                    _result(v, index[v.policy])
                    for v in [*ordered(report.violations), *ordered(report.suppressed)]
                ],
                "properties": {"targets": report.targets, "resources": report.resources},
            }
        ],
    }
    return json.dumps(document, indent=2)
