"""GitLab Code Quality JSON: a list of issues with description, check_name, fingerprint,
severity and location.path/lines.begin, the fields GitLab requires."""

from __future__ import annotations

import json

from hubcore.values import COMMAND_LINE
from policies.evaluate import Report
from policies.formats.common import fingerprint, ordered
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
        location = violation.location
        in_file = location is not None and location.file != COMMAND_LINE
        severity = (
            SEVERITY[violation.severity]
            if violation.enforcement is Enforcement.MANDATORY
            else "info"
        )
        issues.append(
            {
                "type": "issue",
                "description": f"{violation.policy}: {violation.message}",
                "check_name": violation.policy,
                "categories": ["Security"],
                "fingerprint": fingerprint(violation),
                "severity": severity,
                "location": {
                    # Code Quality wants a repository path; a -c override has none, so the
                    # finding is filed against the stacks directory it overrides.
                    "path": location.file if location and in_file else "stacks/",
                    "lines": {"begin": location.line if location and location.line else 1},
                },
            }
        )
    return json.dumps(issues, indent=2)
