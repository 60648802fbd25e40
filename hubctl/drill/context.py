"""What the drill's phases share: the drill as asked, what it records as it goes, how its rebuild
and checks ended, and the progress it reports to.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from hubcore.stacks import Layer
from hubctl.datasets.recovery import CustodianKey, Method
from hubctl.deploy import LayerRun
from hubctl.drill.model import (
    Check,
    DatasetRecovery,
    NotRestored,
    Outcome,
    PhaseSpan,
    RestoredContainer,
)
from hubctl.drill.plan import DrillPlan
from infra.config import HubConfig


class Progress(Protocol):
    def layer(self, run: LayerRun) -> None: ...

    def phase(self, name: str, status: str, detail: str = "") -> None: ...


class _Silent:
    def layer(self, run: LayerRun) -> None:
        return None

    def phase(self, name: str, status: str, detail: str = "") -> None:
        return None


@dataclass
class Drill:
    """A drill as asked: its plan, where it reports, its options, what it tells its progress to
    and the clock it measures with."""

    plan: DrillPlan
    report_dir: Path
    keep: bool = False
    progress: Progress = field(default_factory=_Silent)
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Callable[[], float] = time.monotonic
    # How dataset keys come back in the DR region, and the custodians who present their keys.
    key_method: Method = "escrow"
    custodian_keys: tuple[CustodianKey, ...] = ()
    # Targets for this run (None: the protected site's hub:rtoTarget / hub:rpoTarget).
    rto_target: float | None = None
    rpo_target: float | None = None
    # Wait for the rebuilt hosts' first boot, then run the host suite and the flow probes on
    # them (each a span of the RTO); off on a cloud whose compute runs no guest.
    hosts: bool = True
    boot_timeout_s: float = 1800.0

    @property
    def source(self) -> HubConfig:
        return self.plan.site

    @property
    def target(self) -> HubConfig:
        return self.plan.target


@dataclass
class Records:
    """What the drill has done, filled as it goes (the restore from its own thread), so an
    interruption can still report everything known."""

    runs: dict[Layer, LayerRun] = field(default_factory=dict)
    restored: list[RestoredContainer] = field(default_factory=list)
    restore_span: list[float] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    not_verified: list[NotRestored] = field(default_factory=list)
    spans: list[PhaseSpan] = field(default_factory=list)
    restore_error: str | None = None
    verified: bool = False
    datasets: list[DatasetRecovery] = field(default_factory=list)


@dataclass(frozen=True)
class Ending:
    """How the rebuild and its checks ended: passed, or why not, and when."""

    outcome: Outcome
    failure: str | None
    finished_at: datetime
