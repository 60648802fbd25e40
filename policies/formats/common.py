"""What the formats share: ordering, grouping and a stable fingerprint per finding."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from policies.evaluate import Report, Violation
from policies.registry import Enforcement, Rule, Severity

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


def fingerprint(violation: Violation) -> str:
    """Stable across runs for the same rule, resource and message: code scanning dedupes on it."""
    text = f"{violation.policy}\0{violation.urn}\0{violation.message}"
    return hashlib.sha256(text.encode()).hexdigest()


def summary(report: Report) -> str:
    mandatory = len(report.mandatory)
    advisory = len(report.violations) - mandatory
    targets = ", ".join(report.targets)
    suppressed = f", {len(report.suppressed)} suppressed" if report.suppressed else ""
    return (
        f"{targets}: {report.resources} resources, {mandatory} mandatory and {advisory} "
        f"advisory violations{suppressed}"
    )
