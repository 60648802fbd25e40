"""`hubctl up` / `down` / `preview` / `outputs`: every layer of a site through the real engine.

Before any layer: the site lock (hubctl.locks), which also judges every layer's engine lock;
the engine processes are guarded so none outlives hubctl (hubctl.processes). Before each layer:
the operations an interrupted run left pending are settled (hubctl.reconcile). After `up` and
`down`: the orphan census (hubctl.census).
"""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from hubcore.paths import REPO_ROOT
from hubcore.stacks import SITE_LAYERS, Layer
from hubcore.values import ConfigError
from hubctl import census, outputs
from hubctl.backend import BackendError, FileStore
from hubctl.commands.common import (
    EXIT_OK,
    EXIT_VIOLATIONS,
    fail_usage,
    require_site,
    require_site_backend,
)
from hubctl.deploy import LAYERS, Action, LayerRun, SiteDeployer, select_stack, site_config
from hubctl.diagnosis import site_reasons
from hubctl.layers import hosts_layer, summary
from hubctl.locks import Locked, site_locked
from hubctl.processes import guard_engine_processes

LOG_ROOT = REPO_ROOT / ".state" / "logs"
console = Console()

SiteOption = Annotated[str, typer.Option("--site", help="Site whose four layers to act on.")]
SequentialOption = Annotated[
    bool, typer.Option("--sequential", help="One layer at a time instead of the parallel plan.")
]
BreakStaleOption = Annotated[
    bool,
    typer.Option(
        "--break-stale-lock",
        help="Remove a lock whose owner is provably gone (same host, no such process). "
        "A live lock, or one held on another host, is never broken.",
    ),
]
COMMANDS: dict[str, str] = {"up": "up", "destroy": "down", "preview": "preview"}
# Whether up, workspace open and drill wait for the hosts' first boot, when no flag says so.
WAIT_HOSTS_ENV = "HUB_WAIT_HOSTS"


def require_engine_site(site: str) -> None:
    """Before a read-only command runs the engine on `site`: the site declared, its stack files
    valid, its backend decidable, the engine on PATH (each a usage error, exit 2), and the
    engine processes guarded."""
    require_site(site)
    _require_valid_config(site)
    require_site_backend(site)
    if shutil.which("pulumi") is None:
        fail_usage('no `pulumi` engine on PATH: eval "$(scripts/toolchain env)" first')
    guard_engine_processes()


def _require_valid_config(site: str) -> None:
    """Every layer's stack files read and validated before the engine starts: a bad file is
    exit 2 with its file and line, and nothing is deployed."""
    for layer in SITE_LAYERS:
        try:
            site_config(site, layer)
        except ConfigError as error:
            fail_usage(str(error))


def _require_no_open_workspace(site: str) -> None:
    """A site is taken down only once its workspaces are closed: their ports sit on the site's
    admin subnet (so the network layer could not be destroyed), and closing a workspace is the
    act that purges its key and writes its evidence record, never a side effect of `down`."""
    from hubcore.stackfiles import stacks_dir
    from hubctl.workspaces.opened import opened_workspaces

    opened = opened_workspaces(site, stacks_dir())
    if opened:
        closes = "; ".join(
            f"hubctl workspace close --site {site} --project {project}" for project in opened
        )
        fail_usage(
            f"--site {site}: {len(opened)} workspace(s) still open ({', '.join(opened)}); "
            f"close them first ({closes}), then take the site down. Nothing was changed."
        )


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


def say(line: str) -> None:
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def run_site(
    site: str,
    action: Action,
    *,
    sequential: bool,
    unprotect: bool = False,
    break_stale: bool = False,
    orphans: bool = False,
    hosts: HostWait | None = None,
) -> int:
    require_site(site)
    _require_valid_config(site)
    require_site_backend(site)
    if action == "destroy":
        _require_no_open_workspace(site)
    if shutil.which("pulumi") is None:
        fail_usage('no `pulumi` engine on PATH: eval "$(scripts/toolchain env)" first')
    guard_engine_processes()
    deployer = SiteDeployer(
        site=site,
        log_dir=LOG_ROOT / f"{site}-{action}-{time.strftime('%Y%m%dT%H%M%S')}",
        parallel=not sequential,
        unprotect=unprotect,
    )
    try:
        backend = deployer.backend()
        store = backend.store()
    except BackendError as error:
        console.print(f"[red]{site}: state backend: {error}[/]")
        return EXIT_VIOLATIONS
    deployer._engine_env = {**deployer.env, **backend.env}
    command = f"hubctl {COMMANDS[action]} --site {site}"
    stacks = set(_stacks(site))
    try:
        with site_locked(
            site,
            store,
            stacks,
            command=" ".join(["hubctl", *sys.argv[1:]]) or command,
            remedy_command=f"{command} --break-stale-lock",
            break_stale=break_stale,
            say=say,
        ):
            say(f"state of {site}: {backend.url}")
            for removed in store.repair() if isinstance(store, FileStore) else []:
                say(f"removed {removed}: a write the killed engine left half-done")
            return _run_locked(deployer, site, action, orphans, hosts or HostWait(wait=False))
    except Locked as error:
        console.print(f"[red]{site} is locked[/]")
        say(str(error))
        return EXIT_VIOLATIONS


def _stacks(site: str) -> list[str]:
    from hubctl.deploy import stack_name

    return [stack_name(site, layer) for layer in LAYERS]


@dataclass(frozen=True)
class HostWait:
    """Whether `up` waits for the hosts' first boot, and for how long at most."""

    wait: bool = True
    timeout_s: float = 1800.0


def _run_locked(
    deployer: SiteDeployer,
    site: str,
    action: Action,
    orphans: bool,
    hosts: HostWait = HostWait(),
) -> int:
    runs: dict[str, LayerRun] = {}
    started = time.monotonic()
    with Live(_table(runs, started), console=console, refresh_per_second=2) as live:

        def listener(run: LayerRun) -> None:
            runs[run.stack] = run
            live.update(_table(runs, started))

        deployer.listener = listener
        if orphans:
            # Orphans first: a port no state owns keeps its subnet from being destroyed.
            _census(deployer, site, delete=True)
        results = deployer.run(action)
        live.update(_table({r.stack: r for r in results}, started))
    if not console.is_terminal:
        console.print()  # Live leaves its last frame unterminated when output is a file or pipe
    for run in results:
        for note in run.notes:
            say(f"{run.stack}: {note}")
    failed = [r for r in results if r.status != "done"]
    escrowed, booted = True, EXIT_OK
    if action == "up" and not failed:
        booted = _summarise(deployer, site, results, hosts)
        escrowed = _escrow(site)
    console.print(f"logs: {deployer.log_dir.relative_to(REPO_ROOT)}", markup=False)
    for run in failed:
        console.print(
            f"[red]{escape(run.stack)}: {run.status}[/] {escape(run.error or '')} "
            f"(log: {escape(str(run.log))})"
        )
    if any(r.status == "failed" for r in failed) and action != "preview":
        _explain(site)
    status = 1 if failed or not escrowed else booted
    if action in ("up", "destroy"):
        status = max(status, _census(deployer, site, delete=orphans))
    return status


def _summarise(deployer: SiteDeployer, site: str, results: list[LayerRun], hosts: HostWait) -> int:
    """Wait for the hosts' first boot (each judged on its own console), write the site's SSH
    access, print the summary; exit 1 when a host's first boot failed."""
    from hubctl.hosts import site as site_hosts

    values = {run.layer: run.outputs for run in results}
    compute = values[hosts_layer()]
    prepared = None
    if hosts.wait:
        say(f"waiting for the first boot of {site}'s hosts (at most {hosts.timeout_s:.0f} s)")
    try:
        prepared = site_hosts.prepare(
            site,
            deployer.cloud().connect(),
            compute,
            wait=hosts.wait,
            timeout_s=hosts.timeout_s,
            say=say,
        )
        found = prepared.addresses
    except Exception as error:  # an unreadable cloud must say so, not pass silently
        say(f"(hosts of {site} unknown: {type(error).__name__}: {error})")
        found = {}
    for table in summary(site, values, found):
        console.print(table)
    hint = prepared.hint() if prepared is not None else None
    say(f"reach it: {hint or outputs.ssh_hint(compute, found)}")
    say(f"full outputs: hubctl outputs --site {site} [--format text|json]")
    if prepared is None:
        return EXIT_VIOLATIONS if hosts.wait else EXIT_OK
    if hosts.wait and prepared.failed:
        console.print(f"[red]{len(prepared.failed)} host(s) of {site} failed their first boot:[/]")
        for failure in prepared.failed:
            say(f"  {failure.line()}")
        return EXIT_VIOLATIONS
    return EXIT_OK


def _escrow(site: str) -> bool:
    """After a good `up`: escrow every dataset key not escrowed yet (a rotated key included)
    in the replica region; False, with the reason, when it could not."""
    from hubctl.commands.dataset import escrow_now

    try:
        done = escrow_now(site_config(site))
    except Exception as error:  # the layers are up; the keys are not recoverable elsewhere yet
        console.print(f"[red]escrow of {site}'s dataset keys failed:[/] {escape(str(error))}")
        say(f"retry with: hubctl dataset escrow --site {site}")
        return False
    for item in done:
        if item.status != "already escrowed":
            say(f"{item.dataset} key {item.key_id}: {item.status} ({', '.join(item.methods)})")
    if done:
        say(f"dataset keys of {site}: {len(done)} escrowed in its replica region")
    return True


def _deployments(deployer: SiteDeployer, site: str) -> list[dict[str, Any]]:
    """The states that own what the site's project holds: its layers', and of each open
    workspace the routes it shares (on the site's admin subnet and edge router); the rest of a
    workspace lives in its own project."""
    from hubcore.stackfiles import stacks_dir
    from hubctl.deploy import select_named_stack
    from hubctl.workspaces.opened import opened_workspaces, workspace_stack
    from infra.layers.workspace import shared_route_urns

    env = deployer.engine_env()
    found = [
        dict(select_stack(site, layer, env).export_stack().deployment or {}) for layer in LAYERS
    ]
    for project in opened_workspaces(site, stacks_dir()):
        name = workspace_stack(site, project)
        shared = set(shared_route_urns(str(name), site, project))
        deployment = dict(select_named_stack(name, env).export_stack().deployment or {})
        resources = deployment.get("resources") or []
        found.append({"resources": [r for r in resources if r.get("urn") in shared]})
    return found


def _census(deployer: SiteDeployer, site: str, delete: bool) -> int:
    """Report (and with --orphans delete) what the site's project holds that no state owns."""
    try:
        project = deployer.cloud().project_api()
        taken = census.take(project, site, _deployments(deployer, site))
    except Exception as error:  # a census that cannot run must say so, not pass silently
        console.print(f"[red]orphan census of {site} could not run: {type(error).__name__}[/]")
        say(str(error))
        return EXIT_VIOLATIONS
    if not taken.orphans:
        say(f"orphan census of {site}: 0 orphans ({len(taken.cloud)} resources, all in a state)")
        return EXIT_OK
    say(f"orphan census of {site}: {len(taken.orphans)} resource(s) in no stack's state:")
    for item in taken.orphans:
        say(f"  {item.line()}")
    if not delete:
        say(f"delete them with: hubctl down --site {site} --orphans")
        return EXIT_OK
    failed = census.delete_orphans(project, taken.orphans, say)
    for item, why in failed:
        say(f"could not delete {item.line()}: {why}")
    return EXIT_VIOLATIONS if failed else EXIT_OK


def _explain(site: str) -> None:
    """Print what the cloud itself says about the site's resources left in error."""
    config = site_config(site, Layer.NETWORK)
    reasons = site_reasons(site, config.region_name, config.cloud)
    if reasons:
        console.print("[bold]what the cloud says about the site's resources in error:[/]")
        for line in reasons:
            console.print(f"  {line}", markup=False, highlight=False)


def up(
    site: SiteOption = "local",
    sequential: SequentialOption = False,
    break_stale_lock: BreakStaleOption = False,
    wait_hosts: Annotated[
        bool,
        typer.Option(
            "--wait-hosts/--no-wait-hosts",
            envvar=WAIT_HOSTS_ENV,
            help="Wait until every host has finished its first boot (cloud-init's result on "
            "its console) and fail with each failed host's errors (default: wait; "
            f"{WAIT_HOSTS_ENV}=0 for a cloud that runs no guest).",
        ),
    ] = True,
    boot_timeout: Annotated[
        float,
        typer.Option("--boot-timeout", min=1, help="Seconds to wait for the hosts' first boot."),
    ] = 1800.0,
) -> None:
    """Deploy every layer of a site (policy pack enforced), in dependency order, then wait for
    its hosts' hardened first boot."""
    raise typer.Exit(
        run_site(
            site,
            "up",
            sequential=sequential,
            break_stale=break_stale_lock,
            hosts=HostWait(wait_hosts, boot_timeout),
        )
    )


def preview(
    site: SiteOption = "local",
    sequential: SequentialOption = False,
    break_stale_lock: BreakStaleOption = False,
) -> None:
    """Preview every layer of a site with the policy pack."""
    raise typer.Exit(run_site(site, "preview", sequential=sequential, break_stale=break_stale_lock))


def down(
    site: SiteOption = "local",
    unprotect: Annotated[
        bool,
        typer.Option("--unprotect", help="Also destroy protected (data-bearing) resources."),
    ] = False,
    sequential: SequentialOption = False,
    break_stale_lock: BreakStaleOption = False,
    orphans: Annotated[
        bool,
        typer.Option(
            "--orphans",
            help="After the destroy, show the site's resources that no state owns, then "
            "delete them.",
        ),
    ] = False,
) -> None:
    """Destroy every layer of a site in reverse dependency order."""
    raise typer.Exit(
        run_site(
            site,
            "destroy",
            sequential=sequential,
            unprotect=unprotect,
            break_stale=break_stale_lock,
            orphans=orphans,
        )
    )


def outputs_command(
    site: SiteOption = "local",
    format: Annotated[str, typer.Option("--format", help="text (default) or json.")] = "text",
) -> None:
    """Every output of every layer of a site, from its state backend (secrets hidden)."""
    if format not in ("text", "json"):
        fail_usage(f"--format {format!r}: allowed: text, json")
    require_engine_site(site)
    deployer = SiteDeployer(site=site, log_dir=LOG_ROOT)
    try:
        env = deployer.engine_env()
    except BackendError as error:
        console.print(f"[red]{site}: state backend: {error}[/]")
        raise typer.Exit(EXIT_VIOLATIONS) from None
    values = {
        str(stack.name): dict(stack.outputs())
        for stack in (select_stack(site, layer, env) for layer in LAYERS)
    }
    text = outputs.as_json(values) if format == "json" else outputs.as_text(values)
    sys.stdout.write(text + "\n")
    raise typer.Exit(EXIT_OK)


__all__ = ["down", "outputs_command", "preview", "up"]
