"""`hubctl evidence --site S --output DIR`: one static page for an auditor, and its JSON twin.

The facts are gathered by hubctl/evidence/collect.py (requirements, rules and their verdicts on
every stack of the site, suppressions and exemptions, the latest drill, recovery objectives,
shredded datasets, workspace closures, the airlock, the latest live audit, when and from which
commit) and rendered by hubctl/evidence/page.py. `evidence.json` holds the same facts and counts
as the page (`index.html`), which has no external asset and works offline.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from hubcore.paths import REPO_ROOT
from hubctl.commands.common import fail_usage
from hubctl.evidence.collect import build, recovery_facts
from hubctl.evidence.page import render_html
from policies.config import PackConfigError, load_pack_config

# build, recovery_facts and render_html are named here too: the tests and callers of the
# command's module reach them by this name.
__all__ = [
    "EVIDENCE_JSON",
    "HTML_NAME",
    "REPORTS_DIR",
    "build",
    "evidence",
    "recovery_facts",
    "render_html",
]

HTML_NAME = "index.html"
EVIDENCE_JSON = "evidence.json"
REPORTS_DIR = REPO_ROOT / "reports"


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
