"""`hubctl up` / `hubctl down` / `hubctl preview`: every layer of a site through the real engine."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from hubcore.stackfiles import REPO_ROOT, known_sites, missing_site_stacks
from hubcore.stacks import SITE_LAYERS, Layer
from hubcore.values import ConfigError
from hubctl.commands.common import EXIT_OK, fail_usage
from hubctl.deploy import Action, LayerRun, SiteDeployer, site_config
from hubctl.diagnosis import site_reasons

LOG_ROOT = REPO_ROOT / ".state" / "logs"
console = Console()

SiteOption = Annotated[str, typer.Option("--site", help="Site whose four layers to act on.")]
SequentialOption = Annotated[
    bool, typer.Option("--sequential", help="One layer at a time instead of the parallel plan.")
]


def _require_site(site: str) -> None:
    missing = missing_site_stacks(site)
    if missing:
        fail_usage(
            f"--site {site!r}: no stack files for {', '.join(missing)}; "
            f"sites: {', '.join(known_sites())}"
        )


def _require_valid_config(site: str) -> None:
    """Every layer's stack files read and validated before the engine starts: a bad file is
    exit 2 with its file and line, and nothing is deployed."""
    for layer in SITE_LAYERS:
        try:
            site_config(site, layer)
        except ConfigError as error:
            fail_usage(str(error))


def _table(runs: dict[str, LayerRun], started: float) -> Table:
    table = Table(title=f"elapsed {time.monotonic() - started:5.1f} s", title_justify="left")
    for column in ("stack", "state", "seconds", "changes"):
        table.add_column(column)
    colours = {"done": "green", "failed": "red", "running": "yellow", "skipped": "magenta"}
    for run in runs.values():
        seconds = (
            run.seconds
            if run.seconds is not None
            else (time.monotonic() - run.started if run.started else None)
        )
        table.add_row(
            escape(run.stack),
            f"[{colours.get(run.status, 'white')}]{run.status}[/]",
            f"{seconds:6.1f}" if seconds is not None else "",
            ", ".join(f"{k} {v}" for k, v in sorted(run.changes.items())),
        )
    return table


def run_site(site: str, action: Action, *, sequential: bool, unprotect: bool = False) -> int:
    _require_site(site)
    _require_valid_config(site)
    log_dir = LOG_ROOT / f"{site}-{action}-{time.strftime('%Y%m%dT%H%M%S')}"
    runs: dict[str, LayerRun] = {}
    started = time.monotonic()
    with Live(_table(runs, started), console=console, refresh_per_second=2) as live:

        def listener(run: LayerRun) -> None:
            runs[run.stack] = run
            live.update(_table(runs, started))

        deployer = SiteDeployer(
            site=site,
            log_dir=log_dir,
            parallel=not sequential,
            listener=listener,
            unprotect=unprotect,
        )
        results = deployer.run(action)
        live.update(_table({r.stack: r for r in results}, started))
    if not console.is_terminal:
        console.print()  # Live leaves its last frame unterminated when output is a file or pipe
    failed = [r for r in results if r.status != "done"]
    for run in results:
        if run.outputs:
            console.print(f"[bold]{escape(run.stack)}[/] outputs:")
            console.print_json(json.dumps(run.outputs, default=str))
    console.print(f"logs: {log_dir.relative_to(REPO_ROOT)}", markup=False)
    for run in failed:
        console.print(
            f"[red]{escape(run.stack)}: {run.status}[/] {escape(run.error or '')} "
            f"(log: {escape(str(run.log))})"
        )
    if any(r.status == "failed" for r in failed) and action != "preview":
        _explain(site)
    return 1 if failed else EXIT_OK


def _explain(site: str) -> None:
    """Print what the cloud itself says about the site's resources left in error."""
    config = site_config(site, Layer.NETWORK)
    reasons = site_reasons(site, config.region_name, config.cloud)
    if reasons:
        console.print("[bold]what the cloud says about the site's resources in error:[/]")
        for line in reasons:
            console.print(f"  {line}", markup=False, highlight=False)


def up(site: SiteOption = "local", sequential: SequentialOption = False) -> None:
    """Deploy every layer of a site (policy pack enforced), in dependency order."""
    raise typer.Exit(run_site(site, "up", sequential=sequential))


def preview(site: SiteOption = "local", sequential: SequentialOption = False) -> None:
    """Preview every layer of a site with the policy pack."""
    raise typer.Exit(run_site(site, "preview", sequential=sequential))


def down(
    site: SiteOption = "local",
    unprotect: Annotated[
        bool,
        typer.Option("--unprotect", help="Also destroy protected (data-bearing) resources."),
    ] = False,
    sequential: SequentialOption = False,
) -> None:
    """Destroy every layer of a site in reverse dependency order."""
    raise typer.Exit(run_site(site, "destroy", sequential=sequential, unprotect=unprotect))
