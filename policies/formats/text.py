"""The terminal report: violations grouped by rule, mandatory first, coloured on a tty."""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from rich.markup import escape

from policies.evaluate import Report
from policies.formats.common import by_rule, summary
from policies.registry import Enforcement

LEVEL_STYLE = {Enforcement.MANDATORY: "bold red", Enforcement.ADVISORY: "yellow"}


def render(report: Report, *, colour: bool = False) -> str:
    buffer = StringIO()
    console = Console(
        file=buffer,
        force_terminal=colour,
        no_color=not colour,
        highlight=False,
        width=120,
        soft_wrap=True,
    )
    for rule, violations in by_rule(report):
        level = violations[0].enforcement
        style = LEVEL_STYLE.get(level, "")
        console.print(
            f"[{style}]{level.value.upper()}[/] [bold]{rule.id}[/] ({rule.severity.value}): "
            f"{escape(rule.description)}"
        )
        for violation in violations:
            where = f" [dim]at {escape(str(violation.location))}[/]" if violation.location else ""
            console.print(f"  - {escape(violation.urn)}{where}")
            console.print(f"    {escape(violation.message)}")
        console.print(f"    [dim]fix: {escape(rule.remediation)}[/]")
        console.print()
    for violation in report.suppressed:
        reason = violation.suppressed.reason if violation.suppressed else ""
        console.print(
            f"[dim]suppressed {violation.policy} on {escape(violation.urn)}: {escape(reason)}[/]"
        )
    verdict = "[bold red]FAILED[/]" if report.mandatory else "[bold green]PASSED[/]"
    console.print(f"{verdict} {escape(summary(report))}")
    return buffer.getvalue().rstrip("\n")
