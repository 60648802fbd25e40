"""The drill's start, before anything is built: the backend it rebuilds into (the DR site's
own, a fresh one for state loss, or the one a previous drill left its stacks in), the clouds and
the engine's environment; a target already holding resources no drill journal accounts for is
refused, then the journal says the drill is running.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime

from pulumi import automation as auto

from hubctl.backend import OVERRIDE as BACKEND_OVERRIDE
from hubctl.backend import BackendError, choose_backend
from hubctl.deploy import LAYERS, stack_name
from hubctl.drill import replication
from hubctl.drill.cloud import SiteCloud, site_cloud
from hubctl.drill.context import Drill
from hubctl.drill.journal import RESUMABLE, Journal, describe_backend, state_dir
from hubctl.drill.model import Scenario
from hubctl.drill.plan import DrillRefused
from hubctl.engine_project import engine_work_dir


@dataclass(frozen=True)
class Start:
    """Where the drill rebuilds, decided before anything is built: the journal that says it is
    running, the backend, the three clouds, the engine's environment, the replicated pairs."""

    journal: Journal
    drill_id: str
    backend: str
    resumed: bool
    source_cloud: SiteCloud
    target_cloud: SiteCloud
    replica_cloud: SiteCloud
    env: dict[str, str]
    pairs: list[replication.ReplicaPair]


def begin(drill: Drill) -> Start:
    """The backend and clouds of the rebuild; refuses a target whose stacks hold resources no
    drill journal accounts for, then journals the drill as running."""
    journal = Journal.of(drill.target.site)
    backend, resumed = rebuild_backend(drill, journal)
    drill_id = f"{drill.target.site}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    source_cloud = site_cloud(drill.source.site, drill.source.region_name, drill.environ)
    target_cloud = site_cloud(drill.target.site, drill.target.region_name, drill.environ)
    replica_region = drill.source.replica_region or drill.target.region_name
    replica_cloud = source_cloud.in_region(replica_region)
    env = engine_env(target_cloud, backend)
    pairs = replication.replica_pairs(drill.source)
    existing = existing_resources(drill, env)
    if existing and not resumed:
        # Not made by a drill (no journal says so): perhaps a real failover. A drill would
        # converge it and then destroy it, so it never starts.
        raise DrillRefused(
            f"the stacks of {drill.target.site} in {describe_backend(backend)} already hold "
            f"{existing} resources that no drill journal accounts for (a real failover?); "
            "a drill only rebuilds a DR site from empty. If they are left-overs, remove "
            f"them with `hubctl down --site {drill.target.site}` first"
        )
    journal.save(
        drill_id=drill_id,
        site=drill.source.site,
        scenario=drill.plan.scenario.value,
        backend=backend,
        status="running",
        report_dir=str(drill.report_dir),
    )
    return Start(
        journal=journal,
        drill_id=drill_id,
        backend=backend,
        resumed=resumed,
        source_cloud=source_cloud,
        target_cloud=target_cloud,
        replica_cloud=replica_cloud,
        env=env,
        pairs=pairs,
    )


def rebuild_backend(drill: Drill, journal: Journal) -> tuple[str, bool]:
    """The backend URL to rebuild into, and whether a previous drill's stacks are reused."""
    resumable = journal.data.get("status") in RESUMABLE
    if resumable and journal.data.get("scenario") == drill.plan.scenario.value:
        return str(journal.data["backend"]), True
    if resumable:
        left = describe_backend(str(journal.data["backend"]))
        raise DrillRefused(
            f"a {journal.data.get('scenario')} drill of {drill.target.site} left its stacks "
            f"({journal.data.get('status')}) in {left}: run that scenario again to converge "
            "and clean them up, or remove them with "
            f"`HUB_STATE_BACKEND={journal.data['backend']} hubctl down --site "
            f"{drill.target.site}` and delete {journal.path}"
        )
    if drill.plan.scenario is Scenario.STATE_LOSS:
        fresh = state_dir() / f"{drill.target.site}-fresh-backend"
        if fresh.exists():
            shutil.rmtree(fresh)
        fresh.mkdir(parents=True)
        return f"file://{fresh}", False
    # The DR site's own backend (its hub:stateBackend, in its own region), as every
    # command of that site decides it.
    try:
        return choose_backend(drill.target.site, drill.environ).url, False
    except BackendError as error:
        raise DrillRefused(str(error)) from error


def engine_env(cloud: SiteCloud, backend: str) -> dict[str, str]:
    env = {key: "" for key in ("OS_CLOUD", "OS_PROJECT_ID", "OS_TENANT_ID", "OS_TENANT_NAME")}
    env.update(cloud.env())
    # Every stack of the DR site in that one backend, the state-loss drill's fresh one too.
    env[BACKEND_OVERRIDE] = backend
    env["PULUMI_BACKEND_URL"] = backend
    return env


def existing_resources(drill: Drill, env: dict[str, str]) -> int:
    """Resources the target's stacks already hold in the backend (0 for a fresh one)."""
    return sum(s.resource_count or 0 for s in target_stacks(drill, env))


def target_stacks(drill: Drill, env: dict[str, str]) -> list[auto.StackSummary]:
    """The target's stacks in the backend `env` names, as the engine lists them."""
    environ = {**drill.environ, **env}
    work_dir = engine_work_dir({**os.environ, **environ})
    workspace = auto.LocalWorkspace(work_dir=str(work_dir), env_vars=environ)
    wanted = {stack_name(drill.target.site, layer) for layer in LAYERS}
    return [s for s in workspace.list_stacks() if s.name.split("/")[-1] in wanted]
