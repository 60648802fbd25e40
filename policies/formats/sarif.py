"""SARIF 2.1.0 for code scanning: one run, the pack's rules as reportingDescriptors, one result
per violation with its physical location (the config or program line) and the URN as a logical
location. Advisory findings are warnings, mandatory ones errors."""

from __future__ import annotations

import json
from typing import Any

from hubcore.values import COMMAND_LINE
from policies.evaluate import Report, Violation
from policies.formats.common import fingerprint, ordered
from policies.references import REQUIREMENTS, RULE_REQUIREMENTS
from policies.registry import Enforcement, Rule, Severity

TOOL = "hubctl-check"
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
    location: dict[str, Any] = {
        "logicalLocations": [{"fullyQualifiedName": violation.urn, "kind": "resource"}],
    }
    where = violation.location
    if where is not None and where.file != COMMAND_LINE:
        physical: dict[str, Any] = {"artifactLocation": {"uri": where.file}}
        if where.line:
            physical["region"] = {"startLine": where.line}
        location["physicalLocation"] = physical
    message = violation.message
    if where is not None and where.file == COMMAND_LINE:
        message += " (value given on the command line with -c)"
    return {
        "ruleId": violation.policy,
        "ruleIndex": index,
        "level": _level(violation.enforcement),
        "message": {"text": message},
        "locations": [location],
        "partialFingerprints": {"hubctlFinding/v1": fingerprint(violation)},
        "properties": {"enforcement": violation.enforcement.value, "urn": violation.urn},
    }


def render(report: Report) -> str:
    index = {rule.id: i for i, rule in enumerate(report.rules)}
    document = {
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
                "results": [_result(v, index[v.policy]) for v in ordered(report.violations)],
                "properties": {"targets": report.targets, "resources": report.resources},
            }
        ],
    }
    return json.dumps(document, indent=2)
