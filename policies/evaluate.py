"""Run the registry's rules over a set of resource views, in process: `hubctl check`'s core.

Every rule judges every resource it applies to (and the stack once for stack rules), whatever
scope the engine would give it, so offline results are a superset of what the engine sees. A
rule that raises is reported as a violation of that rule, on that resource, at the rule's level
(cdk-nag's habit): a broken mandatory rule blocks instead of silently passing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from hubcore.values import Location
from policies import clock
from policies.config import PackConfig, Suppression
from policies.model import Context, Outcome, ResourceView, SiteFacts, Status
from policies.registry import (
    REGISTRY,
    Enforcement,
    ResourceCheck,
    Rule,
    Scope,
    Severity,
    StackCheck,
)
from policies.rules import all_rules


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: Enforcement
    severity: Severity
    urn: str
    message: str
    location: Location | None
    description: str
    suppressed: Suppression | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "enforcement": self.enforcement.value,
            "severity": self.severity.value,
            "urn": self.urn,
            "message": self.message,
            "location": str(self.location) if self.location else None,
        }


@dataclass
class Target:
    """One thing checked: a stack's synthesized resources or a state export's."""

    name: str
    site: SiteFacts
    resources: list[ResourceView]
    stack_urn: str
    # Where findings with no better location point (the stack file, or the export file).
    fallback: Location | None = None


@dataclass
class Report:
    targets: list[str] = field(default_factory=list)
    resources: int = 0
    violations: list[Violation] = field(default_factory=list)
    suppressed: list[Violation] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement is Enforcement.MANDATORY]

    def extend(self, other: Report) -> None:
        self.targets += other.targets
        self.resources += other.resources
        self.violations += other.violations
        self.suppressed += other.suppressed
        self.rules = self.rules or other.rules


def _as_list(result: Outcome | Iterable[Outcome]) -> list[Outcome]:
    return [result] if isinstance(result, Outcome) else list(result)


def _matches(configured: str, value: str) -> bool:
    if configured.strip().lower() == value.strip().lower():
        return True
    try:
        decoded = json.loads(configured)
    except (json.JSONDecodeError, ValueError):
        return False
    leaves = decoded.values() if isinstance(decoded, dict) else decoded
    return isinstance(leaves, Iterable) and any(
        str(leaf).lower() == value.strip().lower() for leaf in leaves
    )


def locate(outcome: Outcome, resource: ResourceView | None, target: Target) -> Location | None:
    """The line a person edits: the config line of the offending value, else the program's."""
    site = target.site
    if outcome.location is not None:
        return outcome.location
    if outcome.value is not None:
        for key in outcome.config_keys:
            configured = site.config.get(key)
            if configured is not None and _matches(configured.value, outcome.value):
                return configured.location
    # A provider's declaring line is inside the SDK (.venv): not a line anyone edits.
    if (
        resource is not None
        and resource.source is not None
        and "site-packages" not in resource.source.file
    ):
        return resource.source
    if resource is None:
        for key in outcome.config_keys:
            if key in site.config:
                return site.config[key].location
    return target.fallback


def exemption_day(config: PackConfig) -> date:
    """The day exemptions are judged on: exemption-expired's asOf, else today (UTC)."""
    rule = REGISTRY.get("exemption-expired")
    settings = config.rule_config(rule) if rule is not None else {}
    try:
        return date.fromisoformat(str(settings.get("asOf") or ""))
    except ValueError:
        return clock.today()


def evaluate(target: Target, config: PackConfig) -> Report:
    rules = all_rules()
    report = Report(targets=[target.name], resources=len(target.resources), rules=rules)
    base = Context(
        site=target.site, resources=target.resources, exemptions=tuple(config.exemptions())
    )
    for rule in rules:
        level = config.enforcement(rule)
        if level is Enforcement.DISABLED:
            continue
        context = base.with_rule_config(config.rule_config(rule))
        if rule.scope is Scope.STACK:
            _record(report, rule, level, config, target, None, context)
            continue
        for resource in target.resources:
            if rule.applies(resource):
                _record(report, rule, level, config, target, resource, context)
    return report


def run_rule(rule: Rule, resource: ResourceView | None, context: Context) -> list[Outcome]:
    """The rule's outcomes; a rule that raises yields one FAIL that says so."""
    try:
        if resource is None:
            stack_check = cast(StackCheck, rule.check)
            return _as_list(stack_check(context))
        resource_check = cast(ResourceCheck, rule.check)
        return _as_list(resource_check(resource, context))
    except Exception as error:  # a crashing rule reports itself, it never aborts the run
        return [
            Outcome(
                Status.FAIL,
                f"rule {rule.id} crashed ({type(error).__name__}: {error}); the resource could not "
                "be judged, so it is reported instead of passed. Fix the rule.",
            )
        ]


def _record(
    report: Report,
    rule: Rule,
    level: Enforcement,
    config: PackConfig,
    target: Target,
    resource: ResourceView | None,
    context: Context,
) -> None:
    for outcome in run_rule(rule, resource, context):
        if outcome.status is not Status.FAIL:
            continue
        urn = outcome.urn or (resource.urn if resource else target.stack_urn)
        violation = Violation(
            policy=rule.id,
            enforcement=level,
            severity=rule.severity,
            urn=urn,
            message=outcome.message,
            location=locate(outcome, resource, target),
            description=rule.description,
            suppressed=config.suppression(rule.id, urn, exemption_day(config)),
        )
        (report.suppressed if violation.suppressed else report.violations).append(violation)
