"""GitHub Actions workflow commands, one per finding, as conftest's `github` output does:
`::error file=F,line=N,title=RULE::message` for mandatory findings and `::warning` for advisory
ones, so that the run's log and the pull request's diff carry them without any upload. Values
are escaped as the Actions toolkit escapes them (`%`, CR and LF everywhere; `:` and `,` too in
properties), so a message can never end the command early or forge another one.
"""

from __future__ import annotations

from policies.evaluate import Report, Violation
from policies.formats.common import ordered, place, summary
from policies.registry import Enforcement


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(violation: Violation) -> str:
    where = place(violation)
    level = "error" if violation.enforcement is Enforcement.MANDATORY else "warning"
    message = f"{violation.message} ({violation.urn})"
    if where.command_line is not None:
        message += f" (value given on the command line: {where.command_line})"
    properties = {"file": where.uri, "line": str(where.line), "title": violation.policy}
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{level} {rendered}::{escape_data(message)}"


def render(report: Report) -> str:
    lines = [_command(v) for v in ordered(report.violations)]
    lines += [
        f"::notice title={escape_property(v.policy)}::"
        + escape_data(f"suppressed on {v.urn}: {v.suppressed.reason if v.suppressed else ''}")
        for v in ordered(report.suppressed)
    ]
    lines.append(escape_data(summary(report)))
    return "\n".join(lines)
