"""The evidence page (index.html): one static HTML file, no external asset (styles inline, the
drill's chart as a data URI), readable offline, rendered from the facts of
hubctl/evidence/collect.py.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable
from typing import Any

from hubctl.drill.report import duration
from hubctl.evidence.collect import (
    ADVISORY,
    DISABLED,
    FAIL,
    NOT_APPLICABLE,
    PASS,
    SUPPRESSED,
)

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
