"""`hubctl workspace`: research-project workspaces, opened and closed as code.

    open        validate the manifest, check with the pack, deploy
    list        every workspace of a site: state, expiry, days left, members
    extend      move the expiry (refused beyond the authorisation)
    close       destroy, shred the key, verify through the APIs, write the evidence
    expire      close every workspace past its expiry (the nightly job); --dry-run lists them
    load, read  put extract files in (envelope-encrypted) and read them back
    credentials a member's OS_* variables (their initial password is a Pulumi secret)
    airlock     submit results, two data officers approve, the operator releases
                (hubctl.commands.airlock)

Exit codes: 0 done; 1 a deployment, a closure or the pack failed (nothing deployed when the
pack refused); 2 usage, config or manifest errors (one line per problem, nothing done).
"""

from __future__ import annotations

import json
import os
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from hubcore.paths import REPO_ROOT
from hubcore.values import ConfigError
from hubctl.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VIOLATIONS,
    fail_usage,
    stderr,
    workspace_site,
)

if TYPE_CHECKING:
    from hubctl.deploy import LayerRun

console = Console(highlight=False)
app = typer.Typer(
    name="workspace",
    help="Research-project workspaces: open, list, extend, close, expire.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SiteOption = Annotated[str, typer.Option("--site", help="The site the workspace belongs to.")]
ProjectOption = Annotated[
    str, typer.Option("--project", help="The project id (projects/<site>/<id>.yaml).")
]
LOG_ROOT = REPO_ROOT / ".state" / "logs"


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail_usage(f"{option} {text!r}: expected a date as YYYY-MM-DD, e.g. 2027-06-30")


def _config_failure(error: ConfigError) -> NoReturn:
    from hubctl.workspaces.manifest import ManifestError

    lines = error.problems if isinstance(error, ManifestError) else [str(error)]
    for line in lines:
        stderr.print(f"[bold red]error:[/] {line}", markup=True, soft_wrap=True, highlight=False)
    raise typer.Exit(EXIT_USAGE)


def _log_dir(site: str, action: str) -> Path:
    return LOG_ROOT / f"{site}-ws-{action}-{time.strftime('%Y%m%dT%H%M%S')}"


def _report_run(run: LayerRun) -> int:
    if run.status == "done":
        changes = ", ".join(f"{k} {v}" for k, v in sorted(run.changes.items()))
        console.print(
            f"{run.stack}: done in {run.seconds or 0:.1f} s ({changes}); log: {run.log}",
            soft_wrap=True,
        )
        return EXIT_OK
    console.print(
        f"[red]{run.stack}: {run.status}[/] {run.error or ''} (log: {run.log})", soft_wrap=True
    )
    return EXIT_VIOLATIONS


def _add_airlock() -> None:
    from hubctl.commands.airlock import app as airlock

    app.add_typer(airlock, name="airlock")


_add_airlock()


@app.command("open")
def open_(
    site: SiteOption,
    project: ProjectOption,
    wait_hosts: Annotated[
        bool,
        typer.Option(
            "--wait-hosts/--no-wait-hosts",
            envvar="HUB_WAIT_HOSTS",
            help="Wait until the workspace's hosts have finished their hardened first boot "
            "(default); HUB_WAIT_HOSTS=0 for a cloud that runs no guest.",
        ),
    ] = True,
) -> None:
    """Validate the manifest, check the workspace with the policy pack, deploy it, wait for its
    hosts' first boot."""
    from hubctl.workspaces.opening import PackRefusal, open_workspace

    context = workspace_site(site)
    try:
        opened = open_workspace(context, project, log_dir=_log_dir(site, "open"), say=_say)
    except ConfigError as error:
        _config_failure(error)
    except PackRefusal as refusal:
        for finding in refusal.findings:
            stderr.print(f"[red]policy:[/] {finding}", markup=True, soft_wrap=True)
        stderr.print("nothing was deployed: the policy pack refused the workspace")
        raise typer.Exit(EXIT_VIOLATIONS) from None
    status = _report_run(opened.run)
    if opened.rollback is not None:
        record = opened.rollback
        verdict = "nothing of it is left" if record.ok else "a check of the rollback failed"
        console.print(
            f"rolled back: {len(record.existed)} resource(s) it made destroyed, "
            f"{len(record.checks)} check(s), {verdict}; evidence: {', '.join(record.files)}",
            markup=False,
            soft_wrap=True,
        )
        for check in record.checks:
            if check.result != "pass":
                console.print(
                    f"  [red]failed:[/] {check.check} ({check.api}: {check.observed})",
                    soft_wrap=True,
                )
    if opened.rollback_error is not None:
        console.print(f"[red]the rollback failed:[/] {opened.rollback_error}", soft_wrap=True)
    if opened.left:
        console.print(f"left in the workspace's state ({len(opened.left)}):", markup=False)
        for line in opened.left:
            console.print(f"  {line}", markup=False, soft_wrap=True)
        console.print(
            f"remove them with: hubctl workspace close --site {site} --project {project}",
            markup=False,
            soft_wrap=True,
        )
    if status == EXIT_OK and wait_hosts and opened.run.outputs.get("instances"):
        status = _wait_boot(opened.run)
    raise typer.Exit(status)


def _say(line: str) -> None:
    console.print(line, markup=False, soft_wrap=True)


def _wait_boot(run: LayerRun) -> int:
    """The workspace's hosts' first boot, each judged on its console, in the workspace's own
    project (with the operator's credentials)."""
    from hubctl.cloud import connect_from_env, hosts_of
    from hubctl.hosts import boot

    instances = run.outputs["instances"]
    names = [str(n) for n in instances] if isinstance(instances, list) else []
    project = str(run.outputs["project_name"])
    conn = connect_from_env({**os.environ, "OS_PROJECT_NAME": project})
    boots = boot.wait(
        hosts_of(conn),
        {"workspace": names},
        say=lambda line: console.print(line, markup=False, soft_wrap=True),
    )
    failed = [b for b in boots if not b.ok]
    for failure in failed:
        console.print(f"[red]{escape(failure.line())}[/]", soft_wrap=True)
    return EXIT_VIOLATIONS if failed else EXIT_OK


@app.command("list")
def list_(
    site: SiteOption,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Count days left from this date (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Every workspace of the site: id, state, expiry, days left, members."""
    from hubctl.workspaces.listing import list_workspaces

    if output_format not in ("text", "json"):
        fail_usage(f"--format {output_format!r}: expected text or json")
    when = _date(as_of, "--as-of") if as_of else None
    rows = list_workspaces(workspace_site(site, engine=False), when)
    if output_format == "json":
        typer.echo(json.dumps([row.as_json() for row in rows], indent=2))
        return
    header = f"{'id':<28} {'state':<8} {'expires':<10} {'days left':>9}  members"
    typer.echo(header)
    for row in rows:
        left = "" if row.days_left is None else str(row.days_left)
        typer.echo(
            f"{row.id:<28} {row.state:<8} {row.expires or '':<10} {left:>9}  "
            f"{', '.join(row.members) or (row.problem or '')}"
        )


@app.command()
def extend(
    site: SiteOption,
    project: ProjectOption,
    expires: Annotated[str, typer.Option("--expires", help="The new expiry, YYYY-MM-DD.")],
) -> None:
    """Move a workspace's expiry; refused beyond its authorisation (exit 2)."""
    from hubctl.workspaces.extension import extend as extend_workspace

    when = _date(expires, "--expires")
    context = workspace_site(site)
    try:
        run = extend_workspace(context, project, when, log_dir=_log_dir(site, "extend"))
    except ConfigError as error:
        _config_failure(error)
    console.print(f"{project}: expires {when} (projects/{site}/{project}.yaml)")
    raise typer.Exit(EXIT_OK if run is None else _report_run(run))


def _close_one(context: Any, project: str, *, pending_ok: bool = False) -> bool:
    from hubctl.workspaces.closing import close_workspace

    try:
        record = close_workspace(
            context,
            project,
            log_dir=_log_dir(context.name, "close"),
            say=console.print,
            pending_ok=pending_ok,
        )
    except ConfigError:
        raise
    except Exception as error:  # the engine or a cloud API failed: report, do not hide
        console.print(f"[red]{project}: closing failed:[/] {error}")
        return False
    for check in record.checks:
        mark = "[green]pass[/]" if check.result == "pass" else "[red]FAIL[/]"
        console.print(f"  {mark} {check.check} ({check.api}: {check.observed})")
    console.print(f"{project}: {'closed' if record.ok else 'checks failed'}; evidence:")
    for path in record.files:
        console.print(f"  {path}")
    return record.ok


@app.command()
def close(site: SiteOption, project: ProjectOption) -> None:
    """Destroy the workspace, delete and purge its key, verify, write the evidence record."""
    context = workspace_site(site)
    try:
        ok = _close_one(context, project)
    except ConfigError as error:
        _config_failure(error)
    raise typer.Exit(EXIT_OK if ok else EXIT_VIOLATIONS)


@app.command()
def expire(
    site: SiteOption,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Judge expiry on this date (default today, UTC).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what is due: exit 1 if anything is.")
    ] = False,
) -> None:
    """Close every workspace past its expiry (nightly). Exit 0: all due closed or none due;
    1: a closure failed (with --dry-run: something is due); 2: usage or config error."""
    from hubctl.workspaces.common import today
    from hubctl.workspaces.listing import due

    when = _date(as_of, "--as-of") if as_of else today()
    context = workspace_site(site)
    pending = due(site, when)
    for workspace in pending:
        expiry = workspace.spec.expires.isoformat() if workspace.spec else "unreadable"
        console.print(f"due: {workspace.id} (expired {expiry}, as of {when})")
    if not pending:
        console.print(f"nothing due on site {site} as of {when}")
        raise typer.Exit(EXIT_OK)
    if dry_run:
        raise typer.Exit(EXIT_VIOLATIONS)
    failures = 0
    for workspace in pending:
        try:
            # The authorisation has ended: close over undecided airlock requests (listed in
            # the record) rather than keep the data past its term.
            ok = _close_one(context, workspace.id, pending_ok=True)
        except ConfigError as error:
            console.print(f"[red]{workspace.id}:[/] {error}")
            ok = False
        failures += not ok
    raise typer.Exit(EXIT_VIOLATIONS if failures else EXIT_OK)


def _workspace_connection(context: Any, project: str, member: str | None) -> tuple[Any, Any]:
    """The workspace's exports and a connection scoped to its project (operator or member)."""
    import os

    from hubctl.cloud import connect_from_env
    from hubctl.workspaces.access import member_env, workspace_exports

    try:
        exports = workspace_exports(context.name, project)
        env = (
            member_env(context, project, member)
            if member
            else {**os.environ, "OS_PROJECT_NAME": exports.project_name}
        )
    except ConfigError as error:
        _config_failure(error)
    return exports, connect_from_env(env)


MemberOption = Annotated[
    str | None, typer.Option("--member", help="Act with this member's own credentials.")
]


@app.command()
def load(
    site: SiteOption,
    project: ProjectOption,
    files: Annotated[
        list[str],
        typer.Argument(help="Files to put in the extract; with --dataset, the dataset's objects."),
    ],
    member: MemberOption = None,
    dataset: Annotated[
        str | None,
        typer.Option(
            "--dataset",
            help="Take the extract from this dataset: each object decrypted under the dataset "
            "key, checked against its manifest, re-sealed under the workspace key.",
        ),
    ] = None,
) -> None:
    """Encrypt files client-side (a data key each, wrapped by the project key) into the extract."""
    from hubctl.datasets.store import DatasetError
    from hubctl.envelope import EnvelopeError, put_items

    context = workspace_site(site)
    if dataset is None:
        paths = [Path(name) for name in files]
        for path in paths:
            if not path.is_file():
                fail_usage(f"{path}: not a readable file")
        items = [(path.name, path.read_bytes()) for path in paths]
    else:
        items = _from_dataset(context, project, dataset, files, member)
    exports, conn = _workspace_connection(context, project, member)
    try:
        names = put_items(
            conn,
            exports.extract_container,
            exports.key_ref,
            items,
            on_object=lambda name, size: console.print(f"sealed {name} ({size} bytes)"),
        )
    except (EnvelopeError, DatasetError) as error:
        console.print(f"[red]error:[/] {error}")
        raise typer.Exit(EXIT_VIOLATIONS) from None
    console.print(f"{len(names)} object(s) in {exports.extract_container}")


def _from_dataset(
    context: Any, project: str, dataset: str, names: list[str], member: str | None
) -> list[tuple[str, bytes]]:
    """The objects' plaintext from the site's dataset, each checked against its manifest; only
    a dataset the workspace's authorisation names, and only by the site's operators."""
    from hubcore.stackfiles import load_layered_config, stack_file
    from hubctl.commands.dataset import open_store
    from hubctl.datasets.store import DatasetError
    from hubctl.envelope import EnvelopeError
    from hubctl.workspaces.opened import workspace_stack
    from infra.config import validate_config

    if member is not None:
        fail_usage("--dataset with --member: only the site's operators read its datasets")
    stack = workspace_stack(context.name, project)
    if not stack_file(stack).exists():
        fail_usage(f"workspace {project!r} of site {context.name!r} is not open")
    try:
        spec = validate_config(str(stack), load_layered_config(str(stack))).workspace
    except ConfigError as error:
        _config_failure(error)
    allowed = spec.datasets if spec else []
    if dataset not in allowed:
        fail_usage(
            f"--dataset {dataset!r}: workspace {project!r} is authorised for "
            f"{', '.join(allowed) or 'no dataset'} only (its manifest's datasets)"
        )
    store = open_store(context.config, dataset)
    try:
        return [(name, store.read(name)) for name in names]
    except (DatasetError, EnvelopeError) as error:
        stderr.print(f"[bold red]error:[/] {error}", markup=True, soft_wrap=True)
        raise typer.Exit(EXIT_VIOLATIONS) from None


@app.command()
def read(
    site: SiteOption,
    project: ProjectOption,
    name: Annotated[str, typer.Argument(help="The extract object to read back.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE, not stdout.")
    ] = None,
    member: MemberOption = None,
) -> None:
    """Read an extract object back: download, unwrap its data key, decrypt."""
    import sys

    from hubctl.envelope import EnvelopeError, get_object

    exports, conn = _workspace_connection(workspace_site(site), project, member)
    try:
        data = get_object(conn, exports.extract_container, name)
    except EnvelopeError as error:
        stderr.print(f"[red]error:[/] {error}", markup=True)
        raise typer.Exit(EXIT_VIOLATIONS) from None
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)


@app.command()
def credentials(
    site: SiteOption,
    project: ProjectOption,
    member: Annotated[str, typer.Option("--member", help="The member id.")],
) -> None:
    """Print a member's OS_* variables (their initial password, kept as a Pulumi secret)."""
    from hubctl.workspaces.access import member_env

    try:
        env = member_env(workspace_site(site), project, member)
    except ConfigError as error:
        _config_failure(error)
    for key in (
        "OS_AUTH_URL", "OS_REGION_NAME", "OS_PROJECT_NAME", "OS_USERNAME", "OS_PASSWORD",
        "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME", "OS_IDENTITY_API_VERSION",
    ):  # fmt: skip
        if key in env:
            typer.echo(f"export {key}='{env[key]}'")
    typer.echo("unset OS_CLOUD OS_PROJECT_ID OS_TENANT_NAME OS_TENANT_ID")
