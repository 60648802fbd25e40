"""The life of a workspace: open, list, extend, close and expire, as `hubctl workspace` runs them.

Open validates the manifest (ManifestError: exit 2, nothing written), allocates the range and
writes the workspace's stack file, generates the members' initial passwords as Pulumi secrets,
runs the policy pack on the synthesised stack (a mandatory violation: nothing deployed) and
deploys. Close is in two passes so that what it removed can be checked with the workspace's own
credentials before its project goes: first the key material (deleted in Barbican, then purged
where the operator can), the containers, hosts, volumes and network; then the Keystone project
and users. Every check is done through the APIs and written to the evidence record.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hubcore.catalogue import is_loopback_url
from hubcore.paths import REPO_ROOT, relative
from hubcore.resource_types import PROJECT, ROLE_ASSIGNMENT, USER
from hubcore.stackfiles import STACKS_DIR, load_layered_config, stack_file
from hubcore.stacks import Layer, StackName
from hubcore.values import ConfigError
from hubctl.envelope import secret_id
from hubctl.workspaces import closing_record
from hubctl.workspaces.holdings import Holdings, holdings_of
from hubctl.workspaces.manifest import (
    KeyRules,
    Manifest,
    ManifestError,
    SiteFacts,
    load_manifest,
    manifest_path,
    manifests_of,
    site_facts_for,
)
from hubctl.workspaces.opened import (
    PASSWORDS_KEY,
    OpenedWorkspace,
    allocation_lock,
    opened_workspaces,
    range_for,
    rewrite_header,
    route_lock,
    workspace_stack,
    write_stack_file,
)
from infra.config import HubConfig, validate_config
from policies.config import load_pack_config
from policies.registry import REGISTRY
from policies.rules import all_rules

if TYPE_CHECKING:  # the engine's SDK and the providers load only for what deploys
    from pulumi import automation as auto

    from hubctl.deploy import LayerRun
    from infra.layers.workspace import WorkspaceExports

REPORTS_ENV = "HUB_REPORTS_DIR"
LOCAL_CLOUD = REPO_ROOT / "scripts" / "local-cloud"
# Resource types the second pass of a closure removes: who may use the project, and the project.
IDENTITY_TYPES = (
    PROJECT,
    USER,
    ROLE_ASSIGNMENT,
)


def reports_dir() -> Path:
    return Path(os.environ.get(REPORTS_ENV) or REPO_ROOT / "reports" / "workspaces")


def today() -> date:
    return datetime.now(UTC).date()


class PackRefusal(Exception):
    """The policy pack found mandatory violations: nothing was deployed."""

    def __init__(self, findings: list[str]) -> None:
        super().__init__("\n".join(findings))
        self.findings = findings


# --------------------------------------------------------------------------------------------
# The site and its facts


def pack_settings() -> tuple[int, KeyRules]:
    """The longest workspace and the SSH key rules, as the pack's config sets them."""
    from policies.rules.crypto.key_strength import KeyStrengthSettings
    from policies.rules.workspace.expiry_valid import ExpirySettings

    all_rules()
    config = load_pack_config()
    expiry = config.settings(REGISTRY["workspace-expiry-valid"], ExpirySettings)
    crypto = config.settings(REGISTRY["crypto-key-strength"], KeyStrengthSettings)
    keys = KeyRules(
        min_rsa_bits=crypto.min_rsa_bits,
        curves=tuple(c.upper() for c in crypto.allowed_curves),
        allow_ed25519=crypto.allow_ed25519,
    )
    return expiry.max_duration_days, keys


@dataclass(frozen=True)
class Site:
    name: str
    config: HubConfig
    facts: SiteFacts

    @classmethod
    def load(cls, site: str) -> Site:
        network = str(StackName(site, Layer.NETWORK))
        config = validate_config(network, load_layered_config(network))
        if config.workspace_pool is None:
            raise ConfigError(
                f"site {site!r} has no hub:workspacePool in stacks/sites.yaml: research "
                "workspaces need a pool of ranges outside the site's network",
                key="hub:workspacePool",
            )
        max_days, keys = pack_settings()
        return cls(site, config, site_facts_for(config, max_days, keys))

    def manifest(self, project: str) -> Manifest:
        path = manifest_path(self.name, project)
        if not path.exists():
            known = [p.stem for p in manifests_of(self.name)]
            raise ManifestError(
                path,
                [
                    f"{relative(path)}: no manifest for project {project!r} of site "
                    f"{self.name!r}; manifests: {', '.join(known) or 'none'}"
                ],
            )
        return load_manifest(path, self.facts)


# --------------------------------------------------------------------------------------------
# Open and extend


def _passwords(stack: auto.Stack, manifest: Manifest) -> None:
    """Every member gets an initial password, kept as a Pulumi secret; existing ones stay."""
    from pulumi import automation as auto

    try:
        current = json.loads(stack.get_config(PASSWORDS_KEY).value)
    except (auto.errors.CommandError, json.JSONDecodeError):
        current = {}
    wanted = {m.id: current.get(m.id) or secrets.token_urlsafe(18) for m in manifest.members}
    if wanted != current:
        stack.set_config(PASSWORDS_KEY, auto.ConfigValue(json.dumps(wanted), secret=True))


def check_with_pack(stack: StackName) -> list[str]:
    """Mandatory findings of the pack on the synthesised workspace stack."""
    from hubctl.sources import target_of_synth
    from policies.evaluate import evaluate
    from synth.synthesis import synthesize

    # The members' passwords are secrets the engine decrypts; offline, a placeholder stands in.
    result = synthesize(str(stack), {PASSWORDS_KEY: "[secret]"})
    report = evaluate(target_of_synth(result), load_pack_config())
    return [f"{f.policy}: {f.message}" for f in report.mandatory]


def prepare(site: Site, project: str, stacks_dir: Path = STACKS_DIR) -> tuple[Manifest, bool]:
    """Validate the manifest and write the workspace's stack file; True if it is new."""
    manifest = site.manifest(project)
    if manifest.expires < today():
        raise ConfigError(
            f"{relative(manifest_path(site.name, project))}: expires = {manifest.expires} is past "
            f"(today is {today()}): an expired workspace is not opened",
            key="expires",
        )
    assert site.config.workspace_pool is not None
    path = stack_file(workspace_stack(site.name, project), stacks_dir)
    new = not path.exists()
    with allocation_lock(stacks_dir):
        cidr = range_for(site.name, project, site.config.workspace_pool, stacks_dir)
        write_stack_file(site.name, manifest.spec(cidr), stacks_dir)
    return manifest, new


def stage(site: Site, project: str, env: Mapping[str, str] | None = None) -> bool:
    """Everything of an open before the deployment: the manifest validated, the stack file
    written, the pack's verdict on the synthesised stack, the members' passwords. True when the
    workspace is new (it had no stack file)."""
    from hubctl.deploy import select_named_stack

    manifest, new = prepare(site, project)
    name = workspace_stack(site.name, project)
    try:
        findings = check_with_pack(name)
    except Exception:
        if new:
            stack_file(name).unlink(missing_ok=True)
        raise
    if findings:
        if new:
            stack_file(name).unlink(missing_ok=True)
        raise PackRefusal(findings)
    _passwords(select_named_stack(name, dict(env or {})), manifest)
    rewrite_header(site.name, project)
    return new


@dataclass
class Opened:
    """How an open went: the deployment, and, when it failed for a new workspace, its rollback."""

    run: LayerRun
    rollback: closing_record.Record | None = None  # the closing record of what the failed open made
    rollback_error: str | None = None  # the rollback itself failed: what is left is below
    left: list[str] = field(default_factory=list)  # resources still in the workspace's state


def open_workspace(
    site: Site,
    project: str,
    *,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> Opened:
    """Validate, check with the pack, deploy. ManifestError/ConfigError: nothing was done;
    PackRefusal: nothing deployed (a new stack file is removed again).

    A new workspace whose deployment fails is rolled back at once, by the same close as an
    operator's (key shredded, everything destroyed and checked gone, evidence written): a failed
    open leaves nothing of it in the cloud. Should the rollback fail too, `left` lists what its
    state still holds, which `hubctl workspace close` removes. A workspace that was already open
    (a rerun) is never rolled back: its data is live.
    """
    name = workspace_stack(site.name, project)
    new = stage(site, project, env)
    opened = Opened(deploy(site, project, log_dir, env))
    if opened.run.status == "done" or not new:
        return opened
    say(f"{name}: the open failed; rolling back what it made")
    last = ((opened.run.error or "").strip().splitlines() or ["no error text"])[-1]
    try:
        opened.rollback = close_workspace(
            site,
            project,
            log_dir=log_dir,
            env=env,
            say=say,
            cause=f"rolled back: its open failed ({last.strip()})",
        )
    except Exception as error:  # what is left is listed; the operator's close removes it
        opened.rollback_error = f"{type(error).__name__}: {error}"
    if opened.rollback is None or not opened.rollback.ok:
        opened.left = _still_held(name, env)
    return opened


def _still_held(name: StackName, env: Mapping[str, str] | None) -> list[str]:
    """What the workspace's state still holds, one `type name (id)` line each."""
    from hubctl.deploy import select_named_stack

    if not stack_file(name).exists():
        return []
    try:
        deployment = select_named_stack(name, dict(env or {})).export_stack().deployment or {}
    except Exception as error:
        return [f"(its state could not be read: {type(error).__name__}: {error})"]
    return [
        f"{entry['type']} {entry['name']} ({entry['id'] or 'no id'})"
        for entry in map(closing_record.resource_entry, deployment.get("resources") or [])
        if closing_record.is_real({"type": entry["type"]})
    ]


def deploy(
    site: Site, project: str, log_dir: Path, env: Mapping[str, str] | None = None
) -> LayerRun:
    """`up` of everything but the shared route (in parallel with other workspaces), then of
    the route alone, one workspace at a time."""
    from hubctl.deploy import run_stack
    from infra.layers.workspace import shared_route_urn

    name = workspace_stack(site.name, project)
    route = [shared_route_urn(str(name), site.name, project)]
    run = run_stack(name, "up", log_dir / f"{name}.up.log", dict(env or {}), exclude=route)
    if run.status != "done":
        return run
    with route_lock():
        last = run_stack(name, "up", log_dir / f"{name}.route.log", dict(env or {}), target=route)
    # What both passes changed; "same" counts are not added: every pass sees the others.
    last.changes = {
        key: run.changes.get(key, 0) + last.changes.get(key, 0)
        for key in {*run.changes, *last.changes} - {"same"}
    }
    last.started = run.started
    last.log = run.log
    return last


def rewrite_expiry(path: Path, new: date) -> None:
    """Change the manifest's `expires:` line in place, keeping its comments and layout."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("expires:"):
            comment = line.partition("#")[2]
            lines[index] = f"expires: {new.isoformat()}" + (f"  #{comment}" if comment else "\n")
            path.write_text("".join(lines), encoding="utf-8")
            return
    raise ConfigError(f"{relative(path)}: no top-level `expires:` line to change", key="expires")


def extend(
    site: Site,
    project: str,
    expires: date,
    *,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
) -> LayerRun | None:
    """Move the expiry; refused (ManifestError) beyond the authorisation or the pack's bound,
    and the manifest is left as it was. An open workspace is redeployed with the new date."""
    manifest = site.manifest(project)
    path = manifest_path(site.name, project)
    if expires <= today():
        raise ManifestError(
            path,
            [f"{relative(path)}: --expires {expires} is not in the future (today is {today()})"],
        )
    original = path.read_text(encoding="utf-8")
    rewrite_expiry(path, expires)
    try:
        load_manifest(path, site.facts)
    except ManifestError as error:
        path.write_text(original, encoding="utf-8")
        raise ManifestError(
            path,
            [f"--expires {expires} refused ({manifest.authorisation.reference}):", *error.problems],
        ) from error
    name = workspace_stack(site.name, project)
    if not stack_file(name).exists():
        return None
    prepare(site, project)
    rewrite_header(site.name, project)
    return deploy(site, project, log_dir, env)


# --------------------------------------------------------------------------------------------
# List


@dataclass
class Row:
    id: str
    state: str
    expires: str | None
    days_left: int | None
    members: list[str]
    title: str = ""
    authorisation: str = ""
    cidr: str | None = None
    problem: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None or k != "problem"}


def closed_records(site: str, folder: Path | None = None) -> set[str]:
    root = folder or reports_dir()
    return (
        {
            p.name.split("-closed-")[0]
            for p in root.glob("*-closed-*.json")
            if _record_site(p) == site
        }
        if root.is_dir()
        else set()
    )


def _record_site(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data.get("site") if isinstance(data, dict) else None


def list_workspaces(site: Site, as_of: date | None = None) -> list[Row]:
    """Every workspace of the site: manifests and open stacks, with state and days left.

    States: pending (a manifest, not opened), open, expired (open past its expiry: due for
    closing), closed (an evidence record and no stack), invalid (the manifest has a problem).
    """
    now = as_of or today()
    opened = opened_workspaces(site.name)
    closed = closed_records(site.name)
    rows: dict[str, Row] = {}
    for path in manifests_of(site.name):
        try:
            manifest = load_manifest(path, site.facts)
        except ManifestError as error:
            rows[path.stem] = Row(path.stem, "invalid", None, None, [], problem=error.problems[0])
            continue
        state = "closed" if path.stem in closed and path.stem not in opened else "pending"
        rows[manifest.id] = Row(
            manifest.id,
            state,
            manifest.expires.isoformat(),
            (manifest.expires - now).days,
            [m.id for m in manifest.members],
            manifest.title,
            manifest.authorisation.reference,
        )
    for project, workspace in opened.items():
        spec = workspace.spec
        if spec is None:
            rows[project] = Row(project, "invalid", None, None, [], problem=workspace.problem)
            continue
        rows[project] = Row(
            project,
            "expired" if spec.expires < now else "open",
            spec.expires.isoformat(),
            (spec.expires - now).days,
            [m.id for m in spec.members],
            spec.title,
            spec.authorisation.reference,
            str(spec.cidr),
        )
    return [rows[k] for k in sorted(rows)]


def due(site: str, as_of: date) -> list[OpenedWorkspace]:
    """Open workspaces past their expiry on `as_of` (an unreadable one is due: fail closed)."""
    return [w for w in opened_workspaces(site).values() if w.spec is None or w.spec.expires < as_of]


# --------------------------------------------------------------------------------------------
# Close


def _status(conn: Any, path: str, service: str) -> int:
    response = conn.session.get(path, endpoint_filter={"service_type": service}, raise_exc=False)
    return int(response.status_code)


def _head(conn: Any, path: str, service: str) -> int:
    response = conn.session.head(path, endpoint_filter={"service_type": service}, raise_exc=False)
    return int(response.status_code)


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
    from hubctl.deploy import connect_from_env, run_cli, select_named_stack
    from infra.layers.workspace import shared_route_urn

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
        code = workspace_conn.session.delete(
            f"/v1/secrets/{secret_id(key_ref)}",
            endpoint_filter={"service_type": "key-manager"},
            raise_exc=False,
        ).status_code
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
    route = shared_route_urn(str(name), site.name, project)
    with (log_dir / f"{name}.destroy.log").open("w", encoding="utf-8") as log:
        write = _writer(log)
        if route in first:
            with route_lock():
                _remove_route(stack, record, operator, route, resources, write)
            first.remove(route)
        if first:
            result = stack.destroy(target=first, on_output=write, color="never")
            record.note_destroy("data, hosts and network", result.summary.resource_changes)
        if workspace_conn is not None:
            _check_data_gone(record, workspace_conn, holdings)
        if workspace_conn is not None and holdings.exports is not None:
            _check_airlock_gone(record, workspace_conn, operator, holdings.exports)
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
    _check_identity_gone(record, operator, holdings)
    for key_ref in holdings.key_refs:
        _purge(record, config, key_ref, environment)
    stack.workspace.remove_stack(str(name))
    path.unlink(missing_ok=True)
    record.finished = closing_record.now()
    closing_record.write(record, reports_dir())
    return record


def _airlock_history(
    record: closing_record.Record, site: Site, workspace: str, conn: Any, pending_ok: bool
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
    conn: Any,
    urn: str,
    resources: list[dict[str, Any]],
    write: Callable[[str], None],
) -> None:
    """Destroy the workspace's route on the admin subnet. A route that another deployment
    overwrote is gone already, and the provider fails to remove (or even read) it: when the
    subnet shows no such route, it leaves the state, and the record says so."""
    from pulumi import automation as auto

    try:
        stack.destroy(target=[urn], on_output=write, color="never")
        return
    except auto.errors.CommandError:
        entry = next((r for r in resources if r.get("urn") == urn), {})
        inputs = entry.get("inputs") or {}
        subnet, destination = inputs.get("subnetId"), inputs.get("destinationCidr")
        response = conn.session.get(
            f"/v2.0/subnets/{subnet}", endpoint_filter={"service_type": "network"}, raise_exc=False
        )
        if response.status_code != 200:
            raise
        routes = response.json()["subnet"].get("host_routes") or []
        if any(r.get("destination") == destination for r in routes):
            raise
    from hubctl.deploy import run_cli

    run_cli(stack, ["state", "delete", urn, "--yes"])
    record.deleted.append(
        closing_record.Deletion(
            "route on the admin subnet", str(destination), "already gone; removed from the state"
        )
    )


def _writer(log: Any) -> Callable[[str], None]:
    def write(line: str) -> None:
        log.write(line if line.endswith("\n") else line + "\n")

    return write


def _check_data_gone(record: closing_record.Record, conn: Any, holdings: Holdings) -> None:
    """With the workspace's own scope, before its project goes: nothing of it answers."""
    for container in holdings.containers:
        code = _head(conn, f"/{container}", "object-store")
        record.check(f"container {container} is gone", "object-store HEAD", code == 404, code)
    for server in holdings.instance_ids:
        code = _status(conn, f"/servers/{server}", "compute")
        record.check(f"host {server} is gone", "compute GET /servers", code == 404, code)
    listed = list(conn.compute.servers())
    record.check(
        "the project lists no host", "compute GET /servers/detail", not listed, len(listed)
    )
    for volume in holdings.volume_ids:
        code = _status(conn, f"/volumes/{volume}", "block-storage")
        record.check(f"volume {volume} is gone", "block-storage GET /volumes", code == 404, code)
    for network in holdings.network_ids:
        code = _status(conn, f"/v2.0/networks/{network}", "network")
        record.check(f"network {network} is gone", "network GET", code == 404, code)
    for key_ref in holdings.key_refs:
        code = _status(conn, f"/v1/secrets/{secret_id(key_ref)}", "key-manager")
        record.check(
            f"the key reference {key_ref} no longer resolves", "key-manager GET", code == 404, code
        )
        code = _status(conn, f"/v1/secrets/{secret_id(key_ref)}/payload", "key-manager")
        record.check(
            "the key material cannot be read", "key-manager GET payload", code == 404, code
        )


def _check_airlock_gone(
    record: closing_record.Record, conn: Any, operator: Any, exports: WorkspaceExports
) -> None:
    """The airlock's ledger and decision containers (the workspace's project) and the
    release area (the site's project) are gone; their contents are in the record."""
    inside = [exports.airlock_container, *exports.decision_containers.values()]
    for container in (c for c in inside if c):
        code = _head(conn, f"/{container}", "object-store")
        record.check(f"container {container} is gone", "object-store HEAD", code == 404, code)
    if exports.release_container:
        code = _head(operator, f"/{exports.release_container}", "object-store")
        record.check(
            f"release area {exports.release_container} is gone (site project)",
            "object-store HEAD",
            code == 404,
            code,
        )


def _listed(conn: Any, collection: str, name: str) -> int:
    """How many `collection` entries Keystone lists under `name` (a listing reads the database;
    a lookup by id may be answered from Keystone's cache for a while after a deletion)."""
    response = conn.session.get(
        f"/{collection}",
        params={"name": name},
        endpoint_filter={"service_type": "identity", "interface": "public"},
        raise_exc=False,
    )
    if response.status_code != 200:
        return -1
    return len(response.json().get(collection) or [])


def _check_identity_gone(record: closing_record.Record, conn: Any, holdings: Holdings) -> None:
    if holdings.tenancy != "create":
        return
    if holdings.project_name:
        left = _listed(conn, "projects", holdings.project_name)
        record.check(
            f"Keystone project {holdings.project_name} is gone",
            "identity GET /projects?name=",
            left == 0,
            f"{left} listed",
        )
    for member, user in holdings.users.items():
        left = _listed(conn, "users", user)
        record.check(
            f"member {member}'s user {user} is gone",
            "identity GET /users?name=",
            left == 0,
            f"{left} listed",
        )


def _purge(
    record: closing_record.Record, config: HubConfig, key_ref: str, env: Mapping[str, str]
) -> None:
    """Barbican deletes softly: on the local cloud purge now; elsewhere say who must."""
    key = secret_id(key_ref)
    if config.identity_endpoint and is_loopback_url(config.identity_endpoint):
        result = subprocess.run(
            [str(LOCAL_CLOUD), "purge-secrets", key],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            env=dict(env),
            timeout=300,
            check=False,
        )
        record.purge = {
            "how": "scripts/local-cloud purge-secrets (barbican-manage db clean --min-days 0)",
            "exit": result.returncode,
            "output": (result.stdout + result.stderr).strip().splitlines()[-5:],
        }
        record.check(
            "the soft-deleted key is purged from Barbican's database",
            "barbican-manage db clean; SELECT FROM barbican.secrets",
            result.returncode == 0,
            result.returncode,
        )
        return
    record.purge = {
        "how": "operator: barbican-manage db clean --min-days 0 on the provider's Barbican "
        "(or the provider's purge of deleted secrets); the key is unreadable through the API now",
        "exit": None,
        "output": [],
    }
