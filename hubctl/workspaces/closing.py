"""Close a workspace, as `hubctl workspace close` and `expire` run it (and a failed open's
rollback).

Close is in two passes so that what it removed can be checked with the workspace's own
credentials before its project goes: first the key material (deleted in Barbican, then purged
where the operator can), the containers, hosts, volumes and network; then the Keystone project
and users. Every check is done through the APIs (hubctl.workspaces.close_checks) and written to
the evidence record.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hubcore.paths import relative
from hubcore.resource_types import PROJECT, ROLE_ASSIGNMENT, USER
from hubcore.stackfiles import load_layered_config, stack_file
from hubcore.values import ConfigError
from hubctl.cloud import key_manager_of, project_of
from hubctl.cloud.api import Connection, reference_id
from hubctl.workspaces import closing_record
from hubctl.workspaces.close_checks import (
    check_airlock_gone,
    check_data_gone,
    check_identity_gone,
)
from hubctl.workspaces.common import Site, reports_dir
from hubctl.workspaces.holdings import holdings_of
from hubctl.workspaces.opened import route_lock, workspace_stack
from hubctl.workspaces.purge import purge_key
from infra.config import validate_config

if TYPE_CHECKING:  # the engine's SDK loads only for what deploys
    from pulumi import automation as auto

# Resource types the second pass of a closure removes: who may use the project, and the project.
IDENTITY_TYPES = (
    PROJECT,
    USER,
    ROLE_ASSIGNMENT,
)


def close_workspace(
    site: Site,
    project: str,
    *,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    say: Callable[[str], None] = lambda _: None,
    cause: str | None = None,
    pending_ok: bool = False,
) -> closing_record.Record:
    """Destroy the workspace, shred its key, check through the APIs, write the evidence.

    Refused (ConfigError, nothing done) while an airlock request still waits for a decision
    or a release, unless `pending_ok` (the nightly expiry: the authorisation has ended, the
    record lists what was left undecided). A workspace whose open failed half-way is closed the
    same way: what it made is read from its state (hubctl.workspaces.holdings), and the record
    says the open had not completed. `cause` says why it is closed when it is not an operator's
    close (an open rolled back).
    """
    from hubctl.cloud import connect_from_env, remnants_of
    from hubctl.deploy import run_cli, select_named_stack
    from infra.layers.workspace import shared_route_urns

    environment = {**os.environ, **(env or {})}
    name = workspace_stack(site.name, project)
    path = stack_file(name)
    if not path.exists():
        raise ConfigError(
            f"workspace {project!r} of site {site.name!r} is not open: no {relative(path)}",
            key="project",
        )
    config = validate_config(str(name), load_layered_config(name))
    spec = config.workspace
    assert spec is not None
    record = closing_record.Record(site=site.name, workspace=project, stack=str(name), cause=cause)
    record.authorisation = spec.authorisation.reference
    record.expires = spec.expires.isoformat()
    log_dir.mkdir(parents=True, exist_ok=True)
    stack = select_named_stack(name, dict(env or {}))
    outputs = {k: v.value for k, v in stack.outputs().items()}
    deployment = stack.export_stack().deployment or {}
    resources = deployment.get("resources") or []
    holdings = holdings_of(outputs, resources, config)
    record.open_completed = holdings.complete
    record.existed = [
        closing_record.resource_entry(r) for r in resources if closing_record.is_real(r)
    ]
    operator = connect_from_env(environment)
    record.credentials = closing_record.credentials_of(operator, environment)
    say(
        f"{name}: {len(record.existed)} resources deployed"
        + ("" if holdings.complete else " (its open had not completed: read from its state)")
    )

    workspace_conn = None
    if holdings.project_name and (holdings.complete or holdings.key_refs or holdings.containers):
        workspace_conn = connect_from_env({**environment, "OS_PROJECT_NAME": holdings.project_name})
    if holdings.exports is not None and workspace_conn is not None:
        _airlock_history(record, site, spec.id, workspace_conn, pending_ok)
    for key_ref in holdings.key_refs:
        assert workspace_conn is not None
        code = key_manager_of(workspace_conn).delete_secret(reference_id(key_ref))
        record.deleted.append(
            closing_record.Deletion("barbican secret (project key)", key_ref, f"HTTP {code}")
        )
        say(f"project key {key_ref}: deleted (HTTP {code})")

    if config.protect:
        run_cli(stack, ["state", "unprotect", "--all", "--yes"])
    first = [
        str(r["urn"])
        for r in resources
        if closing_record.is_real(r) and str(r.get("type")) not in IDENTITY_TYPES
    ]
    routes = [u for u in shared_route_urns(str(name), site.name, project) if u in first]
    with (log_dir / f"{name}.destroy.log").open("w", encoding="utf-8") as log:
        write = _writer(log)
        if routes:
            with route_lock():
                for route in routes:
                    _remove_route(stack, record, operator, route, resources, write)
                    first.remove(route)
        if first:
            result = stack.destroy(target=first, on_output=write, color="never")
            record.note_destroy("data, hosts and network", result.summary.resource_changes)
        if workspace_conn is not None:
            check_data_gone(record, remnants_of(workspace_conn), holdings)
        if workspace_conn is not None and holdings.exports is not None:
            check_airlock_gone(
                record, remnants_of(workspace_conn), remnants_of(operator), holdings.exports
            )
        result = stack.destroy(on_output=write, color="never")
        record.note_destroy("identity (project, users, grants)", result.summary.resource_changes)
    after = stack.export_stack().deployment or {}
    left = [r for r in after.get("resources") or [] if closing_record.is_real(r)]
    record.check(
        "the workspace's stack holds no resource", "pulumi stack export", not left, len(left)
    )
    record.deleted.extend(
        closing_record.Deletion(entry["type"], entry["name"], "destroyed by pulumi")
        for entry in record.existed
    )
    check_identity_gone(record, remnants_of(operator), holdings)
    for key_ref in holdings.key_refs:
        purge_key(record, config, key_ref, environment)
    stack.workspace.remove_stack(str(name))
    path.unlink(missing_ok=True)
    record.finished = closing_record.now()
    closing_record.write(record, reports_dir())
    return record


def _airlock_history(
    record: closing_record.Record, site: Site, workspace: str, conn: Connection, pending_ok: bool
) -> None:
    """Every airlock request into the record; refuse to close over one still pending."""
    from hubctl.airlock.history import history, pending
    from hubctl.airlock.store import Store
    from infra.layers.workspace import AirlockNames

    names = AirlockNames.of(site.name, workspace, list(site.config.data_officers))
    requests, problems = history(Store(conn, names))
    waiting = pending(requests)
    if waiting and not pending_ok:
        listed = ", ".join(f"{r['id']} ({r['state']})" for r in waiting)
        raise ConfigError(
            f"workspace {workspace!r} has {len(waiting)} airlock request(s) not yet decided or "
            f"released: {listed}; have the officers reject them or the members cancel them "
            "(hubctl workspace airlock reject|cancel) before closing; nothing was changed",
            key="project",
        )
    record.airlock = requests
    record.airlock_unreadable = problems
    record.airlock_pending_at_close = [str(r["id"]) for r in waiting]


def _remove_route(
    stack: auto.Stack,
    record: closing_record.Record,
    conn: Connection,
    urn: str,
    resources: list[dict[str, Any]],
    write: Callable[[str], None],
) -> None:
    """Destroy one of the workspace's shared routes (on the admin subnet, on the edge router).
    A route that another deployment overwrote is gone already, and the provider fails to
    remove (or even read) it: when its owner shows no such route, it leaves the state, and the
    record says so."""
    from pulumi import automation as auto

    try:
        stack.destroy(target=[urn], on_output=write, color="never")
        return
    except auto.errors.CommandError:
        entry = next((r for r in resources if r.get("urn") == urn), {})
        inputs = entry.get("inputs") or {}
        destination = inputs.get("destinationCidr")
        routes, where = _routes_of(conn, inputs)
        if routes is None or destination in routes:
            raise
    from hubctl.deploy import run_cli

    run_cli(stack, ["state", "delete", urn, "--yes"])
    record.deleted.append(
        closing_record.Deletion(where, str(destination), "already gone; removed from the state")
    )


def _routes_of(conn: Connection, inputs: Mapping[str, Any]) -> tuple[list[str] | None, str]:
    """The destinations of the routes a shared route's owner holds now (None when they cannot
    be read), and what the owner is, for the record."""
    if inputs.get("routerId"):
        return project_of(conn).router_routes(str(inputs["routerId"])), "route on the edge router"
    owner = str(inputs.get("subnetId"))
    return project_of(conn).subnet_routes(owner), "route on the admin subnet"


def _writer(log: Any) -> Callable[[str], None]:
    def write(line: str) -> None:
        log.write(line if line.endswith("\n") else line + "\n")

    return write
