"""The evidence page's facts, gathered from the pack, the site's stacks and the reports.

For every requirement of the pack's references (policies/references.py: SecNumCloud, HDS, ANSSI
RGS B1, PA-079, BP-028 and the project's own), the rules that enforce it and each rule's verdict
on every stack of the site, judged now, offline, as `hubctl check` judges them; the pack's
suppressions with their reasons; the requirements no rule enforces yet, listed as such; the
latest drill's RTO, RPO, checks and timeline (reports/drill-*/); research-workspace closures
with their evidence when reports/workspaces/*.json exist; the site's latest live audit
(reports/audits/, `hubctl audit`: when, as whom, whether partial, what it found); when and
from which commit the page was made. `hubctl evidence` writes them as evidence.json and renders
them as the page (hubctl/evidence/page.py).
"""

from __future__ import annotations

import gc
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hubcore.paths import REPO_ROOT, relative
from hubcore.values import ConfigError
from hubctl.commands.common import fail_usage
from hubctl.commands.pipeline import site_graph
from hubctl.drill.model import DrillReport
from hubctl.drill.report import CHART_NAME, JSON_NAME, duration
from hubctl.evidence.model import (
    Airlock,
    AirlockProject,
    Audit,
    Counts,
    DatasetFacts,
    DrillFacts,
    Evidence,
    ExemptionRow,
    Finding,
    LastDrill,
    Recovery,
    RequirementRow,
    RuleRow,
    Shredded,
    StackCount,
    SuppressionRow,
)
from hubctl.gitcommit import head_of
from hubctl.targets import target_of_synth
from policies.config import PackConfig
from policies.evaluate import Target, Violation, evaluate
from policies.formats.common import place
from policies.references import REQUIREMENTS, RULE_REQUIREMENTS
from policies.registry import Enforcement, Rule, Scope
from synth.synthesis import synthesize

AUDIT_FAMILY = "audit"

# A rule's verdict on one stack.
PASS, FAIL, ADVISORY, SUPPRESSED, NOT_APPLICABLE, DISABLED = (
    "pass",
    "fail",
    "advisory",
    "suppressed",
    "not applicable",
    "disabled",
)


@dataclass
class StackResult:
    stack: str
    resources: int
    violations: list[Violation]
    suppressed: list[Violation]
    verdicts: dict[str, str] = field(default_factory=dict)


def verdict(
    rule: Rule,
    level: Enforcement,
    target: Target,
    found: list[Violation],
    suppressed: list[Violation],
) -> str:
    """pass, fail (a mandatory finding), advisory (findings at an advisory level), suppressed
    (every finding suppressed with a reason), not applicable (nothing the rule judges), or
    disabled (the pack config turns it off)."""
    if level is Enforcement.DISABLED:
        return DISABLED
    if rule.family == AUDIT_FAMILY:
        return NOT_APPLICABLE  # judged on the live cloud only: the latest audit section
    mine = [v for v in found if v.policy == rule.id]
    if any(v.enforcement is Enforcement.MANDATORY for v in mine):
        return FAIL
    if mine:
        return ADVISORY
    if any(v.policy == rule.id for v in suppressed):
        return SUPPRESSED
    if rule.scope is not Scope.STACK and not any(rule.applies(r) for r in target.resources):
        return NOT_APPLICABLE
    return PASS


def judge_stack(stack: str, config: PackConfig) -> tuple[StackResult, list[Rule]]:
    try:
        result = synthesize(stack, {})
    except ConfigError as error:
        fail_usage(str(error))
    gc.collect()
    target = target_of_synth(result)
    report = evaluate(target, config)
    judged = StackResult(stack, report.resources, report.violations, report.suppressed)
    for rule in report.rules:
        judged.verdicts[rule.id] = verdict(
            rule, config.enforcement(rule), target, report.violations, report.suppressed
        )
    return judged, report.rules


def latest_drill(site: str, reports: Path) -> tuple[DrillReport, Path] | None:
    """The newest drill report of `site` (as protected site or as DR target)."""
    found: list[tuple[DrillReport, Path]] = []
    for path in sorted(reports.glob(f"drill-*/{JSON_NAME}")):
        try:
            drill = DrillReport.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError, ValueError) as error:
            fail_usage(f"{relative(path)}: not a drill report: {str(error).splitlines()[0]}")
        if site in (drill.site, drill.target):
            found.append((drill, path.parent))
    return max(found, key=lambda pair: pair[0].started_at) if found else None


def drills_of(site: str, reports: Path) -> list[DrillReport]:
    """Every drill report that protected `site` (it was the site rebuilt elsewhere)."""
    found = []
    for path in sorted(reports.glob(f"drill-*/{JSON_NAME}")):
        try:
            drill = DrillReport.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError, ValueError):
            continue  # latest_drill names an unreadable report
        if drill.site == site:
            found.append(drill)
    return found


def recovery_facts(site: str, reports: Path, now: datetime) -> dict[str, Any]:
    """`recovery_of` as evidence.json holds it."""
    return recovery_of(site, reports, now).model_dump()


def recovery_of(site: str, reports: Path, now: datetime) -> Recovery:
    """The site's targets against the last measured values, and whether its last passing drill
    is older than hub:drillMaxAge (or there is none): a stale site is flagged."""
    from hubctl.deploy import site_config

    try:
        config = site_config(site)
    except ConfigError as error:
        fail_usage(str(error))
    drills = drills_of(site, reports)
    last = max(drills, key=lambda d: d.started_at, default=None)
    passing = [d for d in drills if d.outcome.value == "passed"]
    last_pass = max(passing, key=lambda d: d.started_at, default=None)
    max_age = config.drill_max_age.total_seconds()
    age = (now - last_pass.started_at).total_seconds() if last_pass else None
    stale = age is None or age > max_age
    return Recovery(
        rto_target_seconds=config.rto_target.total_seconds() if config.rto_target else None,
        rpo_target_seconds=config.rpo_target.total_seconds() if config.rpo_target else None,
        drill_max_age_seconds=max_age,
        last_drill=(
            LastDrill(
                drill_id=last.drill_id,
                started_at=last.started_at.isoformat(timespec="seconds"),
                outcome=last.outcome.value,
                rto_seconds=last.rto.total_seconds,
                rpo_seconds=last.rpo.overall_seconds,
                targets=last.targets,
                datasets=[
                    DatasetFacts(
                        dataset=d.dataset,
                        objects=d.objects,
                        verified=d.verified,
                        lost=len(d.lost),
                        rpo_seconds=d.rpo_seconds,
                    )
                    for d in last.datasets
                ],
            )
            if last
            else None
        ),
        last_passing_drill_at=last_pass.started_at.isoformat(timespec="seconds")
        if last_pass
        else None,
        last_passing_drill_age_seconds=age,
        stale=stale,
        stale_reason=(
            "no passing drill of this site in the reports"
            if last_pass is None
            else f"the last passing drill is {duration(age)} old, more than hub:drillMaxAge "
            f"{duration(max_age)}"
            if stale
            else ""
        ),
    )


def workspace_closures(site: str, reports: Path) -> list[dict[str, Any]]:
    """Closure records of research workspaces (reports/workspaces/*.json) of this site."""
    closures = []
    for path in sorted((reports / "workspaces").glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            fail_usage(f"{relative(path)}: not a workspace closure record: {error}")
        if not isinstance(data, dict):
            fail_usage(f"{relative(path)}: a workspace closure record must be a JSON object")
        if data.get("site", site) == site:
            closures.append({"file": relative(path), **data})
    return closures


def airlock_of(site: str, closures: list[dict[str, Any]], live: bool) -> Airlock:
    """Every airlock request per project: from the closing records of closed workspaces, and,
    with `live`, from the ledgers of the open ones (the operator's OS_* credentials)."""
    projects: list[AirlockProject] = [
        AirlockProject(
            workspace=str(c.get("workspace") or c["file"]),
            source=f"closing record {c['file']}",
            requests=list(c.get("airlock") or []),
            unreadable=list(c.get("airlock_unreadable") or []),
        )
        for c in closures
        if c.get("airlock")
    ]
    not_read: list[str] = []
    from hubctl.workspaces.opened import opened_workspaces

    opened = opened_workspaces(site)
    if not live:
        not_read = sorted(opened)
    else:
        projects.extend(_live_airlock(site, opened))
    return Airlock(projects=projects, not_read=not_read, live=live)


def _live_airlock(site: str, opened: dict[str, Any]) -> list[AirlockProject]:
    import os

    from hubcore.stackfiles import load_layered_config
    from hubctl.airlock.history import history
    from hubctl.airlock.store import Store
    from hubctl.cloud import connect_from_env
    from infra.config import validate_config
    from infra.layers.workspace import AirlockNames

    if "OS_AUTH_URL" not in os.environ:
        fail_usage("--airlock reads the open workspaces' ledgers: set the operator's OS_* first")
    network = f"{site}-network"
    officers = list(validate_config(network, load_layered_config(network)).data_officers)
    found = []
    for workspace, entry in sorted(opened.items()):
        names = AirlockNames.of(site, workspace, officers)
        project = (entry.spec.project if entry.spec else None) or f"hub-{site}-ws-{workspace}"
        try:
            conn = connect_from_env({**os.environ, "OS_PROJECT_NAME": project})
            requests, problems = history(Store(conn, names))
        except Exception as error:  # an unreachable ledger is reported on the page, not hidden
            requests, problems = [], [f"{names.ledger}: {error}"]
        read_at = datetime.now(UTC).isoformat(timespec="seconds")
        found.append(
            AirlockProject(
                workspace=workspace,
                source=f"ledger {names.ledger} (read {read_at})",
                requests=requests,
                unreadable=problems,
            )
        )
    return found


def shred_records(site: str, reports: Path) -> list[Shredded]:
    """Crypto-shredding records of this site's datasets (reports/datasets/*-shredded-*.json)."""
    found = []
    for path in sorted((reports / "datasets").glob("*-shredded-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            fail_usage(f"{relative(path)}: not a shredding record: {error}")
        if isinstance(data, dict) and data.get("site") == site:
            checks = data.get("checks") or []
            found.append(
                Shredded(
                    file=relative(path),
                    dataset=data.get("dataset"),
                    at=data.get("finished_at") or data.get("started_at"),
                    keys=len(data.get("keys") or []),
                    escrow_versions_deleted=data.get("escrow_versions_deleted"),
                    checks_passed=sum(bool(c.get("passed")) for c in checks),
                    checks=len(checks),
                )
            )
    return found


def latest_audit(site: str, reports: Path) -> Audit | None:
    """The site's latest live audit (reports/audits/, written by `hubctl audit`), as facts."""
    from hubctl.audit.record import RecordError, latest_record

    try:
        found = latest_record(site, reports)
    except RecordError as error:
        fail_usage(str(error))
    if found is None:
        return None
    record, path = found
    return Audit(
        record=relative(path) if path.is_relative_to(REPO_ROOT) else str(path),
        started_at=record.started_at.isoformat(timespec="seconds"),
        seconds=record.seconds,
        partial=record.partial,
        exit_code=record.exit_code,
        user=record.identity.get("user"),
        roles=record.identity.get("roles", []),
        projects=record.projects,
        counts=record.counts,
        gaps=record.gaps,
        findings=[f for f in record.findings if not f.get("suppressed")],
    )


def commit_of(root: Path) -> str:
    head = head_of(root, dirty=True)
    if head is None:
        return "unknown (not a git checkout)"
    return head.commit + (" (with uncommitted changes)" if head.dirty else "")


def _finding(stack: str, violation: Violation) -> Finding:
    where = place(violation)
    return Finding(
        stack=stack,
        rule=violation.policy,
        enforcement=violation.enforcement.value,
        severity=violation.severity.value,
        urn=violation.urn,
        location=f"{where.uri}:{where.line}",
        message=violation.message,
    )


def build(
    site: str, config: PackConfig, reports: Path, now: datetime, live_airlock: bool = False
) -> dict[str, Any]:
    """`collect` as evidence.json holds it."""
    return collect(site, config, reports, now, live_airlock).model_dump()


def collect(
    site: str, config: PackConfig, reports: Path, now: datetime, live_airlock: bool = False
) -> Evidence:
    """The evidence as data: what the page shows and evidence.json holds."""
    stacks = [str(node.stack) for node in site_graph(site)]
    results: list[StackResult] = []
    rules: list[Rule] = []
    for stack in stacks:
        judged, rules = judge_stack(stack, config)
        results.append(judged)
    enabled = {rule.id for rule in rules if config.enforcement(rule) is not Enforcement.DISABLED}
    enforcing: dict[str, list[str]] = {requirement: [] for requirement in REQUIREMENTS}
    for rule in rules:
        for requirement in RULE_REQUIREMENTS.get(rule.id, ()):
            enforcing.setdefault(requirement, []).append(rule.id)
    requirements = [
        RequirementRow(
            id=r.id,
            framework=r.framework,
            citation=r.citation,
            summary=r.summary,
            verified=r.verified,
            rules=enforcing[r.id],
            enforced=any(rule in enabled for rule in enforcing[r.id]),
        )
        for r in REQUIREMENTS.values()
    ]
    rule_rows = [
        RuleRow(
            id=rule.id,
            description=rule.description,
            severity=rule.severity.value,
            enforcement=config.enforcement(rule).value,
            requirements=list(RULE_REQUIREMENTS.get(rule.id, ())),
            verdicts={result.stack: result.verdicts[rule.id] for result in results},
        )
        for rule in rules
    ]
    applied = {(v.policy, v.urn) for result in results for v in result.suppressed}
    suppressions = [
        SuppressionRow(rule=s.rule, urn=s.urn, reason=s.reason, applied=(s.rule, s.urn) in applied)
        for s in config.suppressions
    ]
    # Every exemption still in force, with who answers for it and when it ends (an expired one
    # exempts nothing and is a finding of exemption-expired instead).
    day = now.date()
    exemptions = [
        ExemptionRow(
            kind=e.kind,
            rule=e.rule,
            target=e.target,
            owner=e.owner,
            reason=e.reason,
            ticket=e.ticket,
            expires=e.expires.isoformat() if e.expires else None,
        )
        for e in sorted(config.exemptions(), key=lambda e: (e.expires or day, e.rule, e.target))
        if not e.expired(day)
    ]
    drill = latest_drill(site, reports)
    workspaces = workspace_closures(site, reports)
    audit = latest_audit(site, reports)
    findings = [_finding(r.stack, v) for r in results for v in r.violations]
    recovery = recovery_of(site, reports, now)
    shredded = shred_records(site, reports)
    airlock = airlock_of(site, workspaces, live_airlock)
    unenforced = [r.id for r in requirements if not r.enforced]
    verdict_cells = [r.verdicts[rule.id] for r in results for rule in rules]
    counts = Counts(
        requirements=len(requirements),
        unenforced=len(unenforced),
        rules=len(rule_rows),
        verdicts=len(verdict_cells),
        failing_verdicts=verdict_cells.count(FAIL),
        findings=len(findings),
        suppressions=len(suppressions),
        exemptions=len(exemptions),
        drill_checks=len(drill[0].checks) if drill else 0,
        workspaces=len(workspaces),
        airlock_requests=sum(len(p.requests) for p in airlock.projects),
        airlock_releases=sum(1 for p in airlock.projects for r in p.requests if r.get("released")),
        recovery_targets=2,  # RTO and RPO, declared or not
        recovery_datasets=len(recovery.last_drill.datasets) if recovery.last_drill else 0,
        shredded=len(shredded),
        audit_findings=len(audit.findings) if audit else 0,
    )
    return Evidence(
        site=site,
        generated_at=now.isoformat(timespec="seconds"),
        commit=commit_of(REPO_ROOT),
        stacks=[StackCount(stack=r.stack, resources=r.resources) for r in results],
        requirements=requirements,
        unenforced=unenforced,
        rules=rule_rows,
        findings=findings,
        suppressions=suppressions,
        exemptions=exemptions,
        drill=_drill_facts(*drill) if drill else None,
        recovery=recovery,
        shredded=shredded,
        workspaces=workspaces,
        airlock=airlock,
        audit=audit,
        counts=counts,
    )


def _drill_facts(drill: DrillReport, folder: Path) -> DrillFacts:
    chart = folder / CHART_NAME
    return DrillFacts(
        report=relative(folder / JSON_NAME),
        drill_id=drill.drill_id,
        site=drill.site,
        target=drill.target,
        scenario=drill.scenario.value,
        outcome=drill.outcome.value,
        started_at=drill.started_at.isoformat(timespec="seconds"),
        rto_seconds=drill.rto.total_seconds,
        rpo_seconds=drill.rpo.overall_seconds,
        checks=drill.checks,
        timeline=relative(chart) if chart.is_file() else None,
    )
