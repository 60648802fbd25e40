"""A Markdown summary for a pull-request comment: verdict, counts, one table per rule."""

from __future__ import annotations

from policies.evaluate import Report
from policies.formats.common import by_rule, summary
from policies.references import REQUIREMENTS, RULE_REQUIREMENTS


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Report) -> str:
    verdict = "❌ **Policy check failed**" if report.mandatory else "✅ **Policy check passed**"
    lines = [f"### {verdict}", "", summary(report), ""]
    for rule, violations in by_rule(report):
        level = violations[0].enforcement.value
        refs = ", ".join(REQUIREMENTS[r].citation for r in RULE_REQUIREMENTS.get(rule.id, ()))
        lines += [
            f"#### `{rule.id}` ({level}, {rule.severity.value}): {_cell(rule.description)}",
            "",
            f"Fix: {_cell(rule.remediation)}  ",
            f"Requirements: {_cell(refs)}",
            "",
            "| Resource | Location | Finding |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| `{_cell(v.urn.rsplit('::', 1)[-1])}` | "
            f"{'`' + _cell(str(v.location)) + '`' if v.location else ''} | {_cell(v.message)} |"
            for v in violations
        ]
        lines.append("")
    if report.suppressed:
        lines += ["<details><summary>Suppressed findings</summary>", ""]
        lines += [
            f"- `{v.policy}` on `{v.urn}`: {v.suppressed.reason if v.suppressed else ''}"
            for v in report.suppressed
        ]
        lines += ["", "</details>"]
    return "\n".join(lines).rstrip() + "\n"
