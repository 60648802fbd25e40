"""A site's workspaces with their state and days left (`hubctl workspace list`), and those
due for closing (`hubctl workspace expire`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from hubctl.workspaces.common import Site, reports_dir, today
from hubctl.workspaces.manifest import ManifestError, load_manifest, manifests_of
from hubctl.workspaces.opened import OpenedWorkspace, opened_workspaces


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
