"""Deploy and destroy a site's layers through Pulumi's Automation API and the real engine.

Layers run in dependency order (infra.kinds, the table of layer kinds) and, where they do not depend
on each other, in parallel: network, KMS and storage start together, storage waits for KMS and
compute waits for network and KMS. Every `up` loads the sovereignty policy pack. The DR drill
uses the same plan.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from pulumi import automation as auto

from hubcore.paths import REPO_ROOT
from hubcore.stackfiles import load_layered_config
from hubcore.stacks import SITE_LAYERS, Layer, StackName
from hubctl.backend import SiteBackend, choose_backend, open_backend
from hubctl.cloud import SiteCloud, project_of, site_cloud
from hubctl.cloud.api import Connection, Project
from hubctl.engine_project import engine_work_dir
from hubctl.layers import Destroy, forget_keys, hub_layer
from hubctl.reconcile import PendingOp, decide, owned_ids, pending_operations, settled
from infra.config import HubConfig, validate_config
from infra.kinds import LAYER_DEPENDENCIES

POLICY_PACK = REPO_ROOT / "policies"
LAYERS: tuple[Layer, ...] = SITE_LAYERS

Action = Literal["up", "destroy", "preview", "refresh"]
# Actions that write the state: pending operations are settled before them.
WRITES: frozenset[str] = frozenset({"up", "destroy", "refresh"})
# A file to append every engine event to, one JSON line each (the fault-injection tier picks
# its kill points from it).
EVENT_LOG = "HUB_EVENT_LOG"
Status = Literal["waiting", "running", "done", "failed", "skipped"]


@dataclass
class LayerRun:
    """What happened to one layer's stack: state, timing, and the engine's summary."""

    stack: str
    layer: Layer
    status: Status = "waiting"
    started: float | None = None
    finished: float | None = None
    changes: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, object] = field(default_factory=dict)
    error: str | None = None
    log: Path | None = None
    # What hubctl decided about the operations an interrupted run had left pending.
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started


Listener = Callable[[LayerRun], None]
# Called with every engine event of a layer's run (from the engine's gRPC threads): the drill
# uses it to time each resource step.
EventListener = Callable[[LayerRun, auto.events.EngineEvent], None]


def stack_name(site: str, layer: Layer) -> str:
    return str(StackName(site, layer))


def site_config(site: str, layer: Layer = Layer.STORAGE) -> HubConfig:
    """A site's validated config as seen by one of its layers (storage holds the replica keys)."""
    stack = stack_name(site, layer)
    return validate_config(stack, load_layered_config(stack))


# What the engine needs to reach each site's backend, bootstrapped once per process.
_BACKEND_ENVS: dict[tuple[str, str], dict[str, str]] = {}
_BACKEND_ENVS_LOCK = threading.Lock()


def backend_env(site: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """PULUMI_BACKEND_URL (and the S3 credentials it needs) of `site`'s one backend.

    Every engine run of the site goes through here (its layers, its workspaces, a drill's
    target), so none of its stacks can land in another backend; a conflicting
    PULUMI_BACKEND_URL raises hubctl.backend.BackendConflict before the engine starts.
    """
    environ = {**os.environ, **(environ or {})}
    choice = choose_backend(site, environ)
    with _BACKEND_ENVS_LOCK:
        if (site, choice.url) not in _BACKEND_ENVS:
            config = site_config(site, Layer.NETWORK)
            cloud = site_cloud(site, config.region_name, environ)
            _BACKEND_ENVS[(site, choice.url)] = open_backend(choice.url, cloud, environ).env
        return dict(_BACKEND_ENVS[(site, choice.url)])


def select_stack(site: str, layer: Layer, env: dict[str, str] | None = None) -> auto.Stack:
    """Create or select the layer's stack in the site's backend, using stacks/ for config."""
    return select_named_stack(StackName(site, layer), env)


def select_named_stack(name: StackName, env: dict[str, str] | None = None) -> auto.Stack:
    """Create or select any stack by its name (a workspace's `<site>-ws-<id>` too), in its
    site's backend."""
    environ = {**os.environ, **(env or {})}
    environ.update(backend_env(name.site, environ))
    work_dir = str(engine_work_dir(environ))
    options = auto.LocalWorkspaceOptions(work_dir=work_dir, env_vars=environ)
    return auto.create_or_select_stack(str(name), work_dir=work_dir, opts=options)


def run_stack(
    name: StackName,
    action: Action,
    log: Path,
    env: dict[str, str] | None = None,
    policy_pack: Path | None = POLICY_PACK,
    *,
    target: list[str] | None = None,
    exclude: list[str] | None = None,
) -> LayerRun:
    """One action on one stack (a research workspace's), logged like a site's layers;
    `target` / `exclude` limit an up or destroy to some resources (by URN)."""
    run = LayerRun(str(name), name.layer, status="running", started=time.monotonic(), log=log)
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        with log.open("w", encoding="utf-8") as out:
            stack = select_named_stack(name, env)
            write = functools.partial(_write_line, out)
            packs = [str(policy_pack)] if policy_pack else None
            if action == "up":
                up = stack.up(
                    on_output=write,
                    policy_packs=packs,
                    color="never",
                    target=target,
                    exclude=exclude,
                )
                run.changes = _counts(up.summary.resource_changes)
                run.outputs = {k: v.value for k, v in up.outputs.items()}
            elif action == "preview":
                preview = stack.preview(on_output=write, policy_packs=packs, color="never")
                run.changes = _counts(preview.change_summary)
            elif action == "refresh":
                refresh = stack.refresh(on_output=write, color="never")
                run.changes = _counts(refresh.summary.resource_changes)
            else:
                result = stack.destroy(on_output=write, color="never", target=target)
                run.changes = _counts(result.summary.resource_changes)
        run.status = "done"
    except auto.errors.CommandError as error:
        run.status = "failed"
        run.error = _last_lines(str(error))
    finally:
        run.finished = time.monotonic()
    return run


def plan_order(action: Action) -> list[tuple[Layer, tuple[Layer, ...]]]:
    """Each layer with the layers it must wait for; destroy reverses the dependencies."""
    if action == "destroy":
        dependants = {
            layer: tuple(other for other in LAYERS if layer in LAYER_DEPENDENCIES[other])
            for layer in LAYERS
        }
        return [(layer, dependants[layer]) for layer in reversed(LAYERS)]
    return [(layer, LAYER_DEPENDENCIES[layer]) for layer in LAYERS]


@dataclass
class SiteDeployer:
    """Runs one action over every layer of a site, honouring dependencies."""

    site: str
    log_dir: Path
    parallel: bool = True
    policy_pack: Path | None = POLICY_PACK
    env: dict[str, str] = field(default_factory=dict)
    listener: Listener | None = None
    unprotect: bool = False
    on_event: EventListener | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _engine_env: dict[str, str] | None = None

    def cloud(self) -> SiteCloud:
        """The site's project in its region, with the deployer's credentials."""
        config = site_config(self.site, Layer.NETWORK)
        return site_cloud(self.site, config.region_name, {**os.environ, **self.env})

    def backend(self) -> SiteBackend:
        """The site's state backend (hubctl.backend.choose_backend: HUB_STATE_BACKEND, else
        the site's hub:stateBackend), bootstrapped for the engine."""
        environ = {**os.environ, **self.env}
        return open_backend(choose_backend(self.site, environ).url, self.cloud(), environ)

    def engine_env(self) -> dict[str, str]:
        if self._engine_env is None:
            self._engine_env = {**self.env, **self.backend().env}
        return self._engine_env

    def run(self, action: Action) -> list[LayerRun]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.engine_env()
        waits = dict(plan_order(action))
        runs = {layer: LayerRun(stack_name(self.site, layer), layer) for layer in waits}
        pending = list(runs)
        running: dict[Future[None], Layer] = {}
        with ThreadPoolExecutor(max_workers=len(LAYERS) if self.parallel else 1) as pool:
            while pending or running:
                ready = [
                    layer
                    for layer in pending
                    if all(runs[dep].status == "done" for dep in waits[layer])
                ]
                blocked = [
                    layer
                    for layer in pending
                    if any(runs[dep].status in ("failed", "skipped") for dep in waits[layer])
                ]
                for layer in blocked:
                    pending.remove(layer)
                    runs[layer].status = "skipped"
                    runs[layer].error = "a layer it depends on failed"
                    self._notify(runs[layer])
                if not self.parallel and running:
                    ready = []
                for layer in ready[: 1 if not self.parallel else None]:
                    pending.remove(layer)
                    running[pool.submit(self._run_layer, runs[layer], action)] = layer
                if not running:
                    if pending:  # nothing can start: dependencies will never be met
                        continue
                    break
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    running.pop(future)
                    future.result()
        return [runs[layer] for layer in LAYERS]

    def _notify(self, run: LayerRun) -> None:
        if self.listener is not None:
            with self._lock:
                self.listener(run)

    def _run_layer(self, run: LayerRun, action: Action) -> None:
        run.status = "running"
        run.started = time.monotonic()
        run.log = self.log_dir / f"{run.stack}.{action}.log"
        self._notify(run)
        try:
            with run.log.open("w", encoding="utf-8") as log:
                env = self.engine_env()
                stack = select_stack(self.site, run.layer, env)
                packs = [str(self.policy_pack)] if self.policy_pack else None
                # The Automation API hands over the engine's output line by line, without the
                # line ends: put them back so the log reads like the CLI's output.
                write = functools.partial(_write_line, log)
                on_event = self._event_listener(run)
                if action in WRITES:
                    self._settle_pending(stack, run, write, env)
                if action == "up":
                    up = stack.up(
                        on_output=write, on_event=on_event, policy_packs=packs, color="never"
                    )
                    run.changes = _counts(up.summary.resource_changes)
                    run.outputs = {k: v.value for k, v in up.outputs.items()}
                elif action == "preview":
                    preview = stack.preview(on_output=write, policy_packs=packs, color="never")
                    run.changes = _counts(preview.change_summary)
                elif action == "refresh":
                    refresh = stack.refresh(on_output=write, color="never")
                    run.changes = _counts(refresh.summary.resource_changes)
                else:
                    if self.unprotect:
                        run_cli(stack, ["state", "unprotect", "--all", "--yes"])
                    hooks = hub_layer(run.layer)
                    if hooks.before_destroy is not None:
                        hooks.before_destroy(self._destroying(stack, run.layer, write))
                    result = stack.destroy(on_output=write, on_event=on_event, color="never")
                    run.changes = _counts(result.summary.resource_changes)
                    if hooks.after_destroy is not None:
                        hooks.after_destroy(self._destroying(stack, run.layer, write))
            run.status = "done"
        except auto.errors.CommandError as error:
            run.status = "failed"
            run.error = _last_lines(str(error))
        finally:
            run.finished = time.monotonic()
            self._notify(run)

    def _event_listener(self, run: LayerRun) -> Callable[[auto.events.EngineEvent], None] | None:
        path = os.environ.get(EVENT_LOG)
        if self.on_event is None and not path:
            return None

        def listen(event: auto.events.EngineEvent) -> None:
            if self.on_event is not None:
                self.on_event(run, event)
            if path:
                with self._lock, open(path, "a", encoding="utf-8") as out:
                    out.write(json.dumps(event_record(run, event)) + "\n")

        return listen

    def _settle_pending(
        self, stack: auto.Stack, run: LayerRun, write: Callable[[str], None], env: dict[str, str]
    ) -> None:
        """Settle what an interrupted run left pending (hubctl.reconcile), before the action."""
        exported = stack.export_stack()
        deployment = exported.deployment or {}
        ops = pending_operations(deployment)
        if not ops:
            return
        projects: dict[bool, Project] = {}
        cloud = self.cloud()
        replica = site_config(self.site, Layer.STORAGE).replica_region

        def connect(op: PendingOp) -> Project:
            in_replica = bool(replica) and "::openstack-replica::" in op.provider
            if in_replica not in projects:
                chosen = cloud.in_region(str(replica)) if in_replica else cloud
                projects[in_replica] = chosen.project_api()
            return projects[in_replica]

        decisions = decide(ops, owned_ids(deployment), connect)
        for decision in decisions:
            line = decision.line()
            write(f"hubctl: {line}")
            with self._lock:
                run.notes.append(line)
        stack.import_stack(
            auto.Deployment(version=exported.version, deployment=settled(deployment, decisions))
        )
        stack.refresh(on_output=write, color="never")

    def _destroying(self, stack: auto.Stack, layer: Layer, write: Callable[[str], None]) -> Destroy:
        """What the layer's destroy hooks (hubctl.layers) are given."""

        def resources() -> list[dict[str, Any]]:
            return list((stack.export_stack().deployment or {}).get("resources") or [])

        return Destroy(
            site=self.site,
            config=site_config(self.site, layer),
            cloud=self.cloud(),
            unprotect=self.unprotect,
            resources=resources,
            write=write,
        )


def event_record(run: LayerRun, event: auto.events.EngineEvent) -> dict[str, object]:
    """The few fields of an engine event that say where a run is: which stack, which step."""
    record: dict[str, object] = {"stack": run.stack, "layer": run.layer.value}
    for kind in ("resource_pre_event", "res_outputs_event", "res_op_failed_event"):
        found = getattr(event, kind, None)
        if found is not None:
            metadata = found.metadata
            record.update(kind=kind, op=str(metadata.op.value), urn=metadata.urn)
            return record
    if event.summary_event is not None:
        record["kind"] = "summary_event"
    elif event.cancel_event is not None:
        record["kind"] = "cancel_event"
    else:
        record["kind"] = "other"
    return record


def forget_generated_keys(site: str, primary: Any, replica: Any | None) -> tuple[int, int]:
    """Delete the keys a destroyed kms layer's orders generated: the dataset keys in the
    site's region, the escrow KEK in the replica region (its order runs there, and that
    region's Barbican keeps the key). (dataset keys, escrow keys) deleted."""
    return forget_keys(
        site,
        site_config(site, Layer.KMS) if replica is not None else None,
        project_of(primary),
        project_of(replica) if replica is not None else None,
    )


def delete_order_secrets(conn: Connection, site: str, exact: str | None = None) -> int:
    """Delete the secrets the site's key orders generated (named hub-<site>-key-<dataset>, or
    exactly `exact`).

    Only the connection's own project is reached, and only the site's own key names.
    """
    return project_of(conn).delete_generated_keys(site, exact=exact)


def _write_line(log: TextIO, line: str) -> None:
    log.write(line if line.endswith("\n") else line + "\n")


def run_cli(stack: auto.Stack, args: list[str]) -> None:
    """A `pulumi` CLI command on `stack`, with the environment its workspace was selected with
    (its site's backend among it), never the caller's bare environment."""
    environ = {**os.environ, **(stack.workspace.env_vars or {})}
    stack.workspace.pulumi_command.run(
        [*args, "--stack", stack.name], str(engine_work_dir(environ)), environ
    )


def _counts(changes: Mapping[Any, int] | None) -> dict[str, int]:
    """Engine change counts by operation name (create, same, update, delete...)."""
    return {str(getattr(op, "value", op)): count for op, count in (changes or {}).items()}


def _last_lines(text: str, count: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-count:])
