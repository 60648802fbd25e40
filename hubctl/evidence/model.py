"""The evidence as typed data: what `evidence.json` holds and the page's template reads.

Field order is the JSON's key order. Records written by other tools and shown as they were read
(a workspace's closing record, an airlock request, an audit finding) stay mappings: the page
prints their keys and values, it does not judge them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from hubctl.drill.model import Check, Target


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StackCount(_Model):
    stack: str
    resources: int


class RequirementRow(_Model):
    """A requirement of the pack's references, the rules that enforce it, and whether one of
    them is enabled."""

    id: str
    framework: str
    citation: str
    summary: str
    verified: bool
    rules: list[str]
    enforced: bool


class RuleRow(_Model):
    """A rule of the pack and its verdict on each stack of the site (stack -> verdict)."""

    id: str
    description: str
    severity: str
    enforcement: str
    requirements: list[str]
    verdicts: dict[str, str]


class Finding(_Model):
    stack: str
    rule: str
    enforcement: str
    severity: str
    urn: str
    location: str
    message: str


class SuppressionRow(_Model):
    rule: str
    urn: str
    reason: str
    applied: bool


class ExemptionRow(_Model):
    """An exemption of the pack config still in force: who answers for it, when it ends."""

    kind: str
    rule: str
    target: str
    owner: str
    reason: str
    ticket: str
    expires: str | None


class DrillFacts(_Model):
    """The latest drill of the site (as protected site or as DR target)."""

    report: str
    drill_id: str
    site: str
    target: str
    scenario: str
    outcome: str
    started_at: str
    rto_seconds: float
    rpo_seconds: float | None
    checks: list[Check]
    timeline: str | None


class DatasetFacts(_Model):
    dataset: str
    objects: int
    verified: int
    lost: int
    rpo_seconds: float | None


class LastDrill(_Model):
    drill_id: str
    started_at: str
    outcome: str
    rto_seconds: float
    rpo_seconds: float | None
    targets: list[Target]
    datasets: list[DatasetFacts]


class Recovery(_Model):
    """The site's recovery objectives against the last drill, and whether it is stale."""

    rto_target_seconds: float | None
    rpo_target_seconds: float | None
    drill_max_age_seconds: float
    last_drill: LastDrill | None
    last_passing_drill_at: str | None
    last_passing_drill_age_seconds: float | None
    stale: bool
    stale_reason: str


class Shredded(_Model):
    """A crypto-shredding record of one of the site's datasets (values as the record has them)."""

    file: str
    dataset: Any
    at: Any
    keys: int
    escrow_versions_deleted: Any
    checks_passed: int
    checks: int


class AirlockProject(_Model):
    workspace: str
    source: str
    requests: list[dict[str, Any]]
    unreadable: list[Any]


class Airlock(_Model):
    projects: list[AirlockProject]
    not_read: list[str]
    live: bool


class Audit(_Model):
    """The site's latest live audit (reports/audits/), as its record says."""

    record: str
    started_at: str
    seconds: float
    partial: bool
    exit_code: int
    user: Any
    roles: Any
    projects: list[dict[str, str]]
    counts: dict[str, int]
    gaps: list[str]
    findings: list[dict[str, Any]]


class Counts(_Model):
    requirements: int
    unenforced: int
    rules: int
    verdicts: int
    failing_verdicts: int
    findings: int
    suppressions: int
    exemptions: int
    drill_checks: int
    workspaces: int
    airlock_requests: int
    airlock_releases: int
    recovery_targets: int
    recovery_datasets: int
    shredded: int
    audit_findings: int


class Evidence(_Model):
    """Everything the page shows and evidence.json holds, with the counts of each table."""

    site: str
    generated_at: str
    commit: str
    stacks: list[StackCount]
    requirements: list[RequirementRow]
    unenforced: list[str]
    rules: list[RuleRow]
    findings: list[Finding]
    suppressions: list[SuppressionRow]
    exemptions: list[ExemptionRow]
    drill: DrillFacts | None
    recovery: Recovery
    shredded: list[Shredded]
    workspaces: list[dict[str, Any]]
    airlock: Airlock
    audit: Audit | None
    counts: Counts
