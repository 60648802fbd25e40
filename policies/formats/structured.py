"""The JSON report: `{"resources": N, "violations": [...]}`, the fields fixed by issue 3."""

from __future__ import annotations

import json

from policies.evaluate import Report


def render(report: Report) -> str:
    return json.dumps(
        {
            "resources": report.resources,
            "violations": [v.to_json() for v in report.violations],
        },
        indent=2,
    )
