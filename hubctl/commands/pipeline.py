"""`hubctl pipeline gitlab --site S`: a GitLab CI child pipeline from the site's stack graph.

The stacks are the site's stack files (stacks/Pulumi.<site>-*.yaml: its layers, and its research
workspaces `<site>-ws-<id>` when it has some), and what each reads comes from the table of layer
kinds (infra/kinds.py), so a new layer or workspace needs no change here. Per stack:

- `check:<stack>`: `hubctl check` offline, with its GitLab Code Quality and JUnit reports
  declared as `artifacts:reports` (the merge-request widget and test tab show them). No needs:
  every check runs at once.
- `preview:<stack>`: `pulumi preview` with the policy pack, after its own check and after the
  stacks it reads (their preview; on the default branch also their up, `optional` elsewhere), so
  it previews against the outputs it will really read.
- `up:<stack>`: on the default branch only, manual, after its own preview and the up of every
  stack it reads, with `resource_group: <stack>` so two pipelines never update one stack at once.

And once per site, `audit:<site>`: `hubctl audit` of what is really deployed, in scheduled
pipelines only (`$CI_PIPELINE_SOURCE == "schedule"`, or `$HUB_PIPELINE_SOURCE`, which
ci/gitlab/hub.gitlab-ci.yml sets to the parent's source, since a child pipeline's own source is
`parent_pipeline`), with its Code Quality, JUnit and SARIF reports and the audit record as
artifacts. A scheduled pipeline runs the audit alone: check, preview and up stay for pushes.

Stacks that read nothing of each other run in parallel: only `needs:` orders jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from hubcore.stackfiles import known_sites, known_stacks
from hubcore.stackfiles import stacks_dir as configured_stacks_dir
from hubcore.stacks import Layer, StackName
from hubctl.commands.common import fail_usage
from infra.kinds import kind_of

app = typer.Typer(help="Generate CI pipelines from a site's stack graph.", no_args_is_help=True)

REPORTS = "reports/hubctl"
# Preview and up share a stage: a preview on the default branch waits for the up of the stacks
# it reads, and GitLab refuses a need on a job of a later stage (same-stage needs: GitLab 14.2+).
STAGES = ("check", "deploy", "audit")
DEFAULT_BRANCH = "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
SCHEDULED = '$CI_PIPELINE_SOURCE == "schedule" || $HUB_PIPELINE_SOURCE == "schedule"'
NOT_ON_SCHEDULE: list[dict[str, str]] = [{"if": SCHEDULED, "when": "never"}]


@dataclass(frozen=True)
class StackNode:
    stack: StackName
    reads: tuple[StackName, ...]


def site_graph(site: str, stacks_dir: Path | None = None) -> list[StackNode]:
    """The site's stacks, each with the stacks it reads, in dependency order (readers last,
    ties in the order of the layer table, then by name)."""
    names = [StackName.try_parse(text) for text in known_stacks(stacks_dir)]
    stacks = sorted(
        (name for name in names if name is not None and name.site == site),
        key=_reading_order,
    )
    if not stacks:
        fail_usage(
            f"--site {site!r}: no stack files stacks/Pulumi.{site}-*.yaml; sites: "
            f"{', '.join(known_sites(stacks_dir))}"
        )
    present = set(stacks)
    nodes: dict[StackName, StackNode] = {}
    for stack in stacks:
        try:
            kind = kind_of(stack.layer)
        except KeyError as error:
            fail_usage(f"stack {stack}: {error.args[0]}; the pipeline follows that table")
        reads = tuple(kind_of(layer).stack(site, stack.workspace) for layer in kind.reads)
        missing = [str(read) for read in reads if read not in present]
        if missing:
            fail_usage(
                f"stack {stack} reads {', '.join(missing)} (infra/kinds.py), which has no "
                f"stack file in {(stacks_dir or configured_stacks_dir()).name}/"
            )
        nodes[stack] = StackNode(stack, reads)
    return _topological(nodes)


def _reading_order(name: StackName) -> tuple[int, str]:
    layers = list(Layer)
    return (layers.index(name.layer), str(name))


def _topological(nodes: dict[StackName, StackNode]) -> list[StackNode]:
    done: list[StackNode] = []
    placed: set[StackName] = set()
    waiting = list(nodes.values())
    while waiting:
        ready = [node for node in waiting if all(read in placed for read in node.reads)]
        if not ready:
            cycle = ", ".join(str(node.stack) for node in waiting)
            fail_usage(f"the stacks {cycle} read each other in a cycle (infra/kinds.py)")
        for node in ready:
            waiting.remove(node)
            placed.add(node.stack)
            done.append(node)
    return done


def _check_job(stack: str) -> dict[str, Any]:
    junit = f"{REPORTS}/{stack}.junit.xml"
    quality = f"{REPORTS}/{stack}.codequality.json"
    # The same findings twice: JUnit for the test tab, Code Quality for the widget and diff;
    # the second run's exit status is the job's (0 pass, 1 mandatory violation, 2 bad config).
    options = f'--stack {stack} ${{HUB_BASELINE:+--baseline "$HUB_BASELINE"}}'
    return {
        "stage": "check",
        "needs": [],
        "rules": [*NOT_ON_SCHEDULE, {"when": "on_success"}],
        "script": [
            f"mkdir -p {REPORTS}",
            f"$HUBCTL check {options} --format junit --output {junit} || true",
            f"$HUBCTL check {options} --format gitlab --output {quality}",
        ],
        "artifacts": {
            "when": "always",
            "paths": [junit, quality],
            "reports": {"junit": junit, "codequality": quality},
        },
    }


def _select_backend(node: StackNode) -> str:
    """The engine jobs take the site's backend from hubctl, as every hubctl command does: its
    hub:stateBackend, or HUB_STATE_BACKEND as a CI/CD variable; a PULUMI_BACKEND_URL variable
    naming another backend fails the job (exit 2) instead of splitting the site's stacks."""
    return f'eval "$($HUBCTL backend --site {node.stack.site})"'


def _preview_job(node: StackNode) -> dict[str, Any]:
    stack = str(node.stack)
    needs: list[Any] = [f"check:{stack}"]
    for read in node.reads:
        needs.append(f"preview:{read}")
        # Only on the default branch does the up job exist; elsewhere this need is dropped.
        needs.append({"job": f"up:{read}", "optional": True})
    return {
        "stage": "deploy",
        "needs": needs,
        "rules": [*NOT_ON_SCHEDULE, {"when": "on_success"}],
        "script": [
            _select_backend(node),
            f"$PULUMI stack select --create {stack} --non-interactive",
            f"$PULUMI preview --stack {stack} --policy-pack policies --non-interactive",
        ],
    }


def _up_job(node: StackNode) -> dict[str, Any]:
    stack = str(node.stack)
    return {
        "stage": "deploy",
        "needs": [f"preview:{stack}", *(f"up:{read}" for read in node.reads)],
        "rules": [*NOT_ON_SCHEDULE, {"if": DEFAULT_BRANCH, "when": "manual"}],
        "resource_group": stack,
        "script": [
            _select_backend(node),
            f"$PULUMI stack select --create {stack} --non-interactive",
            f"$PULUMI up --stack {stack} --policy-pack policies --yes --non-interactive",
        ],
    }


def _audit_job(site: str) -> dict[str, Any]:
    base = f"{REPORTS}/audit-{site}"
    reports = {"codequality": f"{base}.codequality.json", "junit": f"{base}.junit.xml"}
    # One audit, three renderings: the widget, the test tab and code scanning read the same run.
    # Exit 1 (a finding) and 2 (partial, or bad credentials) both fail the job.
    options = (
        f"--site {site} --reports reports"
        ' ${HUB_AUDIT_CLOUD:+--cloud "$HUB_AUDIT_CLOUD"}'
        ' ${HUB_AUDIT_BASELINE:+--baseline "$HUB_AUDIT_BASELINE"}'
    )
    return {
        "stage": "audit",
        "needs": [],
        "rules": [{"if": SCHEDULED, "when": "on_success"}],
        "script": [
            f"mkdir -p {REPORTS}",
            f"$HUBCTL audit {options} --format gitlab --output {reports['codequality']}"
            f" --format junit --output {reports['junit']} --format sarif --output {base}.sarif",
        ],
        "artifacts": {
            "when": "always",
            "paths": [*reports.values(), f"{base}.sarif", "reports/audits/"],
            "reports": reports,
        },
    }


def gitlab_pipeline(site: str, stacks_dir: Path | None = None) -> dict[str, Any]:
    """The child pipeline for `site` as a mapping, jobs in dependency order."""
    graph = site_graph(site, stacks_dir)
    pipeline: dict[str, Any] = {
        "stages": list(STAGES),
        "variables": {
            # How jobs call the tools; a project overrides them (trigger variables, CI settings).
            "HUBCTL": "hubctl",
            "PULUMI": "pulumi",
        },
    }
    pipeline |= {f"check:{node.stack}": _check_job(str(node.stack)) for node in graph}
    pipeline |= {f"preview:{node.stack}": _preview_job(node) for node in graph}
    pipeline |= {f"up:{node.stack}": _up_job(node) for node in graph}
    pipeline[f"audit:{site}"] = _audit_job(site)
    return pipeline


def render(site: str, stacks_dir: Path | None = None) -> str:
    graph = site_graph(site, stacks_dir)
    header = [
        f"# GitLab CI child pipeline of site {site!r}, generated by `hubctl pipeline gitlab "
        f"--site {site}`: do not edit, regenerate.",
        "# Stack graph (stack <- stacks it reads):",
        *(
            f"#   {node.stack}" + (f" <- {', '.join(map(str, node.reads))}" if node.reads else "")
            for node in graph
        ),
    ]
    body = yaml.safe_dump(
        gitlab_pipeline(site, stacks_dir), sort_keys=False, width=1000, default_flow_style=False
    )
    return "\n".join(header) + "\n" + body


@app.command()
def gitlab(
    site: Annotated[str, typer.Option("--site", help="Site whose stacks the pipeline covers.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the pipeline to FILE.")
    ] = None,
) -> None:
    """A GitLab CI child pipeline: check, preview and (default branch, manual) up per stack."""
    text = render(site)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        fail_usage(f"--output {output}: cannot write: {error.strerror}")


@app.command()
def stacks(
    site: Annotated[str, typer.Option("--site", help="Site whose stacks to list.")],
) -> None:
    """The site's stacks in dependency order, one per line (for CI scripts)."""
    for node in site_graph(site):
        typer.echo(str(node.stack))
