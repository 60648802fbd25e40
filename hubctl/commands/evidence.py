"""`hubctl evidence --site S --output DIR`: one static page for an auditor, and its JSON twin.

For every requirement of the pack's references (policies/references.py: SecNumCloud, HDS, ANSSI
RGS B1, PA-079, BP-028 and the project's own), the rules that enforce it and each rule's verdict
on every stack of the site, judged now, offline, as `hubctl check` judges them; the pack's
suppressions with their reasons; the requirements no rule enforces yet, listed as such; the
latest drill's RTO, RPO, checks and timeline (reports/drill-*/); research-workspace closures
with their evidence when reports/workspaces/*.json exist; the site's latest live audit
(reports/audits/, `hubctl audit`: when, as whom, whether partial, what it found); when and
from which commit the page was made. `evidence.json` holds the same facts and counts as the
page (`index.html`), which has no external asset (styles inline, the chart as a data URI) and
works offline.
"""

from __future__ import annotations

import base64
import gc
import html
import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from hubcore.stackfiles import REPO_ROOT, relative
from hubcore.values import ConfigError
from hubctl.commands.common import fail_usage
from hubctl.commands.pipeline import site_graph
from hubctl.drill.model import DrillReport
from hubctl.drill.report import CHART_NAME, JSON_NAME, duration
from hubctl.sources import target_of_synth
from policies.config import PackConfig, PackConfigError, load_pack_config
from policies.evaluate import Target, Violation, evaluate
from policies.formats.common import place
from policies.references import REQUIREMENTS, RULE_REQUIREMENTS
from policies.registry import Enforcement, Rule, Scope
from synth.synthesis import synthesize

HTML_NAME = "index.html"
AUDIT_FAMILY = "audit"
EVIDENCE_JSON = "evidence.json"
REPORTS_DIR = REPO_ROOT / "reports"

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
    return {
        "rto_target_seconds": config.rto_target.total_seconds() if config.rto_target else None,
        "rpo_target_seconds": config.rpo_target.total_seconds() if config.rpo_target else None,
        "drill_max_age_seconds": max_age,
        "last_drill": (
            {
                "drill_id": last.drill_id,
                "started_at": last.started_at.isoformat(timespec="seconds"),
                "outcome": last.outcome.value,
                "rto_seconds": last.rto.total_seconds,
                "rpo_seconds": last.rpo.overall_seconds,
                "targets": [t.model_dump() for t in last.targets],
                "datasets": [
                    {
                        "dataset": d.dataset,
                        "objects": d.objects,
                        "verified": d.verified,
                        "lost": len(d.lost),
                        "rpo_seconds": d.rpo_seconds,
                    }
                    for d in last.datasets
                ],
            }
            if last
            else None
        ),
        "last_passing_drill_at": last_pass.started_at.isoformat(timespec="seconds")
        if last_pass
        else None,
        "last_passing_drill_age_seconds": age,
        "stale": stale,
        "stale_reason": (
            "no passing drill of this site in the reports"
            if last_pass is None
            else f"the last passing drill is {duration(age)} old, more than hub:drillMaxAge "
            f"{duration(max_age)}"
            if stale
            else ""
        ),
    }


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


def airlock_of(site: str, closures: list[dict[str, Any]], live: bool) -> dict[str, Any]:
    """Every airlock request per project: from the closing records of closed workspaces, and,
    with `live`, from the ledgers of the open ones (the operator's OS_* credentials)."""
    projects: list[dict[str, Any]] = [
        {
            "workspace": str(c.get("workspace") or c["file"]),
            "source": f"closing record {c['file']}",
            "requests": list(c.get("airlock") or []),
            "unreadable": list(c.get("airlock_unreadable") or []),
        }
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
    return {"projects": projects, "not_read": not_read, "live": live}


def _live_airlock(site: str, opened: dict[str, Any]) -> list[dict[str, Any]]:
    import os

    from hubcore.stackfiles import load_layered_config
    from hubctl.airlock.history import history
    from hubctl.airlock.store import Store
    from hubctl.deploy import connect_from_env
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
            {
                "workspace": workspace,
                "source": f"ledger {names.ledger} (read {read_at})",
                "requests": requests,
                "unreadable": problems,
            }
        )
    return found


def shred_records(site: str, reports: Path) -> list[dict[str, Any]]:
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
                {
                    "file": relative(path),
                    "dataset": data.get("dataset"),
                    "at": data.get("finished_at") or data.get("started_at"),
                    "keys": len(data.get("keys") or []),
                    "escrow_versions_deleted": data.get("escrow_versions_deleted"),
                    "checks_passed": sum(bool(c.get("passed")) for c in checks),
                    "checks": len(checks),
                }
            )
    return found


def latest_audit(site: str, reports: Path) -> dict[str, Any] | None:
    """The site's latest live audit (reports/audits/, written by `hubctl audit`), as facts."""
    from hubctl.audit.record import RecordError, latest_record

    try:
        found = latest_record(site, reports)
    except RecordError as error:
        fail_usage(str(error))
    if found is None:
        return None
    record, path = found
    return {
        "record": relative(path) if path.is_relative_to(REPO_ROOT) else str(path),
        "started_at": record.started_at.isoformat(timespec="seconds"),
        "seconds": record.seconds,
        "partial": record.partial,
        "exit_code": record.exit_code,
        "user": record.identity.get("user"),
        "roles": record.identity.get("roles", []),
        "projects": record.projects,
        "counts": record.counts,
        "gaps": record.gaps,
        "findings": [f for f in record.findings if not f.get("suppressed")],
    }


def commit_of(root: Path) -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "HEAD")
    if not head:
        return "unknown (not a git checkout)"
    return head + (" (with uncommitted changes)" if git("status", "--porcelain") else "")


def _finding(stack: str, violation: Violation) -> dict[str, Any]:
    where = place(violation)
    return {
        "stack": stack,
        "rule": violation.policy,
        "enforcement": violation.enforcement.value,
        "severity": violation.severity.value,
        "urn": violation.urn,
        "location": f"{where.uri}:{where.line}",
        "message": violation.message,
    }


def build(
    site: str, config: PackConfig, reports: Path, now: datetime, live_airlock: bool = False
) -> dict[str, Any]:
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
        {
            "id": r.id,
            "framework": r.framework,
            "citation": r.citation,
            "summary": r.summary,
            "verified": r.verified,
            "rules": enforcing[r.id],
            "enforced": any(rule in enabled for rule in enforcing[r.id]),
        }
        for r in REQUIREMENTS.values()
    ]
    rule_rows = [
        {
            "id": rule.id,
            "description": rule.description,
            "severity": rule.severity.value,
            "enforcement": config.enforcement(rule).value,
            "requirements": list(RULE_REQUIREMENTS.get(rule.id, ())),
            "verdicts": {result.stack: result.verdicts[rule.id] for result in results},
        }
        for rule in rules
    ]
    applied = {(v.policy, v.urn) for result in results for v in result.suppressed}
    suppressions = [
        {"rule": s.rule, "urn": s.urn, "reason": s.reason, "applied": (s.rule, s.urn) in applied}
        for s in config.suppressions
    ]
    # Every exemption still in force, with who answers for it and when it ends (an expired one
    # exempts nothing and is a finding of exemption-expired instead).
    day = now.date()
    exemptions = [
        {
            "kind": e.kind,
            "rule": e.rule,
            "target": e.target,
            "owner": e.owner,
            "reason": e.reason,
            "ticket": e.ticket,
            "expires": e.expires.isoformat() if e.expires else None,
        }
        for e in sorted(config.exemptions(), key=lambda e: (e.expires or day, e.rule, e.target))
        if not e.expired(day)
    ]
    drill = latest_drill(site, reports)
    workspaces = workspace_closures(site, reports)
    audit = latest_audit(site, reports)
    findings = [_finding(r.stack, v) for r in results for v in r.violations]
    evidence: dict[str, Any] = {
        "site": site,
        "generated_at": now.isoformat(timespec="seconds"),
        "commit": commit_of(REPO_ROOT),
        "stacks": [{"stack": r.stack, "resources": r.resources} for r in results],
        "requirements": requirements,
        "unenforced": [r["id"] for r in requirements if not r["enforced"]],
        "rules": rule_rows,
        "findings": findings,
        "suppressions": suppressions,
        "exemptions": exemptions,
        "drill": _drill_facts(*drill) if drill else None,
        "recovery": recovery_facts(site, reports, now),
        "shredded": shred_records(site, reports),
        "workspaces": workspaces,
        "airlock": airlock_of(site, workspaces, live_airlock),
        "audit": audit,
    }
    verdict_cells = [r.verdicts[rule.id] for r in results for rule in rules]
    evidence["counts"] = {
        "requirements": len(requirements),
        "unenforced": len(evidence["unenforced"]),
        "rules": len(rule_rows),
        "verdicts": len(verdict_cells),
        "failing_verdicts": verdict_cells.count(FAIL),
        "findings": len(findings),
        "suppressions": len(suppressions),
        "exemptions": len(exemptions),
        "drill_checks": len(drill[0].checks) if drill else 0,
        "workspaces": len(workspaces),
        "airlock_requests": sum(len(p["requests"]) for p in evidence["airlock"]["projects"]),
        "airlock_releases": sum(
            1 for p in evidence["airlock"]["projects"] for r in p["requests"] if r.get("released")
        ),
        "recovery_targets": 2,  # RTO and RPO, declared or not
        "recovery_datasets": len((evidence["recovery"]["last_drill"] or {}).get("datasets", [])),
        "shredded": len(evidence["shredded"]),
        "audit_findings": len(audit["findings"]) if audit else 0,
    }
    return evidence


def _drill_facts(drill: DrillReport, folder: Path) -> dict[str, Any]:
    chart = folder / CHART_NAME
    return {
        "report": relative(folder / JSON_NAME),
        "drill_id": drill.drill_id,
        "site": drill.site,
        "target": drill.target,
        "scenario": drill.scenario.value,
        "outcome": drill.outcome.value,
        "started_at": drill.started_at.isoformat(timespec="seconds"),
        "rto_seconds": drill.rto.total_seconds,
        "rpo_seconds": drill.rpo.overall_seconds,
        "checks": [c.model_dump() for c in drill.checks],
        "timeline": relative(chart) if chart.is_file() else None,
    }


# -- the page ---------------------------------------------------------------------------------

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24;background:#fff}
header{background:#123c69;color:#fff;padding:18px 32px}header h1{margin:0 0 4px;font-size:24px}
nav{padding:8px 32px;background:#e8eef5;position:sticky;top:0}nav a{margin-right:16px;color:#123c69}
main{padding:8px 32px 40px}h2{border-bottom:2px solid #123c69;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #c9d3df;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f4f8}.pass{background:#dff3e4}.fail{background:#f9d6d5;font-weight:bold}
.advisory{background:#fff2cc}.suppressed,.disabled,.na{background:#eceff3;color:#555}
.no{background:#f9d6d5;font-weight:bold}.yes{background:#dff3e4}.meta{color:#d9e4f0}
code{font-size:12px;word-break:break-all}.figures{display:flex;gap:24px}
.figure{border:1px solid #c9d3df;padding:8px 16px;border-radius:6px}.figure b{font-size:22px}
img{max-width:100%;border:1px solid #c9d3df}
"""

SECTIONS = (
    ("summary", "Summary"),
    ("requirements", "Requirements"),
    ("unenforced", "Not enforced yet"),
    ("verdicts", "Verdicts per stack"),
    ("findings", "Findings"),
    ("suppressions", "Suppressions"),
    ("exemptions", "Exemptions"),
    ("drill", "Disaster recovery"),
    ("recovery", "Recovery objectives"),
    ("shredded", "Shredded datasets"),
    ("workspaces", "Workspace closures"),
    ("airlock", "Airlock"),
    ("audit", "Live audit"),
)
VERDICT_CLASS = {
    PASS: "pass",
    FAIL: "fail",
    ADVISORY: "advisory",
    SUPPRESSED: "suppressed",
    NOT_APPLICABLE: "na",
    DISABLED: "disabled",
}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(name: str, headers: Iterable[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return (
        f'<table id="table-{name}" data-rows="{len(rows)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _td(value: object, css: str = "") -> str:
    return f'<td class="{css}">{_e(value)}</td>' if css else f"<td>{_e(value)}</td>"


def _rule_links(rules: list[str]) -> str:
    links = ", ".join(f'<a href="#rule-{_e(r)}">{_e(r)}</a>' for r in rules)
    return f"<td>{links or 'none'}</td>"


def render_html(evidence: dict[str, Any], chart: bytes | None) -> str:
    counts = evidence["counts"]
    stacks = [s["stack"] for s in evidence["stacks"]]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Evidence: site {_e(evidence['site'])}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<header><h1>Compliance evidence: site <code>{_e(evidence['site'])}</code></h1>",
        f'<div class="meta">generated {_e(evidence["generated_at"])} from commit '
        f"<code>{_e(evidence['commit'])}</code> by <code>hubctl evidence</code></div></header>",
        "<nav>" + "".join(f'<a href="#{s}">{_e(t)}</a>' for s, t in SECTIONS) + "</nav><main>",
    ]
    failing = counts["failing_verdicts"]
    parts += [
        '<section id="summary"><h2>Summary</h2><div class="figures">',
        f'<div class="figure">requirements<br><b>{counts["requirements"]}</b></div>',
        f'<div class="figure">not enforced yet<br><b>{counts["unenforced"]}</b></div>',
        f'<div class="figure">rules<br><b>{counts["rules"]}</b></div>',
        f'<div class="figure">stacks<br><b>{len(stacks)}</b></div>',
        f'<div class="figure">failing verdicts<br><b>{failing}</b></div>',
        f'<div class="figure">suppressions<br><b>{counts["suppressions"]}</b></div>',
        "</div><p>Every rule ran offline on every stack of the site, as <code>hubctl check "
        "--stack</code> runs it, when this page was generated.</p></section>",
    ]
    parts.append('<section id="requirements"><h2>Requirements and the rules that enforce them</h2>')
    parts.append(
        _table(
            "requirements",
            (
                "Requirement",
                "Framework",
                "Citation",
                "What it asks",
                "Clause checked",
                "Rules",
                "Status",
            ),
            [
                [
                    f'<td id="req-{_e(r["id"])}"><b>{_e(r["id"])}</b></td>',
                    _td(r["framework"]),
                    _td(r["citation"]),
                    _td(r["summary"]),
                    _td("yes" if r["verified"] else "to confirm"),
                    _rule_links(r["rules"]),
                    _td("enforced", "yes") if r["enforced"] else _td("NOT ENFORCED", "no"),
                ]
                for r in evidence["requirements"]
            ],
        )
    )
    parts.append("</section>")
    unenforced = [r for r in evidence["requirements"] if not r["enforced"]]
    parts.append('<section id="unenforced"><h2>Requirements no rule enforces yet</h2>')
    parts.append(
        "<p>Listed so that nothing is taken as covered that is not: none.</p>"
        if not unenforced
        else "<p>These requirements have no enabled rule: they are not checked by this pack.</p>"
    )
    parts.append(
        _table(
            "unenforced",
            ("Requirement", "Framework", "What it asks"),
            [
                [
                    f'<td><a href="#req-{_e(r["id"])}">{_e(r["id"])}</a></td>',
                    _td(r["framework"]),
                    _td(r["summary"]),
                ]
                for r in unenforced
            ],
        )
    )
    parts.append("</section>")
    parts.append('<section id="verdicts"><h2>Each rule\'s verdict on every stack</h2>')
    parts.append(
        _table(
            "verdicts",
            ("Rule", "Severity", "Level", "Requirements", *stacks),
            [
                [
                    f'<td id="rule-{_e(rule["id"])}"><b>{_e(rule["id"])}</b><br>'
                    f"{_e(rule['description'])}</td>",
                    _td(rule["severity"]),
                    _td(rule["enforcement"]),
                    "<td>"
                    + ", ".join(f'<a href="#req-{_e(q)}">{_e(q)}</a>' for q in rule["requirements"])
                    + "</td>",
                    *(_td(rule["verdicts"][s], VERDICT_CLASS[rule["verdicts"][s]]) for s in stacks),
                ]
                for rule in evidence["rules"]
            ],
        )
    )
    parts.append("</section>")
    parts.append('<section id="findings"><h2>Findings</h2>')
    parts.append(
        _table(
            "findings",
            ("Stack", "Rule", "Level", "Resource", "Where", "Finding"),
            [
                [
                    _td(f["stack"]),
                    f'<td><a href="#rule-{_e(f["rule"])}">{_e(f["rule"])}</a></td>',
                    _td(
                        f["enforcement"], "fail" if f["enforcement"] == "mandatory" else "advisory"
                    ),
                    f"<td><code>{_e(f['urn'])}</code></td>",
                    f"<td><code>{_e(f['location'])}</code></td>",
                    _td(f["message"]),
                ]
                for f in evidence["findings"]
            ],
        )
    )
    parts.append("</section>")
    parts.append('<section id="suppressions"><h2>Suppressions and their reasons</h2>')
    parts.append(
        "<p>From the pack config (policies/pack-config.json and any --policy-config).</p>"
        + _table(
            "suppressions",
            ("Rule", "Resource", "Reason", "Applied on this site"),
            [
                [
                    f'<td><a href="#rule-{_e(s["rule"])}">{_e(s["rule"])}</a></td>',
                    f"<td><code>{_e(s['urn'])}</code></td>",
                    _td(s["reason"]),
                    _td("yes" if s["applied"] else "no"),
                ]
                for s in evidence["suppressions"]
            ],
        )
    )
    parts.append("</section>")
    parts.append('<section id="exemptions"><h2>Exemptions in force, and when they end</h2>')
    parts.append(
        "<p>Every suppression and allowance of the pack config still in force: who answers for "
        "it and the day it ends (at most the pack's maximum ahead). An expired one exempts "
        "nothing and is reported by <code>exemption-expired</code>.</p>"
        + _table(
            "exemptions",
            ("Kind", "Rule", "For", "Owner", "Ticket or reason", "Ends"),
            [
                [
                    _td(e["kind"]),
                    f'<td><a href="#rule-{_e(e["rule"])}">{_e(e["rule"])}</a></td>',
                    f"<td><code>{_e(e['target'])}</code></td>",
                    _td(e["owner"]),
                    _td(e["ticket"] or e["reason"]),
                    _td(e["expires"] or "never (refused)"),
                ]
                for e in evidence["exemptions"]
            ],
        )
    )
    parts.append("</section>")
    parts.append(_drill_section(evidence["drill"], chart))
    parts.append(_recovery_section(evidence["recovery"]))
    parts.append(_shredded_section(evidence["shredded"]))
    parts.append(_workspaces_section(evidence["workspaces"]))
    parts.append(_airlock_section(evidence["airlock"]))
    parts.append(_audit_section(evidence["audit"]))
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _drill_section(drill: dict[str, Any] | None, chart: bytes | None) -> str:
    head = '<section id="drill"><h2>Disaster recovery: the latest drill</h2>'
    if drill is None:
        return (
            head
            + "<p>No drill report of this site in reports/drill-*/: none to show.</p>"
            + (_table("drill-checks", ("Layer", "Check", "Result", "Detail"), []))
            + "</section>"
        )
    figures = (
        '<div class="figures">'
        f'<div class="figure">RTO<br><b id="drill-rto">{_e(duration(drill["rto_seconds"]))}</b>'
        "</div>"
        f'<div class="figure">RPO<br><b id="drill-rpo">{_e(duration(drill["rpo_seconds"]))}</b>'
        "</div>"
        f'<div class="figure">outcome<br><b>{_e(drill["outcome"])}</b></div></div>'
    )
    about = (
        f"<p>Drill <code>{_e(drill['drill_id'])}</code>: {_e(drill['site'])} rebuilt as "
        f"{_e(drill['target'])} ({_e(drill['scenario'])}), {_e(drill['started_at'])}; report "
        f"<code>{_e(drill['report'])}</code>.</p>"
    )
    image = (
        '<img id="drill-timeline" alt="rebuild timeline" src="data:image/png;base64,'
        + base64.b64encode(chart).decode()
        + '">'
        if chart
        else "<p>No timeline chart beside the report.</p>"
    )
    checks = _table(
        "drill-checks",
        ("Layer", "Check", "Result", "Detail"),
        [
            [
                _td(c["layer"]),
                _td(c["name"]),
                _td("pass", "pass") if c["passed"] else _td("FAIL", "fail"),
                _td(c["detail"]),
            ]
            for c in drill["checks"]
        ],
    )
    return head + figures + about + image + "<h3>Checks</h3>" + checks + "</section>"


def _recovery_section(recovery: dict[str, Any]) -> str:
    head = '<section id="recovery"><h2>Recovery objectives: targets and last measured</h2>'
    flag = (
        f'<p id="drill-stale" class="no">STALE: {_e(recovery["stale_reason"])}.</p>'
        if recovery["stale"]
        else f'<p id="drill-fresh" class="yes">Last passing drill '
        f"{_e(recovery['last_passing_drill_at'])}, within hub:drillMaxAge "
        f"({_e(duration(recovery['drill_max_age_seconds']))}).</p>"
    )
    last = recovery["last_drill"] or {}
    measured = {"RTO": last.get("rto_seconds"), "RPO": last.get("rpo_seconds")}
    targets = {"RTO": recovery["rto_target_seconds"], "RPO": recovery["rpo_target_seconds"]}
    rows = []
    for name in ("RTO", "RPO"):
        target, value = targets[name], measured[name]
        if target is None:
            verdict = _td("no target declared", "no")
        elif value is None:
            verdict = _td("not measured", "no")
        else:
            verdict = _td("met", "pass") if value <= target else _td("MISSED", "fail")
        rows.append([_td(name), _td(duration(target)), _td(duration(value)), verdict])
    table = _table("recovery-targets", ("Objective", "Target", "Last measured", "Result"), rows)
    datasets = _table(
        "recovery-datasets",
        ("Dataset", "Objects", "Verified", "Lost", "RPO"),
        [
            [
                _td(d["dataset"]),
                _td(d["objects"]),
                _td(d["verified"]),
                _td(d["lost"], "fail" if d["lost"] else ""),
                _td(duration(d["rpo_seconds"])),
            ]
            for d in last.get("datasets", [])
        ],
    )
    about = (
        f"<p>Last drill <code>{_e(last['drill_id'])}</code> ({_e(last['outcome'])}, "
        f"{_e(last['started_at'])}).</p>"
        if last
        else "<p>No drill of this site in the reports.</p>"
    )
    return (
        head
        + flag
        + about
        + table
        + "<h3>Datasets in the last drill</h3>"
        + datasets
        + "</section>"
    )


def _shredded_section(shredded: list[dict[str, Any]]) -> str:
    rows = [
        [
            _td(item["dataset"]),
            _td(item["at"]),
            _td(item["keys"]),
            _td(item["escrow_versions_deleted"]),
            _td(
                f"{item['checks_passed']}/{item['checks']}",
                "pass" if item["checks_passed"] == item["checks"] else "fail",
            ),
            f"<td><code>{_e(item['file'])}</code></td>",
        ]
        for item in shredded
    ]
    headers = (
        "Dataset",
        "When",
        "Keys destroyed",
        "Escrow and share versions deleted",
        "Checks passed",
        "Record",
    )
    return (
        '<section id="shredded"><h2>Crypto-shredded datasets</h2>'
        + ("" if shredded else "<p>No dataset of this site was shredded.</p>")
        + _table("shredded", headers, rows)
        + "</section>"
    )


def _workspaces_section(workspaces: list[dict[str, Any]]) -> str:
    head = '<section id="workspaces"><h2>Research workspace closures</h2>'
    note = (
        "<p>No workspace closure record (reports/workspaces/*.json) for this site.</p>"
        if not workspaces
        else ""
    )
    rows = [
        [
            _td(w.get("workspace") or w.get("id") or w.get("stack") or w["file"]),
            _td(w.get("closed_at") or w.get("closed") or ""),
            "<td>"
            + "<br>".join(
                f"<b>{_e(k)}</b>: {_e(json.dumps(v) if not isinstance(v, str) else v)}"
                for k, v in w.items()
                if k not in ("workspace", "id", "closed_at", "closed", "file")
            )
            + "</td>",
            f"<td><code>{_e(w['file'])}</code></td>",
        ]
        for w in workspaces
    ]
    table = _table("workspaces", ("Workspace", "Closed", "Evidence", "Record"), rows)
    return head + note + table + "</section>"


def _airlock_section(airlock: dict[str, Any]) -> str:
    head = (
        '<section id="airlock"><h2>Airlock: what left the workspaces, and who decided</h2>'
        "<p>Every request of every project: its files and their SHA-256, the checks' findings, "
        "each officer's decision (read from the officer's own container) and the release.</p>"
    )
    note = ""
    if airlock["not_read"]:
        note = (
            "<p>Ledgers of open workspaces not read (run with <code>--airlock</code> and the "
            f"operator's credentials): {_e(', '.join(airlock['not_read']))}.</p>"
        )
    rows = []
    for project in airlock["projects"]:
        for r in project["requests"]:
            files = "<br>".join(
                f"{_e(f['name'])} <code>{_e(f['sha256'])}</code>" for f in r["files"]
            )
            findings = "<br>".join(
                f"[{_e(f['severity'])}] {_e(f['check'])}: {_e(f['file'])} "
                f"{_e(f['location'])}: {_e(f['message'])}"
                for f in r["findings"]
            )
            decisions = "<br>".join(
                f"{_e(officer)}: {_e(d.get('decision') or d.get('error'))} {_e(d.get('at', ''))}"
                for officer, d in r["decisions"].items()
            )
            released = r.get("released")
            rows.append(
                [
                    _td(project["workspace"]),
                    f"<td><code>{_e(r['id'])}</code></td>",
                    _td(r["state"], "pass" if released else ""),
                    _td(r["submitter"]),
                    f"<td>{files}</td>",
                    f"<td>{findings or 'none'}</td>",
                    f"<td>{decisions or 'none'}</td>",
                    _td(", ".join(r["approvers"]) or "none"),
                    _td(
                        f"by {released['by']} at {released['at']} to {released['container']}"
                        if released
                        else ""
                    ),
                    _td(project["source"]),
                ]
            )
    table = _table(
        "airlock",
        (
            "Project", "Request", "State", "Submitter", "Files", "Findings", "Decisions",
            "Approvers", "Released", "Source",
        ),
        rows,
    )  # fmt: skip
    return head + note + table + "</section>"


def _audit_section(audit: dict[str, Any] | None) -> str:
    head = '<section id="audit"><h2>What is deployed: the latest live audit</h2>'
    table_head = ("Rule", "Level", "Resource", "Where", "Finding")
    if audit is None:
        return (
            head
            + "<p>No audit of this site in reports/audits/ (<code>hubctl audit --site ...</code>"
            "): what is deployed has not been judged.</p>"
            + _table("audit-findings", table_head, [])
            + "</section>"
        )
    counts = audit["counts"]
    verdict = (
        ("PARTIAL", "fail")
        if audit["partial"]
        else ("findings", "fail")
        if audit["exit_code"]
        else ("clean", "pass")
    )
    figures = (
        '<div class="figures">'
        f'<div class="figure">audited<br><b id="audit-when">{_e(audit["started_at"])}</b></div>'
        f'<div class="figure">result<br><b id="audit-result" class="{verdict[1]}">'
        f"{_e(verdict[0])}</b></div>"
        f'<div class="figure">live resources<br><b>{counts.get("live", 0)}</b></div>'
        f'<div class="figure">unmanaged<br><b>{counts.get("unmanaged", 0)}</b></div>'
        f'<div class="figure">drifted<br><b>{counts.get("drifted", 0)}</b></div>'
        f'<div class="figure">missing<br><b>{counts.get("missing", 0)}</b></div></div>'
    )
    projects = ", ".join(f"{p.get('project')} ({p.get('region')})" for p in audit["projects"])
    about = (
        f"<p>By <code>{_e(audit['user'])}</code> with roles {_e(', '.join(audit['roles']))}, "
        f"projects {_e(projects)}, in {_e(audit['seconds'])} s; record "
        f"<code>{_e(audit['record'])}</code>.</p>"
    )
    gaps = (
        "<p>Not read: " + "; ".join(_e(g) for g in audit["gaps"]) + "</p>" if audit["gaps"] else ""
    )
    rows = [
        [
            f'<td><a href="#rule-{_e(f["policy"])}">{_e(f["policy"])}</a></td>',
            _td(f["enforcement"], "fail" if f["enforcement"] == "mandatory" else "advisory"),
            f"<td><code>{_e(f['urn'])}</code></td>",
            f"<td><code>{_e(f['location'])}</code></td>",
            _td(f["message"]),
        ]
        for f in audit["findings"]
    ]
    return head + figures + about + gaps + _table("audit-findings", table_head, rows) + "</section>"


def evidence(
    site: Annotated[str, typer.Option("--site", help="Site whose stacks the page covers.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for index.html and evidence.json.")
    ],
    reports: Annotated[
        Path, typer.Option("--reports", help="Where drill and workspace reports are.")
    ] = REPORTS_DIR,
    policy_config: Annotated[
        Path | None,
        typer.Option("--policy-config", help="Pack config JSON over policies/pack-config.json."),
    ] = None,
    airlock: Annotated[
        bool,
        typer.Option(
            "--airlock", help="Read open workspaces' airlock ledgers (the operator's OS_*)."
        ),
    ] = False,
) -> None:
    """A static evidence page for an auditor: requirements, rules, verdicts, drill, closures."""
    try:
        config = load_pack_config(policy_config)
    except PackConfigError as error:
        fail_usage(str(error))
    facts = build(site, config, reports, datetime.now(UTC), live_airlock=airlock)
    chart = None
    if facts["drill"] and facts["drill"]["timeline"]:
        chart = (REPO_ROOT / facts["drill"]["timeline"]).read_bytes()
    try:
        output.mkdir(parents=True, exist_ok=True)
        (output / EVIDENCE_JSON).write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
        (output / HTML_NAME).write_text(render_html(facts, chart), encoding="utf-8")
    except OSError as error:
        fail_usage(f"--output {output}: cannot write: {error.strerror}")
    counts = facts["counts"]
    recovery = facts["recovery"]
    stale = f" (STALE: {recovery['stale_reason']})" if recovery["stale"] else ""
    typer.echo(
        f"{output / HTML_NAME}: {counts['requirements']} requirements "
        f"({counts['unenforced']} not enforced yet), {counts['rules']} rules on "
        f"{len(facts['stacks'])} stacks ({counts['failing_verdicts']} failing), "
        f"{counts['suppressions']} suppressions, drill: "
        f"{'yes' if facts['drill'] else 'none'}"
        f"{stale}"
        f", {counts['workspaces']} workspace closures, "
        f"{counts['airlock_requests']} airlock requests ({counts['airlock_releases']} released)"
        f"{'yes' if facts['drill'] else 'none'}, {counts['workspaces']} workspace closures, "
        f"audit: {facts['audit']['started_at'] if facts['audit'] else 'none'}"
    )
