"""The drill report as data: what the JSON file holds and what Markdown and the chart render.

Every figure is a record of the run itself (LayerRun times, engine events, copied objects), so
the human report, the machine report and the chart cannot disagree with each other or the logs.
Times are seconds from the drill's start (t0, the simulated disaster), taken on one monotonic
clock; wall-clock times appear only as UTC timestamps for people.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Scenario(StrEnum):
    REGION_LOSS = "region-loss"
    STATE_LOSS = "state-loss"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResourceStep(_Model):
    """One resource operation the engine performed, timed from its pre event to its outputs."""

    urn: str
    type: str
    op: str
    start: float
    end: float | None
    cloud: bool = Field(description="True when the step waited on the OpenStack API")
    failed: bool = False


class LayerReport(_Model):
    stack: str
    layer: str
    status: str
    waited_for: list[str]
    start: float | None
    end: float | None
    seconds: float | None = Field(
        description="Wall time of the layer's run in the drill: CLI start to stack outputs read"
    )
    engine_seconds: int | None = Field(
        default=None, description="The engine's own Duration of the update (whole seconds)"
    )
    changes: dict[str, int]
    cloud_wait_seconds: float = Field(
        description="Union of the intervals in which at least one OpenStack resource step ran"
    )
    tool_seconds: float = Field(
        description="The layer's time not spent waiting on the cloud: engine, program, plugins"
    )
    steps: list[ResourceStep]
    log: str | None
    events_log: str | None
    error: str | None = None


class RestoredContainer(_Model):
    purpose: str
    source: str = Field(description="Replica container the objects were read from")
    target: str | None = Field(description="Container of the rebuilt site they were written to")
    objects: int
    bytes: int
    verified: int = Field(description="Objects whose ETag in the target matches the replica's")
    start: float
    end: float
    problem: str | None = None


class NotRestored(_Model):
    item: str
    reason: str


class Span(_Model):
    """One timed phase, in seconds from t0."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


class LostObject(_Model):
    name: str
    reason: str
    unreplicated: bool = Field(
        default=False, description="Never reached the DR region: counted in the RPO, not a fault"
    )


class DatasetRecovery(_Model):
    """One dataset brought back readable in the DR region: keys, objects, what was lost."""

    dataset: str
    source: str = Field(description="Replica container read in the DR region")
    target: str | None = Field(description="The rebuilt site's container, re-sealed there")
    key_method: str = Field(description="escrow or shares")
    keys_recovered: list[str] = Field(description="Barbican ids of the keys recovered")
    key_problems: list[str] = Field(default_factory=list, description="Keys not recovered, why")
    manifest_version: int | None = Field(description="Newest replicated manifest, decrypted")
    objects: int = Field(description="Data objects in the replica (manifests excluded)")
    decrypted: int
    verified: int = Field(description="Decrypted objects whose SHA-256 matches the manifest")
    restored: int = Field(description="Verified objects re-sealed under the DR site's key")
    bytes: int = Field(description="Plaintext bytes verified")
    lost: list[LostObject] = Field(default_factory=list)
    rpo_seconds: float | None = Field(
        default=None,
        description="Age at t0 of the oldest write of this dataset the DR region lacks "
        "(objects not replicated, keys not escrowed); 0 when nothing is missing",
    )
    newest_unreplicated_object: str | None = None
    unescrowed_keys: list[str] = Field(default_factory=list)
    recovery: Span | None = Field(default=None, description="Key recovery")
    decrypt_verify: Span | None = Field(default=None, description="Decryption and verification")
    reseal: Span | None = Field(default=None, description="Re-sealing into the DR site")


class Target(_Model):
    """A recovery objective the site declares, against what the drill measured."""

    name: str = Field(description="RTO or RPO")
    target_seconds: float
    measured_seconds: float | None
    met: bool
    over_by_seconds: float | None = None


class RestoreReport(_Model):
    containers: list[RestoredContainer]
    not_restored: list[NotRestored]
    start: float | None
    end: float | None


class Check(_Model):
    layer: str
    name: str
    passed: bool
    detail: str


class RpoReport(_Model):
    """Recovery point: how much recent data the DR site could not have.

    objects: age at t0 of the newest primary object missing (or different) in its replica,
    observed read-only from the primary just before the simulated loss (a real disaster has only
    `since_last_sync` as a bound). keys: age at t0 of the newest dataset key of the primary (its
    escrow state is per dataset, in DrillReport.datasets).
    """

    objects_seconds: float | None
    keys_seconds: float | None
    overall_seconds: float | None
    newest_unreplicated_object: str | None
    newest_unreplicated_key: str | None
    unreplicated_objects: int
    last_sync: datetime | None
    since_last_sync_seconds: float | None
    method: str


class PhaseSpan(_Model):
    """A phase of the recovery after the layers, on the drill's clock (seconds after t0): the
    rebuilt hosts' first boot, the host suite, the flow probes."""

    name: str
    start: float
    end: float
    passed: bool
    detail: str = ""

    @property
    def seconds(self) -> float:
        return self.end - self.start


class RtoReport(_Model):
    """Recovery time: from t0 to the DR site rebuilt (rebuild), its data restored, its hosts
    booted and verified (total)."""

    total_seconds: float
    rebuild_seconds: float
    restore_seconds: float
    boot_seconds: float | None = None
    verification_seconds: float | None = None
    per_layer_seconds: dict[str, float | None]
    cloud_wait_seconds: float
    tool_seconds: float


class Cleanup(_Model):
    kept: bool
    destroyed: bool
    seconds: float | None
    detail: str


class DrillReport(_Model):
    drill_id: str
    site: str
    target: str
    scenario: Scenario
    source_region: str
    target_region: str
    separation: str = Field(description="How the DR site is kept apart from the primary")
    backend: str = Field(description="Which state backend the rebuild used (no secrets)")
    mode: str = Field(description="parallel or sequential")
    started_at: datetime
    finished_at: datetime
    commit: str | None
    outcome: Outcome
    failure: str | None = None
    rto: RtoReport
    rpo: RpoReport
    layers: list[LayerReport]
    restore: RestoreReport
    checks: list[Check]
    not_verified: list[NotRestored]
    spans: list[PhaseSpan] = Field(default_factory=list, description="Boot and verification phases")
    cleanup: Cleanup
    resumed: bool = Field(default=False, description="A previous interrupted drill was converged")
    datasets: list[DatasetRecovery] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    primary_refused: bool | None = Field(
        default=None,
        description="region-loss: whether the primary region's endpoints refused the drill "
        "after the simulated loss (None: not probed)",
    )
