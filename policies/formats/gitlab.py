"""GitLab Code Quality JSON: a list of issues with description, check_name, fingerprint,
severity and location.path/lines.begin, the fields GitLab requires. `location.path` is always a
repository file (a -c value is filed at the stack-file line where its key belongs), because the
merge-request widget and the diff annotations match issues to changed files."""

from __future__ import annotations

import json

from policies.evaluate import Report
from policies.fingerprint import fingerprint
from policies.formats.common import ordered, place
from policies.registry import Enforcement, Severity

# GitLab's severities: info, minor, major, critical, blocker.
SEVERITY = {
    Severity.LOW: "minor",
    Severity.MEDIUM: "major",
    Severity.HIGH: "critical",
    Severity.CRITICAL: "blocker",
}


def render(report: Report) -> str:
    issues = []
    for violation in ordered(report.violations):
        where = place(violation)
        description = f"{violation.policy}: {violation.message}"
        if where.command_line is not None:
            description += f" (value given on the command line: {where.command_line})"
        severity = (
            SEVERITY[violation.severity]
            if violation.enforcement is Enforcement.MANDATORY
            else "info"
        )
        issues.append(
            {
                "type": "issue",
                "description": description,
                "check_name": violation.policy,
                "categories": ["Security"],
                "fingerprint": fingerprint(violation),
                "severity": severity,
                "location": {"path": where.uri, "lines": {"begin": where.line}},
            }
        )
    return json.dumps(issues, indent=2)
