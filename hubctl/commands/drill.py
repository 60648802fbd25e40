"""`hubctl drill` (rebuild a site in its DR region, measured) and `hubctl replicate`.

Exit codes: 0 the drill passed; 1 it ran but did not pass (a layer failed, a check failed, or it
was interrupted); 2 it was refused before anything ran (usage, configuration, unsafe target).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from hubcore.paths import REPO_ROOT
from hubcore.values import ConfigError
from hubctl.backend import BackendConflict, FileStore, open_site_backend
from hubctl.commands.common import EXIT_OK, fail_usage, require_site_backend
from hubctl.deploy import LAYERS, LayerRun, site_config, stack_name
from hubctl.drill.cloud import site_cloud
from hubctl.drill.model import DrillReport, Outcome, Scenario
from hubctl.drill.plan import DrillRefused, prepare
from hubctl.drill.replication import replicate as replicate_site
from hubctl.drill.report import duration
from hubctl.drill.runner import DrillRun
from hubctl.locks import Locked, site_locked
from hubctl.processes import guard_engine_processes

REPORTS = REPO_ROOT / "reports"
EXIT_FAILED = 1
console = Console()

_COLOURS = {"done": "green", "failed": "red", "running": "yellow", "skipped": "magenta"}


class LiveProgress:
    """One line per layer (state, elapsed) and per phase of the drill, redrawn by rich."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.started = time.monotonic()
        self.layers: dict[str, LayerRun] = {}
        self.phases: dict[str, tuple[str, str, float, float | None]] = {}
        self._lock = threading.Lock()
        self.live: Live | None = None

    def layer(self, run: LayerRun) -> None:
        with self._lock:
            self.layers[run.stack] = run
        self._refresh()

    def phase(self, name: str, status: str, detail: str = "") -> None:
        with self._lock:
            began = self.phases.get(name, ("", "", time.monotonic(), None))[2]
            ended = time.monotonic() if status in ("done", "failed", "skipped") else None
            self.phases[name] = (status, detail, began, ended)
        self._refresh()

    def _refresh(self) -> None:
        if self.live is not None:
            self.live.update(self.render())

    def render(self) -> Table:
        now = time.monotonic()
        table = Table(
            title=f"{self.title}   elapsed {now - self.started:6.1f} s", title_justify="left"
        )
        for column in ("step", "state", "seconds", "detail"):
            table.add_column(column)
        with self._lock:
            for run in self.layers.values():
                end = run.finished if run.finished is not None else now
                seconds = f"{end - run.started:6.1f}" if run.started is not None else ""
                changes = ", ".join(f"{k} {v}" for k, v in sorted(run.changes.items()))
                colour = _COLOURS.get(run.status, "white")
                table.add_row(
                    run.stack, f"[{colour}]{run.status}[/]", seconds, changes or run.error or ""
                )
            for name, (status, detail, began, ended) in self.phases.items():
                colour = _COLOURS.get(status, "white")
                seconds = f"{(ended or now) - began:6.1f}"
                table.add_row(name, f"[{colour}]{status}[/]", seconds, detail)
        return table


def _summary(report: DrillReport, directory: Path) -> Group:
    colour = {"passed": "green", "failed": "red", "interrupted": "yellow"}[report.outcome.value]
    table = Table(show_header=False, box=None)
    table.add_row(
        "result", f"[bold {colour}]{report.outcome.value}[/] {escape(report.failure or '')}"
    )
    table.add_row("RTO", f"{duration(report.rto.total_seconds)} (rebuild "
                  f"{duration(report.rto.rebuild_seconds)}, restore "
                  f"{duration(report.rto.restore_seconds)})")  # fmt: skip
    table.add_row("RPO", duration(report.rpo.overall_seconds))
    for target in report.targets:
        verdict = (
            "[green]met[/]"
            if target.met
            else f"[red]MISSED[/] by {duration(target.over_by_seconds)}"
        )
        table.add_row(
            f"{target.name} target",
            f"{duration(target.target_seconds)}: {verdict}",
        )
    for item in report.datasets:
        table.add_row(
            f"dataset {escape(item.dataset)}",
            f"{item.verified}/{item.objects} verified, {item.restored} restored "
            f"(keys from {item.key_method}), {len(item.lost)} lost, RPO "
            f"{duration(item.rpo_seconds)}",
        )
    passed = sum(c.passed for c in report.checks)
    table.add_row("checks", f"{passed}/{len(report.checks)} passed")
    for check in report.checks:
        if not check.passed:
            table.add_row(
                "", f"[red]FAIL[/] {escape(f'{check.layer}: {check.name}: {check.detail}')}"
            )
    table.add_row("clean-up", escape(report.cleanup.detail))
    table.add_row("report", str(_shown(directory / "report.md")))
    return Group(table)


def _shown(path: Path) -> Path:
    try:
        return path.resolve().relative_to(REPO_ROOT)
    except ValueError:
        return path


def drill(
    site: Annotated[str, typer.Option("--site", help="The protected site (its region is lost).")],
    to: Annotated[str, typer.Option("--to", help="The DR site to rebuild from empty.")],
    scenario: Annotated[
        Scenario, typer.Option("--scenario", help="What is lost.")
    ] = Scenario.REGION_LOSS,
    keep: Annotated[
        bool, typer.Option("--keep", help="Leave the rebuilt DR site up after the drill.")
    ] = False,
    report_dir: Annotated[
        Path | None,
        typer.Option("--report-dir", help="Where to write the report (default: reports/...)."),
    ] = None,
    sequential: Annotated[
        bool, typer.Option("--sequential", help="Rebuild one layer at a time (for comparison).")
    ] = False,
    break_stale_lock: Annotated[
        bool,
        typer.Option(
            "--break-stale-lock",
            help="Remove a lock of the DR site whose owner is provably gone; never a live one.",
        ),
    ] = False,
    keys: Annotated[
        str,
        typer.Option("--keys", help="How dataset keys come back: escrow (default) or shares."),
    ] = "escrow",
    custodian_key: Annotated[
        list[str] | None,
        typer.Option(
            "--custodian-key", help="ID=FILE: a custodian's age identity (with --keys shares)."
        ),
    ] = None,
    rto_target: Annotated[
        str | None,
        typer.Option("--rto-target", help="Judge the RTO against this (default hub:rtoTarget)."),
    ] = None,
    rpo_target: Annotated[
        str | None,
        typer.Option("--rpo-target", help="Judge the RPO against this (default hub:rpoTarget)."),
    ] = None,
    hosts: Annotated[
        bool,
        typer.Option(
            "--hosts/--no-hosts",
            envvar="HUB_WAIT_HOSTS",
            help="Wait for the rebuilt hosts' first boot, then run the host suite and the flow "
            "probes on them, each a span of the RTO (default); --no-hosts on a cloud whose "
            "compute runs no guest.",
        ),
    ] = True,
) -> None:
    """Rebuild SITE's stacks from nothing as DR site TO, restore its data, boot and verify its
    hosts, measure."""
    from hubcore.durations import DurationError, parse_duration
    from hubctl.datasets.recovery import CustodianKey

    if keys not in ("escrow", "shares"):
        fail_usage(f"--keys {keys!r}: expected escrow or shares")
    try:
        presented = tuple(CustodianKey.parse(text) for text in custodian_key or [])
        targets = {
            flag: parse_duration(value).total_seconds() if value else None
            for flag, value in (("--rto-target", rto_target), ("--rpo-target", rpo_target))
        }
    except (ValueError, DurationError) as error:
        fail_usage(str(error))
    for item in presented:
        if not item.path.is_file():
            fail_usage(f"--custodian-key {item.custodian}={item.path}: not a readable file")
    if keys == "shares" and not presented:
        fail_usage("--keys shares needs the custodians' --custodian-key ID=FILE")
    try:
        plan = prepare(site, to, scenario, parallel=not sequential)
    except DrillRefused as refusal:
        fail_usage(f"drill refused: {refusal}")
    require_site_backend(to)
    if shutil.which("pulumi") is None:
        fail_usage('no `pulumi` engine on PATH: eval "$(scripts/toolchain env)" first')
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    directory = report_dir or REPORTS / f"drill-{site}-to-{to}-{scenario.value}-{stamp}"
    mode = "sequential" if sequential else "parallel"
    progress = LiveProgress(f"drill {site} → {to} ({scenario.value}, {mode})")
    runner = DrillRun(
        plan=plan,
        report_dir=directory,
        keep=keep,
        progress=progress,
        key_method="shares" if keys == "shares" else "escrow",
        custodian_keys=presented,
        rto_target=targets["--rto-target"],
        rpo_target=targets["--rpo-target"],
        hosts=hosts,
    )
    guard_engine_processes()
    # The DR site's lock, in the backend its stacks are rebuilt into (region loss) or the
    # target's own: a second drill of the same target stops here, before any layer.
    target = plan.target
    try:
        store = open_site_backend(
            target.site, site_cloud(target.site, target.region_name), os.environ
        ).store()
    except BackendConflict as conflict:
        fail_usage(f"drill refused: {conflict}")
    command = f"hubctl drill --site {site} --to {to}"
    try:
        with site_locked(
            to,
            store,
            {stack_name(to, layer) for layer in LAYERS},
            command=command,
            remedy_command=f"{command} --break-stale-lock",
            break_stale=break_stale_lock,
            say=lambda line: console.print(line, markup=False, highlight=False),
        ):
            for removed in store.repair() if isinstance(store, FileStore) else []:
                console.print(f"removed {removed}: a write the killed engine left half-done")
            _run_drill(runner, progress, directory)
    except Locked as locked:
        console.print(f"[red]{to} is locked[/]")
        console.print(str(locked), markup=False, highlight=False)
        raise typer.Exit(EXIT_FAILED) from None


def _run_drill(runner: DrillRun, progress: LiveProgress, directory: Path) -> None:
    try:
        with Live(progress.render(), console=console, refresh_per_second=2) as live:
            progress.live = live
            report = runner.run()
            progress.live = None
            live.update(progress.render())
        if not console.is_terminal:
            console.print()  # Live leaves its last frame unterminated when output is not a tty
    except DrillRefused as refusal:
        fail_usage(f"drill refused: {refusal}")
    except KeyboardInterrupt:
        console.print(
            "[yellow]interrupted[/] outside the rebuild; nothing was cleaned up. Run the same "
            "command again: it converges the DR site's stacks, then cleans up."
        )
        raise typer.Exit(EXIT_FAILED) from None
    console.print(_summary(report, directory))
    raise typer.Exit(EXIT_OK if report.outcome is Outcome.PASSED else EXIT_FAILED)


def replicate(
    site: Annotated[str, typer.Option("--site", help="Site whose containers to replicate.")],
) -> None:
    """Copy new and changed objects of SITE's replicated containers to its replica region.

    Stands in for Swift container-sync (not run by the local cloud): schedule it, e.g. every
    few minutes, and the drill's RPO is at most that interval.
    """
    try:
        config = site_config(site)
    except ConfigError as error:
        fail_usage(str(error))
    if config.replica_region is None:
        fail_usage(f"site {site!r} has no hub:replicaRegion in stacks/sites.yaml: nothing to do")
    primary = site_cloud(site, config.region_name)
    replica = primary.in_region(config.replica_region)
    passes = replicate_site(primary.connect(), replica.connect(), config)
    table = Table(title=f"replication {site}: {config.region_name} → {config.replica_region}")
    for column in ("container", "replica", "copied", "already there"):
        table.add_column(column)
    for item in passes:
        table.add_row(item.pair.primary, item.pair.replica, str(item.copied), str(item.up_to_date))
    console.print(table)
    raise typer.Exit(EXIT_OK)
