"""The simulated loss: what the primary held just before it (read-only, for the RPO, never on
a production site), the region fence that makes a region loss real, t0 of every measure, and
whether the primary's endpoints refuse the DR site afterwards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hubctl.drill import replication
from hubctl.drill.context import Drill
from hubctl.drill.model import Scenario
from hubctl.drill.plan import DrillRefused
from hubctl.drill.start import Start
from hubctl.drill.targets import primary_refused

# Set by the local cloud's fence (scripts/local-cloud isolate REGION --at-loss): the file the
# drill writes the lost region's name to at t0.
REGION_LOSS_VAR = "HUB_REGION_LOSS"


@dataclass(frozen=True)
class PrimaryRead:
    """What the primary held just before the loss (None: not read, `unobserved` says why), and
    the replicas' last sync."""

    observation: replication.PrimaryObservation | None
    unobserved: str
    synced: datetime | None


@dataclass(frozen=True)
class Loss:
    """The simulated loss: t0 of every measure, what was known of the primary then, the region
    fence's answer, and whether the primary's endpoints refused the DR site afterwards."""

    observation: replication.PrimaryObservation | None
    unobserved: str
    synced: datetime | None
    fence: str | None
    t0: float
    started_at: datetime
    refused: tuple[bool, str] | None


def observe_primary(drill: Drill, start: Start) -> PrimaryRead:
    source, replica, pairs = start.source_cloud, start.replica_cloud, start.pairs
    drill.progress.phase("observe primary", "running", "read-only, before the simulated loss")
    synced: datetime | None = None
    try:
        synced = replication.last_sync(replica.connect(), pairs)
    except Exception as error:  # no replica reachable: RPO unknown, the drill goes on
        drill.progress.phase("observe primary", "running", f"replicas unreadable: {error}")
    if drill.source.production:
        drill.progress.phase("observe primary", "skipped", "production: never read")
        return PrimaryRead(
            None, "the protected site is production and a drill never touches it", synced
        )
    try:
        observation = replication.observe(source.connect(), replica.connect(), drill.source)
    except Exception as error:  # an unreachable primary is what the scenario is about
        drill.progress.phase("observe primary", "skipped", str(error))
        return PrimaryRead(None, f"unreachable: {type(error).__name__}", synced)
    drill.progress.phase("observe primary", "done", f"{len(observation.objects)} containers")
    return PrimaryRead(observation, "", synced)


def lose_primary(drill: Drill, start: Start, primary: PrimaryRead) -> Loss:
    """The loss (the region fence's, when one is set), t0, then whether the primary's
    endpoints now refuse the DR site (region loss)."""
    fence = _fence(drill)
    t0 = drill.clock()
    started_at = datetime.now(UTC)
    refused = (
        primary_refused(start.target_cloud, drill.source.region_name)
        if drill.plan.scenario is Scenario.REGION_LOSS
        else None
    )
    return Loss(
        observation=primary.observation,
        unobserved=primary.unobserved,
        synced=primary.synced,
        fence=fence,
        t0=t0,
        started_at=started_at,
        refused=refused,
    )


def _fence(drill: Drill) -> str | None:
    """Region loss under a fence (scripts/local-cloud isolate REGION --at-loss): ask it to
    refuse the primary region's endpoints from now on, and wait until it has."""
    trigger = drill.environ.get(REGION_LOSS_VAR)
    if not trigger or drill.plan.scenario is not Scenario.REGION_LOSS:
        return None
    done = Path(f"{trigger}.done")
    Path(trigger).write_text(drill.source.region_name + "\n")
    deadline = drill.clock() + 30
    while not done.exists():
        if drill.clock() > deadline:
            raise DrillRefused(
                f"the region fence ({REGION_LOSS_VAR}={trigger}) did not answer in 30 s"
            )
        time.sleep(0.1)
    answer = done.read_text().strip()
    drill.progress.phase("lose primary", "done", answer)
    return answer
