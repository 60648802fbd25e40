"""`hubctl workspace airlock`: results leave a workspace only through a two-person release.

    submit    a member's files: checked, pinned by SHA-256, put in the outbox (or blocked)
    list      the workspace's requests: id, state, submitter, files, approvals
    show      one request: files and hashes, findings, every transition, each decision
    approve   a data officer approves (two distinct officers are needed)
    reject    a data officer rejects; the files are purged from the outbox
    cancel    a member withdraws a pending request; its files are purged
    release   the site's operator copies the approved bytes to the release area

Who acts is the token's user: OS_* as set (the command scopes them to the workspace's
project), or `--member ID` for a member's own credentials (their initial password, a Pulumi
secret the operator reads). Exit codes: 0 done; 1 refused by the airlock's rules or by the
cloud (nothing changed, or the request voided or blocked as said); 2 bad input, a request
blocked by the checks (nothing uploaded), an unknown request, usage or config errors.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from hubcore.values import ConfigError
from hubctl.commands.common import EXIT_USAGE, EXIT_VIOLATIONS, fail_usage, stderr, workspace_site

if TYPE_CHECKING:
    from hubctl.airlock.actions import Airlock
    from hubctl.airlock.model import Request

console = Console(highlight=False, soft_wrap=True)
app = typer.Typer(
    name="airlock",
    help="The airlock: submit results, two officers approve, the operator releases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SiteOption = Annotated[str, typer.Option("--site", help="The site the workspace belongs to.")]
ProjectOption = Annotated[str, typer.Option("--project", help="The workspace's project id.")]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="text or json.")]
MemberOption = Annotated[
    str | None, typer.Option("--member", help="Act with this member's own credentials.")
]
RequestArgument = Annotated[str, typer.Argument(help="The request id (see `list`).")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept in the record).")]


def _format(value: str) -> str:
    if value not in ("text", "json"):
        fail_usage(f"--format {value!r}: expected text or json")
    return value


def _say(line: str) -> None:
    console.print(Text(line))


def _progress(line: str) -> None:
    """What an action did on the way (uploads, purges): stderr, so stdout stays the record."""
    stderr.print(Text(line))


def _refused(message: str) -> NoReturn:
    stderr.print(Text.assemble(("refused:", "bold red"), " ", message), soft_wrap=True)
    raise typer.Exit(EXIT_VIOLATIONS)


def _place(site: str, project: str) -> tuple[Any, Any, Any]:
    """The site, the workspace's spec (from its stack file) and its airlock's names."""
    from hubctl.workspaces.opened import opened_workspaces
    from infra.layers.workspace import AirlockNames

    context = workspace_site(site)
    opened = opened_workspaces(site).get(project)
    if opened is None or opened.spec is None:
        reason = opened.problem if opened is not None else None
        fail_usage(
            reason
            or f"--project {project!r}: workspace {project!r} of site {site!r} is not open "
            f"(no stacks/Pulumi.{site}-ws-{project}.yaml)"
        )
    names = AirlockNames.of(site, project, list(context.config.data_officers))
    return context, opened.spec, names


def _env(context: Any, spec: Any, member: str | None) -> dict[str, str]:
    from hubctl.workspaces.access import member_env

    if member:
        try:
            return member_env(context, spec.id, member)
        except ConfigError as error:
            fail_usage(str(error))
    if "OS_AUTH_URL" not in os.environ:
        fail_usage(
            'no credentials: set OS_* (eval "$(scripts/local-cloud env officer)" for an '
            "officer, scripts/local-cloud env for the operator) or give --member ID"
        )
    project = spec.project or f"hub-{context.name}-ws-{spec.id}"
    return {**os.environ, "OS_PROJECT_NAME": project}


def _airlock(site: str, project: str, member: str | None = None) -> Airlock:
    from hubctl.airlock.actions import Airlock
    from hubctl.airlock.checks import Settings
    from hubctl.airlock.store import Store, actor_of
    from hubctl.cloud import connect_from_env

    context, spec, names = _place(site, project)
    conn = connect_from_env(_env(context, spec, member))
    try:
        actor = actor_of(conn)
    except Exception as error:  # keystoneauth's own errors: wrong password, unknown project
        fail_usage(f"cannot authenticate in workspace {project}'s project: {error}")
    limits = context.config.airlock_limits
    settings = Settings(
        threshold=context.config.small_cell_threshold,
        file_bytes=limits.file_mb << 20,
        request_bytes=limits.request_mb << 20,
        max_files=limits.files,
    )
    return Airlock(site, project, Store(conn, names), settings, actor, say=_progress)


def _extract(airlock: Airlock) -> Any:
    """The extract's rows, read and decrypted with the caller's token (members and the
    operator may; an officer may not, and so does not re-run this one check)."""
    from hubctl.airlock.checks.extract import ExtractIndex
    from hubctl.envelope import EnvelopeError, get_object

    store = airlock.store
    container = store.names.outbox.removesuffix("-outbox") + "-extract"
    files = []
    try:
        for name in store.listing(container):
            files.append((name, get_object(store.conn, container, name)))
    except EnvelopeError as error:
        _refused(f"the extract cannot be read to compare rows with it: {error}")
    return ExtractIndex.of(files)


def _guard(action: Any) -> Any:
    """Run an action, turning the airlock's refusals into their exit codes."""
    from hubctl.airlock.actions import NotFound, Refused
    from hubctl.airlock.checks import BadInput
    from hubctl.airlock.names import RefusedName
    from hubctl.airlock.store import StoreError

    try:
        return action()
    except (BadInput, RefusedName, NotFound) as error:
        fail_usage(str(error))
    except (Refused, StoreError) as error:
        _refused(str(error))


def _request_id(text: str) -> str:
    from hubctl.airlock.names import RefusedName, check_request_id

    try:
        return check_request_id(text)
    except RefusedName as error:
        fail_usage(str(error))


def _show(request: Request, output_format: str, decisions: dict[str, Any] | None = None) -> None:
    from hubctl.airlock.actions import approvals
    from hubctl.airlock.model import Decision

    counted = approvals(request, decisions) if decisions is not None else []
    if output_format == "json":
        data = json.loads(request.as_json())
        if decisions is not None:
            data["decisions"] = {
                officer: d.model_dump(mode="json") if isinstance(d, Decision) else str(d)
                for officer, d in decisions.items()
            }
            data["approvals"] = [a.user for a in counted]
        typer.echo(json.dumps(data, indent=2))
        return
    _say(f"request {request.id} ({request.site}/{request.workspace}): {request.state.value}")
    _say(f"  submitted by {request.submitter.user} ({request.submitter.user_id}): {request.reason}")
    for entry in request.files:
        _say(f"  file {entry.name}: {entry.size} bytes, {entry.mime}, sha256 {entry.sha256}")
    for finding in request.findings:
        _say(f"  {finding.line()}")
    if not request.findings:
        _say("  no finding")
    for step in request.transitions:
        source = step.source.value if step.source else "-"
        _say(f"  {step.at} {source} -> {step.target.value} by {step.by.user}: {step.reason}")
    if decisions is not None:
        for officer, decision in decisions.items():
            if isinstance(decision, Decision):
                verdict = f"{decision.decision} at {decision.at}: {decision.reason}"
                _say(f"  decision of {officer}: {verdict}")
            else:
                _say(f"  decision of {officer}: unreadable: {decision}")
        _say(
            f"  approvals counted: {len(counted)} ({', '.join(a.user for a in counted) or 'none'})"
        )
    if request.release is not None:
        _say(
            f"  released to {request.release.container} (project {request.release.project_id}) "
            f"by {request.release.by.user} at {request.release.at}"
        )


@app.command()
def submit(
    site: SiteOption,
    project: ProjectOption,
    files: Annotated[list[Path], typer.Argument(help="The result files to take out.")],
    reason: ReasonOption,
    member: MemberOption = None,
    output_format: FormatOption = "text",
) -> None:
    """Check, pin and put results in the outbox for review (a member's credentials)."""
    from hubctl.airlock.checks import candidates

    _format(output_format)
    _guard(lambda: candidates(files))  # hostile names and non-files: refused before the cloud
    airlock = _airlock(site, project, member)
    extract = _guard(lambda: _extract(airlock))
    request = _guard(lambda: airlock.submit(files, reason, extract))
    _show(request, output_format)
    if request.blocking:
        stderr.print(
            Text(f"blocked: request {request.id} has {len(request.blocking)} blocking finding(s); "
                 "nothing was uploaded")
        )  # fmt: skip
        raise typer.Exit(EXIT_USAGE)


@app.command("list")
def list_(
    site: SiteOption,
    project: ProjectOption,
    member: MemberOption = None,
    output_format: FormatOption = "text",
) -> None:
    """The workspace's requests: id, state, submitter, files, last change."""
    from hubctl.airlock.store import StoreError

    _format(output_format)
    airlock = _airlock(site, project, member)
    rows = _guard(lambda: list(airlock.store.requests()))
    requests = sorted((r for r in rows if not isinstance(r, StoreError)), key=lambda r: r.id)
    problems = [str(r) for r in rows if isinstance(r, StoreError)]
    if output_format == "json":
        typer.echo(
            json.dumps(
                {
                    "requests": [
                        {
                            "id": r.id,
                            "state": r.state.value,
                            "submitter": r.submitter.user,
                            "files": [f.name for f in r.files],
                            "findings": len(r.findings),
                            "blocking": len(r.blocking),
                            "updated": r.transitions[-1].at if r.transitions else None,
                        }
                        for r in requests
                    ],
                    "unreadable": problems,
                },
                indent=2,
            )
        )
        return
    _say(f"{'id':<28} {'state':<10} {'submitter':<28} {'files':>5} {'blocking':>8}  updated")
    for r in requests:
        updated = r.transitions[-1].at if r.transitions else ""
        _say(f"{r.id:<28} {r.state.value:<10} {r.submitter.user:<28} {len(r.files):>5} "
             f"{len(r.blocking):>8}  {updated}")  # fmt: skip
    for problem in problems:
        stderr.print(Text(f"unreadable: {problem}"))


@app.command()
def show(
    site: SiteOption,
    project: ProjectOption,
    request_id: RequestArgument,
    member: MemberOption = None,
    output_format: FormatOption = "text",
) -> None:
    """One request: files and hashes, findings, transitions, each officer's decision."""
    _format(output_format)
    checked = _request_id(request_id)
    airlock = _airlock(site, project, member)
    request = _guard(lambda: airlock.load(checked))
    decisions = _guard(lambda: airlock.store.decisions(checked))
    _show(request, output_format, decisions)


def _decide(site: str, project: str, request_id: str, reason: str, action: str, fmt: str) -> None:
    _format(fmt)
    checked = _request_id(request_id)
    airlock = _airlock(site, project)
    request = _guard(lambda: getattr(airlock, action)(checked, reason))
    _show(request, fmt, airlock.store.decisions(checked))


@app.command()
def approve(
    site: SiteOption,
    project: ProjectOption,
    request_id: RequestArgument,
    reason: ReasonOption,
    output_format: FormatOption = "text",
) -> None:
    """Approve a request in review (a data officer's credentials; two officers needed)."""
    _decide(site, project, request_id, reason, "approve", output_format)


@app.command()
def reject(
    site: SiteOption,
    project: ProjectOption,
    request_id: RequestArgument,
    reason: ReasonOption,
    output_format: FormatOption = "text",
) -> None:
    """Reject a request in review (a data officer); its files leave the outbox."""
    _decide(site, project, request_id, reason, "reject", output_format)


@app.command()
def cancel(
    site: SiteOption,
    project: ProjectOption,
    request_id: RequestArgument,
    reason: ReasonOption,
    member: MemberOption = None,
    output_format: FormatOption = "text",
) -> None:
    """Withdraw a pending request (a member); its files leave the outbox."""
    _format(output_format)
    checked = _request_id(request_id)
    airlock = _airlock(site, project, member)
    request = _guard(lambda: airlock.cancel(checked, reason))
    _show(request, output_format)


@app.command()
def release(
    site: SiteOption,
    project: ProjectOption,
    request_id: RequestArgument,
    output_format: FormatOption = "text",
) -> None:
    """Copy an approved request's exact bytes to the release area (the site's operator)."""
    from hubctl.airlock.store import Store
    from hubctl.cloud import connect_from_env

    _format(output_format)
    checked = _request_id(request_id)
    airlock = _airlock(site, project)
    site_conn = connect_from_env(dict(os.environ))
    release_store = Store(site_conn, airlock.store.names)
    extract = _guard(lambda: _extract(airlock))
    request = _guard(lambda: airlock.release(checked, release_store, extract))
    _show(request, output_format, airlock.store.decisions(checked))
