"""What the formats share: ordering, grouping, the fingerprint and the file each finding is
filed against."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath

from hubcore.paths import relative
from hubcore.stackfiles import stack_file
from hubcore.stacks import StackName
from hubcore.values import COMMAND_LINE, Location
from policies.evaluate import Report, Violation
from policies.fingerprint import fingerprint
from policies.registry import Enforcement, Rule, Severity

__all__ = ["Place", "by_rule", "fingerprint", "ordered", "place", "summary"]

# The one file every checkout of the project has: the last resort of `place`.
PROJECT_FILE = "Pulumi.yaml"

SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3}


def ordered(violations: list[Violation]) -> list[Violation]:
    """Mandatory first, then by severity, rule and URN: the order a reviewer reads."""
    return sorted(
        violations,
        key=lambda v: (
            v.enforcement is not Enforcement.MANDATORY,
            SEVERITY_ORDER[v.severity],
            v.policy,
            v.urn,
        ),
    )


def by_rule(report: Report) -> list[tuple[Rule, list[Violation]]]:
    rules = {rule.id: rule for rule in report.rules}
    groups: dict[str, list[Violation]] = defaultdict(list)
    for violation in ordered(report.violations):
        groups[violation.policy].append(violation)
    return [(rules[rule_id], found) for rule_id, found in groups.items()]


@dataclass(frozen=True)
class Place:
    """Where a consumer that needs a file (SARIF, Code Quality, GitHub annotations) files a
    finding: a repository-relative file, a line from 1, and the -c option when the value came
    from the command line."""

    uri: str
    line: int
    command_line: str | None = None


def _in_repository(file: str) -> bool:
    path = PurePosixPath(file)
    return bool(file) and not path.is_absolute() and ".." not in path.parts


def _stack_file_of(urn: str) -> str | None:
    """`stacks/Pulumi.<stack>.yaml` for a URN of one of the project's stacks."""
    stack = StackName.try_parse(urn.removeprefix("urn:pulumi:").split("::", 1)[0])
    return relative(stack_file(stack)) if stack is not None else None


def place(violation: Violation) -> Place:
    """Always a file and a line: the value's own line; for a -c value, the stack-file line where
    its key belongs; else the finding's stack file; else the project file."""
    where: Location | None = violation.location
    if where is not None and where.file == COMMAND_LINE:
        command_line = f"-c {where.override}" if where.override else "-c"
        home = where.home
        if home is not None and _in_repository(home.file):
            return Place(home.file, home.line or 1, command_line)
        return Place(_stack_file_of(violation.urn) or PROJECT_FILE, 1, command_line)
    if where is not None and _in_repository(where.file):
        return Place(where.file, where.line or 1)
    return Place(_stack_file_of(violation.urn) or PROJECT_FILE, 1)


def summary(report: Report) -> str:
    mandatory = len(report.mandatory)
    advisory = len(report.violations) - mandatory
    targets = ", ".join(report.targets)
    suppressed = f", {len(report.suppressed)} suppressed" if report.suppressed else ""
    return (
        f"{targets}: {report.resources} resources, {mandatory} mandatory and {advisory} "
        f"advisory violations{suppressed}"
    )
