"""The record of one audit, `reports/audits/<site>-<UTC time>.json`: what the evidence page
shows as the site's latest audit (when, by whom, what was found, whether it was partial)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from hubctl.audit.run import AuditResult
from policies.formats.common import place

AUDITS_DIR = "audits"


class AuditRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    site: str
    started_at: datetime
    finished_at: datetime
    seconds: float
    partial: bool
    exit_code: int
    identity: dict[str, Any]
    backend: str
    stacks: list[str]
    projects: list[dict[str, str]]
    counts: dict[str, int]
    gaps: list[str]
    findings: list[dict[str, Any]]


def record_of(result: AuditResult, exit_code: int) -> AuditRecord:
    findings = []
    for violation in [*result.report.violations, *result.report.suppressed]:
        where = place(violation)
        findings.append(
            {
                **violation.to_json(),
                "location": f"{where.uri}:{where.line}",
                "suppressed": violation.suppressed.reason if violation.suppressed else None,
            }
        )
    return AuditRecord(
        site=result.site,
        started_at=result.started_at,
        finished_at=result.finished_at,
        seconds=round(result.seconds, 3),
        partial=result.partial,
        exit_code=exit_code,
        identity={k: v for k, v in result.identity.items() if k != "project_id"},
        backend=result.backend.split("?", 1)[0],
        stacks=result.stacks,
        projects=[
            {"project": p.project_name, "id": p.project, "region": p.region}
            for p in result.projects
        ],
        counts=result.counts(),
        gaps=[gap.line() for gap in result.gaps],
        findings=findings,
    )


def write_record(record: AuditRecord, reports: Path) -> Path:
    folder = reports / AUDITS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    stamp = record.started_at.strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{record.site}-{stamp}.json"
    path.write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


class RecordError(ValueError):
    pass


def latest_record(site: str, reports: Path) -> tuple[AuditRecord, Path] | None:
    """The newest audit record of `site` under `reports/audits/`, if any."""
    found: list[tuple[AuditRecord, Path]] = []
    for path in sorted((reports / AUDITS_DIR).glob(f"{site}-*.json")):
        try:
            record = AuditRecord.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError, ValueError) as error:
            raise RecordError(
                f"{path}: not an audit record: {str(error).splitlines()[0]}"
            ) from error
        if record.site == site:
            found.append((record, path))
    return max(found, key=lambda pair: pair[0].started_at) if found else None
